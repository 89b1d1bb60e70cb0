//! SDP: parse and serialize a Chrome-shaped audio+video+data offer (INTEROP.md), ours against
//! Mozilla's `webrtc-sdp` and webrtc-rs `sdp`, in one run. DESIGN.md goal: parse >= 2x the
//! faster of the two. Also prints heap allocations per parse.

use std::hint::black_box;
use std::io::Cursor;

use strata_benches::{allocations, compare};

const OFFER: &str = include_str!("../../crates/sdp/tests/data/chrome_offer.sdp");

fn ours_parse() -> strata_sdp::SessionDescription {
    strata_sdp::SessionDescription::parse(black_box(OFFER)).expect("ours parses the offer")
}

fn mozilla_parse() -> webrtc_sdp::SdpSession {
    webrtc_sdp::parse_sdp(black_box(OFFER), false).expect("webrtc-sdp parses the offer")
}

fn webrtc_rs_parse() -> sdp::SessionDescription {
    sdp::SessionDescription::unmarshal(&mut Cursor::new(black_box(OFFER)))
        .expect("sdp parses the offer")
}

fn main() {
    let ours = ours_parse();
    let moz = mozilla_parse();
    let wrs = webrtc_rs_parse();
    assert_eq!(ours.media.len(), 3);
    assert_eq!(moz.media.len(), 3);
    assert_eq!(wrs.media_descriptions.len(), 3);
    println!(
        "input: Chrome-shaped offer, {} bytes, {} lines",
        OFFER.len(),
        OFFER.lines().count()
    );

    let (_, a) = allocations(ours_parse);
    let (_, b) = allocations(mozilla_parse);
    let (_, c) = allocations(webrtc_rs_parse);
    println!("allocations per parse: ours {a}, webrtc-sdp {b}, sdp (webrtc-rs) {c}");

    let p1 = compare(
        "sdp parse chrome offer",
        "webrtc-sdp",
        || {
            black_box(ours_parse());
        },
        || {
            black_box(mozilla_parse());
        },
    );
    p1.report(Some(2.0));
    let p2 = compare(
        "sdp parse chrome offer",
        "sdp(webrtc-rs)",
        || {
            black_box(ours_parse());
        },
        || {
            black_box(webrtc_rs_parse());
        },
    );
    p2.report(Some(2.0));
    let faster = if p1.theirs < p2.theirs { &p1 } else { &p2 };
    println!(
        "parse vs the faster reference ({}): {:.2}x (goal >= 2x: {})",
        faster.reference,
        faster.ratio(),
        if faster.ratio() >= 2.0 {
            "met"
        } else {
            "NOT met"
        }
    );

    let s1 = compare(
        "sdp serialize chrome offer",
        "webrtc-sdp",
        || {
            black_box(black_box(&ours).serialize());
        },
        || {
            black_box(black_box(&moz).to_string());
        },
    );
    s1.report(None);
    let s2 = compare(
        "sdp serialize chrome offer",
        "sdp(webrtc-rs)",
        || {
            black_box(black_box(&ours).serialize());
        },
        || {
            black_box(black_box(&wrs).marshal());
        },
    );
    s2.report(None);
}

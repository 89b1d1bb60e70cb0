//! The SDP corpus in `vectors/sdp` (test suites of Mozilla's webrtc-sdp and of sdp-transform):
//! every entry honours its `expect`, and every description that parses round-trips.
//!
//! Where our strict mode and the source project's verdict differ, the entry is listed below
//! with the exact first error (or the reason it is valid), so the list cannot rot silently.

use strata_sdp::{ErrorKind, Mode, SessionDescription};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/sdp/");

/// `parse_ok` entries from sdp-transform (a lenient parser) that break an RFC rule: our
/// lenient mode accepts them, our strict mode rejects them at this line for this reason.
const STRICT_REJECTS_PARSE_OK: &[(&str, usize, ErrorKind)] = &[
    // o= and c= say IP4 but carry IPv6 addresses; also `a=rtpmap:96 AppleLossless` has no
    // clock rate (RFC 8866 §6.6).
    ("sdp-transform__alac.sdp", 2, ErrorKind::AddressTypeMismatch),
    // c= before s=: RFC 8866 §5 puts s= third.
    (
        "sdp-transform__mediaclk-avbtp.sdp",
        4,
        ErrorKind::OutOfOrder(b's'),
    ),
    (
        "sdp-transform__mediaclk-ptp-v2-w-rate.sdp",
        4,
        ErrorKind::OutOfOrder(b's'),
    ),
    (
        "sdp-transform__mediaclk-ptp-v2.sdp",
        4,
        ErrorKind::OutOfOrder(b's'),
    ),
    (
        "sdp-transform__mediaclk-rtp.sdp",
        4,
        ErrorKind::OutOfOrder(b's'),
    ),
    // No t= line (RFC 8866 §5.9 requires one).
    ("sdp-transform__onvif.sdp", 4, ErrorKind::MissingLine(b't')),
    (
        "sdp-transform__tcp-active.sdp",
        4,
        ErrorKind::MissingLine(b't'),
    ),
    (
        "sdp-transform__tcp-passive.sdp",
        4,
        ErrorKind::MissingLine(b't'),
    ),
    // draft-03 simulcast syntax (`rid=1,4;2;3 paused=4`), not RFC 8853 §5.1.
    (
        "sdp-transform__simulcast.sdp",
        28,
        ErrorKind::InvalidAttribute("simulcast"),
    ),
    // `a=mid:secondary;`: `;` is not a token character (RFC 5888 §4).
    (
        "sdp-transform__st2110-20.sdp",
        23,
        ErrorKind::InvalidAttribute("mid"),
    ),
];

/// `parse_error_strict` entries that webrtc-sdp rejects only because it does not support
/// something RFC-valid; our strict mode accepts them. The needle proves the reason is still
/// in the file.
const STRICT_ACCEPTS_PARSE_ERROR: &[(&str, &str)] = &[
    // `a=rtcp-fb:120 ack foo` etc.: RFC 4585 §4.2 allows token parameters
    // (rtcp-fb-ack-param = SP token [SP byte-string]); webrtc-sdp knows only registered ones.
    ("webrtc-sdp-examples__12.sdp", "a=rtcp-fb:120 ack foo\r\n"),
    // `a=crypto` (RFC 4568) is an attribute webrtc-sdp does not implement; we keep it as an
    // unknown attribute, as RFC 8866 §5.13 says.
    (
        "webrtc-sdp-examples__41.sdp",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80",
    ),
];

/// Inputs that parse in strict mode but are not in our canonical form, so the serialized
/// text differs (the model still round-trips).
const NOT_CANONICAL: &[(&str, &str)] = &[
    (
        "sdp-transform__sctp-dtls-26.sdp",
        "a=msid-semantic: WMS \r\n",
    ), // trailing space
    ("sdp-transform__extmap-encrypt.sdp", "t=0 0\r\nc=IN IP4"), // c= after t=
    ("sdp-transform__normal.sdp", "t=0 0\r\nc=IN IP4"),
];

struct Entry {
    file: String,
    expect: String,
    text: String,
}

fn entries() -> Vec<Entry> {
    let json = std::fs::read_to_string(format!("{DIR}sdp_corpus.json")).expect("corpus json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let file = e["file"].as_str().expect("file").to_owned();
            let text = std::fs::read_to_string(format!("{DIR}{file}")).expect("sdp file");
            Entry {
                file: file.trim_start_matches("corpus/").to_owned(),
                expect: e["expect"].as_str().expect("expect").to_owned(),
                text,
            }
        })
        .collect()
}

/// Serializes and parses again: the model must be identical, whatever the mode that built it.
fn assert_model_round_trip(file: &str, sd: &SessionDescription, strict_ok: bool) {
    let text = sd.serialize();
    let again = SessionDescription::parse_with(&text, Mode::Lenient)
        .unwrap_or_else(|e| panic!("{file}: re-parse failed: {e}\n{text}"));
    assert_eq!(&again.description, sd, "{file}: model round trip");
    // Only problems the model keeps (and so writes back) may be reported again.
    assert!(
        again.warnings.iter().all(|w| matches!(
            w.kind,
            ErrorKind::AddressTypeMismatch
                | ErrorKind::MissingLine(_)
                | ErrorKind::UnknownLineType(_)
        )),
        "{file}: {:?}",
        again.warnings
    );
    if strict_ok {
        let strict = SessionDescription::parse(&text).expect("strict re-parse");
        assert_eq!(&strict, sd, "{file}: strict model round trip");
    }
}

#[test]
fn corpus_entries_honour_their_expectation() {
    let entries = entries();
    assert_eq!(entries.len(), 65, "the README announces 65 SDPs");
    let (mut ok, mut strict_err, mut lenient_invalid) = (0, 0, 0);
    let mut byte_exact = 0;
    for e in &entries {
        let f = e.file.as_str();
        let strict = SessionDescription::parse(&e.text);
        let lenient = SessionDescription::parse_with(&e.text, Mode::Lenient)
            .unwrap_or_else(|err| panic!("{f}: lenient parse failed: {err}"));
        match e.expect.as_str() {
            "parse_ok" => {
                match STRICT_REJECTS_PARSE_OK.iter().find(|x| x.0 == f) {
                    Some(&(_, line, kind)) => {
                        let err = strict.as_ref().expect_err(f);
                        assert_eq!((err.line, err.kind), (line, kind), "{f}");
                        assert!(!lenient.warnings.is_empty(), "{f}");
                    }
                    None => {
                        let sd = strict.as_ref().unwrap_or_else(|err| panic!("{f}: {err}"));
                        assert!(lenient.warnings.is_empty(), "{f}: {:?}", lenient.warnings);
                        assert_eq!(&lenient.description, sd, "{f}");
                    }
                }
                ok += 1;
            }
            "parse_error_strict" => {
                match STRICT_ACCEPTS_PARSE_ERROR.iter().find(|x| x.0 == f) {
                    Some(&(_, needle)) => {
                        assert!(e.text.contains(needle), "{f}");
                        strict.as_ref().unwrap_or_else(|err| panic!("{f}: {err}"));
                    }
                    None => {
                        let err = strict.as_ref().expect_err(f);
                        // Lenient mode skips exactly the offending line, first among others.
                        assert_eq!(lenient.warnings.first(), Some(err), "{f}");
                    }
                }
                strict_err += 1;
            }
            "lenient_parse_with_invalid_lines" => {
                assert!(strict.is_err(), "{f}");
                assert!(!lenient.warnings.is_empty(), "{f}");
                lenient_invalid += 1;
            }
            other => panic!("{f}: unknown expect {other}"),
        }
        // Round trips, wherever it parses.
        assert_model_round_trip(f, &lenient.description, strict.is_ok());
        if let Ok(sd) = &strict {
            let text = sd.serialize();
            match NOT_CANONICAL.iter().find(|x| x.0 == f) {
                Some(&(_, needle)) => {
                    assert!(e.text.contains(needle), "{f}");
                    assert_ne!(text, e.text, "{f}: listed as not canonical but is");
                }
                None => {
                    assert_eq!(text, e.text, "{f}: byte round trip");
                    byte_exact += 1;
                }
            }
        }
    }
    assert_eq!((ok, strict_err, lenient_invalid), (39, 25, 1));
    println!(
        "parse_ok {ok}, parse_error_strict {strict_err}, lenient_parse_with_invalid_lines \
         {lenient_invalid}, byte-exact round trips {byte_exact}"
    );
}

#[test]
fn corpus_invalid_keeps_unknown_line_in_place() {
    let text = std::fs::read_to_string(format!("{DIR}corpus/sdp-transform__invalid.sdp")).unwrap();
    let p = SessionDescription::parse_with(&text, Mode::Lenient).unwrap();
    let kinds: Vec<_> = p.warnings.iter().map(|w| (w.line, w.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (7, ErrorKind::InvalidAttribute("rtcp")),
            (10, ErrorKind::UnknownLineType(b'f'))
        ]
    );
    let out = p.description.serialize();
    // The unknown attribute and the unknown line come back where they were.
    assert!(out.ends_with("a=rtpmap:0 PCMU/8000\r\na=goo:hithere\r\nf=invalid:yes\r\n"));
    // The invalid a=rtcp line is dropped, as browsers do.
    assert!(!out.contains("IP7"));
    let strict = SessionDescription::parse(&text).unwrap_err();
    assert_eq!(strict.line, 7);
}

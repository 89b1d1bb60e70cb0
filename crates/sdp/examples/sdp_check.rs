//! Parses SDP files and prints the strict and lenient verdicts and whether the text
//! round-trips; `--loop N FILE` parses FILE N times (for profiling).
use strata_sdp::{Mode, SessionDescription};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--loop") {
        let n: usize = args[1].parse().unwrap();
        let s = std::fs::read_to_string(&args[2]).unwrap();
        let mut total = 0;
        for _ in 0..n {
            total += SessionDescription::parse(std::hint::black_box(&s))
                .unwrap()
                .media
                .len();
        }
        println!("{total}");
        return;
    }
    for f in &args {
        let s = std::fs::read_to_string(f).unwrap();
        let name = f.rsplit('/').next().unwrap();
        let strict = SessionDescription::parse(&s);
        let rt = match &strict {
            Ok(d) if d.serialize() == s => "RT=exact",
            Ok(_) => "RT=DIFF",
            Err(_) => "",
        };
        println!(
            "{name}: strict={:?} {rt}",
            strict.as_ref().err().map(|e| e.to_string())
        );
        match SessionDescription::parse_with(&s, Mode::Lenient) {
            Ok(p) => println!(
                "    lenient ok warnings={:?}",
                p.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>()
            ),
            Err(e) => println!("    lenient ERR {e}"),
        }
    }
}

//! strata-sdp: a standalone candidate line (trickle ICE); whatever parses must format back to
//! a line that parses to the same candidate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_sdp::Candidate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = Candidate::parse(text) {
        let line = c.to_string();
        assert_eq!(Candidate::parse(&line).expect("our own output parses"), c);
    }
});

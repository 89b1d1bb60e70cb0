//! strata-sdp: parse any text in both modes; whatever parses must re-serialize to text that
//! parses to the same model, and that text must be canonical (a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_sdp::{Mode, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for mode in [Mode::Strict, Mode::Lenient] {
        if let Ok(parsed) = SessionDescription::parse_with(text, mode) {
            let out = parsed.description.serialize();
            let again =
                SessionDescription::parse_with(&out, Mode::Lenient).expect("our own output parses");
            assert_eq!(again.description, parsed.description);
            assert_eq!(again.description.serialize(), out);
        }
    }
});

//! Parsing allocates modestly: at most one allocation per owned string, and common tokens
//! (payload type numbers, codec names, feedback types, extension URIs) borrow static strings.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use strata_sdp::SessionDescription;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CHROME: &str = include_str!("data/chrome_offer.sdp");

#[test]
fn chrome_offer_parse_allocates_less_than_once_per_line() {
    // Warm up anything lazily initialised in std.
    let _ = SessionDescription::parse(CHROME).unwrap();
    let region = Region::new(GLOBAL);
    let sd = SessionDescription::parse(CHROME).unwrap();
    let stats = region.change();
    let allocs = stats.allocations + stats.reallocations;
    let lines = CHROME.lines().count();
    println!(
        "chrome offer: {lines} lines, {allocs} allocations, {} bytes",
        stats.bytes_allocated
    );
    assert_eq!(sd.media.len(), 3);
    // 181 lines; measured 89 allocations when this test was written.
    assert!(
        allocs < lines / 2 + 10,
        "{allocs} allocations for {lines} lines"
    );
}

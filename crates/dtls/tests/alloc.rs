//! The steady-state data path allocates nothing (STYLE §2): sealing into the caller's
//! swapped buffer, opening, and events whose buffers are given back with `recycle`.

mod common;

use std::alloc::System;

use common::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use strata_dtls::Event;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn application_data_round_trip_allocates_nothing() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    p.run_until_connected();
    let (mut c, mut s) = (p.client, p.server);
    while s.poll_event().is_some() {}
    let payload = vec![7u8; 1200];
    let mut buf = Vec::with_capacity(1400);
    let mut round = |c: &mut strata_dtls::Connection, s: &mut strata_dtls::Connection| {
        c.send(&payload).unwrap();
        c.poll_transmit(p.now, &mut buf).unwrap();
        s.handle_packet(p.now, &buf).unwrap();
        match s.poll_event() {
            Some(Event::ApplicationData(d)) => {
                assert_eq!(d.len(), 1200);
                s.recycle(d);
            }
            other => panic!("{other:?}"),
        }
    };
    // Warm-up fills the buffer pools.
    for _ in 0..8 {
        round(&mut c, &mut s);
    }
    let region = Region::new(GLOBAL);
    for _ in 0..100 {
        round(&mut c, &mut s);
    }
    let st = region.change();
    assert_eq!(st.allocations + st.reallocations, 0, "{st:?}");
}

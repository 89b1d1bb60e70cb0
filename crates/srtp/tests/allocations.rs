//! No allocation per packet (DESIGN: steady-state data paths allocate nothing), counted by a
//! global allocator. Its own binary without the libtest harness (`harness = false`): the
//! harness's main thread allocates while the test thread starts, which the global count
//! caught now and then.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use strata_srtp::{Config, Context, Profile};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    protect_and_unprotect_allocate_nothing_per_packet();
    println!("allocations: 1 passed, 0 failed");
}

fn protect_and_unprotect_allocate_nothing_per_packet() {
    for profile in Profile::ALL {
        for cryptex in [false, true] {
            let config = Config {
                cryptex,
                encrypted_header_extensions: if cryptex { vec![] } else { vec![1] },
                ..Config::default()
            };
            let key = vec![1; profile.master_key_len()];
            let salt = vec![2; profile.master_salt_len()];
            let mut tx = Context::new(profile, &key, &salt, config.clone()).unwrap();
            let mut rx = Context::new(profile, &key, &salt, config).unwrap();
            let mut pkt = Vec::with_capacity(1500);
            let mut rtcp = Vec::with_capacity(1500);
            let mut run = |seq: u16| {
                pkt.clear();
                pkt.extend_from_slice(&[0x91, 96]);
                pkt.extend_from_slice(&seq.to_be_bytes());
                pkt.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3, 4]);
                pkt.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]);
                pkt.resize(1200, 0x5a);
                tx.protect_rtp(&mut pkt).unwrap();
                rx.unprotect_rtp(&mut pkt).unwrap();
                rtcp.clear();
                rtcp.extend_from_slice(&[0x80, 200, 0, 6, 0, 0, 0, 7]);
                rtcp.resize(28, 1);
                tx.protect_rtcp(&mut rtcp).unwrap();
                rx.unprotect_rtcp(&mut rtcp).unwrap();
            };
            run(65530); // creates the stream: allowed to allocate
            let region = Region::new(GLOBAL);
            for i in 0..200u16 {
                run(65531u16.wrapping_add(i)); // across the ROC wrap
            }
            let stats = region.change();
            assert_eq!(
                stats.allocations + stats.reallocations,
                0,
                "{profile:?} cryptex {cryptex}: {stats:?}"
            );
        }
    }
}

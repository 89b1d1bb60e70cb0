//! The state cookie (RFC 9260 §5.1.3): everything needed to build the association from a
//! COOKIE ECHO, signed with HMAC-SHA256 so that nothing is kept before it comes back.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const BODY_LEN: usize = 1 + 8 + 4 * 8 + 2 * 2 + 1;
const MAC_LEN: usize = 32;
/// Encoded cookie length.
pub(crate) const COOKIE_LEN: usize = BODY_LEN + MAC_LEN;
const VERSION: u8 = 1;

/// Capabilities the peer advertised in its INIT or INIT ACK.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Caps {
    pub(crate) forward_tsn: bool,
    pub(crate) reconfig: bool,
    pub(crate) i_data: bool,
    pub(crate) zero_checksum: bool,
}

impl Caps {
    fn to_bits(self) -> u8 {
        u8::from(self.forward_tsn)
            | u8::from(self.reconfig) << 1
            | u8::from(self.i_data) << 2
            | u8::from(self.zero_checksum) << 3
    }
    fn from_bits(b: u8) -> Self {
        Caps {
            forward_tsn: b & 1 != 0,
            reconfig: b & 2 != 0,
            i_data: b & 4 != 0,
            zero_checksum: b & 8 != 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cookie {
    /// Milliseconds since the association's epoch when the cookie was made.
    pub(crate) created_ms: u64,
    pub(crate) local_tag: u32,
    pub(crate) peer_tag: u32,
    pub(crate) local_tsn: u32,
    pub(crate) peer_tsn: u32,
    pub(crate) peer_rwnd: u32,
    pub(crate) local_tie: u32,
    pub(crate) peer_tie: u32,
    /// Reserved for future use (keeps the layout fixed).
    pub(crate) reserved: u32,
    pub(crate) peer_outbound: u16,
    pub(crate) peer_inbound: u16,
    pub(crate) caps: Caps,
}

fn mac(key: &[u8; 32], body: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("invariant: any key length");
    m.update(body);
    m
}

impl Cookie {
    pub(crate) fn encode(&self, key: &[u8; 32]) -> [u8; COOKIE_LEN] {
        let mut b = [0u8; COOKIE_LEN];
        b[0] = VERSION;
        b[1..9].copy_from_slice(&self.created_ms.to_be_bytes());
        let words = [
            self.local_tag,
            self.peer_tag,
            self.local_tsn,
            self.peer_tsn,
            self.peer_rwnd,
            self.local_tie,
            self.peer_tie,
            self.reserved,
        ];
        for (i, w) in words.iter().enumerate() {
            b[9 + 4 * i..13 + 4 * i].copy_from_slice(&w.to_be_bytes());
        }
        b[41..43].copy_from_slice(&self.peer_outbound.to_be_bytes());
        b[43..45].copy_from_slice(&self.peer_inbound.to_be_bytes());
        b[45] = self.caps.to_bits();
        let tag = mac(key, &b[..BODY_LEN]).finalize().into_bytes();
        b[BODY_LEN..].copy_from_slice(&tag);
        b
    }

    /// Verifies the MAC (constant time) and decodes. `None` for anything forged or malformed.
    pub(crate) fn decode(b: &[u8], key: &[u8; 32]) -> Option<Self> {
        if b.len() != COOKIE_LEN || b[0] != VERSION {
            return None;
        }
        mac(key, &b[..BODY_LEN]).verify_slice(&b[BODY_LEN..]).ok()?;
        let w = |i: usize| u32::from_be_bytes(b[9 + 4 * i..13 + 4 * i].try_into().expect("4"));
        Some(Cookie {
            created_ms: u64::from_be_bytes(b[1..9].try_into().expect("8")),
            local_tag: w(0),
            peer_tag: w(1),
            local_tsn: w(2),
            peer_tsn: w(3),
            peer_rwnd: w(4),
            local_tie: w(5),
            peer_tie: w(6),
            reserved: w(7),
            peer_outbound: u16::from_be_bytes([b[41], b[42]]),
            peer_inbound: u16::from_be_bytes([b[43], b[44]]),
            caps: Caps::from_bits(b[45]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Cookie {
        Cookie {
            created_ms: 1234,
            local_tag: 1,
            peer_tag: 2,
            local_tsn: 3,
            peer_tsn: 4,
            peer_rwnd: 5,
            local_tie: 0,
            peer_tie: 0,
            reserved: 0,
            peer_outbound: 6,
            peer_inbound: 7,
            caps: Caps {
                forward_tsn: true,
                reconfig: true,
                i_data: false,
                zero_checksum: true,
            },
        }
    }

    #[test]
    fn cookie_round_trips() {
        let key = [7u8; 32];
        let c = sample();
        assert_eq!(Cookie::decode(&c.encode(&key), &key), Some(c));
    }

    #[test]
    fn forged_or_rekeyed_cookie_is_rejected() {
        let key = [7u8; 32];
        let enc = sample().encode(&key);
        for i in 0..COOKIE_LEN {
            let mut b = enc;
            b[i] ^= 0x40;
            assert_eq!(Cookie::decode(&b, &key), None, "byte {i}");
        }
        assert_eq!(Cookie::decode(&enc, &[8u8; 32]), None);
        assert_eq!(Cookie::decode(&enc[..COOKIE_LEN - 1], &key), None);
    }
}

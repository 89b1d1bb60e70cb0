//! The SCTP common header and CRC32c checksum (RFC 9260 §3.1, Appendix A).

use super::WireError;
use super::chunk::ChunkIter;

/// Length of the common header.
pub const HEADER_LEN: usize = 12;

mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const VTAG: Range<usize> = 4..8;
    pub const CHECKSUM: Range<usize> = 8..12;
}

/// A zero-copy view of an SCTP packet (RFC 9260 §3).
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer, checking that it holds at least the common header. No accessor of the
    /// result can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated("common header"));
        }
        Ok(Packet { buffer })
    }
    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[r];
        u16::from_be_bytes([b[0], b[1]])
    }
    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }
    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }
    /// Verification tag (RFC 9260 §8.5).
    pub fn verification_tag(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::VTAG];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }
    /// The checksum field as stored: CRC32c in little-endian byte order (RFC 9260 App. A).
    pub fn checksum(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    /// The chunk area.
    pub fn chunk_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
    /// Iterates the chunks.
    pub fn chunks(&self) -> ChunkIter<'_> {
        ChunkIter::new(self.chunk_bytes())
    }
    /// Recomputes the CRC32c with the checksum field zeroed.
    pub fn compute_checksum(&self) -> u32 {
        compute_crc32c(self.buffer.as_ref())
    }
    /// True when the stored checksum matches (always true under `cfg(fuzzing)`).
    pub fn verify_checksum(&self) -> bool {
        cfg!(fuzzing) || self.checksum() == self.compute_checksum()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the common header fields (checksum left zero).
    pub fn set_header(&mut self, src_port: u16, dst_port: u16, vtag: u32) {
        let b = self.buffer.as_mut();
        b[field::SRC_PORT].copy_from_slice(&src_port.to_be_bytes());
        b[field::DST_PORT].copy_from_slice(&dst_port.to_be_bytes());
        b[field::VTAG].copy_from_slice(&vtag.to_be_bytes());
        b[field::CHECKSUM].fill(0);
    }
    /// Computes and stores the CRC32c (RFC 9260 App. A).
    pub fn fill_checksum(&mut self) {
        let c = compute_crc32c(self.buffer.as_ref());
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&c.to_le_bytes());
    }
    /// Stores a zero checksum (RFC 9653 §5; only when the peer accepts it).
    pub fn zero_checksum(&mut self) {
        self.buffer.as_mut()[field::CHECKSUM].fill(0);
    }
}

/// CRC32c over an SCTP packet with its checksum field taken as zero.
fn compute_crc32c(b: &[u8]) -> u32 {
    let c = crc32c::crc32c(&b[..8]);
    let c = crc32c::crc32c_append(c, &[0; 4]);
    crc32c::crc32c_append(c, &b[HEADER_LEN..])
}

/// The common header as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketHeader {
    /// Source port (5000 by default in WebRTC, RFC 8841).
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Verification tag.
    pub verification_tag: u32,
}

impl PacketHeader {
    /// Reads the header of a checked packet.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Self {
        PacketHeader {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            verification_tag: p.verification_tag(),
        }
    }
    /// Writes the header into the first 12 bytes of `buf` (checksum zero).
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet { buffer: buf };
        p.set_header(self.src_port, self.dst_port, self.verification_tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3720_b4_crc32c_vectors() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/sctp/crc32c_rfc3720.json"
        ))
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut n = 0;
        for vec in v["vectors"].as_array().unwrap() {
            let data = hex::decode(vec["data"].as_str().unwrap()).unwrap();
            let want = u32::from_str_radix(
                vec["crc32c_value"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("0x"),
                16,
            )
            .unwrap();
            let got = crc32c::crc32c(&data);
            assert_eq!(got, want, "{}", vec["name"]);
            if let Some(printed) = vec["crc_bytes_as_printed_in_rfc"].as_str() {
                // The RFC prints the wire bytes: little-endian, as SCTP stores them.
                assert_eq!(hex::encode(got.to_le_bytes()), printed);
            }
            n += 1;
        }
        assert_eq!(n, 6);
    }

    #[test]
    fn checksum_is_stored_little_endian() {
        let mut b = [0u8; 16];
        b[12] = 0x0b; // COOKIE-ACK
        b[15] = 4;
        let mut p = Packet::new_checked(&mut b[..]).unwrap();
        p.set_header(5000, 5000, 0x01020304);
        p.fill_checksum();
        let crc = crc32c::crc32c(&{
            let mut c = b;
            c[8..12].fill(0);
            c
        });
        assert_eq!(b[8..12], crc.to_le_bytes());
        assert!(Packet::new_checked(&b[..]).unwrap().verify_checksum());
        b[13] ^= 1;
        assert!(!Packet::new_checked(&b[..]).unwrap().verify_checksum());
    }

    #[test]
    fn short_packet_is_rejected() {
        assert_eq!(
            Packet::new_checked(&[0u8; 11][..]).unwrap_err(),
            WireError::Truncated("common header")
        );
    }
}

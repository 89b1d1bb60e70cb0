//! The few RTP and RTCP header fields SRTP needs (RFC 3550 §5.1, §6.4.1). Private: this
//! crate does not depend on an RTP crate; full parsing belongs elsewhere.

use crate::Error;

/// Fixed RTP header length (RFC 3550 §5.1).
pub(crate) const RTP_FIXED: usize = 12;
/// RTCP header plus sender SSRC: the part SRTCP never encrypts (RFC 3711 §3.4).
pub(crate) const RTCP_FIXED: usize = 8;

/// What SRTP reads from an RTP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    /// Header length including CSRCs and the extension: where the payload starts.
    pub len: usize,
    pub seq: u16,
    pub ssrc: u32,
    /// Offset of the extension header (the 4-byte profile/length word), if X is set.
    pub ext: Option<usize>,
}

impl RtpHeader {
    /// Length of the CSRC list in bytes.
    pub fn len_csrc(&self) -> usize {
        self.ext.unwrap_or(self.len).min(self.len) - RTP_FIXED
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// RFC 3550 §5.1 and §5.3.1: version, CSRC count, extension length.
pub(crate) fn parse_rtp(buf: &[u8]) -> Result<RtpHeader, Error> {
    if buf.len() < RTP_FIXED {
        return Err(Error::TooShort);
    }
    if buf[0] >> 6 != 2 {
        return Err(Error::BadVersion);
    }
    let mut len = RTP_FIXED + 4 * usize::from(buf[0] & 0x0f);
    let mut ext = None;
    if buf[0] & 0x10 != 0 {
        if buf.len() < len + 4 {
            return Err(Error::TooShort);
        }
        ext = Some(len);
        len += 4 + 4 * usize::from(be16(buf, len + 2));
    }
    if buf.len() < len {
        return Err(Error::TooShort);
    }
    Ok(RtpHeader {
        len,
        seq: be16(buf, 2),
        ssrc: be32(buf, 8),
        ext,
    })
}

/// RFC 3550 §6.4.1: the sender SSRC of the first packet of a compound packet.
pub(crate) fn parse_rtcp(buf: &[u8]) -> Result<u32, Error> {
    if buf.len() < RTCP_FIXED {
        return Err(Error::TooShort);
    }
    if buf[0] >> 6 != 2 {
        return Err(Error::BadVersion);
    }
    Ok(be32(buf, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_header_with_csrc_and_extension() {
        let pkt =
            hex::decode("920f1238decafbadcafebabe0001e2400000b26ebede000151000200abab").unwrap();
        let h = parse_rtp(&pkt).unwrap();
        assert_eq!(h.len, 12 + 8 + 8);
        assert_eq!(h.seq, 0x1238);
        assert_eq!(h.ssrc, 0xcafebabe);
        assert_eq!(h.ext, Some(20));
    }

    #[test]
    fn rtp_header_truncated_extension_is_too_short() {
        let pkt = hex::decode("900f1234decafbadcafebabebede0006174142").unwrap();
        assert_eq!(parse_rtp(&pkt), Err(Error::TooShort));
        assert_eq!(parse_rtp(&pkt[..14]), Err(Error::TooShort));
    }

    #[test]
    fn rtp_version_must_be_two() {
        let pkt = hex::decode("400f1234decafbadcafebabe").unwrap();
        assert_eq!(parse_rtp(&pkt), Err(Error::BadVersion));
        assert_eq!(parse_rtcp(&pkt), Err(Error::BadVersion));
    }
}

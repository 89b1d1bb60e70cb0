//! Parameters (RFC 9260 §3.3.2.1, §3.3.3.1; RFC 3758 §3.1; RFC 6525 §4; RFC 5061 §4.2.7;
//! RFC 9653 §4).

use super::{Cursor, TlvIter, WireError, Writer, tlv_len, write_tlv};

/// A parameter type: an open wire enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamType(pub u16);

impl ParamType {
    /// RFC 9260 §3.3.5.
    pub const HEARTBEAT_INFO: Self = Self(1);
    /// RFC 9260 §3.3.2.1.
    pub const IPV4_ADDRESS: Self = Self(5);
    /// RFC 9260 §3.3.2.1.
    pub const IPV6_ADDRESS: Self = Self(6);
    /// RFC 9260 §3.3.3.1.
    pub const STATE_COOKIE: Self = Self(7);
    /// RFC 9260 §3.3.3.1.
    pub const UNRECOGNIZED_PARAMETER: Self = Self(8);
    /// RFC 9260 §3.3.2.1.
    pub const COOKIE_PRESERVATIVE: Self = Self(9);
    /// RFC 9260 §3.3.2.1.
    pub const HOST_NAME_ADDRESS: Self = Self(11);
    /// RFC 9260 §3.3.2.1.
    pub const SUPPORTED_ADDRESS_TYPES: Self = Self(12);
    /// RFC 6525 §4.1.
    pub const OUTGOING_SSN_RESET: Self = Self(13);
    /// RFC 6525 §4.2.
    pub const INCOMING_SSN_RESET: Self = Self(14);
    /// RFC 6525 §4.3.
    pub const SSN_TSN_RESET: Self = Self(15);
    /// RFC 6525 §4.4.
    pub const RECONFIG_RESPONSE: Self = Self(16);
    /// RFC 6525 §4.5.
    pub const ADD_OUTGOING_STREAMS: Self = Self(17);
    /// RFC 6525 §4.6.
    pub const ADD_INCOMING_STREAMS: Self = Self(18);
    /// RFC 9653 §4.
    pub const ZERO_CHECKSUM_ACCEPTABLE: Self = Self(0x8001);
    /// RFC 4895 §3.1.
    pub const RANDOM: Self = Self(0x8002);
    /// RFC 4895 §3.2.
    pub const CHUNK_LIST: Self = Self(0x8003);
    /// RFC 4895 §3.3.
    pub const HMAC_ALGO: Self = Self(0x8004);
    /// RFC 5061 §4.2.7.
    pub const SUPPORTED_EXTENSIONS: Self = Self(0x8008);
    /// RFC 3758 §3.1.
    pub const FORWARD_TSN_SUPPORTED: Self = Self(0xC000);

    /// What to do with an unrecognized parameter, from its two upper bits (RFC 9260 §3.2.1).
    pub const fn unknown_action(self) -> UnknownAction {
        UnknownAction::from_bits((self.0 >> 14) as u8)
    }
}

/// Handling of an unrecognized chunk or parameter by its upper two bits (RFC 9260 §3.2, §3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownAction {
    /// Keep processing the rest (bit `10`); otherwise stop.
    pub skip: bool,
    /// Report it to the peer (bit `01`).
    pub report: bool,
}

impl UnknownAction {
    pub(crate) const fn from_bits(b: u8) -> Self {
        UnknownAction {
            skip: b & 0b10 != 0,
            report: b & 0b01 != 0,
        }
    }
}

/// A parameter, parsed. Unknown types keep their raw value so that they round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Param<'a> {
    /// RFC 9260 §3.3.5: opaque sender data echoed in HEARTBEAT ACK.
    HeartbeatInfo(&'a [u8]),
    /// RFC 9260 §3.3.3.1: the state cookie of an INIT ACK.
    StateCookie(&'a [u8]),
    /// RFC 9260 §3.3.3.1: a copy of a parameter the peer did not recognize.
    UnrecognizedParameter(&'a [u8]),
    /// RFC 9260 §3.3.2.1: suggested cookie life-span increment in ms.
    CookiePreservative(u32),
    /// RFC 3758 §3.1.
    ForwardTsnSupported,
    /// RFC 5061 §4.2.7: chunk types the sender supports.
    SupportedExtensions(&'a [u8]),
    /// RFC 9653 §4: the sender accepts a zero checksum with this alternate error detection method.
    ZeroChecksumAcceptable(u32),
    /// RFC 6525 §4.1.
    OutgoingSsnReset {
        /// Re-configuration request sequence number.
        request_seq: u32,
        /// Last response sequence number the sender saw.
        response_seq: u32,
        /// Last TSN the sender assigned.
        last_tsn: u32,
        /// Stream ids (2 bytes each); empty means all streams.
        streams: StreamList<'a>,
    },
    /// RFC 6525 §4.2.
    IncomingSsnReset {
        /// Re-configuration request sequence number.
        request_seq: u32,
        /// Stream ids; empty means all streams.
        streams: StreamList<'a>,
    },
    /// RFC 6525 §4.3.
    SsnTsnReset {
        /// Re-configuration request sequence number.
        request_seq: u32,
    },
    /// RFC 6525 §4.4.
    ReconfigResponse {
        /// The request sequence number answered.
        response_seq: u32,
        /// Result code (RFC 6525 §4.4).
        result: ReconfigResult,
        /// Sender's next TSN and receiver's next TSN (only for SSN/TSN reset).
        tsns: Option<(u32, u32)>,
    },
    /// RFC 6525 §4.5.
    AddOutgoingStreams {
        /// Re-configuration request sequence number.
        request_seq: u32,
        /// Number of new streams.
        new_streams: u16,
    },
    /// RFC 6525 §4.6.
    AddIncomingStreams {
        /// Re-configuration request sequence number.
        request_seq: u32,
        /// Number of new streams.
        new_streams: u16,
    },
    /// Any other type, raw (addresses, AUTH parameters, unknown).
    Other {
        /// The type.
        ty: ParamType,
        /// The value.
        value: &'a [u8],
    },
}

/// A list of 16-bit stream ids on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamList<'a>(&'a [u8]);

impl<'a> StreamList<'a> {
    /// Wraps bytes holding big-endian u16s (an odd trailing byte is ignored).
    pub fn from_bytes(b: &'a [u8]) -> Self {
        StreamList(&b[..b.len() & !1])
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
    /// Number of stream ids.
    pub fn len(&self) -> usize {
        self.0.len() / 2
    }
    /// True when empty (meaning "all streams" in RFC 6525).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The stream ids.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.0
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
    }
}

/// Encodes stream ids for a [`StreamList`].
pub fn encode_streams(ids: &[u16]) -> Vec<u8> {
    ids.iter().flat_map(|i| i.to_be_bytes()).collect()
}

/// RFC 6525 §4.4 result codes: an open wire enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconfigResult(pub u32);

impl ReconfigResult {
    /// Success - Nothing to do.
    pub const SUCCESS_NOTHING_TO_DO: Self = Self(0);
    /// Success - Performed.
    pub const SUCCESS_PERFORMED: Self = Self(1);
    /// Denied.
    pub const DENIED: Self = Self(2);
    /// Error - Wrong SSN.
    pub const ERROR_WRONG_SSN: Self = Self(3);
    /// Error - Request already in progress.
    pub const ERROR_REQUEST_ALREADY_IN_PROGRESS: Self = Self(4);
    /// Error - Bad Sequence Number.
    pub const ERROR_BAD_SEQUENCE_NUMBER: Self = Self(5);
    /// In progress.
    pub const IN_PROGRESS: Self = Self(6);
}

impl<'a> Param<'a> {
    /// Parses one parameter from its type and value.
    pub fn parse(ty: u16, value: &'a [u8]) -> Result<Self, WireError> {
        let mut c = Cursor::new(value, "parameter");
        let p = match ParamType(ty) {
            ParamType::HEARTBEAT_INFO => Param::HeartbeatInfo(c.rest()),
            ParamType::STATE_COOKIE => Param::StateCookie(c.rest()),
            ParamType::UNRECOGNIZED_PARAMETER => Param::UnrecognizedParameter(c.rest()),
            ParamType::COOKIE_PRESERVATIVE => Param::CookiePreservative(c.u32()?),
            ParamType::FORWARD_TSN_SUPPORTED => Param::ForwardTsnSupported,
            ParamType::SUPPORTED_EXTENSIONS => Param::SupportedExtensions(c.rest()),
            ParamType::ZERO_CHECKSUM_ACCEPTABLE => Param::ZeroChecksumAcceptable(c.u32()?),
            ParamType::OUTGOING_SSN_RESET => {
                let request_seq = c.u32()?;
                let response_seq = c.u32()?;
                let last_tsn = c.u32()?;
                let rest = c.rest();
                if !rest.len().is_multiple_of(2) {
                    return Err(WireError::BadLength {
                        what: "outgoing SSN reset",
                        len: value.len(),
                    });
                }
                Param::OutgoingSsnReset {
                    request_seq,
                    response_seq,
                    last_tsn,
                    streams: StreamList(rest),
                }
            }
            ParamType::INCOMING_SSN_RESET => {
                let request_seq = c.u32()?;
                let rest = c.rest();
                if !rest.len().is_multiple_of(2) {
                    return Err(WireError::BadLength {
                        what: "incoming SSN reset",
                        len: value.len(),
                    });
                }
                Param::IncomingSsnReset {
                    request_seq,
                    streams: StreamList(rest),
                }
            }
            ParamType::SSN_TSN_RESET => Param::SsnTsnReset {
                request_seq: c.u32()?,
            },
            ParamType::RECONFIG_RESPONSE => {
                let response_seq = c.u32()?;
                let result = ReconfigResult(c.u32()?);
                let tsns = if c.peek_len() >= 8 {
                    Some((c.u32()?, c.u32()?))
                } else {
                    None
                };
                Param::ReconfigResponse {
                    response_seq,
                    result,
                    tsns,
                }
            }
            ParamType::ADD_OUTGOING_STREAMS | ParamType::ADD_INCOMING_STREAMS => {
                let request_seq = c.u32()?;
                let new_streams = c.u16()?;
                let _reserved = c.u16()?;
                if ty == ParamType::ADD_OUTGOING_STREAMS.0 {
                    Param::AddOutgoingStreams {
                        request_seq,
                        new_streams,
                    }
                } else {
                    Param::AddIncomingStreams {
                        request_seq,
                        new_streams,
                    }
                }
            }
            other => Param::Other {
                ty: other,
                value: c.rest(),
            },
        };
        c.finish()?;
        Ok(p)
    }

    /// The parameter type.
    pub fn param_type(&self) -> ParamType {
        match self {
            Param::HeartbeatInfo(_) => ParamType::HEARTBEAT_INFO,
            Param::StateCookie(_) => ParamType::STATE_COOKIE,
            Param::UnrecognizedParameter(_) => ParamType::UNRECOGNIZED_PARAMETER,
            Param::CookiePreservative(_) => ParamType::COOKIE_PRESERVATIVE,
            Param::ForwardTsnSupported => ParamType::FORWARD_TSN_SUPPORTED,
            Param::SupportedExtensions(_) => ParamType::SUPPORTED_EXTENSIONS,
            Param::ZeroChecksumAcceptable(_) => ParamType::ZERO_CHECKSUM_ACCEPTABLE,
            Param::OutgoingSsnReset { .. } => ParamType::OUTGOING_SSN_RESET,
            Param::IncomingSsnReset { .. } => ParamType::INCOMING_SSN_RESET,
            Param::SsnTsnReset { .. } => ParamType::SSN_TSN_RESET,
            Param::ReconfigResponse { .. } => ParamType::RECONFIG_RESPONSE,
            Param::AddOutgoingStreams { .. } => ParamType::ADD_OUTGOING_STREAMS,
            Param::AddIncomingStreams { .. } => ParamType::ADD_INCOMING_STREAMS,
            Param::Other { ty, .. } => *ty,
        }
    }

    fn value_len(&self) -> usize {
        match self {
            Param::HeartbeatInfo(v)
            | Param::StateCookie(v)
            | Param::UnrecognizedParameter(v)
            | Param::SupportedExtensions(v)
            | Param::Other { value: v, .. } => v.len(),
            Param::CookiePreservative(_) | Param::ZeroChecksumAcceptable(_) => 4,
            Param::ForwardTsnSupported => 0,
            Param::OutgoingSsnReset { streams, .. } => 12 + streams.0.len(),
            Param::IncomingSsnReset { streams, .. } => 4 + streams.0.len(),
            Param::SsnTsnReset { .. } => 4,
            Param::ReconfigResponse { tsns, .. } => 8 + if tsns.is_some() { 8 } else { 0 },
            Param::AddOutgoingStreams { .. } | Param::AddIncomingStreams { .. } => 8,
        }
    }

    /// Encoded length including header and padding.
    pub fn buffer_len(&self) -> usize {
        tlv_len(self.value_len())
    }

    /// Writes the parameter (with padding) into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) {
        let mut w = Writer::new(buf);
        self.write(&mut w);
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        let ty = self.param_type().0;
        match self {
            Param::HeartbeatInfo(v)
            | Param::StateCookie(v)
            | Param::UnrecognizedParameter(v)
            | Param::SupportedExtensions(v)
            | Param::Other { value: v, .. } => write_tlv(w, ty, v),
            _ => {
                w.u16(ty);
                w.u16((4 + self.value_len()) as u16);
                match *self {
                    Param::CookiePreservative(v) | Param::ZeroChecksumAcceptable(v) => w.u32(v),
                    Param::OutgoingSsnReset {
                        request_seq,
                        response_seq,
                        last_tsn,
                        streams,
                    } => {
                        w.u32(request_seq);
                        w.u32(response_seq);
                        w.u32(last_tsn);
                        w.bytes(streams.0);
                    }
                    Param::IncomingSsnReset {
                        request_seq,
                        streams,
                    } => {
                        w.u32(request_seq);
                        w.bytes(streams.0);
                    }
                    Param::SsnTsnReset { request_seq } => w.u32(request_seq),
                    Param::ReconfigResponse {
                        response_seq,
                        result,
                        tsns,
                    } => {
                        w.u32(response_seq);
                        w.u32(result.0);
                        if let Some((a, b)) = tsns {
                            w.u32(a);
                            w.u32(b);
                        }
                    }
                    Param::AddOutgoingStreams {
                        request_seq,
                        new_streams,
                    }
                    | Param::AddIncomingStreams {
                        request_seq,
                        new_streams,
                    } => {
                        w.u32(request_seq);
                        w.u16(new_streams);
                        w.u16(0);
                    }
                    _ => {}
                }
                w.pad();
            }
        }
    }
}

/// A validated list of parameters, borrowed from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a>(&'a [u8]);

impl<'a> Params<'a> {
    /// Validates the TLV framing and every known parameter's body.
    pub fn parse(b: &'a [u8]) -> Result<Self, WireError> {
        for r in TlvIter::new(b, "parameters") {
            let (ty, v) = r?;
            Param::parse(ty, v)?;
        }
        Ok(Params(b))
    }
    /// The raw bytes (for re-emission).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
    /// Iterates the parameters with their raw TLV bytes (needed to report unrecognized ones).
    pub fn iter(&self) -> impl Iterator<Item = Param<'a>> + 'a {
        TlvIter::new(self.0, "parameters")
            .filter_map(|r| r.ok())
            .filter_map(|(ty, v)| Param::parse(ty, v).ok())
    }
    /// Iterates `(raw tlv bytes, param)` pairs.
    pub fn iter_raw(&self) -> impl Iterator<Item = (&'a [u8], Param<'a>)> + 'a {
        let base = self.0;
        let mut off = 0usize;
        TlvIter::new(self.0, "parameters")
            .filter_map(|r| r.ok())
            .filter_map(move |(ty, v)| {
                let len = 4 + v.len();
                let raw = &base[off..off + len];
                off = (off + super::pad4(len)).min(base.len());
                Param::parse(ty, v).ok().map(|p| (raw, p))
            })
    }
}

/// Encodes parameters into an owned byte list (for building INIT and RE-CONFIG chunks).
pub fn encode_params(params: &[Param<'_>]) -> Vec<u8> {
    let len = params.iter().map(Param::buffer_len).sum();
    let mut out = vec![0; len];
    let mut w = Writer::new(&mut out);
    for p in params {
        p.write(&mut w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_param_actions_follow_upper_bits() {
        assert_eq!(
            ParamType(0x0123).unknown_action(),
            UnknownAction {
                skip: false,
                report: false
            }
        );
        assert!(ParamType(0x4000).unknown_action().report);
        assert!(!ParamType(0x4000).unknown_action().skip);
        assert!(ParamType(0x8008).unknown_action().skip);
        let a = ParamType(0xC000).unknown_action();
        assert!(a.skip && a.report);
    }

    #[test]
    fn rfc6525_params_round_trip() {
        let s = encode_streams(&[1, 2, 3]);
        let ps = [
            Param::OutgoingSsnReset {
                request_seq: 1,
                response_seq: 2,
                last_tsn: 3,
                streams: StreamList::from_bytes(&s),
            },
            Param::IncomingSsnReset {
                request_seq: 9,
                streams: StreamList::from_bytes(&s[..2]),
            },
            Param::ReconfigResponse {
                response_seq: 7,
                result: ReconfigResult::IN_PROGRESS,
                tsns: Some((1, 2)),
            },
            Param::AddOutgoingStreams {
                request_seq: 4,
                new_streams: 16,
            },
            Param::ForwardTsnSupported,
            Param::Other {
                ty: ParamType(0x7777),
                value: b"abc",
            },
        ];
        let bytes = encode_params(&ps);
        let parsed: Vec<_> = Params::parse(&bytes).unwrap().iter().collect();
        assert_eq!(parsed, ps);
    }

    #[test]
    fn truncated_param_is_an_error() {
        assert!(Params::parse(&[0, 13, 0, 8, 0, 0, 0, 1]).is_err());
        assert!(Params::parse(&[0, 7, 0, 3]).is_err());
        assert!(Params::parse(&[0, 7, 0, 9, 1]).is_err());
    }
}

//! Chunks (RFC 9260 §3.2, §3.3; RFC 3758 §3.2; RFC 6525 §3.1; RFC 8260 §2).

use super::cause::Causes;
use super::param::{Params, UnknownAction};
use super::{Cursor, WireError, Writer, pad4};
use crate::serial::{Mid, Ssn, Tsn};

/// A chunk type: an open wire enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkType(pub u8);

impl ChunkType {
    /// RFC 9260 §3.3.1.
    pub const DATA: Self = Self(0);
    /// RFC 9260 §3.3.2.
    pub const INIT: Self = Self(1);
    /// RFC 9260 §3.3.3.
    pub const INIT_ACK: Self = Self(2);
    /// RFC 9260 §3.3.4.
    pub const SACK: Self = Self(3);
    /// RFC 9260 §3.3.5.
    pub const HEARTBEAT: Self = Self(4);
    /// RFC 9260 §3.3.6.
    pub const HEARTBEAT_ACK: Self = Self(5);
    /// RFC 9260 §3.3.7.
    pub const ABORT: Self = Self(6);
    /// RFC 9260 §3.3.8.
    pub const SHUTDOWN: Self = Self(7);
    /// RFC 9260 §3.3.9.
    pub const SHUTDOWN_ACK: Self = Self(8);
    /// RFC 9260 §3.3.10.
    pub const ERROR: Self = Self(9);
    /// RFC 9260 §3.3.11.
    pub const COOKIE_ECHO: Self = Self(10);
    /// RFC 9260 §3.3.12.
    pub const COOKIE_ACK: Self = Self(11);
    /// RFC 9260 §3.3.13.
    pub const SHUTDOWN_COMPLETE: Self = Self(14);
    /// RFC 8260 §2.1.
    pub const I_DATA: Self = Self(64);
    /// RFC 6525 §3.1.
    pub const RE_CONFIG: Self = Self(130);
    /// RFC 3758 §3.2.
    pub const FORWARD_TSN: Self = Self(192);
    /// RFC 8260 §2.2.
    pub const I_FORWARD_TSN: Self = Self(194);

    /// What to do with an unrecognized chunk, from its two upper bits (RFC 9260 §3.2).
    pub const fn unknown_action(self) -> UnknownAction {
        UnknownAction::from_bits(self.0 >> 6)
    }
}

/// A chunk as framed on the wire: type, flags and value (without header or padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawChunk<'a> {
    /// Chunk type.
    pub ty: ChunkType,
    /// Chunk flags.
    pub flags: u8,
    /// The value (length field minus the 4-byte header).
    pub value: &'a [u8],
    /// The whole chunk as received, header included, padding excluded.
    pub raw: &'a [u8],
}

/// Iterates the chunks of a packet. The final chunk may omit its padding.
#[derive(Debug, Clone)]
pub struct ChunkIter<'a> {
    buf: &'a [u8],
}

impl<'a> ChunkIter<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        ChunkIter { buf }
    }
}

impl<'a> Iterator for ChunkIter<'a> {
    type Item = Result<RawChunk<'a>, WireError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        if self.buf.len() < 4 {
            self.buf = &[];
            return Some(Err(WireError::Truncated("chunk header")));
        }
        let len = usize::from(u16::from_be_bytes([self.buf[2], self.buf[3]]));
        if len < 4 || len > self.buf.len() {
            self.buf = &[];
            return Some(Err(WireError::BadLength { what: "chunk", len }));
        }
        let c = RawChunk {
            ty: ChunkType(self.buf[0]),
            flags: self.buf[1],
            value: &self.buf[4..len],
            raw: &self.buf[..len],
        };
        self.buf = &self.buf[pad4(len).min(self.buf.len())..];
        Some(Ok(c))
    }
}

/// DATA chunk flag bits (RFC 9260 §3.3.1, RFC 7053 §3).
pub mod data_flags {
    /// Ending fragment.
    pub const E: u8 = 0x01;
    /// Beginning fragment.
    pub const B: u8 = 0x02;
    /// Unordered.
    pub const U: u8 = 0x04;
    /// Immediate SACK requested (RFC 7053).
    pub const I: u8 = 0x08;
}

/// DATA (RFC 9260 §3.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Data<'a> {
    /// Flags (`data_flags`).
    pub flags: u8,
    /// Transmission sequence number.
    pub tsn: Tsn,
    /// Stream identifier.
    pub stream_id: u16,
    /// Stream sequence number.
    pub ssn: Ssn,
    /// Payload protocol identifier.
    pub ppid: u32,
    /// User data.
    pub payload: &'a [u8],
}

/// Length of the DATA header (chunk header included).
pub const DATA_HEADER_LEN: usize = 16;
/// Length of the I-DATA header (chunk header included).
pub const I_DATA_HEADER_LEN: usize = 20;

/// I-DATA (RFC 8260 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IData<'a> {
    /// Flags (`data_flags`).
    pub flags: u8,
    /// Transmission sequence number.
    pub tsn: Tsn,
    /// Stream identifier.
    pub stream_id: u16,
    /// Message identifier.
    pub mid: Mid,
    /// PPID when B is set, Fragment Sequence Number otherwise.
    pub ppid_or_fsn: u32,
    /// User data.
    pub payload: &'a [u8],
}

/// INIT and INIT ACK (RFC 9260 §3.3.2, §3.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Init<'a> {
    /// Initiate tag: the tag the peer must put in packets to the sender.
    pub initiate_tag: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    /// Number of outbound streams.
    pub outbound_streams: u16,
    /// Maximum inbound streams.
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: Tsn,
    /// Optional and variable-length parameters.
    pub params: Params<'a>,
}

/// SACK (RFC 9260 §3.3.4). Gap blocks and duplicate TSNs are borrowed from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sack<'a> {
    /// Cumulative TSN ack.
    pub cum_tsn_ack: Tsn,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    gaps: &'a [u8],
    dups: &'a [u8],
}

impl<'a> Sack<'a> {
    /// Builds a SACK view over raw gap (4 bytes each) and dup (4 bytes each) bytes.
    pub fn from_raw(cum_tsn_ack: Tsn, a_rwnd: u32, gaps: &'a [u8], dups: &'a [u8]) -> Self {
        Sack {
            cum_tsn_ack,
            a_rwnd,
            gaps: &gaps[..gaps.len() & !3],
            dups: &dups[..dups.len() & !3],
        }
    }
    /// Gap ack blocks as (start, end) offsets from the cumulative TSN ack.
    pub fn gap_blocks(&self) -> impl Iterator<Item = (u16, u16)> + 'a {
        self.gaps.chunks_exact(4).map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                u16::from_be_bytes([c[2], c[3]]),
            )
        })
    }
    /// Duplicate TSNs.
    pub fn dup_tsns(&self) -> impl Iterator<Item = Tsn> + 'a {
        self.dups
            .chunks_exact(4)
            .map(|c| Tsn(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
    }
    /// Number of gap blocks.
    pub fn num_gap_blocks(&self) -> usize {
        self.gaps.len() / 4
    }
    /// Number of duplicate TSNs.
    pub fn num_dup_tsns(&self) -> usize {
        self.dups.len() / 4
    }
}

/// Writes a whole SACK chunk from lists (for senders that own their gap state).
pub fn write_sack(
    out: &mut Vec<u8>,
    cum_tsn_ack: Tsn,
    a_rwnd: u32,
    gaps: &[(u16, u16)],
    dups: &[Tsn],
) {
    let len = 16 + 4 * gaps.len() + 4 * dups.len();
    out.push(ChunkType::SACK.0);
    out.push(0);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&cum_tsn_ack.0.to_be_bytes());
    out.extend_from_slice(&a_rwnd.to_be_bytes());
    out.extend_from_slice(&(gaps.len() as u16).to_be_bytes());
    out.extend_from_slice(&(dups.len() as u16).to_be_bytes());
    for (s, e) in gaps {
        out.extend_from_slice(&s.to_be_bytes());
        out.extend_from_slice(&e.to_be_bytes());
    }
    for d in dups {
        out.extend_from_slice(&d.0.to_be_bytes());
    }
}

/// FORWARD TSN (RFC 3758 §3.2): new cumulative TSN and (stream, SSN) pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardTsn<'a> {
    /// New cumulative TSN.
    pub new_cum_tsn: Tsn,
    streams: &'a [u8],
}

impl<'a> ForwardTsn<'a> {
    /// Builds a view over raw (stream, ssn) pairs (4 bytes each).
    pub fn from_raw(new_cum_tsn: Tsn, streams: &'a [u8]) -> Self {
        ForwardTsn {
            new_cum_tsn,
            streams: &streams[..streams.len() & !3],
        }
    }
    /// (stream id, SSN) pairs.
    pub fn streams(&self) -> impl Iterator<Item = (u16, Ssn)> + 'a {
        self.streams.chunks_exact(4).map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                Ssn(u16::from_be_bytes([c[2], c[3]])),
            )
        })
    }
}

/// I-FORWARD TSN (RFC 8260 §2.2): new cumulative TSN and (stream, unordered, MID) entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IForwardTsn<'a> {
    /// New cumulative TSN.
    pub new_cum_tsn: Tsn,
    entries: &'a [u8],
}

impl<'a> IForwardTsn<'a> {
    /// Builds a view over raw entries (8 bytes each).
    pub fn from_raw(new_cum_tsn: Tsn, entries: &'a [u8]) -> Self {
        IForwardTsn {
            new_cum_tsn,
            entries: &entries[..entries.len() & !7],
        }
    }
    /// (stream id, unordered, MID) entries.
    pub fn entries(&self) -> impl Iterator<Item = (u16, bool, Mid)> + 'a {
        self.entries.chunks_exact(8).map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                c[3] & 1 != 0,
                Mid(u32::from_be_bytes([c[4], c[5], c[6], c[7]])),
            )
        })
    }
}

/// A parsed chunk. Unknown types keep their bytes so that they round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chunk<'a> {
    /// RFC 9260 §3.3.1.
    Data(Data<'a>),
    /// RFC 9260 §3.3.2.
    Init(Init<'a>),
    /// RFC 9260 §3.3.3.
    InitAck(Init<'a>),
    /// RFC 9260 §3.3.4.
    Sack(Sack<'a>),
    /// RFC 9260 §3.3.5 (parameters: Heartbeat Info).
    Heartbeat(Params<'a>),
    /// RFC 9260 §3.3.6.
    HeartbeatAck(Params<'a>),
    /// RFC 9260 §3.3.7. `t`: the verification tag is reflected.
    Abort {
        /// T bit.
        t: bool,
        /// Error causes.
        causes: Causes<'a>,
    },
    /// RFC 9260 §3.3.8.
    Shutdown {
        /// Cumulative TSN ack.
        cum_tsn_ack: Tsn,
    },
    /// RFC 9260 §3.3.9.
    ShutdownAck,
    /// RFC 9260 §3.3.10.
    Error(Causes<'a>),
    /// RFC 9260 §3.3.11.
    CookieEcho(&'a [u8]),
    /// RFC 9260 §3.3.12.
    CookieAck,
    /// RFC 9260 §3.3.13. `t`: the verification tag is reflected.
    ShutdownComplete {
        /// T bit.
        t: bool,
    },
    /// RFC 3758 §3.2.
    ForwardTsn(ForwardTsn<'a>),
    /// RFC 6525 §3.1: one or two re-configuration parameters.
    ReConfig(Params<'a>),
    /// RFC 8260 §2.1.
    IData(IData<'a>),
    /// RFC 8260 §2.2.
    IForwardTsn(IForwardTsn<'a>),
    /// Any other chunk type.
    Unknown {
        /// Type.
        ty: ChunkType,
        /// Flags.
        flags: u8,
        /// Value.
        value: &'a [u8],
    },
}

fn too_short(what: &'static str, v: &[u8], min: usize) -> Result<(), WireError> {
    if v.len() < min {
        Err(WireError::BadLength {
            what,
            len: v.len() + 4,
        })
    } else {
        Ok(())
    }
}

impl<'a> Chunk<'a> {
    /// Parses a framed chunk.
    pub fn parse(c: RawChunk<'a>) -> Result<Self, WireError> {
        let v = c.value;
        let mut r = Cursor::new(v, "chunk");
        let chunk = match c.ty {
            ChunkType::DATA => {
                too_short("DATA", v, 12)?;
                Chunk::Data(Data {
                    flags: c.flags,
                    tsn: Tsn(r.u32()?),
                    stream_id: r.u16()?,
                    ssn: Ssn(r.u16()?),
                    ppid: r.u32()?,
                    payload: r.rest(),
                })
            }
            ChunkType::I_DATA => {
                too_short("I-DATA", v, 16)?;
                let tsn = Tsn(r.u32()?);
                let stream_id = r.u16()?;
                let _reserved = r.u16()?;
                Chunk::IData(IData {
                    flags: c.flags,
                    tsn,
                    stream_id,
                    mid: Mid(r.u32()?),
                    ppid_or_fsn: r.u32()?,
                    payload: r.rest(),
                })
            }
            ChunkType::INIT | ChunkType::INIT_ACK => {
                too_short("INIT", v, 16)?;
                let init = Init {
                    initiate_tag: r.u32()?,
                    a_rwnd: r.u32()?,
                    outbound_streams: r.u16()?,
                    inbound_streams: r.u16()?,
                    initial_tsn: Tsn(r.u32()?),
                    params: Params::parse(r.rest())?,
                };
                if c.ty == ChunkType::INIT {
                    Chunk::Init(init)
                } else {
                    Chunk::InitAck(init)
                }
            }
            ChunkType::SACK => {
                too_short("SACK", v, 12)?;
                let cum = Tsn(r.u32()?);
                let a_rwnd = r.u32()?;
                let ngaps = usize::from(r.u16()?);
                let ndups = usize::from(r.u16()?);
                let gaps = r.take(4 * ngaps)?;
                let dups = r.take(4 * ndups)?;
                r.finish()?;
                Chunk::Sack(Sack::from_raw(cum, a_rwnd, gaps, dups))
            }
            ChunkType::HEARTBEAT => Chunk::Heartbeat(Params::parse(v)?),
            ChunkType::HEARTBEAT_ACK => Chunk::HeartbeatAck(Params::parse(v)?),
            ChunkType::ABORT => Chunk::Abort {
                t: c.flags & 1 != 0,
                causes: Causes::parse(v)?,
            },
            ChunkType::SHUTDOWN => {
                let cum = Tsn(r.u32()?);
                r.finish()?;
                Chunk::Shutdown { cum_tsn_ack: cum }
            }
            ChunkType::SHUTDOWN_ACK => Chunk::ShutdownAck,
            ChunkType::ERROR => Chunk::Error(Causes::parse(v)?),
            ChunkType::COOKIE_ECHO => Chunk::CookieEcho(v),
            ChunkType::COOKIE_ACK => Chunk::CookieAck,
            ChunkType::SHUTDOWN_COMPLETE => Chunk::ShutdownComplete {
                t: c.flags & 1 != 0,
            },
            ChunkType::FORWARD_TSN => {
                let cum = Tsn(r.u32()?);
                let rest = r.rest();
                if !rest.len().is_multiple_of(4) {
                    return Err(WireError::BadLength {
                        what: "FORWARD-TSN",
                        len: v.len() + 4,
                    });
                }
                Chunk::ForwardTsn(ForwardTsn::from_raw(cum, rest))
            }
            ChunkType::I_FORWARD_TSN => {
                let cum = Tsn(r.u32()?);
                let rest = r.rest();
                if !rest.len().is_multiple_of(8) {
                    return Err(WireError::BadLength {
                        what: "I-FORWARD-TSN",
                        len: v.len() + 4,
                    });
                }
                Chunk::IForwardTsn(IForwardTsn::from_raw(cum, rest))
            }
            ChunkType::RE_CONFIG => Chunk::ReConfig(Params::parse(v)?),
            ty => Chunk::Unknown {
                ty,
                flags: c.flags,
                value: v,
            },
        };
        Ok(chunk)
    }

    /// The chunk type.
    pub fn chunk_type(&self) -> ChunkType {
        match self {
            Chunk::Data(_) => ChunkType::DATA,
            Chunk::Init(_) => ChunkType::INIT,
            Chunk::InitAck(_) => ChunkType::INIT_ACK,
            Chunk::Sack(_) => ChunkType::SACK,
            Chunk::Heartbeat(_) => ChunkType::HEARTBEAT,
            Chunk::HeartbeatAck(_) => ChunkType::HEARTBEAT_ACK,
            Chunk::Abort { .. } => ChunkType::ABORT,
            Chunk::Shutdown { .. } => ChunkType::SHUTDOWN,
            Chunk::ShutdownAck => ChunkType::SHUTDOWN_ACK,
            Chunk::Error(_) => ChunkType::ERROR,
            Chunk::CookieEcho(_) => ChunkType::COOKIE_ECHO,
            Chunk::CookieAck => ChunkType::COOKIE_ACK,
            Chunk::ShutdownComplete { .. } => ChunkType::SHUTDOWN_COMPLETE,
            Chunk::ForwardTsn(_) => ChunkType::FORWARD_TSN,
            Chunk::ReConfig(_) => ChunkType::RE_CONFIG,
            Chunk::IData(_) => ChunkType::I_DATA,
            Chunk::IForwardTsn(_) => ChunkType::I_FORWARD_TSN,
            Chunk::Unknown { ty, .. } => *ty,
        }
    }

    fn flags(&self) -> u8 {
        match self {
            Chunk::Data(d) => d.flags,
            Chunk::IData(d) => d.flags,
            Chunk::Abort { t, .. } | Chunk::ShutdownComplete { t } => u8::from(*t),
            Chunk::Unknown { flags, .. } => *flags,
            _ => 0,
        }
    }

    fn value_len(&self) -> usize {
        match self {
            Chunk::Data(d) => 12 + d.payload.len(),
            Chunk::IData(d) => 16 + d.payload.len(),
            Chunk::Init(i) | Chunk::InitAck(i) => 16 + i.params.as_bytes().len(),
            Chunk::Sack(s) => 12 + s.gaps.len() + s.dups.len(),
            Chunk::Heartbeat(p) | Chunk::HeartbeatAck(p) | Chunk::ReConfig(p) => p.as_bytes().len(),
            Chunk::Abort { causes, .. } | Chunk::Error(causes) => causes.as_bytes().len(),
            Chunk::Shutdown { .. } => 4,
            Chunk::ShutdownAck | Chunk::CookieAck | Chunk::ShutdownComplete { .. } => 0,
            Chunk::CookieEcho(c) => c.len(),
            Chunk::ForwardTsn(f) => 4 + f.streams.len(),
            Chunk::IForwardTsn(f) => 4 + f.entries.len(),
            Chunk::Unknown { value, .. } => value.len(),
        }
    }

    /// Encoded length including header and padding.
    pub fn buffer_len(&self) -> usize {
        pad4(4 + self.value_len())
    }

    /// Writes the chunk (with padding) into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) {
        let mut w = Writer::new(buf);
        w.u8(self.chunk_type().0);
        w.u8(self.flags());
        w.u16((4 + self.value_len()) as u16);
        match self {
            Chunk::Data(d) => {
                w.u32(d.tsn.0);
                w.u16(d.stream_id);
                w.u16(d.ssn.0);
                w.u32(d.ppid);
                w.bytes(d.payload);
            }
            Chunk::IData(d) => {
                w.u32(d.tsn.0);
                w.u16(d.stream_id);
                w.u16(0);
                w.u32(d.mid.0);
                w.u32(d.ppid_or_fsn);
                w.bytes(d.payload);
            }
            Chunk::Init(i) | Chunk::InitAck(i) => {
                w.u32(i.initiate_tag);
                w.u32(i.a_rwnd);
                w.u16(i.outbound_streams);
                w.u16(i.inbound_streams);
                w.u32(i.initial_tsn.0);
                w.bytes(i.params.as_bytes());
            }
            Chunk::Sack(s) => {
                w.u32(s.cum_tsn_ack.0);
                w.u32(s.a_rwnd);
                w.u16((s.gaps.len() / 4) as u16);
                w.u16((s.dups.len() / 4) as u16);
                w.bytes(s.gaps);
                w.bytes(s.dups);
            }
            Chunk::Heartbeat(p) | Chunk::HeartbeatAck(p) | Chunk::ReConfig(p) => {
                w.bytes(p.as_bytes())
            }
            Chunk::Abort { causes, .. } | Chunk::Error(causes) => w.bytes(causes.as_bytes()),
            Chunk::Shutdown { cum_tsn_ack } => w.u32(cum_tsn_ack.0),
            Chunk::ShutdownAck | Chunk::CookieAck | Chunk::ShutdownComplete { .. } => {}
            Chunk::CookieEcho(c) => w.bytes(c),
            Chunk::ForwardTsn(f) => {
                w.u32(f.new_cum_tsn.0);
                w.bytes(f.streams);
            }
            Chunk::IForwardTsn(f) => {
                w.u32(f.new_cum_tsn.0);
                w.bytes(f.entries);
            }
            Chunk::Unknown { value, .. } => w.bytes(value),
        }
        w.pad();
    }

    /// Appends the chunk to `out`.
    pub fn emit_to(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + self.buffer_len(), 0);
        self.emit(&mut out[start..]);
    }
}

/// Writes a DATA chunk header + payload + padding into `out` without building a repr.
pub(crate) fn write_data(out: &mut Vec<u8>, d: &Data<'_>) {
    let len = DATA_HEADER_LEN + d.payload.len();
    out.push(ChunkType::DATA.0);
    out.push(d.flags);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&d.tsn.0.to_be_bytes());
    out.extend_from_slice(&d.stream_id.to_be_bytes());
    out.extend_from_slice(&d.ssn.0.to_be_bytes());
    out.extend_from_slice(&d.ppid.to_be_bytes());
    out.extend_from_slice(d.payload);
    out.resize(out.len() + (pad4(len) - len), 0);
}

/// Writes an I-DATA chunk into `out`.
pub(crate) fn write_idata(out: &mut Vec<u8>, d: &IData<'_>) {
    let len = I_DATA_HEADER_LEN + d.payload.len();
    out.push(ChunkType::I_DATA.0);
    out.push(d.flags);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&d.tsn.0.to_be_bytes());
    out.extend_from_slice(&d.stream_id.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&d.mid.0.to_be_bytes());
    out.extend_from_slice(&d.ppid_or_fsn.to_be_bytes());
    out.extend_from_slice(d.payload);
    out.resize(out.len() + (pad4(len) - len), 0);
}

impl<'a> ChunkIter<'a> {
    /// Iterates the chunks of a whole packet (common header skipped).
    pub fn from_packet(packet: &'a [u8]) -> Result<Self, WireError> {
        if packet.len() < super::packet::HEADER_LEN {
            return Err(WireError::Truncated("common header"));
        }
        Ok(ChunkIter::new(&packet[super::packet::HEADER_LEN..]))
    }
}

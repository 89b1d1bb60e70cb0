//! ICE candidates (RFC 8839 §5.1), which also travel alone in trickle ICE (RFC 8840).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, ParseError};
use crate::model::Address;

/// Candidate transport as written (`udp`, `UDP`, `tcp`, ...): case is kept so that
/// browser output round-trips; compare with [`Transport::is_udp`] / [`Transport::is_tcp`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transport(pub Cow<'static, str>);

impl Transport {
    /// `udp`, as Chrome writes it.
    pub const UDP: Transport = Transport(Cow::Borrowed("udp"));
    /// `tcp` (RFC 6544).
    pub const TCP: Transport = Transport(Cow::Borrowed("tcp"));

    /// Whether this is UDP, in any case.
    pub fn is_udp(&self) -> bool {
        self.0.eq_ignore_ascii_case("udp")
    }

    /// Whether this is TCP, in any case.
    pub fn is_tcp(&self) -> bool {
        self.0.eq_ignore_ascii_case("tcp")
    }

    pub(crate) fn from_text(s: &str) -> Self {
        // The common spellings borrow a static string: no allocation.
        Transport(match s {
            "udp" => Cow::Borrowed("udp"),
            "UDP" => Cow::Borrowed("UDP"),
            "tcp" => Cow::Borrowed("tcp"),
            "TCP" => Cow::Borrowed("TCP"),
            _ => Cow::Owned(s.to_owned()),
        })
    }
}

/// RFC 8839 §5.1 candidate types (open).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CandidateType {
    /// `host`
    Host,
    /// `srflx` (server reflexive)
    Srflx,
    /// `prflx` (peer reflexive)
    Prflx,
    /// `relay`
    Relay,
    /// Another token.
    Other(String),
}

impl CandidateType {
    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            CandidateType::Host => "host",
            CandidateType::Srflx => "srflx",
            CandidateType::Prflx => "prflx",
            CandidateType::Relay => "relay",
            CandidateType::Other(s) => s,
        }
    }
}

/// RFC 6544 §4.5 TCP candidate types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpType {
    /// `active`
    Active,
    /// `passive`
    Passive,
    /// `so` (simultaneous open)
    So,
}

impl TcpType {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            TcpType::Active => "active",
            TcpType::Passive => "passive",
            TcpType::So => "so",
        }
    }
}

/// One ICE candidate, RFC 8839 §5.1:
/// `foundation component transport priority address port typ <type> [raddr <a>] [rport <p>]
/// *(<ext-name> <ext-value>)`.
///
/// Known extensions are typed; others are kept in order in `extensions` and written after
/// the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// 1-32 ice-chars.
    pub foundation: String,
    /// Component id (1 = RTP, 2 = RTCP).
    pub component: u16,
    /// Transport.
    pub transport: Transport,
    /// Priority (RFC 8445 §5.1.2).
    pub priority: u32,
    /// Address: an IP, or an FQDN such as an mDNS `<uuid>.local` name.
    pub address: Address,
    /// Port.
    pub port: u16,
    /// `typ`.
    pub kind: CandidateType,
    /// `raddr`.
    pub related_address: Option<Address>,
    /// `rport`.
    pub related_port: Option<u16>,
    /// `tcptype` (RFC 6544).
    pub tcp_type: Option<TcpType>,
    /// `generation` (libwebrtc).
    pub generation: Option<u32>,
    /// `ufrag` (libwebrtc).
    pub ufrag: Option<String>,
    /// `network-id` (libwebrtc).
    pub network_id: Option<u32>,
    /// `network-cost` (libwebrtc).
    pub network_cost: Option<u32>,
    /// Unknown extensions `(name, value)`, in input order.
    pub extensions: Vec<(String, String)>,
}

impl Candidate {
    /// A candidate with no extensions.
    pub fn new(
        foundation: impl Into<String>,
        component: u16,
        transport: Transport,
        priority: u32,
        address: Address,
        port: u16,
        kind: CandidateType,
    ) -> Self {
        Candidate {
            foundation: foundation.into(),
            component,
            transport,
            priority,
            address,
            port,
            kind,
            related_address: None,
            related_port: None,
            tcp_type: None,
            generation: None,
            ufrag: None,
            network_id: None,
            network_cost: None,
            extensions: Vec::new(),
        }
    }

    /// Parses `candidate:...`, `a=candidate:...` or the bare value (trickle ICE sends the
    /// first form in `RTCIceCandidate.candidate`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.strip_suffix('\n').unwrap_or(s);
        let s = s.strip_suffix('\r').unwrap_or(s);
        let s = s.strip_prefix("a=").unwrap_or(s);
        let s = s.strip_prefix("candidate:").unwrap_or(s);
        crate::parser::attr::candidate(s)
            .ok_or(ParseError::new(1, ErrorKind::InvalidAttribute("candidate")))
    }

    /// The value after `candidate:`.
    pub fn value(&self) -> String {
        let mut s = String::with_capacity(96);
        crate::writer::candidate(&mut s, self);
        s
    }
}

impl FromStr for Candidate {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Candidate::parse(s)
    }
}

impl fmt::Display for Candidate {
    /// `candidate:<value>` (the trickle ICE form, without `a=`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("candidate:")?;
        f.write_str(&self.value())
    }
}

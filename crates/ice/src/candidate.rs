//! Candidates: kinds, priorities and foundations (RFC 8445 §5.1).

use std::net::{IpAddr, SocketAddr};

/// RFC 8445 §5.1.1: how a candidate was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandidateKind {
    /// An address the application bound (RFC 8445 §5.1.1.1).
    Host,
    /// Learned from an incoming or outgoing check (RFC 8445 §7.2.5.3.1, §7.3.1.3).
    PeerReflexive,
    /// The mapped address a STUN server saw (RFC 8445 §5.1.1.2).
    ServerReflexive,
    /// An address allocated on a TURN server (RFC 8445 §5.1.1.2, RFC 8656).
    Relayed,
}

impl CandidateKind {
    /// RFC 8445 §5.1.2.2: the recommended type preferences.
    pub const fn type_preference(self) -> u32 {
        match self {
            CandidateKind::Host => 126,
            CandidateKind::PeerReflexive => 110,
            CandidateKind::ServerReflexive => 100,
            CandidateKind::Relayed => 0,
        }
    }

    /// The SDP `typ` token (RFC 8839 §5.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            CandidateKind::Host => "host",
            CandidateKind::PeerReflexive => "prflx",
            CandidateKind::ServerReflexive => "srflx",
            CandidateKind::Relayed => "relay",
        }
    }
}

/// The transport of a candidate. Only UDP candidates are paired; TCP ones are accepted and
/// ignored (RFC 6544 is not implemented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP (RFC 6544), ignored by this agent.
    Tcp,
}

/// One candidate in plain fields; strata-sdp turns it into `a=candidate` text and back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Candidate {
    /// RFC 8445 §5.1.1.3: equal for candidates of the same type, base IP, server and transport.
    pub foundation: String,
    /// Component id: always 1 here (RTP and RTCP are multiplexed, RFC 8843 bundle).
    pub component: u16,
    /// UDP or TCP.
    pub transport: Transport,
    /// RFC 8445 §5.1.2.
    pub priority: u32,
    /// The transport address.
    pub addr: SocketAddr,
    /// Host, srflx, prflx or relay.
    pub kind: CandidateKind,
    /// `raddr`/`rport`: the base of a reflexive candidate, the mapped address of a relayed one.
    pub related: Option<SocketAddr>,
}

impl Candidate {
    /// A UDP candidate for component 1.
    pub fn new(
        kind: CandidateKind,
        addr: SocketAddr,
        priority: u32,
        foundation: impl Into<String>,
    ) -> Self {
        Candidate {
            foundation: foundation.into(),
            component: 1,
            transport: Transport::Udp,
            priority,
            addr,
            kind,
            related: None,
        }
    }

    /// A host candidate with the priority of RFC 8445 §5.1.2.1 (local preference 65535).
    pub fn host(addr: SocketAddr, foundation: impl Into<String>) -> Self {
        Self::new(
            CandidateKind::Host,
            addr,
            priority(CandidateKind::Host, 65535, 1),
            foundation,
        )
    }
}

/// RFC 8445 §5.1.2.1: `2^24 * type preference + 2^8 * local preference + (256 - component)`.
pub const fn priority(kind: CandidateKind, local_preference: u16, component: u16) -> u32 {
    let component = if component == 0 {
        1
    } else if component > 256 {
        256
    } else {
        component
    };
    (kind.type_preference() << 24) + ((local_preference as u32) << 8) + (256 - component as u32)
}

/// RFC 8421 §4 flavoured local preference: IPv6 above IPv4, then the order in which the
/// application added its addresses.
pub(crate) fn local_preference(ip: IpAddr, index: usize) -> u16 {
    let top: u16 = if ip.is_ipv6() { 65535 } else { 32767 };
    top.saturating_sub(u16::try_from(index.min(1000)).unwrap_or(1000) * 8)
}

/// What makes two local candidates share a foundation (RFC 8445 §5.1.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FoundationKey {
    pub kind: CandidateKind,
    pub base_ip: IpAddr,
    pub server_ip: Option<IpAddr>,
}

/// RFC 8445 §5.1.3: a candidate is redundant when another has the same address and base and
/// a priority at least as high.
pub(crate) fn is_redundant(
    addr: SocketAddr,
    base: SocketAddr,
    priority: u32,
    others: &[(SocketAddr, SocketAddr, u32)],
) -> bool {
    others
        .iter()
        .any(|&(a, b, p)| a == addr && b == base && p >= priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8445_5_1_2_1_priority_formula() {
        // Host, local preference 65535, component 1: 126 * 2^24 + 65535 * 2^8 + 255.
        assert_eq!(priority(CandidateKind::Host, 65535, 1), 2_130_706_431);
        assert_eq!(
            priority(CandidateKind::Host, 65535, 1),
            (126 << 24) | (65535 << 8) | 255
        );
        assert_eq!(
            priority(CandidateKind::PeerReflexive, 65535, 1),
            1_862_270_975
        );
        assert_eq!(
            priority(CandidateKind::ServerReflexive, 65535, 1),
            1_694_498_815
        );
        assert_eq!(priority(CandidateKind::Relayed, 65535, 1), 16_777_215);
        // RTCP component 2 is one lower.
        assert_eq!(priority(CandidateKind::Host, 65535, 2), 2_130_706_430);
    }

    #[test]
    fn rfc8445_5_1_2_2_type_order() {
        let p = |k| priority(k, 1000, 1);
        assert!(p(CandidateKind::Host) > p(CandidateKind::PeerReflexive));
        assert!(p(CandidateKind::PeerReflexive) > p(CandidateKind::ServerReflexive));
        assert!(p(CandidateKind::ServerReflexive) > p(CandidateKind::Relayed));
    }

    #[test]
    fn rfc8421_ipv6_preferred_then_order() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(local_preference(v6, 0) > local_preference(v4, 0));
        assert!(local_preference(v4, 0) > local_preference(v4, 1));
        assert!(local_preference(v4, 5000) < local_preference(v4, 10));
    }

    #[test]
    fn rfc8445_5_1_3_redundant() {
        let a: SocketAddr = "192.0.2.1:1000".parse().unwrap();
        let b: SocketAddr = "198.51.100.1:1000".parse().unwrap();
        // A srflx equal to its host base is redundant (the NAT-less case).
        assert!(is_redundant(a, a, 100, &[(a, a, 200)]));
        assert!(!is_redundant(b, a, 100, &[(a, a, 200)]));
        assert!(!is_redundant(a, a, 300, &[(a, a, 200)]));
    }
}

//! The session description model (RFC 8866 §5) and the precedence helpers JSEP needs.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use crate::attribute::{
    Attribute, Direction, Extmap, Fingerprint, Fmtp, Group, RtcpFb, Rtpmap, Setup,
};
use crate::candidate::Candidate;

/// RFC 8866 §5.7 address type (network type is always `IN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrType {
    /// `IP4`
    Ip4,
    /// `IP6`
    Ip6,
}

impl AddrType {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            AddrType::Ip4 => "IP4",
            AddrType::Ip6 => "IP6",
        }
    }

    /// The type matching an IP address.
    pub fn of(ip: IpAddr) -> Self {
        if ip.is_ipv4() {
            AddrType::Ip4
        } else {
            AddrType::Ip6
        }
    }
}

/// An address in `o=`, `c=`, `a=rtcp` or a candidate: an IP literal or a host name
/// (an FQDN, or an mDNS `.local` name in candidates, RFC 8839 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IPv4 or IPv6 literal.
    Ip(IpAddr),
    /// A host name, verbatim.
    Fqdn(String),
}

impl Address {
    /// The IP, if this is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Address::Ip(ip) => Some(*ip),
            Address::Fqdn(_) => None,
        }
    }

    /// Whether this is an mDNS name (`*.local`, RFC 8839 §5.1 and the mDNS ICE draft).
    pub fn is_mdns(&self) -> bool {
        match self {
            Address::Fqdn(n) => n.len() > 6 && n[n.len() - 6..].eq_ignore_ascii_case(".local"),
            Address::Ip(_) => false,
        }
    }
}

impl From<IpAddr> for Address {
    fn from(ip: IpAddr) -> Self {
        Address::Ip(ip)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => write!(f, "{ip}"),
            Address::Fqdn(n) => f.write_str(n),
        }
    }
}

/// RFC 8866 §5.2 `o=<username> <sess-id> <sess-version> IN <addrtype> <address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `-` when there is none.
    pub username: String,
    /// Session id (numeric).
    pub session_id: u64,
    /// Session version, incremented on each change (RFC 3264 §8).
    pub session_version: u64,
    /// Address type.
    pub addr_type: AddrType,
    /// Unicast address.
    pub address: Address,
}

impl Origin {
    /// The JSEP origin: `- <id> <version> IN IP4 127.0.0.1` (RFC 8829 §5.2.1).
    pub fn jsep(session_id: u64, session_version: u64) -> Self {
        Origin {
            username: "-".into(),
            session_id,
            session_version,
            addr_type: AddrType::Ip4,
            address: Address::Ip(IpAddr::from([127, 0, 0, 1])),
        }
    }
}

/// RFC 8866 §5.7 `c=IN <addrtype> <address>[/<ttl>][/<count>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Address type.
    pub addr_type: AddrType,
    /// Address.
    pub address: Address,
    /// IPv4 multicast TTL.
    pub ttl: Option<u8>,
    /// Number of multicast addresses.
    pub count: Option<u32>,
}

impl Connection {
    /// A unicast connection line for `ip`.
    pub fn new(ip: IpAddr) -> Self {
        Connection {
            addr_type: AddrType::of(ip),
            address: Address::Ip(ip),
            ttl: None,
            count: None,
        }
    }

    /// `c=IN IP4 0.0.0.0`, what JSEP writes before candidates are known (RFC 8829 §5.2.1).
    pub fn unspecified() -> Self {
        Connection::new(IpAddr::from([0, 0, 0, 0]))
    }
}

/// RFC 8866 §5.8 `b=<bwtype>:<bandwidth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// `CT`, `AS`, `TIAS`, `RR`, `RS`, ...
    pub kind: String,
    /// Value (kbit/s for AS and CT, bit/s for TIAS).
    pub value: u64,
}

/// RFC 8866 §5.9 `t=<start> <stop>` with its `r=` lines (§5.10) kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// NTP start time, 0 for unbounded.
    pub start: u64,
    /// NTP stop time, 0 for unbounded.
    pub stop: u64,
    /// `r=` values, verbatim.
    pub repeats: Vec<String>,
}

impl Timing {
    /// `t=0 0`.
    pub fn unbounded() -> Self {
        Timing {
            start: 0,
            stop: 0,
            repeats: Vec::new(),
        }
    }
}

/// RFC 8866 §5.14 media type (open).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `audio`
    Audio,
    /// `video`
    Video,
    /// `application` (data channels)
    Application,
    /// `text`
    Text,
    /// `message`
    Message,
    /// `image`
    Image,
    /// Another token.
    Other(String),
}

impl MediaType {
    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Application => "application",
            MediaType::Text => "text",
            MediaType::Message => "message",
            MediaType::Image => "image",
            MediaType::Other(s) => s,
        }
    }
}

/// One m-section (RFC 8866 §5.14): the `m=` line and the lines under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type.
    pub media: MediaType,
    /// Port (9 is the JSEP placeholder, 0 rejects the section).
    pub port: u16,
    /// `/<number of ports>`.
    pub port_count: Option<u16>,
    /// `UDP/TLS/RTP/SAVPF`, `UDP/DTLS/SCTP`, ...
    pub protocol: Cow<'static, str>,
    /// Formats: payload types for RTP, `webrtc-datachannel` for SCTP. Payload type numbers
    /// and common tokens borrow static strings, so parsing them does not allocate.
    pub formats: Vec<Cow<'static, str>>,
    /// `i=`.
    pub title: Option<String>,
    /// `c=`.
    pub connection: Option<Connection>,
    /// `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=` (obsolete, kept).
    pub encryption_key: Option<String>,
    /// `a=` lines in order (and unknown lines kept by lenient parsing).
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// An m-section with no lines under it yet.
    pub fn new(
        media: MediaType,
        port: u16,
        protocol: impl Into<Cow<'static, str>>,
        formats: impl IntoIterator<Item = impl ToString>,
    ) -> Self {
        MediaDescription {
            media,
            port,
            port_count: None,
            protocol: protocol.into(),
            formats: formats
                .into_iter()
                .map(|f| Cow::Owned(f.to_string()))
                .collect(),
            title: None,
            connection: None,
            bandwidths: Vec::new(),
            encryption_key: None,
            attributes: Vec::new(),
        }
    }

    /// Appends an attribute (builder style).
    pub fn with(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Sets `c=` (builder style).
    pub fn with_connection(mut self, connection: Connection) -> Self {
        self.connection = Some(connection);
        self
    }

    /// Replaces the direction attribute, or appends one (RFC 8866 §6.7).
    pub fn set_direction(&mut self, direction: Direction) {
        match self
            .attributes
            .iter_mut()
            .find(|a| matches!(a, Attribute::Direction(_)))
        {
            Some(a) => *a = Attribute::Direction(direction),
            None => self.attributes.push(Attribute::Direction(direction)),
        }
    }

    /// The formats that are RTP payload types.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| f.parse().ok())
    }

    /// Whether the protocol carries RTP (`RTP/...` or `.../RTP/...`).
    pub fn is_rtp(&self) -> bool {
        self.protocol.split('/').any(|p| p == "RTP")
    }

    /// `a=mid`.
    pub fn mid(&self) -> Option<&str> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Mid(m) => Some(m.as_str()),
            _ => None,
        })
    }

    /// The direction attribute written in this section, if any.
    pub fn direction(&self) -> Option<Direction> {
        find_direction(&self.attributes)
    }

    /// `a=rtpmap` lines.
    pub fn rtpmaps(&self) -> impl Iterator<Item = &Rtpmap> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Rtpmap(r) => Some(r),
            _ => None,
        })
    }

    /// The rtpmap of payload type `pt`.
    pub fn rtpmap(&self, pt: u8) -> Option<&Rtpmap> {
        self.rtpmaps().find(|r| r.payload_type == pt)
    }

    /// The fmtp of payload type `pt`.
    pub fn fmtp(&self, pt: u8) -> Option<&Fmtp> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Fmtp(f) if f.payload_type == pt => Some(f),
            _ => None,
        })
    }

    /// rtcp-fb lines that apply to `pt` (its own and the `*` ones).
    pub fn rtcp_fbs(&self, pt: u8) -> impl Iterator<Item = &RtcpFb> {
        self.attributes.iter().filter_map(move |a| match a {
            Attribute::RtcpFb(f) if f.payload_type.is_none_or(|p| p == pt) => Some(f),
            _ => None,
        })
    }

    /// `a=extmap` lines of this section.
    pub fn extmaps(&self) -> impl Iterator<Item = &Extmap> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Extmap(e) => Some(e),
            _ => None,
        })
    }

    /// `a=candidate` lines.
    pub fn candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Candidate(c) => Some(&**c),
            _ => None,
        })
    }

    /// Whether `a=` `flag` (an attribute without value, e.g. `rtcp-mux`) is present.
    pub fn has(&self, flag: &Attribute) -> bool {
        self.attributes.iter().any(|a| a == flag)
    }

    /// `a=sctp-port`.
    pub fn sctp_port(&self) -> Option<u16> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::SctpPort(p) => Some(*p),
            _ => None,
        })
    }

    /// `a=max-message-size`.
    pub fn max_message_size(&self) -> Option<u64> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::MaxMessageSize(p) => Some(*p),
            _ => None,
        })
    }
}

/// A whole session description (RFC 8866 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`.
    pub origin: Origin,
    /// `s=` (`-` in JSEP).
    pub session_name: String,
    /// `i=`.
    pub session_info: Option<String>,
    /// `u=`.
    pub uri: Option<String>,
    /// `e=` lines.
    pub emails: Vec<String>,
    /// `p=` lines.
    pub phones: Vec<String>,
    /// Session `c=`.
    pub connection: Option<Connection>,
    /// Session `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines with their `r=` lines; JSEP writes one `t=0 0`.
    pub timings: Vec<Timing>,
    /// `z=`, verbatim.
    pub time_zones: Option<String>,
    /// `k=` (obsolete, kept).
    pub encryption_key: Option<String>,
    /// Session-level `a=` lines in order (and unknown lines kept by lenient parsing).
    pub attributes: Vec<Attribute>,
    /// m-sections in order.
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// `v=0`, the given origin, `s=-`, `t=0 0` and nothing else: the JSEP skeleton.
    pub fn new(origin: Origin) -> Self {
        SessionDescription {
            origin,
            session_name: "-".into(),
            session_info: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            timings: vec![Timing::unbounded()],
            time_zones: None,
            encryption_key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }

    /// Appends a session-level attribute (builder style).
    pub fn with(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Appends an m-section (builder style).
    pub fn with_media(mut self, media: MediaDescription) -> Self {
        self.media.push(media);
        self
    }

    /// `a=group` lines.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Group(g) => Some(g),
            _ => None,
        })
    }

    /// The BUNDLE group containing `mid`, if any (RFC 9143).
    pub fn bundle_group_of(&self, mid: &str) -> Option<&Group> {
        self.groups()
            .find(|g| g.semantics == "BUNDLE" && g.mids.iter().any(|m| m == mid))
    }

    /// Whether `a=ice-lite` is present (session level, RFC 8839 §5.3).
    pub fn is_ice_lite(&self) -> bool {
        self.attributes.contains(&Attribute::IceLite)
    }

    /// The m-section with `a=mid:<mid>`.
    pub fn media_by_mid(&self, mid: &str) -> Option<&MediaDescription> {
        self.media.iter().find(|m| m.mid() == Some(mid))
    }

    /// A view of m-section `index` that resolves session-level defaults.
    pub fn media_view(&self, index: usize) -> Option<MediaView<'_>> {
        self.media.get(index).map(|media| MediaView {
            session: self,
            media,
        })
    }

    /// A view of the m-section with `a=mid:<mid>`.
    pub fn media_view_by_mid(&self, mid: &str) -> Option<MediaView<'_>> {
        self.media
            .iter()
            .find(|m| m.mid() == Some(mid))
            .map(|media| MediaView {
                session: self,
                media,
            })
    }

    /// Views of every m-section.
    pub fn media_views(&self) -> impl Iterator<Item = MediaView<'_>> {
        self.media.iter().map(move |media| MediaView {
            session: self,
            media,
        })
    }
}

/// An m-section seen with its session: each getter returns the media-level value and falls
/// back to the session-level one (RFC 8866 §5, RFC 8839 §5.4, RFC 8122 §5, RFC 4145 §4).
#[derive(Debug, Clone, Copy)]
pub struct MediaView<'a> {
    /// The session.
    pub session: &'a SessionDescription,
    /// The m-section.
    pub media: &'a MediaDescription,
}

fn find_direction(attrs: &[Attribute]) -> Option<Direction> {
    attrs.iter().find_map(|a| match a {
        Attribute::Direction(d) => Some(*d),
        _ => None,
    })
}

impl<'a> MediaView<'a> {
    fn first<T>(&self, f: impl Fn(&'a Attribute) -> Option<T>) -> Option<T> {
        self.media
            .attributes
            .iter()
            .find_map(&f)
            .or_else(|| self.session.attributes.iter().find_map(&f))
    }

    /// Effective `a=ice-ufrag`.
    pub fn ice_ufrag(&self) -> Option<&'a str> {
        self.first(|a| match a {
            Attribute::IceUfrag(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Effective `a=ice-pwd`.
    pub fn ice_pwd(&self) -> Option<&'a str> {
        self.first(|a| match a {
            Attribute::IcePwd(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Effective `a=ice-options` tokens (empty if none).
    pub fn ice_options(&self) -> &'a [String] {
        self.first(|a| match a {
            Attribute::IceOptions(o) => Some(o.as_slice()),
            _ => None,
        })
        .unwrap_or(&[])
    }

    /// Effective fingerprints: the media-level ones if there are any, else the session's.
    pub fn fingerprints(&self) -> impl Iterator<Item = &'a Fingerprint> {
        let pick = |attrs: &'a [Attribute]| {
            attrs.iter().filter_map(|a| match a {
                Attribute::Fingerprint(f) => Some(f),
                _ => None,
            })
        };
        let media_has = pick(&self.media.attributes).next().is_some();
        let attrs = if media_has {
            &self.media.attributes
        } else {
            &self.session.attributes
        };
        pick(attrs)
    }

    /// Effective `a=setup`.
    pub fn setup(&self) -> Option<Setup> {
        self.first(|a| match a {
            Attribute::Setup(s) => Some(*s),
            _ => None,
        })
    }

    /// Effective `a=tls-id`.
    pub fn tls_id(&self) -> Option<&'a str> {
        self.first(|a| match a {
            Attribute::TlsId(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Effective direction; `sendrecv` when neither level says (RFC 8866 §6.7).
    pub fn direction(&self) -> Direction {
        find_direction(&self.media.attributes)
            .or_else(|| find_direction(&self.session.attributes))
            .unwrap_or(Direction::SendRecv)
    }

    /// Effective `c=`.
    pub fn connection(&self) -> Option<&'a Connection> {
        self.media
            .connection
            .as_ref()
            .or(self.session.connection.as_ref())
    }

    /// Whether `a=extmap-allow-mixed` applies (either level, RFC 8285 §6).
    pub fn extmap_allow_mixed(&self) -> bool {
        self.first(|a| matches!(a, Attribute::ExtmapAllowMixed).then_some(()))
            .is_some()
    }

    /// Header extensions: media-level ones, then session-level ones (RFC 8285 §7).
    pub fn extmaps(&self) -> impl Iterator<Item = &'a Extmap> {
        let f = |a: &'a Attribute| match a {
            Attribute::Extmap(e) => Some(e),
            _ => None,
        };
        self.media
            .attributes
            .iter()
            .filter_map(f)
            .chain(self.session.attributes.iter().filter_map(f))
    }

    /// Whether `a=end-of-candidates` applies (either level, RFC 8840 §8.2).
    pub fn end_of_candidates(&self) -> bool {
        self.first(|a| matches!(a, Attribute::EndOfCandidates).then_some(()))
            .is_some()
    }

    /// The BUNDLE group this section's mid belongs to.
    pub fn bundle_group(&self) -> Option<&'a Group> {
        self.media
            .mid()
            .and_then(|mid| self.session.bundle_group_of(mid))
    }
}

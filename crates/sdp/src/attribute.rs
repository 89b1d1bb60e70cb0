//! Typed `a=` attributes (RFC 8866 §6 and the WebRTC extensions).
//!
//! Every attribute WebRTC uses has its own variant; anything else is kept verbatim in
//! [`Attribute::Other`] and written back where it was.

use std::borrow::Cow;
use std::fmt;

use crate::candidate::Candidate;

/// One `a=` line, or an unknown line kept in place (lenient mode).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attribute {
    /// `a=group:` RFC 5888 §5, RFC 9143 (BUNDLE), LS.
    Group(Group),
    /// `a=msid-semantic:` (draft-ietf-mmusic-msid, still sent by browsers).
    MsidSemantic(MsidSemantic),
    /// `a=ice-ufrag:` RFC 8839 §5.4.
    IceUfrag(String),
    /// `a=ice-pwd:` RFC 8839 §5.4.
    IcePwd(String),
    /// `a=ice-options:` RFC 8839 §5.6.
    IceOptions(Vec<String>),
    /// `a=ice-lite` RFC 8839 §5.3 (session level only).
    IceLite,
    /// `a=ice-mismatch` RFC 8839 §5.2 (media level only).
    IceMismatch,
    /// `a=ice-pacing:` in ms, RFC 8839 §5.5 (session level only).
    IcePacing(u32),
    /// `a=fingerprint:` RFC 8122 §5.
    Fingerprint(Fingerprint),
    /// `a=setup:` RFC 4145 §4.
    Setup(Setup),
    /// `a=tls-id:` RFC 8842 §4.
    TlsId(String),
    /// `a=mid:` RFC 5888 §4 (media level only).
    Mid(String),
    /// `a=extmap:` RFC 8285 §7.
    Extmap(Extmap),
    /// `a=extmap-allow-mixed` RFC 8285 §6.
    ExtmapAllowMixed,
    /// `a=sendrecv` / `sendonly` / `recvonly` / `inactive` RFC 8866 §6.7.
    Direction(Direction),
    /// `a=rtcp:` RFC 3605 §2.1.
    Rtcp(Rtcp),
    /// `a=rtcp-mux` RFC 5761 §5.1.1.
    RtcpMux,
    /// `a=rtcp-mux-only` RFC 8858 §3.
    RtcpMuxOnly,
    /// `a=rtcp-rsize` RFC 5506 §5.
    RtcpRsize,
    /// `a=rtpmap:` RFC 8866 §6.6.
    Rtpmap(Rtpmap),
    /// `a=fmtp:` RFC 8866 §6.15; parameters are kept as text.
    Fmtp(Fmtp),
    /// `a=rtcp-fb:` RFC 4585 §4.2.
    RtcpFb(RtcpFb),
    /// `a=ssrc:` RFC 5576 §4.1.
    Ssrc(Ssrc),
    /// `a=ssrc-group:` RFC 5576 §4.2 (FID, SIM, FEC-FR, ...).
    SsrcGroup(SsrcGroup),
    /// `a=msid:` RFC 8830 §2.
    Msid(Msid),
    /// `a=rid:` RFC 8851 §4.
    Rid(Rid),
    /// `a=simulcast:` RFC 8853 §5.1.
    Simulcast(Simulcast),
    /// `a=sctp-port:` RFC 8841 §5.
    SctpPort(u16),
    /// `a=max-message-size:` RFC 8841 §6.
    MaxMessageSize(u64),
    /// `a=sctpmap:` (legacy draft-ietf-mmusic-sctp-sdp-05).
    Sctpmap(Sctpmap),
    /// `a=sctp-init:` (SCTP INIT in SDP, base64 kept as text).
    SctpInit(String),
    /// `a=candidate:` RFC 8839 §5.1 (boxed: it is by far the largest variant).
    Candidate(Box<Candidate>),
    /// `a=end-of-candidates` RFC 8840 §8.2.
    EndOfCandidates,
    /// `a=bundle-only` RFC 9143 §6 (media level only).
    BundleOnly,
    /// `a=ptime:` RFC 8866 §6.4, in ms.
    Ptime(Decimal),
    /// `a=maxptime:` RFC 8866 §6.5, in ms.
    Maxptime(Decimal),
    /// `a=framerate:` RFC 8866 §6.8, in frames per second.
    Framerate(Decimal),
    /// Any other attribute, verbatim: `a=name` (value `None`) or `a=name:value`.
    Other {
        /// Attribute name.
        name: String,
        /// Everything after the first `:`, if there was one.
        value: Option<String>,
    },
    /// A line whose type letter SDP does not define (`f=...`), kept in place by lenient
    /// parsing and written back verbatim.
    UnknownLine {
        /// The type letter.
        letter: u8,
        /// Everything after `=`.
        value: String,
    },
}

impl Attribute {
    /// The attribute name as written after `a=` (for [`Attribute::UnknownLine`], `""`).
    pub fn name(&self) -> &str {
        match self {
            Attribute::Group(_) => "group",
            Attribute::MsidSemantic(_) => "msid-semantic",
            Attribute::IceUfrag(_) => "ice-ufrag",
            Attribute::IcePwd(_) => "ice-pwd",
            Attribute::IceOptions(_) => "ice-options",
            Attribute::IceLite => "ice-lite",
            Attribute::IceMismatch => "ice-mismatch",
            Attribute::IcePacing(_) => "ice-pacing",
            Attribute::Fingerprint(_) => "fingerprint",
            Attribute::Setup(_) => "setup",
            Attribute::TlsId(_) => "tls-id",
            Attribute::Mid(_) => "mid",
            Attribute::Extmap(_) => "extmap",
            Attribute::ExtmapAllowMixed => "extmap-allow-mixed",
            Attribute::Direction(d) => d.as_str(),
            Attribute::Rtcp(_) => "rtcp",
            Attribute::RtcpMux => "rtcp-mux",
            Attribute::RtcpMuxOnly => "rtcp-mux-only",
            Attribute::RtcpRsize => "rtcp-rsize",
            Attribute::Rtpmap(_) => "rtpmap",
            Attribute::Fmtp(_) => "fmtp",
            Attribute::RtcpFb(_) => "rtcp-fb",
            Attribute::Ssrc(_) => "ssrc",
            Attribute::SsrcGroup(_) => "ssrc-group",
            Attribute::Msid(_) => "msid",
            Attribute::Rid(_) => "rid",
            Attribute::Simulcast(_) => "simulcast",
            Attribute::SctpPort(_) => "sctp-port",
            Attribute::MaxMessageSize(_) => "max-message-size",
            Attribute::Sctpmap(_) => "sctpmap",
            Attribute::SctpInit(_) => "sctp-init",
            Attribute::Candidate(_) => "candidate",
            Attribute::EndOfCandidates => "end-of-candidates",
            Attribute::BundleOnly => "bundle-only",
            Attribute::Ptime(_) => "ptime",
            Attribute::Maxptime(_) => "maxptime",
            Attribute::Framerate(_) => "framerate",
            Attribute::Other { name, .. } => name,
            Attribute::UnknownLine { .. } => "",
        }
    }
}

/// Where an attribute may appear (RFC 8866 §6 and each attribute's RFC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Session,
    Media,
    Both,
}

/// Where an attribute may appear, with its name for error messages (errors never allocate).
/// Untyped attributes with a known scope are looked up by name; others may go anywhere.
pub(crate) fn scope_of(a: &Attribute) -> (Scope, &'static str) {
    use Attribute as A;
    match a {
        A::Group(_) => (Scope::Session, "group"),
        A::MsidSemantic(_) => (Scope::Session, "msid-semantic"),
        A::IceLite => (Scope::Session, "ice-lite"),
        A::IcePacing(_) => (Scope::Session, "ice-pacing"),
        A::Mid(_) => (Scope::Media, "mid"),
        A::Candidate(_) => (Scope::Media, "candidate"),
        A::IceMismatch => (Scope::Media, "ice-mismatch"),
        A::Rtpmap(_) => (Scope::Media, "rtpmap"),
        A::Fmtp(_) => (Scope::Media, "fmtp"),
        A::RtcpFb(_) => (Scope::Media, "rtcp-fb"),
        A::Rtcp(_) => (Scope::Media, "rtcp"),
        A::RtcpMux => (Scope::Media, "rtcp-mux"),
        A::RtcpMuxOnly => (Scope::Media, "rtcp-mux-only"),
        A::RtcpRsize => (Scope::Media, "rtcp-rsize"),
        A::Ssrc(_) => (Scope::Media, "ssrc"),
        A::SsrcGroup(_) => (Scope::Media, "ssrc-group"),
        A::Msid(_) => (Scope::Media, "msid"),
        A::Rid(_) => (Scope::Media, "rid"),
        A::Simulcast(_) => (Scope::Media, "simulcast"),
        A::SctpPort(_) => (Scope::Media, "sctp-port"),
        A::MaxMessageSize(_) => (Scope::Media, "max-message-size"),
        A::Sctpmap(_) => (Scope::Media, "sctpmap"),
        A::SctpInit(_) => (Scope::Media, "sctp-init"),
        A::BundleOnly => (Scope::Media, "bundle-only"),
        A::Ptime(_) => (Scope::Media, "ptime"),
        A::Maxptime(_) => (Scope::Media, "maxptime"),
        A::Framerate(_) => (Scope::Media, "framerate"),
        // RFC 8839 §5.2, RFC 6236 §3, RFC 4574 §5.
        A::Other { name, .. } => match name.as_str() {
            "remote-candidates" => (Scope::Media, "remote-candidates"),
            "imageattr" => (Scope::Media, "imageattr"),
            "label" => (Scope::Media, "label"),
            _ => (Scope::Both, "?"),
        },
        _ => (Scope::Both, "?"),
    }
}

/// A non-negative decimal as SDP writes it (`20`, `0.125`, `29.97`), kept exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    int: u32,
    frac: u32,
    frac_digits: u8,
}

impl Decimal {
    /// A whole number.
    pub const fn from_int(int: u32) -> Self {
        Decimal {
            int,
            frac: 0,
            frac_digits: 0,
        }
    }

    /// `int.frac` with `frac` written on `frac_digits` digits (leading zeros kept);
    /// `None` if `frac` does not fit or `frac_digits` is 0 or more than 9.
    pub fn new(int: u32, frac: u32, frac_digits: u8) -> Option<Self> {
        if !(1..=9).contains(&frac_digits) || u64::from(frac) >= 10u64.pow(frac_digits.into()) {
            return None;
        }
        Some(Decimal {
            int,
            frac,
            frac_digits,
        })
    }

    /// The integer part.
    pub fn int(&self) -> u32 {
        self.int
    }

    /// The value as a float.
    pub fn as_f64(&self) -> f64 {
        f64::from(self.int) + f64::from(self.frac) / 10f64.powi(self.frac_digits.into())
    }
}

impl Decimal {
    pub(crate) fn write_to(&self, out: &mut String) {
        crate::writer::num(out, self.int.into());
        if self.frac_digits > 0 {
            out.push('.');
            let mut digits = [b'0'; 9];
            let mut v = self.frac;
            for d in digits[..usize::from(self.frac_digits)].iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
            out.push_str(
                std::str::from_utf8(&digits[..usize::from(self.frac_digits)])
                    .expect("invariant: ASCII digits"),
            );
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

/// RFC 5888 §5 `a=group:<semantics> <mid>...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `BUNDLE`, `LS`, `FID`, ... (RFC 5888 semantics token).
    pub semantics: String,
    /// The mids in the group.
    pub mids: Vec<String>,
}

impl Group {
    /// `a=group:BUNDLE <mids>` (RFC 9143).
    pub fn bundle<S: Into<String>>(mids: impl IntoIterator<Item = S>) -> Self {
        Group {
            semantics: "BUNDLE".into(),
            mids: mids.into_iter().map(Into::into).collect(),
        }
    }
}

/// `a=msid-semantic:<semantic> <identifiers>` (`WMS *` and friends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsidSemantic {
    /// Written `msid-semantic: WMS` (Chrome) when true, `msid-semantic:WMS` (Firefox) when
    /// false, so both browsers' output round-trips.
    pub space_after_colon: bool,
    /// Usually `WMS`.
    pub semantic: String,
    /// Stream ids or `*`.
    pub identifiers: Vec<String>,
}

/// RFC 8122 §5 hash function names (open: unknown names round-trip).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HashFunction {
    /// `sha-1`
    Sha1,
    /// `sha-224`
    Sha224,
    /// `sha-256`
    Sha256,
    /// `sha-384`
    Sha384,
    /// `sha-512`
    Sha512,
    /// `md5`
    Md5,
    /// `md2`
    Md2,
    /// Any other token, lower-cased.
    Other(String),
}

impl HashFunction {
    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            HashFunction::Sha1 => "sha-1",
            HashFunction::Sha224 => "sha-224",
            HashFunction::Sha256 => "sha-256",
            HashFunction::Sha384 => "sha-384",
            HashFunction::Sha512 => "sha-512",
            HashFunction::Md5 => "md5",
            HashFunction::Md2 => "md2",
            HashFunction::Other(s) => s,
        }
    }

    /// Output length in bytes, for the known functions.
    pub fn output_len(&self) -> Option<u8> {
        Some(match self {
            HashFunction::Sha1 => 20,
            HashFunction::Sha224 => 28,
            HashFunction::Sha256 => 32,
            HashFunction::Sha384 => 48,
            HashFunction::Sha512 => 64,
            HashFunction::Md5 | HashFunction::Md2 => 16,
            HashFunction::Other(_) => return None,
        })
    }
}

/// RFC 8122 §5 `a=fingerprint:<hash> <XX:XX:...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The hash function.
    pub hash: HashFunction,
    /// The digest bytes (written as upper-case hex pairs joined by `:`).
    pub value: Vec<u8>,
}

/// RFC 4145 §4 `a=setup:` roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this side opens (DTLS client).
    Active,
    /// `passive`: this side waits (DTLS server).
    Passive,
    /// `actpass`: either; offers use it (RFC 8842 §5.2).
    Actpass,
    /// `holdconn`
    Holdconn,
}

impl Setup {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::Actpass => "actpass",
            Setup::Holdconn => "holdconn",
        }
    }
}

/// RFC 8866 §6.7 media direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `sendrecv` (the default when absent).
    SendRecv,
    /// `sendonly`
    SendOnly,
    /// `recvonly`
    RecvOnly,
    /// `inactive`
    Inactive,
}

impl Direction {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction the other side sees (`sendonly` becomes `recvonly`).
    pub fn reverse(self) -> Self {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }
}

/// RFC 8285 §7 `a=extmap:<id>[/<direction>] <uri> [<attributes>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extmap {
    /// 1-14 (one-byte), 1-255 (two-byte) or 4096-4351 (RFC 8285 §7).
    pub id: u16,
    /// Optional direction.
    pub direction: Option<Direction>,
    /// The extension URI. Common URIs borrow a static string.
    pub uri: Cow<'static, str>,
    /// Extension attributes, verbatim.
    pub attributes: Option<String>,
}

/// RFC 3605 §2.1 `a=rtcp:<port> [IN <addrtype> <address>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtcp {
    /// RTCP port.
    pub port: u16,
    /// Optional address (network type is always `IN`).
    pub address: Option<(crate::AddrType, crate::Address)>,
}

/// RFC 8866 §6.6 `a=rtpmap:<pt> <encoding>/<clock rate>[/<params>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtpmap {
    /// Payload type (0-127).
    pub payload_type: u8,
    /// Encoding name as written (`opus`, `VP8`, ...). Common names borrow a static string.
    pub encoding: Cow<'static, str>,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters (channels for audio).
    pub channels: Option<u16>,
}

/// RFC 8866 §6.15 `a=fmtp:<pt> <parameters>`; parameters stay text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    /// Payload type the parameters apply to.
    pub payload_type: u8,
    /// Format parameters, verbatim (`minptime=10;useinbandfec=1`).
    pub parameters: String,
}

impl Fmtp {
    /// Builds `k1=v1;k2=v2` from pairs.
    pub fn from_pairs<'a>(
        payload_type: u8,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let mut parameters = String::new();
        for (k, v) in pairs {
            if !parameters.is_empty() {
                parameters.push(';');
            }
            parameters.push_str(k);
            parameters.push('=');
            parameters.push_str(v);
        }
        Fmtp {
            payload_type,
            parameters,
        }
    }

    /// The `;`-separated parameters as `(key, value)` (value `None` for bare tokens),
    /// whitespace trimmed.
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.parameters
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p, None),
            })
    }

    /// The value of parameter `key` (case-insensitive key).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v)
    }
}

/// RFC 4585 §4.2 `a=rtcp-fb:<pt|*> <type> [<parameter>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpFb {
    /// Payload type, or `None` for `*` (all formats).
    pub payload_type: Option<u8>,
    /// Feedback type: `nack`, `ccm`, `ack`, `trr-int`, `goog-remb`, `transport-cc`, ...
    pub kind: Cow<'static, str>,
    /// The rest: `pli`, `fir`, `rpsi`, a trr-int value, ...
    pub parameter: Option<Cow<'static, str>>,
}

/// RFC 5576 §4.1 `a=ssrc:<ssrc> <attribute>[:<value>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssrc {
    /// The SSRC.
    pub ssrc: u32,
    /// Source attribute name (`cname`, `msid`, ...).
    pub attribute: Cow<'static, str>,
    /// Its value, if any.
    pub value: Option<String>,
}

/// RFC 5576 §4.2 `a=ssrc-group:<semantics> <ssrc>...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrcGroup {
    /// `FID` (RTX), `SIM`, `FEC-FR`, ...
    pub semantics: String,
    /// The SSRCs, in order.
    pub ssrcs: Vec<u32>,
}

/// RFC 8830 §2 `a=msid:<stream id> [<track id>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msid {
    /// MediaStream id (`-` for none).
    pub stream_id: String,
    /// Application data (track id), if present.
    pub track_id: Option<String>,
}

/// RFC 8851 §4 rid direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RidDirection {
    /// `send`
    Send,
    /// `recv`
    Recv,
}

impl RidDirection {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            RidDirection::Send => "send",
            RidDirection::Recv => "recv",
        }
    }
}

/// RFC 8851 §4 `a=rid:<id> <send|recv> [<params>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rid {
    /// The rid-id.
    pub id: String,
    /// Direction.
    pub direction: RidDirection,
    /// `pt=97,98;max-width=1280;...`, verbatim.
    pub params: Option<String>,
}

impl Rid {
    /// The payload types of a `pt=` restriction (empty when absent).
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.restrictions()
            .filter(|(k, _)| *k == "pt")
            .flat_map(|(_, v)| v.unwrap_or("").split(','))
            .filter_map(|s| s.parse().ok())
    }

    /// The `;`-separated restrictions as `(key, value)`.
    pub fn restrictions(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.params
            .as_deref()
            .unwrap_or("")
            .split(';')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (p, None),
            })
    }
}

/// One rid in a simulcast list, possibly paused (`~`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulcastRid {
    /// The rid-id.
    pub id: String,
    /// Written with a leading `~`.
    pub paused: bool,
}

/// RFC 8853 §5.1 `a=simulcast:send <list> recv <list>`. Each list is `;`-separated streams,
/// each stream `,`-separated alternatives. An empty list means that direction is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulcast {
    /// Send streams.
    pub send: Vec<Vec<SimulcastRid>>,
    /// Receive streams.
    pub recv: Vec<Vec<SimulcastRid>>,
}

/// `a=sctpmap:<port> <protocol> [<streams>]` (legacy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sctpmap {
    /// SCTP port.
    pub port: u16,
    /// `webrtc-datachannel`.
    pub protocol: String,
    /// Number of streams.
    pub streams: Option<u32>,
}

// ---- serialization: the writers live in writer.rs ----

impl fmt::Display for Fingerprint {
    /// `sha-256 AB:CD:...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        crate::writer::fingerprint(&mut s, self);
        f.write_str(&s)
    }
}

impl fmt::Display for Attribute {
    /// The whole line without `a=` and without CRLF (`rtpmap:111 opus/48000/2`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        crate::writer::attribute(&mut s, self);
        f.write_str(&s)
    }
}

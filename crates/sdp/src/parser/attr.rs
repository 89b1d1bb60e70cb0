//! Grammar of field values and attribute values, with nom. Each function takes the text
//! after `x=` (or after `a=name:`) and returns the typed value or `None`; the caller maps
//! `None` to an [`ErrorKind`] with the line number.

use std::borrow::Cow;
use std::net::IpAddr;

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::char;
use nom::combinator::{all_consuming, opt, rest};
use nom::sequence::preceded;

use crate::attribute::{
    Attribute, Decimal, Direction, Extmap, Fingerprint, Fmtp, Group, HashFunction, Msid,
    MsidSemantic, Rid, RidDirection, Rtcp, RtcpFb, Rtpmap, Sctpmap, Setup, Simulcast, SimulcastRid,
    Ssrc, SsrcGroup,
};
use crate::candidate::{Candidate, CandidateType, TcpType, Transport};
use crate::error::ErrorKind;
use crate::model::{AddrType, Address};

type Res<'a, T> = IResult<&'a str, T>;

const fn token_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        c += 1;
    }
    t
}

static TOKEN: [bool; 128] = token_table();

/// RFC 8866 §9 token characters.
pub(crate) fn is_token_char(c: char) -> bool {
    (c as u32) < 128 && TOKEN[c as usize]
}

/// RFC 8839 §5.1 ice-char.
fn is_ice_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/'
}

fn is_rid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

pub(crate) fn token(i: &str) -> Res<'_, &str> {
    take_while1(is_token_char)(i)
}

/// A run of visible characters: no space and no control character (RFC 8866 §9 excludes
/// CR, LF and NUL from values; a stray CR would not survive a round trip).
fn word(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c > ' ' && c != '\x7f')(i)
}

fn sp(i: &str) -> Res<'_, char> {
    char(' ')(i)
}

/// Unsigned decimal that must fit `T` (overflow is a parse failure, never a wrap).
fn num<T: TryFrom<u64>>(i: &str) -> Res<'_, T> {
    let fail = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Digit));
    let b = i.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 20 {
        return Err(fail());
    }
    let mut v: u64 = 0;
    for &c in &b[..n] {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or_else(fail)?;
    }
    let v = T::try_from(v).map_err(|_| fail())?;
    Ok((&i[n..], v))
}

/// Returns a static string equal to `s` from `table`, or an owned copy.
fn intern(s: &str, table: &'static [&'static str]) -> Cow<'static, str> {
    match table.iter().find(|t| **t == s) {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(s.to_owned()),
    }
}

const ENCODINGS: &[&str] = &[
    "opus",
    "VP8",
    "VP9",
    "H264",
    "H265",
    "AV1",
    "rtx",
    "red",
    "ulpfec",
    "flexfec-03",
    "G722",
    "PCMU",
    "PCMA",
    "CN",
    "telephone-event",
    "ISAC",
];
const FB_KINDS: &[&str] = &["nack", "ccm", "goog-remb", "transport-cc", "trr-int", "ack"];
const FB_PARAMS: &[&str] = &["pli", "fir", "sli", "rpsi", "tmmbr", "tstr", "app"];
const SSRC_ATTRS: &[&str] = &["cname", "msid", "mslabel", "label"];
const PROTOCOLS: &[&str] = &[
    "UDP/TLS/RTP/SAVPF",
    "UDP/DTLS/SCTP",
    "RTP/SAVPF",
    "RTP/AVP",
    "RTP/AVPF",
    "RTP/SAVP",
    "DTLS/SCTP",
    "TCP/DTLS/SCTP",
    "TCP/TLS/RTP/SAVPF",
];
const FORMATS: &[&str] = &["webrtc-datachannel"];
const URIS: &[&str] = &[
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:toffset",
    "urn:3gpp:video-orientation",
    "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
    "http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
    "http://www.webrtc.org/experiments/rtp-hdrext/color-space",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
    "http://www.webrtc.org/experiments/rtp-hdrext/video-layers-allocation00",
    "urn:ietf:params:rtp-hdrext:csrc-audio-level",
];

/// Payload type numbers as static strings, so m= lines do not allocate per format.
static PT_STRINGS: [&str; 128] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
    "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47", "48",
    "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64",
    "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "80",
    "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95", "96",
    "97", "98", "99", "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "110",
    "111", "112", "113", "114", "115", "116", "117", "118", "119", "120", "121", "122", "123",
    "124", "125", "126", "127",
];

fn format(f: &str) -> Cow<'static, str> {
    let b = f.as_bytes();
    if (!b.is_empty() && b.len() <= 3 && b[0] != b'0' || f == "0")
        && let Ok((_, n)) = num::<u8>(f)
        && let Some(s) = PT_STRINGS.get(usize::from(n))
        && *s == f
    {
        return Cow::Borrowed(s);
    }
    intern(f, FORMATS)
}

/// Runs `p` over the whole of `v`.
fn whole<'a, O>(
    v: &'a str,
    p: impl Parser<&'a str, Output = O, Error = nom::error::Error<&'a str>>,
) -> Option<O> {
    all_consuming(p).parse(v).ok().map(|(_, o)| o)
}

fn number<T: TryFrom<u64>>(v: &str) -> Option<T> {
    whole(v, num::<T>)
}

/// An IP literal or a host name (RFC 8866 §9 FQDN, loosely: letters, digits, `-`, `.`, `_`).
pub(crate) fn address(s: &str) -> Option<Address> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let ip_like = b
        .iter()
        .all(|&c| c.is_ascii_hexdigit() || c == b'.' || c == b':');
    if ip_like && let Ok(ip) = s.parse::<IpAddr>() {
        return Some(Address::Ip(ip));
    }
    if b.len() <= 255
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
    {
        Some(Address::Fqdn(s.to_owned()))
    } else {
        None
    }
}

pub(crate) fn addr_type(s: &str) -> Option<AddrType> {
    match s {
        "IP4" => Some(AddrType::Ip4),
        "IP6" => Some(AddrType::Ip6),
        _ => None,
    }
}

/// Whether an address fits its type (host names fit both).
pub(crate) fn addr_matches(t: AddrType, a: &Address) -> bool {
    match a {
        Address::Ip(ip) => AddrType::of(*ip) == t,
        Address::Fqdn(_) => true,
    }
}

/// `IN <addrtype> <address>`, returning the address text unparsed.
fn in_addr(i: &str) -> Res<'_, (AddrType, &str)> {
    let (i, (_, _, t, _, a)) = (tag("IN"), sp, token, sp, word).parse(i)?;
    match addr_type(t) {
        Some(t) => Ok((i, (t, a))),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

pub(crate) fn decimal(v: &str) -> Option<Decimal> {
    let (int, frac) = match v.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (v, None),
    };
    let int: u32 = number(int)?;
    match frac {
        None => Some(Decimal::from_int(int)),
        Some(f) => Decimal::new(int, number(f)?, u8::try_from(f.len()).ok()?),
    }
}

// ---- field lines ----

/// `o=` value.
pub(crate) fn origin(v: &str) -> Option<(crate::model::Origin, bool)> {
    let (user, _, id, _, ver, _, (t, a)) =
        whole(v, (word, sp, num::<u64>, sp, num::<u64>, sp, in_addr))?;
    let address = address(a)?;
    let ok = addr_matches(t, &address);
    Some((
        crate::model::Origin {
            username: user.to_owned(),
            session_id: id,
            session_version: ver,
            addr_type: t,
            address,
        },
        ok,
    ))
}

/// `c=` value; the bool says whether the address fits its type.
pub(crate) fn connection(v: &str) -> Option<(crate::model::Connection, bool)> {
    let (t, a) = whole(v, in_addr)?;
    let mut parts = a.split('/');
    let address = address(parts.next()?)?;
    let first: Option<u32> = parts
        .next()
        .map(number)
        .map(|n| n.ok_or(()))
        .transpose()
        .ok()?;
    let second: Option<u32> = parts
        .next()
        .map(number)
        .map(|n| n.ok_or(()))
        .transpose()
        .ok()?;
    if parts.next().is_some() {
        return None;
    }
    // IPv4 multicast: addr/ttl[/count]; IPv6: addr[/count] (RFC 8866 §5.7).
    let (ttl, count) = match (t, first, second) {
        (AddrType::Ip4, Some(ttl), c) => (Some(u8::try_from(ttl).ok()?), c),
        (AddrType::Ip6, Some(c), None) => (None, Some(c)),
        (AddrType::Ip6, Some(_), Some(_)) => return None,
        (_, None, _) => (None, None),
    };
    let ok = addr_matches(t, &address);
    Some((
        crate::model::Connection {
            addr_type: t,
            address,
            ttl,
            count,
        },
        ok,
    ))
}

/// `b=` value.
pub(crate) fn bandwidth(v: &str) -> Option<crate::model::Bandwidth> {
    let (k, _, n) = whole(v, (token, char(':'), num::<u64>))?;
    Some(crate::model::Bandwidth {
        kind: k.to_owned(),
        value: n,
    })
}

/// `t=` value.
pub(crate) fn timing(v: &str) -> Option<(u64, u64)> {
    whole(v, (num::<u64>, sp, num::<u64>)).map(|(a, _, b)| (a, b))
}

/// `m=` value.
pub(crate) fn media(v: &str) -> Option<crate::model::MediaDescription> {
    use crate::model::MediaType;
    let (i, (m, _, port, count, _, proto)) = (
        token,
        sp,
        num::<u16>,
        opt(preceded(char('/'), num::<u16>)),
        sp,
        word,
    )
        .parse(v)
        .ok()?;
    let media = match m {
        "audio" => MediaType::Audio,
        "video" => MediaType::Video,
        "application" => MediaType::Application,
        "text" => MediaType::Text,
        "message" => MediaType::Message,
        "image" => MediaType::Image,
        o => MediaType::Other(o.to_owned()),
    };
    let mut formats = Vec::new();
    let mut i = i;
    while !i.is_empty() {
        let (r, (_, f)) = (sp, word).parse(i).ok()?;
        formats.push(format(f));
        i = r;
    }
    if formats.is_empty() {
        return None;
    }
    let mut md =
        crate::model::MediaDescription::new(media, port, intern(proto, PROTOCOLS), [0u8; 0]);
    md.port_count = count;
    md.formats = formats;
    // Browsers write 100-200 attribute lines per video section: avoid regrowing from 4.
    md.attributes.reserve(32);
    Some(md)
}

// ---- attributes ----

fn flag(v: Option<&str>, a: Attribute) -> Result<Attribute, ErrorKind> {
    match v {
        None => Ok(a),
        Some(_) => Err(ErrorKind::InvalidAttribute(static_name(&a))),
    }
}

fn static_name(a: &Attribute) -> &'static str {
    match a {
        Attribute::IceLite => "ice-lite",
        Attribute::IceMismatch => "ice-mismatch",
        Attribute::ExtmapAllowMixed => "extmap-allow-mixed",
        Attribute::Direction(d) => d.as_str(),
        Attribute::RtcpMux => "rtcp-mux",
        Attribute::RtcpMuxOnly => "rtcp-mux-only",
        Attribute::RtcpRsize => "rtcp-rsize",
        Attribute::EndOfCandidates => "end-of-candidates",
        Attribute::BundleOnly => "bundle-only",
        _ => "?",
    }
}

/// Parses one attribute. Unknown names become [`Attribute::Other`]; a known name with a
/// value that does not fit its grammar is an error.
pub(crate) fn attribute(name: &str, value: Option<&str>) -> Result<Attribute, ErrorKind> {
    macro_rules! typed {
        ($n:literal, $f:expr) => {
            value.and_then($f).ok_or(ErrorKind::InvalidAttribute($n))
        };
    }
    match name {
        "candidate" => typed!("candidate", candidate).map(|c| Attribute::Candidate(Box::new(c))),
        "rtpmap" => typed!("rtpmap", rtpmap).map(Attribute::Rtpmap),
        "fmtp" => typed!("fmtp", fmtp).map(Attribute::Fmtp),
        "rtcp-fb" => typed!("rtcp-fb", rtcp_fb).map(Attribute::RtcpFb),
        "ssrc" => typed!("ssrc", ssrc).map(Attribute::Ssrc),
        "ssrc-group" => typed!("ssrc-group", ssrc_group).map(Attribute::SsrcGroup),
        "extmap" => typed!("extmap", extmap).map(Attribute::Extmap),
        "mid" => typed!("mid", |v| whole(v, token)).map(|m| Attribute::Mid(m.to_owned())),
        "msid" => typed!("msid", msid).map(Attribute::Msid),
        "rid" => typed!("rid", rid).map(Attribute::Rid),
        "simulcast" => typed!("simulcast", simulcast).map(Attribute::Simulcast),
        "group" => typed!("group", group).map(Attribute::Group),
        "msid-semantic" => typed!("msid-semantic", msid_semantic).map(Attribute::MsidSemantic),
        "ice-ufrag" => {
            typed!("ice-ufrag", |v| ice_string(v, 4)).map(|s| Attribute::IceUfrag(s.to_owned()))
        }
        "ice-pwd" => {
            typed!("ice-pwd", |v| ice_string(v, 22)).map(|s| Attribute::IcePwd(s.to_owned()))
        }
        "ice-options" => typed!("ice-options", ice_options).map(Attribute::IceOptions),
        "ice-pacing" => typed!("ice-pacing", number::<u32>).map(Attribute::IcePacing),
        "fingerprint" => match value.and_then(fingerprint) {
            Some(fp) => match fp.hash.output_len() {
                Some(n) if usize::from(n) != fp.value.len() => Err(ErrorKind::FingerprintLength {
                    expected: n,
                    actual: fp.value.len(),
                }),
                _ => Ok(Attribute::Fingerprint(fp)),
            },
            None => Err(ErrorKind::InvalidAttribute("fingerprint")),
        },
        "setup" => typed!("setup", |v| match v {
            "active" => Some(Setup::Active),
            "passive" => Some(Setup::Passive),
            "actpass" => Some(Setup::Actpass),
            "holdconn" => Some(Setup::Holdconn),
            _ => None,
        })
        .map(Attribute::Setup),
        "tls-id" => typed!("tls-id", |v| whole(v, word)).map(|s| Attribute::TlsId(s.to_owned())),
        "rtcp" => typed!("rtcp", rtcp).map(Attribute::Rtcp),
        "sctp-port" => typed!("sctp-port", number::<u16>).map(Attribute::SctpPort),
        "max-message-size" => {
            typed!("max-message-size", number::<u64>).map(Attribute::MaxMessageSize)
        }
        "sctpmap" => typed!("sctpmap", sctpmap).map(Attribute::Sctpmap),
        "sctp-init" => {
            typed!("sctp-init", |v| whole(v, word)).map(|s| Attribute::SctpInit(s.to_owned()))
        }
        "ptime" => typed!("ptime", decimal).map(Attribute::Ptime),
        "maxptime" => typed!("maxptime", decimal).map(Attribute::Maxptime),
        "framerate" => typed!("framerate", decimal).map(Attribute::Framerate),
        "ice-lite" => flag(value, Attribute::IceLite),
        "ice-mismatch" => flag(value, Attribute::IceMismatch),
        "extmap-allow-mixed" => flag(value, Attribute::ExtmapAllowMixed),
        "sendrecv" => flag(value, Attribute::Direction(Direction::SendRecv)),
        "sendonly" => flag(value, Attribute::Direction(Direction::SendOnly)),
        "recvonly" => flag(value, Attribute::Direction(Direction::RecvOnly)),
        "inactive" => flag(value, Attribute::Direction(Direction::Inactive)),
        "rtcp-mux" => flag(value, Attribute::RtcpMux),
        "rtcp-mux-only" => flag(value, Attribute::RtcpMuxOnly),
        "rtcp-rsize" => flag(value, Attribute::RtcpRsize),
        "end-of-candidates" => flag(value, Attribute::EndOfCandidates),
        "bundle-only" => flag(value, Attribute::BundleOnly),
        "imageattr" => {
            // RFC 6236 §3.1: `<pt|*> SP send|recv SP ...`; the rest stays verbatim.
            let ok = value.is_some_and(|v| {
                (
                    alt_star_or_pt,
                    sp,
                    nom::branch::alt((tag("send"), tag("recv"))),
                    sp,
                    rest,
                )
                    .parse(v)
                    .is_ok()
            });
            if ok {
                Ok(other(name, value))
            } else {
                Err(ErrorKind::InvalidAttribute("imageattr"))
            }
        }
        _ => {
            if whole(name, token).is_none() {
                return Err(ErrorKind::InvalidAttribute("?"));
            }
            Ok(other(name, value))
        }
    }
}

fn other(name: &str, value: Option<&str>) -> Attribute {
    Attribute::Other {
        name: name.to_owned(),
        value: value.map(str::to_owned),
    }
}

fn alt_star_or_pt(i: &str) -> Res<'_, Option<u8>> {
    nom::branch::alt((char('*').map(|_| None), num::<u8>.map(Some))).parse(i)
}

fn pt(i: &str) -> Res<'_, u8> {
    let (r, v) = num::<u8>(i)?;
    if v > 127 {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((r, v))
}

fn ice_string(v: &str, min: usize) -> Option<&str> {
    (v.len() >= min && v.len() <= 256 && v.chars().all(is_ice_char)).then_some(v)
}

fn ice_options(v: &str) -> Option<Vec<String>> {
    let (mut i, first) = token(v).ok()?;
    let mut out = vec![first.to_owned()];
    while !i.is_empty() {
        let (r, (_, t)) = (sp, token).parse(i).ok()?;
        out.push(t.to_owned());
        i = r;
    }
    Some(out)
}

fn fingerprint(v: &str) -> Option<Fingerprint> {
    let (h, _, fp) = whole(v, (token, sp, word))?;
    let hash = if h.eq_ignore_ascii_case("sha-256") {
        HashFunction::Sha256
    } else if h.eq_ignore_ascii_case("sha-1") {
        HashFunction::Sha1
    } else if h.eq_ignore_ascii_case("sha-224") {
        HashFunction::Sha224
    } else if h.eq_ignore_ascii_case("sha-384") {
        HashFunction::Sha384
    } else if h.eq_ignore_ascii_case("sha-512") {
        HashFunction::Sha512
    } else if h.eq_ignore_ascii_case("md5") {
        HashFunction::Md5
    } else if h.eq_ignore_ascii_case("md2") {
        HashFunction::Md2
    } else {
        HashFunction::Other(h.to_ascii_lowercase())
    };
    let b = fp.as_bytes();
    // 2HEXDIG *(":" 2HEXDIG): length 3n-1.
    if (b.len() + 1) % 3 != 0 {
        return None;
    }
    let mut value = Vec::with_capacity(b.len().div_ceil(3));
    for (k, chunk) in b.chunks(3).enumerate() {
        if chunk.len() == 3 && chunk[2] != b':' {
            return None;
        }
        let hi = (chunk[0] as char).to_digit(16)?;
        let lo = (chunk[1] as char).to_digit(16)?;
        let _ = k;
        value.push((hi * 16 + lo) as u8);
    }
    Some(Fingerprint { hash, value })
}

fn extmap(v: &str) -> Option<Extmap> {
    let (i, (id, dir, _, uri)) = (num::<u16>, opt(preceded(char('/'), token)), sp, word)
        .parse(v)
        .ok()?;
    if !(1..=255).contains(&id) && !(4096..=4351).contains(&id) {
        return None;
    }
    let direction = match dir {
        None => None,
        Some("sendrecv") => Some(Direction::SendRecv),
        Some("sendonly") => Some(Direction::SendOnly),
        Some("recvonly") => Some(Direction::RecvOnly),
        Some("inactive") => Some(Direction::Inactive),
        Some(_) => return None,
    };
    let attributes = match i {
        "" => None,
        a => Some(a.strip_prefix(' ').filter(|a| !a.is_empty())?.to_owned()),
    };
    Some(Extmap {
        id,
        direction,
        uri: intern(uri, URIS),
        attributes,
    })
}

fn rtcp(v: &str) -> Option<Rtcp> {
    let (port, a) = whole(v, (num::<u16>, opt(preceded(sp, in_addr))))?;
    let address = match a {
        None => None,
        Some((t, a)) => {
            let a = address(a)?;
            if !addr_matches(t, &a) {
                return None;
            }
            Some((t, a))
        }
    };
    Some(Rtcp { port, address })
}

fn rtpmap(v: &str) -> Option<Rtpmap> {
    let (payload_type, _, enc, _, rate, ch) = whole(
        v,
        (
            pt,
            sp,
            token_no_slash,
            char('/'),
            num::<u32>,
            opt(preceded(char('/'), num::<u16>)),
        ),
    )?;
    Some(Rtpmap {
        payload_type,
        encoding: intern(enc, ENCODINGS),
        clock_rate: rate,
        channels: ch,
    })
}

fn token_no_slash(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c != '/' && is_token_char(c))(i)
}

fn fmtp(v: &str) -> Option<Fmtp> {
    let (payload_type, _, p) = whole(v, (pt, sp, rest))?;
    if p.is_empty() {
        return None;
    }
    Some(Fmtp {
        payload_type,
        parameters: p.to_owned(),
    })
}

fn rtcp_fb(v: &str) -> Option<RtcpFb> {
    let (payload_type, _, kind, param) = whole(
        v,
        (
            nom::branch::alt((char('*').map(|_| None), pt.map(Some))),
            sp,
            token,
            opt(preceded(sp, rest)),
        ),
    )?;
    if param == Some("") {
        return None;
    }
    Some(RtcpFb {
        payload_type,
        kind: intern(kind, FB_KINDS),
        parameter: param.map(|p| intern(p, FB_PARAMS)),
    })
}

fn ssrc(v: &str) -> Option<Ssrc> {
    let (ssrc, _, attr, val) = whole(
        v,
        (
            num::<u32>,
            sp,
            take_while1(|c: char| c != ':' && is_token_char(c)),
            opt(preceded(char(':'), rest)),
        ),
    )?;
    Some(Ssrc {
        ssrc,
        attribute: intern(attr, SSRC_ATTRS),
        value: val.map(str::to_owned),
    })
}

fn ssrc_group(v: &str) -> Option<SsrcGroup> {
    let (mut i, sem) = token(v).ok()?;
    let mut ssrcs = Vec::new();
    while !i.is_empty() {
        let (r, (_, s)) = (sp, num::<u32>).parse(i).ok()?;
        ssrcs.push(s);
        i = r;
    }
    Some(SsrcGroup {
        semantics: sem.to_owned(),
        ssrcs,
    })
}

fn msid(v: &str) -> Option<Msid> {
    let (id, app) = whole(v, (token, opt(preceded(sp, token))))?;
    Some(Msid {
        stream_id: id.to_owned(),
        track_id: app.map(str::to_owned),
    })
}

fn rid(v: &str) -> Option<Rid> {
    let (id, _, dir, params) = whole(
        v,
        (
            take_while1(is_rid_char),
            sp,
            nom::branch::alt((tag("send"), tag("recv"))),
            opt(preceded(sp, word)),
        ),
    )?;
    Some(Rid {
        id: id.to_owned(),
        direction: if dir == "send" {
            RidDirection::Send
        } else {
            RidDirection::Recv
        },
        params: params.map(str::to_owned),
    })
}

fn sc_list(v: &str) -> Option<Vec<Vec<SimulcastRid>>> {
    let mut out = Vec::new();
    for stream in v.split(';') {
        let mut alts = Vec::new();
        for id in stream.split(',') {
            let (paused, id) = match id.strip_prefix('~') {
                Some(id) => (true, id),
                None => (false, id),
            };
            if id.is_empty() || !id.chars().all(is_rid_char) {
                return None;
            }
            alts.push(SimulcastRid {
                id: id.to_owned(),
                paused,
            });
        }
        out.push(alts);
    }
    Some(out)
}

fn simulcast(v: &str) -> Option<Simulcast> {
    let dir = |i| nom::branch::alt((tag("send"), tag("recv"))).parse(i);
    let (d1, _, l1, second) = whole(v, (dir, sp, word, opt((sp, dir, sp, word))))?;
    let mut sc = Simulcast {
        send: Vec::new(),
        recv: Vec::new(),
    };
    let mut put = |d: &str, l: &str| -> Option<()> {
        let list = sc_list(l)?;
        let slot = if d == "send" {
            &mut sc.send
        } else {
            &mut sc.recv
        };
        if !slot.is_empty() {
            return None;
        }
        *slot = list;
        Some(())
    };
    put(d1, l1)?;
    if let Some((_, d2, _, l2)) = second {
        put(d2, l2)?;
    }
    Some(sc)
}

fn sctpmap(v: &str) -> Option<Sctpmap> {
    let (port, _, proto, streams) =
        whole(v, (num::<u16>, sp, token, opt(preceded(sp, num::<u32>))))?;
    Some(Sctpmap {
        port,
        protocol: proto.to_owned(),
        streams,
    })
}

fn group(v: &str) -> Option<Group> {
    let (mut i, sem) = token(v).ok()?;
    let mut mids = Vec::new();
    while !i.is_empty() {
        let (r, (_, m)) = (sp, token).parse(i).ok()?;
        mids.push(m.to_owned());
        i = r;
    }
    Some(Group {
        semantics: sem.to_owned(),
        mids,
    })
}

fn msid_semantic(v: &str) -> Option<MsidSemantic> {
    // Browsers write `msid-semantic: WMS id`, with a space after the colon.
    let mut it = v.split_ascii_whitespace();
    let semantic = it.next()?;
    whole(semantic, token)?;
    let mut identifiers = Vec::new();
    for id in it {
        whole(id, token)?;
        identifiers.push(id.to_owned());
    }
    Some(MsidSemantic {
        space_after_colon: v.starts_with(' '),
        semantic: semantic.to_owned(),
        identifiers,
    })
}

/// RFC 8839 §5.1 candidate value (after `candidate:`).
pub(crate) fn candidate(v: &str) -> Option<Candidate> {
    let (mut i, (found, _, comp, _, transport, _, prio, _, addr, _, port, _, _, _, typ)) = (
        take_while1(is_ice_char),
        sp,
        num::<u16>,
        sp,
        token,
        sp,
        num::<u32>,
        sp,
        word,
        sp,
        num::<u16>,
        sp,
        tag("typ"),
        sp,
        token,
    )
        .parse(v)
        .ok()?;
    if found.len() > 32 || comp == 0 || comp > 999 {
        return None;
    }
    let kind = match typ {
        "host" => CandidateType::Host,
        "srflx" => CandidateType::Srflx,
        "prflx" => CandidateType::Prflx,
        "relay" => CandidateType::Relay,
        o => CandidateType::Other(o.to_owned()),
    };
    let mut c = Candidate::new(
        found,
        comp,
        Transport::from_text(transport),
        prio,
        address(addr)?,
        port,
        kind,
    );
    while !i.is_empty() {
        let (r, (_, name, _, val)) = (sp, token, sp, word).parse(i).ok()?;
        i = r;
        // A repeated known extension would not survive a round trip: reject it.
        fn set<T>(slot: &mut Option<T>, v: Option<T>) -> Option<()> {
            if slot.is_some() {
                return None;
            }
            *slot = Some(v?);
            Some(())
        }
        match name {
            "raddr" => set(&mut c.related_address, address(val))?,
            "rport" => set(&mut c.related_port, number(val))?,
            "tcptype" => set(
                &mut c.tcp_type,
                match val {
                    "active" => Some(TcpType::Active),
                    "passive" => Some(TcpType::Passive),
                    "so" => Some(TcpType::So),
                    _ => None,
                },
            )?,
            "generation" => set(&mut c.generation, number(val))?,
            "ufrag" => set(&mut c.ufrag, ice_string(val, 1).map(str::to_owned))?,
            "network-id" => set(&mut c.network_id, number(val))?,
            "network-cost" => set(&mut c.network_cost, number(val))?,
            _ => c.extensions.push((name.to_owned(), val.to_owned())),
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Connection;

    #[test]
    fn numbers_reject_overflow_and_junk() {
        assert_eq!(number::<u8>("255"), Some(255));
        assert_eq!(number::<u8>("256"), None);
        assert_eq!(number::<u64>("18446744073709551615"), Some(u64::MAX));
        assert_eq!(number::<u64>("18446744073709551616"), None);
        assert_eq!(number::<u32>(""), None);
        assert_eq!(number::<u32>("1a"), None);
        assert_eq!(number::<u32>("-1"), None);
    }

    #[test]
    fn decimals_keep_their_digits() {
        let d = decimal("0.125").unwrap();
        assert_eq!(d.to_string(), "0.125");
        assert!((d.as_f64() - 0.125).abs() < 1e-12);
        assert_eq!(decimal("29.97").unwrap().to_string(), "29.97");
        assert_eq!(decimal("20.05").unwrap().to_string(), "20.05");
        assert_eq!(decimal("20").unwrap(), Decimal::from_int(20));
        for bad in ["", ".5", "5.", "1.2.3", "1.0123456789", "x"] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn connection_lines_rfc8866_5_7() {
        let (c, ok) = connection("IN IP4 224.2.36.42/127/3").unwrap();
        assert!(ok);
        assert_eq!((c.ttl, c.count), (Some(127), Some(3)));
        assert_eq!(c.to_string(), "IN IP4 224.2.36.42/127/3");
        let (c, _) = connection("IN IP6 ff15::101/3").unwrap();
        assert_eq!((c.ttl, c.count), (None, Some(3)));
        let (c, ok) = connection("IN IP4 fe80::1").unwrap();
        assert!(!ok, "IPv6 address under IP4");
        assert_eq!(c.address, Address::Ip("fe80::1".parse().unwrap()));
        let (c, ok) = connection("IN IP4 host.example.com").unwrap();
        assert!(ok);
        assert_eq!(c.address, Address::Fqdn("host.example.com".into()));
        assert_eq!(connection("IN IP7 X"), None);
        assert_eq!(connection("ATM IP4 1.2.3.4"), None);
        assert_eq!(connection("IN IP4 1.2.3.4/300"), None, "ttl is 0-255");
        assert_eq!(connection("IN IP6 ::1/1/2"), None, "IPv6 has no ttl");
        assert_eq!(Connection::unspecified().to_string(), "IN IP4 0.0.0.0");
    }

    #[test]
    fn fingerprints_rfc8122_5() {
        let fp = fingerprint("SHA-1 42:89:c5:c6:55:9d:6e:c8:e8:83:55:2a:39:f9:b6:eb:e9:a3:a9:e7")
            .unwrap();
        assert_eq!(fp.hash, HashFunction::Sha1);
        assert_eq!(fp.value[..3], [0x42, 0x89, 0xc5]);
        assert!(fingerprint("sha-256 AB:CD:").is_none());
        assert!(fingerprint("sha-256 ABC:D").is_none());
        assert!(fingerprint("sha-256 AB-CD").is_none());
        assert!(fingerprint("sha-256 GG").is_none());
        assert_eq!(
            attribute("fingerprint", Some("sha-256 AB:CD")),
            Err(ErrorKind::FingerprintLength {
                expected: 32,
                actual: 2
            })
        );
    }

    #[test]
    fn payload_type_formats_do_not_allocate() {
        assert!(matches!(format("96"), Cow::Borrowed("96")));
        assert!(matches!(format("0"), Cow::Borrowed("0")));
        assert!(matches!(format("webrtc-datachannel"), Cow::Borrowed(_)));
        // Not canonical numbers: kept as written.
        assert_eq!(format("096"), "096");
        assert!(matches!(format("096"), Cow::Owned(_)));
        assert_eq!(format("128"), "128");
    }

    #[test]
    fn attribute_grammar_edges() {
        assert!(attribute("rtpmap", Some("96 VP8")).is_err());
        assert!(attribute("rtpmap", Some("128 VP8/90000")).is_err());
        assert!(attribute("extmap", Some("0 urn:x")).is_err());
        assert!(
            attribute("extmap", Some("15 urn:x")).is_ok(),
            "two-byte ids"
        );
        assert!(attribute("extmap", Some("4096 urn:x")).is_ok());
        assert!(attribute("extmap", Some("1/sideways urn:x")).is_err());
        assert!(
            attribute("ice-ufrag", Some("abc")).is_err(),
            "RFC 8839: 4-256 chars"
        );
        assert!(
            attribute("ice-pwd", Some("short")).is_err(),
            "RFC 8839: 22-256 chars"
        );
        assert!(attribute("simulcast", Some("send 1;2 send 3")).is_err());
        assert!(attribute("simulcast", Some("recv 1 send ~2,3")).is_ok());
        assert!(attribute("rid", Some("1 both")).is_err());
        assert!(attribute("setup", Some("ACTIVE")).is_err());
        assert!(attribute("rtcp-fb", Some("96 ")).is_err());
        assert!(attribute("rtcp", Some("9 IN IP4 ::1")).is_err());
        assert_eq!(
            attribute("x-custom", Some("anything: at all")),
            Ok(Attribute::Other {
                name: "x-custom".into(),
                value: Some("anything: at all".into())
            })
        );
        assert_eq!(
            attribute("bad name", None),
            Err(ErrorKind::InvalidAttribute("?"))
        );
    }
}

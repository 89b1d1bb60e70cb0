//! The serializer: CRLF line ends, RFC 8866 §5 order (v o s i u e p c b t r z k a, then
//! per m-section m i c b k a), attributes and kept unknown lines in model order.
//!
//! Writes straight into a `String` with `push_str` rather than through `fmt` machinery:
//! an offer has a few hundred small pieces and formatting each one costs more than the copy.

use std::fmt::{self, Write};

use crate::attribute::{Attribute, Fingerprint, SimulcastRid};
use crate::candidate::Candidate;
use crate::model::{Address, Bandwidth, Connection, MediaDescription, SessionDescription};

/// Decimal digits of `v`.
pub(crate) fn num(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("invariant: ASCII digits"));
}

fn address(out: &mut String, a: &Address) {
    match a {
        // Writing into a String cannot fail.
        Address::Ip(ip) => {
            let _ = write!(out, "{ip}");
        }
        Address::Fqdn(n) => out.push_str(n),
    }
}

fn connection(out: &mut String, c: &Connection) {
    out.push_str("IN ");
    out.push_str(c.addr_type.as_str());
    out.push(' ');
    address(out, &c.address);
    if let Some(t) = c.ttl {
        out.push('/');
        num(out, t.into());
    }
    if let Some(n) = c.count {
        out.push('/');
        num(out, n.into());
    }
}

pub(crate) fn fingerprint(out: &mut String, fp: &Fingerprint) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str(fp.hash.as_str());
    out.push(' ');
    for (i, b) in fp.value.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

fn sc_list(out: &mut String, list: &[Vec<SimulcastRid>]) {
    for (i, alts) in list.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        for (j, r) in alts.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            if r.paused {
                out.push('~');
            }
            out.push_str(&r.id);
        }
    }
}

fn words(out: &mut String, items: &[String]) {
    for it in items {
        out.push(' ');
        out.push_str(it);
    }
}

/// RFC 8839 §5.1 candidate value (after `candidate:`).
pub(crate) fn candidate(out: &mut String, c: &Candidate) {
    out.push_str(&c.foundation);
    out.push(' ');
    num(out, c.component.into());
    out.push(' ');
    out.push_str(&c.transport.0);
    out.push(' ');
    num(out, c.priority.into());
    out.push(' ');
    address(out, &c.address);
    out.push(' ');
    num(out, c.port.into());
    out.push_str(" typ ");
    out.push_str(c.kind.as_str());
    if let Some(a) = &c.related_address {
        out.push_str(" raddr ");
        address(out, a);
    }
    if let Some(p) = c.related_port {
        out.push_str(" rport ");
        num(out, p.into());
    }
    if let Some(t) = c.tcp_type {
        out.push_str(" tcptype ");
        out.push_str(t.as_str());
    }
    if let Some(g) = c.generation {
        out.push_str(" generation ");
        num(out, g.into());
    }
    if let Some(u) = &c.ufrag {
        out.push_str(" ufrag ");
        out.push_str(u);
    }
    if let Some(n) = c.network_id {
        out.push_str(" network-id ");
        num(out, n.into());
    }
    if let Some(n) = c.network_cost {
        out.push_str(" network-cost ");
        num(out, n.into());
    }
    for (k, v) in &c.extensions {
        out.push(' ');
        out.push_str(k);
        out.push(' ');
        out.push_str(v);
    }
}

/// An attribute line without `a=` and CRLF; nothing for [`Attribute::UnknownLine`].
pub(crate) fn attribute(out: &mut String, a: &Attribute) {
    match a {
        Attribute::UnknownLine { .. } => return,
        Attribute::MsidSemantic(_) => {}
        _ => out.push_str(a.name()),
    }
    match a {
        Attribute::Group(g) => {
            out.push(':');
            out.push_str(&g.semantics);
            words(out, &g.mids);
        }
        Attribute::MsidSemantic(m) => {
            out.push_str(if m.space_after_colon {
                "msid-semantic: "
            } else {
                "msid-semantic:"
            });
            out.push_str(&m.semantic);
            words(out, &m.identifiers);
        }
        Attribute::IceUfrag(s)
        | Attribute::IcePwd(s)
        | Attribute::TlsId(s)
        | Attribute::Mid(s)
        | Attribute::SctpInit(s) => {
            out.push(':');
            out.push_str(s);
        }
        Attribute::IceOptions(o) => {
            out.push(':');
            for (i, t) in o.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(t);
            }
        }
        Attribute::IcePacing(v) => {
            out.push(':');
            num(out, (*v).into());
        }
        Attribute::Fingerprint(fp) => {
            out.push(':');
            fingerprint(out, fp);
        }
        Attribute::Setup(s) => {
            out.push(':');
            out.push_str(s.as_str());
        }
        Attribute::Extmap(e) => {
            out.push(':');
            num(out, e.id.into());
            if let Some(d) = e.direction {
                out.push('/');
                out.push_str(d.as_str());
            }
            out.push(' ');
            out.push_str(&e.uri);
            if let Some(x) = &e.attributes {
                out.push(' ');
                out.push_str(x);
            }
        }
        Attribute::Rtcp(r) => {
            out.push(':');
            num(out, r.port.into());
            if let Some((t, a)) = &r.address {
                out.push_str(" IN ");
                out.push_str(t.as_str());
                out.push(' ');
                address(out, a);
            }
        }
        Attribute::Rtpmap(r) => {
            out.push(':');
            num(out, r.payload_type.into());
            out.push(' ');
            out.push_str(&r.encoding);
            out.push('/');
            num(out, r.clock_rate.into());
            if let Some(c) = r.channels {
                out.push('/');
                num(out, c.into());
            }
        }
        Attribute::Fmtp(p) => {
            out.push(':');
            num(out, p.payload_type.into());
            out.push(' ');
            out.push_str(&p.parameters);
        }
        Attribute::RtcpFb(fb) => {
            out.push(':');
            match fb.payload_type {
                Some(pt) => num(out, pt.into()),
                None => out.push('*'),
            }
            out.push(' ');
            out.push_str(&fb.kind);
            if let Some(p) = &fb.parameter {
                out.push(' ');
                out.push_str(p);
            }
        }
        Attribute::Ssrc(s) => {
            out.push(':');
            num(out, s.ssrc.into());
            out.push(' ');
            out.push_str(&s.attribute);
            if let Some(v) = &s.value {
                out.push(':');
                out.push_str(v);
            }
        }
        Attribute::SsrcGroup(g) => {
            out.push(':');
            out.push_str(&g.semantics);
            for s in &g.ssrcs {
                out.push(' ');
                num(out, (*s).into());
            }
        }
        Attribute::Msid(m) => {
            out.push(':');
            out.push_str(&m.stream_id);
            if let Some(t) = &m.track_id {
                out.push(' ');
                out.push_str(t);
            }
        }
        Attribute::Rid(r) => {
            out.push(':');
            out.push_str(&r.id);
            out.push(' ');
            out.push_str(r.direction.as_str());
            if let Some(p) = &r.params {
                out.push(' ');
                out.push_str(p);
            }
        }
        Attribute::Simulcast(s) => {
            out.push(':');
            if !s.send.is_empty() {
                out.push_str("send ");
                sc_list(out, &s.send);
                if !s.recv.is_empty() {
                    out.push(' ');
                }
            }
            if !s.recv.is_empty() {
                out.push_str("recv ");
                sc_list(out, &s.recv);
            }
        }
        Attribute::SctpPort(p) => {
            out.push(':');
            num(out, (*p).into());
        }
        Attribute::MaxMessageSize(m) => {
            out.push(':');
            num(out, *m);
        }
        Attribute::Sctpmap(s) => {
            out.push(':');
            num(out, s.port.into());
            out.push(' ');
            out.push_str(&s.protocol);
            if let Some(n) = s.streams {
                out.push(' ');
                num(out, n.into());
            }
        }
        Attribute::Candidate(c) => {
            out.push(':');
            candidate(out, c);
        }
        Attribute::Ptime(d) | Attribute::Maxptime(d) | Attribute::Framerate(d) => {
            out.push(':');
            d.write_to(out);
        }
        Attribute::Other { value, .. } => {
            if let Some(v) = value {
                out.push(':');
                out.push_str(v);
            }
        }
        Attribute::IceLite
        | Attribute::IceMismatch
        | Attribute::ExtmapAllowMixed
        | Attribute::Direction(_)
        | Attribute::RtcpMux
        | Attribute::RtcpMuxOnly
        | Attribute::RtcpRsize
        | Attribute::EndOfCandidates
        | Attribute::BundleOnly
        | Attribute::UnknownLine { .. } => {}
    }
}

fn attributes(out: &mut String, attrs: &[Attribute]) {
    for a in attrs {
        match a {
            Attribute::UnknownLine { letter, value } => {
                out.push(char::from(*letter));
                out.push('=');
                out.push_str(value);
            }
            a => {
                out.push_str("a=");
                attribute(out, a);
            }
        }
        out.push_str("\r\n");
    }
}

fn bandwidths(out: &mut String, bws: &[Bandwidth]) {
    for b in bws {
        out.push_str("b=");
        out.push_str(&b.kind);
        out.push(':');
        num(out, b.value);
        out.push_str("\r\n");
    }
}

fn line(out: &mut String, letter: &str, value: &str) {
    out.push_str(letter);
    out.push_str(value);
    out.push_str("\r\n");
}

fn media(out: &mut String, m: &MediaDescription) {
    out.push_str("m=");
    out.push_str(m.media.as_str());
    out.push(' ');
    num(out, m.port.into());
    if let Some(n) = m.port_count {
        out.push('/');
        num(out, n.into());
    }
    out.push(' ');
    out.push_str(&m.protocol);
    for f in &m.formats {
        out.push(' ');
        out.push_str(f);
    }
    out.push_str("\r\n");
    if let Some(i) = &m.title {
        line(out, "i=", i);
    }
    if let Some(c) = &m.connection {
        out.push_str("c=");
        connection(out, c);
        out.push_str("\r\n");
    }
    bandwidths(out, &m.bandwidths);
    if let Some(k) = &m.encryption_key {
        line(out, "k=", k);
    }
    attributes(out, &m.attributes);
}

fn session(out: &mut String, sd: &SessionDescription) {
    let o = &sd.origin;
    out.push_str("v=0\r\no=");
    out.push_str(&o.username);
    out.push(' ');
    num(out, o.session_id);
    out.push(' ');
    num(out, o.session_version);
    out.push_str(" IN ");
    out.push_str(o.addr_type.as_str());
    out.push(' ');
    address(out, &o.address);
    out.push_str("\r\n");
    line(out, "s=", &sd.session_name);
    if let Some(i) = &sd.session_info {
        line(out, "i=", i);
    }
    if let Some(u) = &sd.uri {
        line(out, "u=", u);
    }
    for e in &sd.emails {
        line(out, "e=", e);
    }
    for p in &sd.phones {
        line(out, "p=", p);
    }
    if let Some(c) = &sd.connection {
        out.push_str("c=");
        connection(out, c);
        out.push_str("\r\n");
    }
    bandwidths(out, &sd.bandwidths);
    for t in &sd.timings {
        out.push_str("t=");
        num(out, t.start);
        out.push(' ');
        num(out, t.stop);
        out.push_str("\r\n");
        for r in &t.repeats {
            line(out, "r=", r);
        }
    }
    if let Some(z) = &sd.time_zones {
        line(out, "z=", z);
    }
    if let Some(k) = &sd.encryption_key {
        line(out, "k=", k);
    }
    attributes(out, &sd.attributes);
    for m in &sd.media {
        media(out, m);
    }
}

impl fmt::Display for Connection {
    /// The value of a `c=` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        connection(&mut s, self);
        f.write_str(&s)
    }
}

impl fmt::Display for MediaDescription {
    /// The m-section, CRLF-terminated lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        media(&mut s, self);
        f.write_str(&s)
    }
}

impl fmt::Display for SessionDescription {
    /// The whole description in canonical order with CRLF line ends.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialize())
    }
}

impl SessionDescription {
    /// Serializes to SDP text (CRLF line ends, canonical order). Same as `to_string()`.
    pub fn serialize(&self) -> String {
        let mut s = String::with_capacity(4096);
        session(&mut s, self);
        s
    }

    /// Appends the SDP text to `out`, reusing its capacity.
    pub fn serialize_into(&self, out: &mut String) {
        session(out, self);
    }
}

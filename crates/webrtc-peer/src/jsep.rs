//! The JSEP subset (RFC 9429, RFC 8829): writing our descriptions and reading the peer's.
//!
//! One BUNDLEd transport (max-bundle, RFC 9143) with rtcp-mux; the transport parameters are
//! read from the first accepted m-section. Non-trickle: candidates go in the description.

use std::net::SocketAddr;

use strata_dtls::{Fingerprint as DtlsFingerprint, FingerprintAlgorithm};
use strata_ice::{Candidate as IceCandidate, CandidateKind, Transport as IceTransport};
use strata_sdp::{
    Address, Attribute, Candidate as SdpCandidate, CandidateType, Connection, Direction, Extmap,
    Fingerprint, Fmtp, Group, HashFunction, MediaDescription, MediaType, Mode, Msid, MsidSemantic,
    Origin, RtcpFb, Rtpmap, SessionDescription, Setup, Ssrc, SsrcGroup, Transport as SdpTransport,
};

use crate::error::Error;
use crate::media::{LocalTrack, MediaKind, MediaSection};

/// W3C `RTCSdpType` (the subset JSEP needs here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdpType {
    /// An offer.
    Offer,
    /// An answer.
    Answer,
}

/// W3C `RTCSessionDescription`: a type and the SDP text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// Offer or answer.
    pub kind: SdpType,
    /// The SDP text.
    pub sdp: String,
}

impl Description {
    /// An offer.
    pub fn offer(sdp: impl Into<String>) -> Self {
        Description {
            kind: SdpType::Offer,
            sdp: sdp.into(),
        }
    }

    /// An answer.
    pub fn answer(sdp: impl Into<String>) -> Self {
        Description {
            kind: SdpType::Answer,
            sdp: sdp.into(),
        }
    }
}

/// The data-channel m-section of a remote description (RFC 8841).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteData {
    pub mid: String,
    pub sctp_port: u16,
    pub max_message_size: Option<u64>,
}

/// One remote m-line, kept to mirror it in the answer (RFC 8829 §5.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteMline {
    pub media: MediaType,
    pub protocol: String,
    pub formats: Vec<String>,
    pub mid: String,
    /// `(payload type, encoding name, clock rate)` of each rtpmap.
    pub rtpmaps: Vec<(u8, String, u32)>,
    pub rejected: bool,
    /// The peer sends on it (sendrecv or sendonly).
    pub sending: bool,
    /// `(payload type, parameters)` of each fmtp.
    pub fmtps: Vec<(u8, String)>,
    /// `(payload type or None for *, type, parameter)` of each rtcp-fb.
    pub rtcp_fbs: Vec<(Option<u8>, String, Option<String>)>,
    /// `(id, uri)` of each extmap (media level, then session level).
    pub extmaps: Vec<(u16, String)>,
    /// SSRCs of `a=ssrc` lines (RFC 5576 §4.1), in order, without duplicates.
    pub ssrcs: Vec<u32>,
    /// `a=ssrc-group:FID <media> <rtx>` pairs (RFC 5576 §4.2, RFC 4588 §8.6).
    pub fid: Vec<(u32, u32)>,
}

impl RemoteMline {
    /// The fmtp parameters of `pt`.
    pub fn fmtp(&self, pt: u8) -> Option<&str> {
        self.fmtps
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, f)| f.as_str())
    }

    /// Whether `a=rtcp-fb:<pt> kind [param]` (or `*`) is present.
    pub fn has_fb(&self, pt: u8, kind: &str, param: Option<&str>) -> bool {
        self.rtcp_fbs.iter().any(|(p, k, q)| {
            p.is_none_or(|p| p == pt) && k.eq_ignore_ascii_case(kind) && q.as_deref() == param
        })
    }

    /// The RTX payload type whose `apt` is `pt` (RFC 4588 §8.6).
    pub fn rtx_for(&self, pt: u8) -> Option<u8> {
        self.rtpmaps
            .iter()
            .filter(|(_, name, _)| name.eq_ignore_ascii_case("rtx"))
            .map(|(p, _, _)| *p)
            .find(|&p| {
                self.fmtp(p).is_some_and(|f| {
                    f.split(';')
                        .filter_map(|kv| kv.trim().split_once('='))
                        .any(|(k, v)| k.trim() == "apt" && v.trim().parse() == Ok(pt))
                })
            })
    }

    /// The id of extension `uri`, if listed with a one-byte id (1-14, RFC 8285 §4.2).
    pub fn ext_id(&self, uri: &str) -> Option<u8> {
        self.extmaps
            .iter()
            .find(|(id, u)| u == uri && (1..=14).contains(id))
            .map(|(id, _)| *id as u8)
    }
}

/// What we take from a remote description.
#[derive(Debug, Clone)]
pub(crate) struct RemoteParams {
    pub ufrag: String,
    pub pwd: String,
    pub fingerprints: Vec<DtlsFingerprint>,
    pub setup: Setup,
    pub candidates: Vec<IceCandidate>,
    pub mdns: Vec<(String, u16)>,
    pub end_of_candidates: bool,
    pub ice_lite: bool,
    pub data: Option<RemoteData>,
    pub mlines: Vec<RemoteMline>,
}

fn algorithm(h: &HashFunction) -> Option<FingerprintAlgorithm> {
    Some(match h {
        HashFunction::Sha1 => FingerprintAlgorithm::Sha1,
        HashFunction::Sha224 => FingerprintAlgorithm::Sha224,
        HashFunction::Sha256 => FingerprintAlgorithm::Sha256,
        HashFunction::Sha384 => FingerprintAlgorithm::Sha384,
        HashFunction::Sha512 => FingerprintAlgorithm::Sha512,
        _ => return None,
    })
}

/// RFC 8839 §5.1 candidate line to the agent's plain candidate. `Ok(None)`: ignored (TCP);
/// `Err(name)`: an mDNS name the application must resolve.
pub(crate) fn ice_candidate(c: &SdpCandidate) -> Result<Option<IceCandidate>, String> {
    let transport = if c.transport.is_udp() {
        IceTransport::Udp
    } else {
        return Ok(None);
    };
    let ip = match &c.address {
        Address::Ip(ip) => *ip,
        Address::Fqdn(name) => return Err(name.clone()),
    };
    let kind = match c.kind {
        CandidateType::Host => CandidateKind::Host,
        CandidateType::Srflx => CandidateKind::ServerReflexive,
        CandidateType::Prflx => CandidateKind::PeerReflexive,
        CandidateType::Relay => CandidateKind::Relayed,
        CandidateType::Other(_) => return Ok(None),
    };
    let related = match (&c.related_address, c.related_port) {
        (Some(Address::Ip(ip)), Some(port)) => Some(SocketAddr::new(*ip, port)),
        _ => None,
    };
    Ok(Some(IceCandidate {
        foundation: c.foundation.clone(),
        component: c.component,
        transport,
        priority: c.priority,
        addr: SocketAddr::new(ip, c.port),
        kind,
        related,
    }))
}

fn sdp_candidate(c: &IceCandidate) -> SdpCandidate {
    let kind = match c.kind {
        CandidateKind::Host => CandidateType::Host,
        CandidateKind::ServerReflexive => CandidateType::Srflx,
        CandidateKind::PeerReflexive => CandidateType::Prflx,
        CandidateKind::Relayed => CandidateType::Relay,
    };
    let mut s = SdpCandidate::new(
        c.foundation.clone(),
        c.component,
        SdpTransport::UDP,
        c.priority,
        Address::Ip(c.addr.ip()),
        c.addr.port(),
        kind,
    );
    if let Some(r) = c.related {
        s.related_address = Some(Address::Ip(r.ip()));
        s.related_port = Some(r.port());
    }
    s.generation = Some(0);
    s
}

/// Parses a remote description (lenient: browsers send lines we do not need).
pub(crate) fn parse_remote(sdp: &str) -> Result<RemoteParams, Error> {
    let sd = SessionDescription::parse_with(sdp, Mode::Lenient)?.description;
    let mut mlines = Vec::new();
    let mut transport = None;
    let mut data = None;
    let mut candidates = Vec::new();
    let mut mdns = Vec::new();
    let mut end_of_candidates = false;
    for (i, view) in sd.media_views().enumerate() {
        let m = view.media;
        let mid = m.mid().map_or_else(|| i.to_string(), str::to_owned);
        mlines.push(RemoteMline {
            media: m.media.clone(),
            protocol: m.protocol.to_string(),
            formats: m.formats.iter().map(|f| f.to_string()).collect(),
            mid: mid.clone(),
            rtpmaps: m
                .rtpmaps()
                .map(|r| (r.payload_type, r.encoding.to_string(), r.clock_rate))
                .collect(),
            rejected: m.port == 0 && !m.has(&Attribute::BundleOnly),
            sending: matches!(view.direction(), Direction::SendRecv | Direction::SendOnly),
            fmtps: m
                .attributes
                .iter()
                .filter_map(|a| match a {
                    Attribute::Fmtp(f) => Some((f.payload_type, f.parameters.clone())),
                    _ => None,
                })
                .collect(),
            rtcp_fbs: m
                .attributes
                .iter()
                .filter_map(|a| match a {
                    Attribute::RtcpFb(f) => Some((
                        f.payload_type,
                        f.kind.to_string(),
                        f.parameter.as_ref().map(|p| p.to_string()),
                    )),
                    _ => None,
                })
                .collect(),
            extmaps: view.extmaps().map(|e| (e.id, e.uri.to_string())).collect(),
            ssrcs: m.attributes.iter().fold(Vec::new(), |mut v, a| {
                if let Attribute::Ssrc(s) = a
                    && !v.contains(&s.ssrc)
                    && v.len() < 32
                {
                    v.push(s.ssrc);
                }
                v
            }),
            fid: m
                .attributes
                .iter()
                .filter_map(|a| match a {
                    Attribute::SsrcGroup(g) if g.semantics.eq_ignore_ascii_case("FID") => {
                        match g.ssrcs[..] {
                            [media, rtx, ..] => Some((media, rtx)),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .take(16)
                .collect(),
        });
        if m.port == 0 && !m.has(&Attribute::BundleOnly) {
            continue; // rejected m-section
        }
        for c in m.candidates() {
            match ice_candidate(c) {
                Ok(Some(c)) if !candidates.contains(&c) => candidates.push(c),
                Ok(_) => {}
                Err(name) => mdns.push((name, c.port)),
            }
        }
        end_of_candidates |= view.end_of_candidates();
        // Transport lines: each from the first accepted m-section that has it (the
        // BUNDLE-tagged one normally carries them all).
        let t = transport.get_or_insert((None, None, Vec::new(), None));
        if t.0.is_none() {
            t.0 = view.ice_ufrag().map(str::to_owned);
        }
        if t.1.is_none() {
            t.1 = view.ice_pwd().map(str::to_owned);
        }
        if t.2.is_empty() {
            t.2 = view
                .fingerprints()
                .filter_map(|f| {
                    Some(DtlsFingerprint {
                        algorithm: algorithm(&f.hash)?,
                        value: f.value.clone(),
                    })
                })
                .collect();
        }
        if t.3.is_none() {
            t.3 = view.setup();
        }
        if data.is_none()
            && m.media == MediaType::Application
            && m.protocol.to_ascii_uppercase().contains("SCTP")
        {
            data = Some(RemoteData {
                mid,
                sctp_port: m.sctp_port().unwrap_or(5000),
                max_message_size: m.max_message_size(),
            });
        }
    }
    let (ufrag, pwd, fingerprints, setup) =
        transport.ok_or(Error::Description("no accepted m-section"))?;
    let ufrag = ufrag.ok_or(Error::Description("no ice-ufrag"))?;
    let pwd = pwd.ok_or(Error::Description("no ice-pwd"))?;
    if fingerprints.is_empty() {
        // RFC 8122 §5 / RFC 8827 §6.5: without a usable fingerprint nothing can be verified.
        return Err(Error::Description("no usable fingerprint"));
    }
    Ok(RemoteParams {
        ufrag,
        pwd,
        fingerprints,
        setup: setup.unwrap_or(Setup::Actpass),
        candidates,
        mdns,
        end_of_candidates,
        ice_lite: sd.is_ice_lite(),
        data,
        mlines,
    })
}

/// Our side of a description.
pub(crate) struct LocalParams<'a> {
    pub session_id: u64,
    pub session_version: u64,
    pub ufrag: &'a str,
    pub pwd: &'a str,
    pub fingerprint: &'a DtlsFingerprint,
    pub setup: Setup,
    pub candidates: &'a [IceCandidate],
    pub gathering_complete: bool,
    pub sctp_port: u16,
    pub max_message_size: usize,
    pub sections: &'a [MediaSection],
    pub tracks: &'a [LocalTrack],
    pub data_mid: Option<&'a str>,
    /// The m-line order (mids) of an offer.
    pub order: &'a [String],
}

impl LocalParams<'_> {
    fn session(&self, mids: &[String]) -> SessionDescription {
        let mut sd = SessionDescription::new(Origin::jsep(self.session_id, self.session_version));
        if !mids.is_empty() {
            sd = sd.with(Attribute::Group(Group::bundle(mids.iter().cloned())));
        }
        // Chromium writes both; cheap to match (INTEROP.md).
        sd.with(Attribute::ExtmapAllowMixed)
            .with(Attribute::MsidSemantic(MsidSemantic {
                space_after_colon: true,
                semantic: "WMS".into(),
                identifiers: Vec::new(),
            }))
    }

    /// The transport lines of the first bundled m-section (RFC 8829 §5.2.1).
    fn transport(&self, mut m: MediaDescription, mid: &str, first: bool) -> MediaDescription {
        let default = self.candidates.first().map(|c| c.addr);
        match (first, default) {
            (true, Some(addr)) => {
                m.port = addr.port();
                m.connection = Some(Connection::new(addr.ip()));
            }
            _ => m.connection = Some(Connection::unspecified()),
        }
        if first {
            for c in self.candidates {
                m = m.with(Attribute::Candidate(Box::new(sdp_candidate(c))));
            }
            if self.gathering_complete {
                m = m.with(Attribute::EndOfCandidates);
            }
        }
        m.with(Attribute::IceUfrag(self.ufrag.to_owned()))
            .with(Attribute::IcePwd(self.pwd.to_owned()))
            .with(Attribute::IceOptions(vec!["trickle".to_owned()]))
            .with(Attribute::Fingerprint(Fingerprint {
                hash: HashFunction::Sha256,
                value: self.fingerprint.value.clone(),
            }))
            .with(Attribute::Setup(self.setup))
            .with(Attribute::Mid(mid.to_owned()))
    }

    fn data_section(&self, mid: &str, first: bool) -> MediaDescription {
        let m = MediaDescription::new(
            MediaType::Application,
            9,
            "UDP/DTLS/SCTP",
            ["webrtc-datachannel"],
        );
        self.transport(m, mid, first)
            .with(Attribute::SctpPort(self.sctp_port))
            .with(Attribute::MaxMessageSize(self.max_message_size as u64))
    }

    /// An audio/video m-section (RFC 8829 §5.2.1, RFC 8834): one codec and its RTX
    /// (RFC 4588), header extensions (RFC 8285), rtcp-mux, rtcp-rsize, msid and ssrc (with
    /// the FID group when RTX is on) when we send.
    fn media_section(&self, sec: &MediaSection, first: bool) -> MediaDescription {
        let mt = match sec.kind {
            MediaKind::Audio => MediaType::Audio,
            MediaKind::Video => MediaType::Video,
        };
        let pt = sec.codec.payload_type;
        let track = sec.track.and_then(|t| self.tracks.get(t.0 as usize));
        let mut formats = vec![pt];
        formats.extend(sec.rtx_pt);
        let m = MediaDescription::new(mt, 9, "UDP/TLS/RTP/SAVPF", formats);
        let mut m = self.transport(m, &sec.mid, first);
        for (id, uri) in crate::media::extmap_entries(&sec.extmap) {
            m = m.with(Attribute::Extmap(Extmap {
                id: u16::from(id),
                direction: None,
                uri: uri.into(),
                attributes: None,
            }));
        }
        m = m.with(Attribute::Direction(if track.is_some() {
            Direction::SendRecv
        } else {
            Direction::RecvOnly
        }));
        if let Some(t) = track {
            m = m.with(Attribute::Msid(Msid {
                stream_id: t.stream_id.clone(),
                track_id: Some(t.track_id.clone()),
            }));
        }
        m = m
            .with(Attribute::RtcpMux)
            .with(Attribute::RtcpRsize)
            .with(Attribute::Rtpmap(Rtpmap {
                payload_type: pt,
                encoding: sec.codec.name().into(),
                clock_rate: sec.codec.clock_rate,
                channels: sec.codec.channels,
            }));
        let mut fbs: Vec<(&str, Option<&str>)> = Vec::new();
        if sec.twcc {
            fbs.push(("transport-cc", None));
        }
        if sec.kind == MediaKind::Video {
            fbs.extend([("ccm", Some("fir")), ("nack", None), ("nack", Some("pli"))]);
        }
        for (kind, param) in fbs {
            m = m.with(Attribute::RtcpFb(RtcpFb {
                payload_type: Some(pt),
                kind: kind.to_owned().into(),
                parameter: param.map(|p| p.to_owned().into()),
            }));
        }
        if let Some(f) = &sec.codec.fmtp {
            m = m.with(Attribute::Fmtp(Fmtp {
                payload_type: pt,
                parameters: f.clone(),
            }));
        }
        if let Some(rtx) = sec.rtx_pt {
            m = m
                .with(Attribute::Rtpmap(Rtpmap {
                    payload_type: rtx,
                    encoding: "rtx".into(),
                    clock_rate: sec.codec.clock_rate,
                    channels: None,
                }))
                .with(Attribute::Fmtp(Fmtp {
                    payload_type: rtx,
                    parameters: format!("apt={pt}"),
                }));
        }
        if let Some(t) = track {
            let mut ssrcs = vec![t.ssrc];
            if sec.rtx_pt.is_some() {
                ssrcs.push(t.rtx.ssrc);
                m = m.with(Attribute::SsrcGroup(SsrcGroup {
                    semantics: "FID".into(),
                    ssrcs: ssrcs.clone(),
                }));
            }
            for ssrc in ssrcs {
                m = m.with(Attribute::Ssrc(Ssrc {
                    ssrc,
                    attribute: "cname".into(),
                    value: Some("strata".into()),
                }));
            }
        }
        m
    }

    /// An offer: every m-line in session order (media sections and the data section);
    /// sections the last answer rejected stay, with port 0 (RFC 8829 §5.2.2).
    pub fn offer(&self) -> String {
        let live = |mid: &String| {
            Some(mid.as_str()) == self.data_mid
                || self.sections.iter().any(|s| &s.mid == mid && !s.rejected)
        };
        let mids: Vec<String> = self.order.iter().filter(|m| live(m)).cloned().collect();
        let mut sd = self.session(&mids);
        let mut first = true;
        for mid in self.order {
            if Some(mid.as_str()) == self.data_mid {
                sd = sd.with_media(self.data_section(mid, first));
                first = false;
            } else if let Some(sec) = self.sections.iter().find(|s| &s.mid == mid) {
                if sec.rejected {
                    let mt = match sec.kind {
                        MediaKind::Audio => MediaType::Audio,
                        MediaKind::Video => MediaType::Video,
                    };
                    sd = sd.with_media(
                        MediaDescription::new(mt, 0, "UDP/TLS/RTP/SAVPF", [sec.codec.payload_type])
                            .with_connection(Connection::unspecified())
                            .with(Attribute::Mid(mid.clone())),
                    );
                } else {
                    sd = sd.with_media(self.media_section(sec, first));
                    first = false;
                }
            }
        }
        sd.serialize()
    }

    /// An answer mirroring the offer's m-lines (RFC 8829 §5.3.1): the data section and the
    /// media sections we negotiated accepted, everything else rejected with port 0.
    pub fn answer(&self, remote: &RemoteParams) -> String {
        let accepted = |ml: &RemoteMline| {
            !ml.rejected
                && (Some(ml.mid.as_str()) == self.data_mid
                    || self.sections.iter().any(|s| s.mid == ml.mid && !s.rejected))
        };
        let mids: Vec<String> = remote
            .mlines
            .iter()
            .filter(|m| accepted(m))
            .map(|m| m.mid.clone())
            .collect();
        let mut sd = self.session(&mids);
        let mut first = true;
        for ml in &remote.mlines {
            if !accepted(ml) {
                let m = MediaDescription::new(
                    ml.media.clone(),
                    0,
                    ml.protocol.clone(),
                    ml.formats.iter().cloned(),
                )
                .with_connection(Connection::unspecified())
                .with(Attribute::Mid(ml.mid.clone()));
                sd = sd.with_media(m);
            } else if Some(ml.mid.as_str()) == self.data_mid {
                sd = sd.with_media(self.data_section(&ml.mid, first));
                first = false;
            } else if let Some(sec) = self.sections.iter().find(|s| s.mid == ml.mid) {
                sd = sd.with_media(self.media_section(sec, first));
                first = false;
            }
        }
        sd.serialize()
    }
}

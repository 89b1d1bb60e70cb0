//! # strata-sdp: the SDP model WebRTC speaks
//!
//! A typed model of an SDP session description (RFC 8866) with the attributes WebRTC puts in
//! it, a parser with a strict and a lenient mode, and a serializer that writes CRLF lines in
//! canonical order.
//!
//! **What it does:** parse offers and answers from browsers and other stacks into
//! [`SessionDescription`]; build descriptions with plain structs and builder helpers; write
//! them back. Unknown attributes and unknown lines are kept verbatim and written back in
//! place. ICE candidate lines also parse and format alone ([`Candidate`]), as trickle ICE
//! sends them. [`MediaView`] resolves session-level defaults for an m-section (effective
//! ice-ufrag, ice-pwd, fingerprints, setup, direction, connection).
//!
//! **What it does not do:** offer/answer negotiation (JSEP, RFC 8829) belongs to
//! `webrtc-peer`; this crate never decides which codec or role wins. Codec parameters in
//! `a=fmtp` stay text (with a key/value iterator). No I/O, no clock, no randomness: the crate
//! is pure functions over strings, so there is no time or RNG rule to follow.
//!
//! ## Use
//!
//! ```
//! use strata_sdp::{Attribute, Mode, SessionDescription, Setup};
//!
//! let offer = "v=0\r\n\
//!     o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n\
//!     s=-\r\n\
//!     t=0 0\r\n\
//!     a=group:BUNDLE 0\r\n\
//!     a=ice-ufrag:EsAw\r\n\
//!     m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
//!     c=IN IP4 0.0.0.0\r\n\
//!     a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n\
//!     a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n\
//!     a=setup:actpass\r\n\
//!     a=mid:0\r\n\
//!     a=sctp-port:5000\r\n\
//!     a=max-message-size:262144\r\n";
//!
//! // Strict parse (the default): any invalid line is an error with its line number.
//! let sd = SessionDescription::parse(offer)?;
//! let m = sd.media_view(0).unwrap();
//! assert_eq!(m.ice_ufrag(), Some("EsAw")); // from session level
//! assert_eq!(m.setup(), Some(Setup::Actpass));
//! assert_eq!(m.media.sctp_port(), Some(5000));
//!
//! // Canonical input round-trips byte for byte.
//! assert_eq!(sd.serialize(), offer);
//!
//! // Lenient parse skips bad attribute lines and reports them.
//! let bad = offer.replace("a=setup:actpass", "a=setup:sideways");
//! let parsed = SessionDescription::parse_with(&bad, Mode::Lenient)?;
//! assert_eq!(parsed.warnings.len(), 1);
//! assert_eq!(parsed.warnings[0].line, 11);
//! assert!(SessionDescription::parse(&bad).is_err());
//! # Ok::<(), strata_sdp::ParseError>(())
//! ```
//!
//! Call order: there is none to respect; `parse*` and `serialize` are pure functions.
//!
//! ## Strict and lenient
//!
//! | problem | strict | lenient |
//! |---|---|---|
//! | attribute value does not match its grammar | error | line skipped, warning |
//! | media-level attribute at session level, or the reverse | error | line skipped, warning |
//! | rtpmap/fmtp/rtcp-fb for a payload type not on the m= line | error | line skipped, warning |
//! | fingerprint length does not fit its hash | error | line skipped, warning |
//! | unknown line type (`f=`) | error | kept in place, warning |
//! | lines out of order, duplicate single lines, blank lines | error | tolerated, warning |
//! | missing `v=`, `s=`, `t=`; no `c=` at session level nor in every m-section (§5.7) | error | tolerated, warning |
//! | address type mismatch (`IP4` with an IPv6 address) | error | kept, warning |
//! | malformed `o=`, `c=`, `b=`, `t=`, `m=`, missing `o=` | error | error |
//! | unknown attribute (`a=foo:bar`) | kept | kept |
//!
//! ## RFC coverage
//!
//! | RFC | what | status |
//! |---|---|---|
//! | 8866 §5 | lines v o s i u e p c b t r z k a m, order, multiple m-sections | implemented; `r=`, `z=`, `k=` kept as text; one `c=` per level |
//! | 8866 §6 | rtpmap, fmtp (text), ptime, maxptime, framerate, direction | implemented; ptime and friends keep decimals exactly |
//! | 8839 §5 | candidate (incl. FQDN/mDNS, tcptype, generation, ufrag, network-id, network-cost, unknown extensions), ice-ufrag, ice-pwd, ice-options, ice-lite, ice-mismatch, ice-pacing | implemented; `remote-candidates` kept as text |
//! | 8840 §8.2 | end-of-candidates | implemented |
//! | 8122 §5 | fingerprint (sha-1/224/256/384/512, md5, md2, others), several per level | implemented; hex written upper-case |
//! | 4145 §4, 8842 | setup, tls-id | implemented |
//! | 5888, 9143 | group (BUNDLE, LS, others), mid, bundle-only | implemented |
//! | 8285 | extmap (direction, attributes), extmap-allow-mixed | implemented |
//! | 3605, 5761, 8858, 5506 | rtcp, rtcp-mux, rtcp-mux-only, rtcp-rsize | implemented |
//! | 4585 | rtcp-fb (`*` and per PT; parameter kept as text) | implemented |
//! | 5576 | ssrc, ssrc-group (FID, SIM, FEC-FR, others) | implemented |
//! | 8830 | msid, msid-semantic | implemented |
//! | 8851, 8853 | rid (restrictions as text), simulcast (RFC syntax only, not draft-03 `rid=`) | implemented |
//! | 8841 | sctp-port, max-message-size; legacy sctpmap; sctp-init (text) | implemented |
//!
//! Deviations:
//! - RFC 8866 §5 order: `v=`, `o=`, `s=` must come first and `a=` lines after the other
//!   fields, but the order among `i u e p c b t r z k` is not enforced (real generators put
//!   `c=` after `t=`); the serializer always writes the canonical order.
//! - One `c=` per level (a second one is a duplicate); `r=`, `z=`, `k=` are kept as text.
//! - Candidate extensions are written in a fixed order (known ones first); TCP candidates
//!   without `tcptype` are accepted.
//! - Unknown non-`a=` lines met before the first attribute are written back at the start of
//!   the attribute block.
//! - Hex in `a=fingerprint` is written upper-case, and `msid-semantic` keeps whether a space
//!   followed the colon; other whitespace variations are not preserved.
//!
//! Not checked: parameter contents of fmtp, rtcp-fb and rid; multicast TTL rules; cross-line
//! semantics (BUNDLE consistency, one ice-ufrag per transport, rid/simulcast agreement),
//! which are JSEP's job in `webrtc-peer`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attribute;
mod candidate;
mod error;
mod model;
pub(crate) mod parser;
mod writer;

pub use attribute::{
    Attribute, Decimal, Direction, Extmap, Fingerprint, Fmtp, Group, HashFunction, Msid,
    MsidSemantic, Rid, RidDirection, Rtcp, RtcpFb, Rtpmap, Sctpmap, Setup, Simulcast, SimulcastRid,
    Ssrc, SsrcGroup,
};
pub use candidate::{Candidate, CandidateType, TcpType, Transport};
pub use error::{ErrorKind, ParseError};
pub use model::{
    AddrType, Address, Bandwidth, Connection, MediaDescription, MediaType, MediaView, Origin,
    SessionDescription, Timing,
};
pub use parser::{Mode, Parsed};

impl SessionDescription {
    /// Parses in strict mode: any invalid line is an error.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        parser::parse(text, Mode::Strict).map(|p| p.description)
    }

    /// Parses in the given mode; lenient mode returns what it skipped as warnings.
    pub fn parse_with(text: &str, mode: Mode) -> Result<Parsed, ParseError> {
        parser::parse(text, mode)
    }
}

impl std::str::FromStr for SessionDescription {
    type Err = ParseError;
    /// Strict parse.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        SessionDescription::parse(s)
    }
}

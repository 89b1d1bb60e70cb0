//! Handshake message wire formats (RFC 6347 §4.2.2, RFC 5246 §7.4, RFC 8422 §5): the DTLS
//! fragment header as a view, each message body as a repr.

use crate::codec::{Reader, end_len, put_u16, put_u24, put_vec8, put_vec16, start_len};
use crate::error::DecodeError;
use crate::extension::{Extension, NamedGroup, SignatureScheme, emit_extensions, parse_extensions};
use crate::record::ProtocolVersion;

/// RFC 5246 §7.4 `HandshakeType`; open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeType(pub u8);

#[allow(missing_docs)]
impl HandshakeType {
    pub const HELLO_REQUEST: Self = Self(0);
    pub const CLIENT_HELLO: Self = Self(1);
    pub const SERVER_HELLO: Self = Self(2);
    /// RFC 6347 §4.3.2.
    pub const HELLO_VERIFY_REQUEST: Self = Self(3);
    pub const CERTIFICATE: Self = Self(11);
    pub const SERVER_KEY_EXCHANGE: Self = Self(12);
    pub const CERTIFICATE_REQUEST: Self = Self(13);
    pub const SERVER_HELLO_DONE: Self = Self(14);
    pub const CERTIFICATE_VERIFY: Self = Self(15);
    pub const CLIENT_KEY_EXCHANGE: Self = Self(16);
    pub const FINISHED: Self = Self(20);
}

/// RFC 5246 §A.5 `CipherSuite`; open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipherSuite(pub u16);

#[allow(missing_docs)]
impl CipherSuite {
    /// RFC 5289 §3.2; mandatory for WebRTC (RFC 8827 §6.5).
    pub const ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: Self = Self(0xc02b);
    /// RFC 5289 §3.2.
    pub const ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: Self = Self(0xc02c);
    /// RFC 7905 §2.
    pub const ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: Self = Self(0xcca9);
    /// RFC 5289 §3.2: for peers with RSA certificates (we only verify RSA signatures).
    pub const ECDHE_RSA_WITH_AES_128_GCM_SHA256: Self = Self(0xc02f);
    /// RFC 5289 §3.2.
    pub const ECDHE_RSA_WITH_AES_256_GCM_SHA384: Self = Self(0xc030);
    /// RFC 7905 §2.
    pub const ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: Self = Self(0xcca8);
    /// RFC 5746 §3.3 signalling value.
    pub const EMPTY_RENEGOTIATION_INFO_SCSV: Self = Self(0x00ff);
}

/// Length of the DTLS handshake header (RFC 6347 §4.2.2).
pub const HEADER_LEN: usize = 12;

/// Largest handshake message body we accept; bounds reassembly memory.
pub const MAX_MESSAGE_LEN: u32 = 1 << 16;

/// A zero-copy view of one handshake fragment at the start of a buffer (RFC 6347 §4.2.2).
#[derive(Debug, Clone)]
pub struct Fragment<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Fragment<T> {
    /// Wraps and validates: a whole header, `offset + length <= total`, and the body present.
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let f = Self { buffer };
        if f.buffer.as_ref().len() < HEADER_LEN {
            return Err(DecodeError::Truncated);
        }
        let end = f.fragment_offset() as u64 + f.fragment_length() as u64;
        if end > f.length() as u64 {
            return Err(DecodeError::InvalidLength);
        }
        if f.buffer.as_ref().len() < f.total_len() {
            return Err(DecodeError::Truncated);
        }
        Ok(f)
    }

    fn u24(&self, at: usize) -> u32 {
        let b = &self.buffer.as_ref()[at..at + 3];
        u32::from_be_bytes([0, b[0], b[1], b[2]])
    }

    /// `msg_type`.
    pub fn msg_type(&self) -> HandshakeType {
        HandshakeType(self.buffer.as_ref()[0])
    }
    /// Total message `length`.
    pub fn length(&self) -> u32 {
        self.u24(1)
    }
    /// `message_seq`.
    pub fn message_seq(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[4], b[5]])
    }
    /// `fragment_offset`.
    pub fn fragment_offset(&self) -> u32 {
        self.u24(6)
    }
    /// `fragment_length`.
    pub fn fragment_length(&self) -> u32 {
        self.u24(9)
    }
    /// Header plus fragment body.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.fragment_length() as usize
    }
    /// The fragment body.
    pub fn body(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.total_len()]
    }
}

/// The DTLS handshake header fields (RFC 6347 §4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeHeader {
    /// Message type.
    pub msg_type: HandshakeType,
    /// Total body length.
    pub length: u32,
    /// Message sequence number.
    pub message_seq: u16,
    /// Offset of this fragment.
    pub fragment_offset: u32,
    /// Length of this fragment.
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// Appends the 12-byte header.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.msg_type.0);
        put_u24(out, self.length);
        put_u16(out, self.message_seq);
        put_u24(out, self.fragment_offset);
        put_u24(out, self.fragment_length);
    }
}

/// RFC 5246 §7.4.1.2 / RFC 6347 §4.2.1 ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// `client_version`.
    pub version: ProtocolVersion,
    /// `random`.
    pub random: [u8; 32],
    /// `session_id` (0..32 bytes).
    pub session_id: &'a [u8],
    /// `cookie` (RFC 6347 §4.2.1, 0..255 bytes).
    pub cookie: &'a [u8],
    /// `cipher_suites`.
    pub cipher_suites: Vec<CipherSuite>,
    /// `compression_methods`.
    pub compression_methods: &'a [u8],
    /// `extensions`.
    pub extensions: Vec<Extension<'a>>,
}

/// RFC 6347 §4.2.1 HelloVerifyRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloVerifyRequest<'a> {
    /// `server_version` (RFC 6347 §4.2.1: DTLS 1.0 is recommended here).
    pub version: ProtocolVersion,
    /// `cookie`.
    pub cookie: &'a [u8],
}

/// RFC 5246 §7.4.1.3 ServerHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// `server_version`.
    pub version: ProtocolVersion,
    /// `random`.
    pub random: [u8; 32],
    /// `session_id`.
    pub session_id: &'a [u8],
    /// Chosen suite.
    pub cipher_suite: CipherSuite,
    /// Chosen compression (0 = null).
    pub compression_method: u8,
    /// `extensions`.
    pub extensions: Vec<Extension<'a>>,
}

/// RFC 8422 §5.4 ServerKeyExchange for ECDHE with a named curve, signed (RFC 5246 §7.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange<'a> {
    /// `namedcurve`.
    pub group: NamedGroup,
    /// Encoded ephemeral public point.
    pub public: &'a [u8],
    /// Signature algorithm.
    pub scheme: SignatureScheme,
    /// Signature over `client_random + server_random + params`.
    pub signature: &'a [u8],
}

impl ServerKeyExchange<'_> {
    /// `ServerECDHParams` as signed (RFC 8422 §5.4).
    pub fn params(&self, out: &mut Vec<u8>) {
        params(out, self.group, self.public)
    }
}

/// Appends `ServerECDHParams` for `group` and `public`.
pub(crate) fn params(out: &mut Vec<u8>, group: NamedGroup, public: &[u8]) {
    out.push(3); // ECCurveType named_curve
    put_u16(out, group.0);
    put_vec8(out, public);
}

/// RFC 5246 §7.4.4 CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest<'a> {
    /// `certificate_types` (64 = ecdsa_sign).
    pub certificate_types: &'a [u8],
    /// `supported_signature_algorithms`.
    pub schemes: Vec<SignatureScheme>,
    /// `certificate_authorities`, raw.
    pub authorities: &'a [u8],
}

/// RFC 5246 §7.4.8 CertificateVerify (also the signature part of ServerKeyExchange).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitallySigned<'a> {
    /// Algorithm.
    pub scheme: SignatureScheme,
    /// Signature bytes (DER for ECDSA).
    pub signature: &'a [u8],
}

/// One handshake message body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeMessage<'a> {
    /// RFC 5246 §7.4.1.1: renegotiation request, refused.
    HelloRequest,
    /// ClientHello.
    ClientHello(ClientHello<'a>),
    /// HelloVerifyRequest.
    HelloVerifyRequest(HelloVerifyRequest<'a>),
    /// ServerHello.
    ServerHello(ServerHello<'a>),
    /// RFC 5246 §7.4.2 certificate chain, leaf first.
    Certificate(Vec<&'a [u8]>),
    /// ECDHE ServerKeyExchange.
    ServerKeyExchange(ServerKeyExchange<'a>),
    /// CertificateRequest.
    CertificateRequest(CertificateRequest<'a>),
    /// RFC 5246 §7.4.5 ServerHelloDone.
    ServerHelloDone,
    /// RFC 8422 §5.7 ClientKeyExchange: the encoded ECDHE public point.
    ClientKeyExchange(&'a [u8]),
    /// CertificateVerify.
    CertificateVerify(DigitallySigned<'a>),
    /// RFC 5246 §7.4.9 Finished `verify_data`.
    Finished(&'a [u8]),
    /// Any other type, kept raw.
    Unknown {
        /// Type.
        msg_type: HandshakeType,
        /// Body.
        body: &'a [u8],
    },
}

fn u16_list<T>(b: &[u8], make: impl Fn(u16) -> T) -> Result<Vec<T>, DecodeError> {
    if !b.len().is_multiple_of(2) {
        return Err(DecodeError::InvalidLength);
    }
    Ok(b.chunks_exact(2)
        .map(|c| make(u16::from_be_bytes([c[0], c[1]])))
        .collect())
}

impl<'a> HandshakeMessage<'a> {
    /// The message type.
    pub fn msg_type(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::HelloVerifyRequest(_) => HandshakeType::HELLO_VERIFY_REQUEST,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::Unknown { msg_type, .. } => *msg_type,
        }
    }

    /// Parses a complete (reassembled) message body of type `t`.
    pub fn parse(t: HandshakeType, body: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let msg = match t {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest,
            HandshakeType::CLIENT_HELLO => {
                let version = ProtocolVersion(r.u16()?);
                let random = r.array()?;
                let session_id = r.vec8()?;
                let cookie = r.vec8()?;
                if session_id.len() > 32 {
                    return Err(DecodeError::TooLong);
                }
                let suites = r.vec16()?;
                if suites.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                let cipher_suites = u16_list(suites, CipherSuite)?;
                let compression_methods = r.vec8()?;
                if compression_methods.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                let extensions = if r.is_empty() {
                    Vec::new()
                } else {
                    parse_extensions(r.vec16()?)?
                };
                Self::ClientHello(ClientHello {
                    version,
                    random,
                    session_id,
                    cookie,
                    cipher_suites,
                    compression_methods,
                    extensions,
                })
            }
            HandshakeType::HELLO_VERIFY_REQUEST => Self::HelloVerifyRequest(HelloVerifyRequest {
                version: ProtocolVersion(r.u16()?),
                cookie: r.vec8()?,
            }),
            HandshakeType::SERVER_HELLO => {
                let version = ProtocolVersion(r.u16()?);
                let random = r.array()?;
                let session_id = r.vec8()?;
                if session_id.len() > 32 {
                    return Err(DecodeError::TooLong);
                }
                let cipher_suite = CipherSuite(r.u16()?);
                let compression_method = r.u8()?;
                let extensions = if r.is_empty() {
                    Vec::new()
                } else {
                    parse_extensions(r.vec16()?)?
                };
                Self::ServerHello(ServerHello {
                    version,
                    random,
                    session_id,
                    cipher_suite,
                    compression_method,
                    extensions,
                })
            }
            HandshakeType::CERTIFICATE => {
                let mut list = Reader::new(r.vec24()?);
                let mut certs = Vec::new();
                while !list.is_empty() {
                    let c = list.vec24()?;
                    if c.is_empty() {
                        return Err(DecodeError::InvalidLength);
                    }
                    if certs.len() >= 16 {
                        return Err(DecodeError::TooLong);
                    }
                    certs.push(c);
                }
                Self::Certificate(certs)
            }
            HandshakeType::SERVER_KEY_EXCHANGE => {
                if r.u8()? != 3 {
                    return Err(DecodeError::InvalidValue);
                }
                let group = NamedGroup(r.u16()?);
                let public = r.vec8()?;
                if public.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                let scheme = SignatureScheme(r.u16()?);
                let signature = r.vec16()?;
                Self::ServerKeyExchange(ServerKeyExchange {
                    group,
                    public,
                    scheme,
                    signature,
                })
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                let certificate_types = r.vec8()?;
                if certificate_types.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                let schemes = r.vec16()?;
                if schemes.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                let schemes = u16_list(schemes, SignatureScheme)?;
                let authorities = r.vec16()?;
                Self::CertificateRequest(CertificateRequest {
                    certificate_types,
                    schemes,
                    authorities,
                })
            }
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone,
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                let p = r.vec8()?;
                if p.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                Self::ClientKeyExchange(p)
            }
            HandshakeType::CERTIFICATE_VERIFY => Self::CertificateVerify(DigitallySigned {
                scheme: SignatureScheme(r.u16()?),
                signature: r.vec16()?,
            }),
            HandshakeType::FINISHED => Self::Finished(r.rest()),
            msg_type => Self::Unknown {
                msg_type,
                body: r.rest(),
            },
        };
        r.finish()?;
        Ok(msg)
    }

    /// Appends the message body (no header).
    pub fn emit_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::ServerHelloDone => {}
            Self::ClientHello(ch) => {
                put_u16(out, ch.version.0);
                out.extend_from_slice(&ch.random);
                put_vec8(out, ch.session_id);
                put_vec8(out, ch.cookie);
                put_u16(out, (ch.cipher_suites.len() * 2) as u16);
                for s in &ch.cipher_suites {
                    put_u16(out, s.0);
                }
                put_vec8(out, ch.compression_methods);
                emit_extensions(out, &ch.extensions);
            }
            Self::HelloVerifyRequest(h) => {
                put_u16(out, h.version.0);
                put_vec8(out, h.cookie);
            }
            Self::ServerHello(sh) => {
                put_u16(out, sh.version.0);
                out.extend_from_slice(&sh.random);
                put_vec8(out, sh.session_id);
                put_u16(out, sh.cipher_suite.0);
                out.push(sh.compression_method);
                emit_extensions(out, &sh.extensions);
            }
            Self::Certificate(certs) => {
                let at = start_len(out, 3);
                for c in certs {
                    crate::codec::put_vec24(out, c);
                }
                end_len(out, at, 3);
            }
            Self::ServerKeyExchange(ske) => {
                params(out, ske.group, ske.public);
                put_u16(out, ske.scheme.0);
                put_vec16(out, ske.signature);
            }
            Self::CertificateRequest(cr) => {
                put_vec8(out, cr.certificate_types);
                put_u16(out, (cr.schemes.len() * 2) as u16);
                for s in &cr.schemes {
                    put_u16(out, s.0);
                }
                put_vec16(out, cr.authorities);
            }
            Self::ClientKeyExchange(p) => put_vec8(out, p),
            Self::CertificateVerify(ds) => {
                put_u16(out, ds.scheme.0);
                put_vec16(out, ds.signature);
            }
            Self::Finished(v) => out.extend_from_slice(v),
            Self::Unknown { body, .. } => out.extend_from_slice(body),
        }
    }

    /// Appends the whole message as one unfragmented DTLS handshake message (header with
    /// `fragment_offset = 0`, `fragment_length = length`: the form hashed into the
    /// transcript, RFC 6347 §4.2.6).
    pub fn emit_full(&self, message_seq: u16, out: &mut Vec<u8>) {
        let start = out.len();
        HandshakeHeader {
            msg_type: self.msg_type(),
            length: 0,
            message_seq,
            fragment_offset: 0,
            fragment_length: 0,
        }
        .emit(out);
        self.emit_body(out);
        let len = (out.len() - start - HEADER_LEN) as u32;
        out[start + 1..start + 4].copy_from_slice(&len.to_be_bytes()[1..]);
        out[start + 9..start + 12].copy_from_slice(&len.to_be_bytes()[1..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::{ExtensionType, SrtpProfileId};
    use proptest::prelude::*;

    fn round_trip(m: &HandshakeMessage<'_>) {
        let mut body = Vec::new();
        m.emit_body(&mut body);
        let back = HandshakeMessage::parse(m.msg_type(), &body).unwrap();
        assert_eq!(&back, m);
        let mut again = Vec::new();
        back.emit_body(&mut again);
        assert_eq!(again, body);
    }

    #[test]
    fn rfc5246_7_4_messages_round_trip() {
        let ch = HandshakeMessage::ClientHello(ClientHello {
            version: ProtocolVersion::DTLS_1_2,
            random: [7; 32],
            session_id: &[],
            cookie: &[1, 2, 3],
            cipher_suites: vec![CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
            compression_methods: &[0],
            extensions: vec![
                Extension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
                Extension::EcPointFormats(&[0]),
                Extension::SignatureAlgorithms(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]),
                Extension::UseSrtp {
                    profiles: vec![SrtpProfileId::AEAD_AES_128_GCM],
                    mki: &[],
                },
                Extension::ExtendedMasterSecret,
                Extension::RenegotiationInfo(&[]),
                Extension::Unknown {
                    typ: ExtensionType::SUPPORTED_VERSIONS,
                    data: &[4, 0xfe, 0xfc, 0xfe, 0xfd],
                },
            ],
        });
        round_trip(&ch);
        round_trip(&HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
            version: ProtocolVersion::DTLS_1_0,
            cookie: &[9; 20],
        }));
        round_trip(&HandshakeMessage::ServerHello(ServerHello {
            version: ProtocolVersion::DTLS_1_2,
            random: [1; 32],
            session_id: &[5; 32],
            cipher_suite: CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            compression_method: 0,
            extensions: vec![Extension::ExtendedMasterSecret],
        }));
        round_trip(&HandshakeMessage::Certificate(vec![&[1, 2, 3], &[4]]));
        round_trip(&HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
            group: NamedGroup::X25519,
            public: &[3; 32],
            scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
            signature: &[0x30, 1, 2],
        }));
        round_trip(&HandshakeMessage::CertificateRequest(CertificateRequest {
            certificate_types: &[64],
            schemes: vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
            authorities: &[],
        }));
        round_trip(&HandshakeMessage::ServerHelloDone);
        round_trip(&HandshakeMessage::ClientKeyExchange(&[4; 65]));
        round_trip(&HandshakeMessage::CertificateVerify(DigitallySigned {
            scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
            signature: &[1; 70],
        }));
        round_trip(&HandshakeMessage::Finished(&[1; 12]));
    }

    #[test]
    fn ulfheim_client_hello_parses_and_reemits() {
        // From vectors/dtls/tls12_prf.json (a TLS 1.2 hello: same body grammar minus cookie,
        // so we check the ServerHello, whose grammar is identical in DTLS).
        let sh = hex::decode("0303707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f00c013000005ff01000100").unwrap();
        let m = HandshakeMessage::parse(HandshakeType::SERVER_HELLO, &sh).unwrap();
        let HandshakeMessage::ServerHello(s) = &m else {
            panic!()
        };
        assert_eq!(s.cipher_suite, CipherSuite(0xc013));
        assert_eq!(s.extensions, vec![Extension::RenegotiationInfo(&[])]);
        let mut out = Vec::new();
        m.emit_body(&mut out);
        assert_eq!(out, sh);
    }

    #[test]
    fn duplicate_extensions_and_bad_lengths_are_rejected() {
        let mut body = Vec::new();
        HandshakeMessage::ServerHello(ServerHello {
            version: ProtocolVersion::DTLS_1_2,
            random: [1; 32],
            session_id: &[],
            cipher_suite: CipherSuite(1),
            compression_method: 0,
            extensions: vec![
                Extension::ExtendedMasterSecret,
                Extension::RenegotiationInfo(&[]),
            ],
        })
        .emit_body(&mut body);
        // Rewrite the second extension's type to 23 (a duplicate).
        let n = body.len();
        body[n - 5..n - 3].copy_from_slice(&[0, 23]);
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::SERVER_HELLO, &body).unwrap_err(),
            DecodeError::DuplicateExtension
        );
        assert!(HandshakeMessage::parse(HandshakeType::FINISHED, &[]).is_ok());
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::CLIENT_KEY_EXCHANGE, &[2, 1]).unwrap_err(),
            DecodeError::Truncated
        );
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::SERVER_HELLO_DONE, &[0]).unwrap_err(),
            DecodeError::TrailingBytes
        );
    }

    #[test]
    fn fragment_view_checks_bounds() {
        let mut f = vec![1u8, 0, 0, 10, 0, 0, 0, 0, 8, 0, 0, 2, 0xaa, 0xbb];
        let v = Fragment::new_checked(&f[..]).unwrap();
        assert_eq!(
            (v.length(), v.fragment_offset(), v.fragment_length()),
            (10, 8, 2)
        );
        assert_eq!(v.body(), &[0xaa, 0xbb]);
        f[8] = 9; // 9 + 2 > 10
        assert_eq!(
            Fragment::new_checked(&f[..]).unwrap_err(),
            DecodeError::InvalidLength
        );
        assert_eq!(
            Fragment::new_checked(&f[..5]).unwrap_err(),
            DecodeError::Truncated
        );
    }

    proptest! {
        #[test]
        fn handshake_parse_never_panics_and_reemits(t in 0u8..=21, body in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(m) = HandshakeMessage::parse(HandshakeType(t), &body) {
                let mut out = Vec::new();
                m.emit_body(&mut out);
                // An explicitly empty extension block is the one non-canonical form.
                let empty_ext_block = out.len() + 2 == body.len() && body.ends_with(&[0, 0]);
                prop_assert!(out == body || empty_ext_block);
            }
        }

        #[test]
        fn fragment_view_never_panics(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(f) = Fragment::new_checked(&b[..]) {
                let _ = f.body();
            }
        }
    }
}

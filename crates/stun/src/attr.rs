//! Attributes: the open [`AttrType`], the typed [`Attribute`] and the value codecs
//! (RFC 8489 §14, RFC 8445 §16.1, RFC 8656 §18).

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::cursor::{Cursor, padding};
use crate::error::{AttrError, EncodeError};
use crate::header::{MAGIC_COOKIE, TransactionId};

/// RFC 8489 §14, §18.3: a 16-bit attribute type. Open: unknown types round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrType(pub u16);

macro_rules! attr_types {
    ($($(#[$doc:meta])* $name:ident = $v:literal, $s:literal;)*) => {
        impl AttrType {
            $($(#[$doc])* pub const $name: AttrType = AttrType($v);)*

            /// The registered name, if this crate knows the type.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($s),)*
                    _ => None,
                }
            }
        }
    };
}

attr_types! {
    /// RFC 8489 §14.1.
    MAPPED_ADDRESS = 0x0001, "MAPPED-ADDRESS";
    /// RFC 8489 §14.3.
    USERNAME = 0x0006, "USERNAME";
    /// RFC 8489 §14.5.
    MESSAGE_INTEGRITY = 0x0008, "MESSAGE-INTEGRITY";
    /// RFC 8489 §14.8.
    ERROR_CODE = 0x0009, "ERROR-CODE";
    /// RFC 8489 §14.13.
    UNKNOWN_ATTRIBUTES = 0x000A, "UNKNOWN-ATTRIBUTES";
    /// RFC 8656 §18.1.
    CHANNEL_NUMBER = 0x000C, "CHANNEL-NUMBER";
    /// RFC 8656 §18.2.
    LIFETIME = 0x000D, "LIFETIME";
    /// RFC 8656 §18.3.
    XOR_PEER_ADDRESS = 0x0012, "XOR-PEER-ADDRESS";
    /// RFC 8656 §18.4.
    DATA = 0x0013, "DATA";
    /// RFC 8489 §14.9.
    REALM = 0x0014, "REALM";
    /// RFC 8489 §14.10.
    NONCE = 0x0015, "NONCE";
    /// RFC 8656 §18.5.
    XOR_RELAYED_ADDRESS = 0x0016, "XOR-RELAYED-ADDRESS";
    /// RFC 8656 §18.6.
    REQUESTED_ADDRESS_FAMILY = 0x0017, "REQUESTED-ADDRESS-FAMILY";
    /// RFC 8656 §18.7.
    EVEN_PORT = 0x0018, "EVEN-PORT";
    /// RFC 8656 §18.8.
    REQUESTED_TRANSPORT = 0x0019, "REQUESTED-TRANSPORT";
    /// RFC 8656 §18.9.
    DONT_FRAGMENT = 0x001A, "DONT-FRAGMENT";
    /// RFC 8489 §14.6.
    MESSAGE_INTEGRITY_SHA256 = 0x001C, "MESSAGE-INTEGRITY-SHA256";
    /// RFC 8489 §14.12.
    PASSWORD_ALGORITHM = 0x001D, "PASSWORD-ALGORITHM";
    /// RFC 8489 §14.4.
    USERHASH = 0x001E, "USERHASH";
    /// RFC 8489 §14.2.
    XOR_MAPPED_ADDRESS = 0x0020, "XOR-MAPPED-ADDRESS";
    /// RFC 8656 §18.10.
    RESERVATION_TOKEN = 0x0022, "RESERVATION-TOKEN";
    /// RFC 8445 §16.1.
    PRIORITY = 0x0024, "PRIORITY";
    /// RFC 8445 §16.1.
    USE_CANDIDATE = 0x0025, "USE-CANDIDATE";
    /// RFC 8656 §18.11.
    ADDITIONAL_ADDRESS_FAMILY = 0x8000, "ADDITIONAL-ADDRESS-FAMILY";
    /// RFC 8656 §18.12.
    ADDRESS_ERROR_CODE = 0x8001, "ADDRESS-ERROR-CODE";
    /// RFC 8489 §14.11.
    PASSWORD_ALGORITHMS = 0x8002, "PASSWORD-ALGORITHMS";
    /// RFC 8489 §14.16.
    ALTERNATE_DOMAIN = 0x8003, "ALTERNATE-DOMAIN";
    /// RFC 8656 §18.13.
    ICMP = 0x8004, "ICMP";
    /// RFC 8489 §14.14.
    SOFTWARE = 0x8022, "SOFTWARE";
    /// RFC 8489 §14.15.
    ALTERNATE_SERVER = 0x8023, "ALTERNATE-SERVER";
    /// RFC 8489 §14.7.
    FINGERPRINT = 0x8028, "FINGERPRINT";
    /// RFC 8445 §16.1.
    ICE_CONTROLLED = 0x8029, "ICE-CONTROLLED";
    /// RFC 8445 §16.1.
    ICE_CONTROLLING = 0x802A, "ICE-CONTROLLING";
}

impl AttrType {
    /// RFC 8489 §14: types below 0x8000 must be understood by the receiver.
    pub const fn is_comprehension_required(self) -> bool {
        self.0 < 0x8000
    }

    /// Whether this crate decodes the type into a typed [`Attribute`].
    pub const fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Debug for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "AttrType({:#06x})", self.0),
        }
    }
}

/// RFC 8489 §14.8, §18.4; RFC 8656 §19; RFC 8445 §16.1: a STUN error code (300..=699).
/// Open: unknown codes round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub u16);

macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident = $v:literal, $s:literal;)*) => {
        impl ErrorCode {
            $($(#[$doc])* pub const $name: ErrorCode = ErrorCode($v);)*

            /// The RFC's recommended reason phrase, if the code is registered.
            pub const fn reason(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($s),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    /// RFC 8489 §14.8.
    TRY_ALTERNATE = 300, "Try Alternate";
    /// RFC 8489 §14.8.
    BAD_REQUEST = 400, "Bad Request";
    /// RFC 8489 §14.8.
    UNAUTHENTICATED = 401, "Unauthenticated";
    /// RFC 8656 §19.
    FORBIDDEN = 403, "Forbidden";
    /// RFC 8489 §14.8.
    UNKNOWN_ATTRIBUTE = 420, "Unknown Attribute";
    /// RFC 8656 §19.
    ALLOCATION_MISMATCH = 437, "Allocation Mismatch";
    /// RFC 8489 §14.8.
    STALE_NONCE = 438, "Stale Nonce";
    /// RFC 8656 §19.
    ADDRESS_FAMILY_NOT_SUPPORTED = 440, "Address Family not Supported";
    /// RFC 8656 §19.
    WRONG_CREDENTIALS = 441, "Wrong Credentials";
    /// RFC 8656 §19.
    UNSUPPORTED_TRANSPORT_PROTOCOL = 442, "Unsupported Transport Protocol";
    /// RFC 8656 §19.
    PEER_ADDRESS_FAMILY_MISMATCH = 443, "Peer Address Family Mismatch";
    /// RFC 8656 §19.
    ALLOCATION_QUOTA_REACHED = 486, "Allocation Quota Reached";
    /// RFC 8445 §16.1.
    ROLE_CONFLICT = 487, "Role Conflict";
    /// RFC 8489 §14.8.
    SERVER_ERROR = 500, "Server Error";
    /// RFC 8656 §19.
    INSUFFICIENT_CAPACITY = 508, "Insufficient Capacity";
}

impl ErrorCode {
    /// The hundreds digit (3..=6 on the wire).
    pub const fn class(self) -> u8 {
        (self.0 / 100) as u8
    }

    /// The code modulo 100.
    pub const fn number(self) -> u8 {
        (self.0 % 100) as u8
    }

    /// RFC 8489 §14.8: class 3..=6, so codes 300..=699.
    pub const fn is_valid(self) -> bool {
        self.0 >= 300 && self.0 <= 699
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Some(r) => write!(f, "{} {r}", self.0),
            None => write!(f, "ErrorCode({})", self.0),
        }
    }
}

/// RFC 8489 §14.11, §18.5: a password algorithm. Open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PasswordAlgorithm(pub u16);

impl PasswordAlgorithm {
    /// RFC 8489 §18.5: key = MD5(username ":" realm ":" password).
    pub const MD5: PasswordAlgorithm = PasswordAlgorithm(0x0001);
    /// RFC 8489 §18.5: key = SHA-256(username ":" realm ":" password).
    pub const SHA256: PasswordAlgorithm = PasswordAlgorithm(0x0002);
}

/// RFC 8489 §14.1 and RFC 8656 §18.6: an address family. Open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressFamily(pub u8);

impl AddressFamily {
    /// IPv4.
    pub const IPV4: AddressFamily = AddressFamily(0x01);
    /// IPv6.
    pub const IPV6: AddressFamily = AddressFamily(0x02);
}

/// RFC 8656 §12: a channel number; valid ones are 0x4000..=0x4FFF. Open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelNumber(pub u16);

impl ChannelNumber {
    /// The lowest valid channel.
    pub const MIN: ChannelNumber = ChannelNumber(0x4000);
    /// The highest valid channel.
    pub const MAX: ChannelNumber = ChannelNumber(0x4FFF);

    /// RFC 8656 §12: inside 0x4000..=0x4FFF.
    pub const fn is_valid(self) -> bool {
        self.0 >= Self::MIN.0 && self.0 <= Self::MAX.0
    }
}

/// RFC 8656 §18.8: the IANA protocol number of REQUESTED-TRANSPORT. UDP is 17.
pub const TRANSPORT_UDP: u8 = 17;

/// A list of 16-bit attribute types as it appears on the wire (UNKNOWN-ATTRIBUTES,
/// RFC 8489 §14.13). Borrowed, so decoding allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttrTypeList<'a>(&'a [u8]);

impl<'a> AttrTypeList<'a> {
    /// A view over wire bytes; `None` if the length is odd.
    pub fn from_wire(bytes: &'a [u8]) -> Option<Self> {
        bytes.len().is_multiple_of(2).then_some(AttrTypeList(bytes))
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The listed types.
    pub fn iter(&self) -> impl Iterator<Item = AttrType> + 'a {
        self.0
            .chunks_exact(2)
            .map(|c| AttrType(u16::from_be_bytes([c[0], c[1]])))
    }
}

impl fmt::Debug for AttrTypeList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The PASSWORD-ALGORITHMS list (RFC 8489 §14.11) as it appears on the wire; validated when
/// decoded, iterated without allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PasswordAlgorithmList<'a>(&'a [u8]);

impl<'a> PasswordAlgorithmList<'a> {
    /// A view over wire bytes, if they are a well-formed list.
    pub fn from_wire(bytes: &'a [u8]) -> Result<Self, AttrError> {
        let mut c = Cursor::new(bytes);
        while !c.is_empty() {
            read_algorithm(&mut c)?;
        }
        Ok(PasswordAlgorithmList(bytes))
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The (algorithm, parameters) entries.
    pub fn iter(&self) -> impl Iterator<Item = (PasswordAlgorithm, &'a [u8])> + 'a {
        let mut c = Cursor::new(self.0);
        core::iter::from_fn(move || read_algorithm(&mut c).ok())
    }
}

impl fmt::Debug for PasswordAlgorithmList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

fn read_algorithm<'a>(c: &mut Cursor<'a>) -> Result<(PasswordAlgorithm, &'a [u8]), AttrError> {
    let alg = PasswordAlgorithm(c.u16()?);
    let len = usize::from(c.u16()?);
    let params = c.sub(len)?.rest();
    c.take(padding(len))?;
    Ok((alg, params))
}

fn write_algorithm(
    out: &mut Vec<u8>,
    alg: PasswordAlgorithm,
    params: &[u8],
) -> Result<(), EncodeError> {
    let len = u16::try_from(params.len())
        .map_err(|_| EncodeError::ValueTooLong(AttrType::PASSWORD_ALGORITHM))?;
    out.extend_from_slice(&alg.0.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(params);
    out.extend_from_slice(&[0; 3][..padding(params.len())]);
    Ok(())
}

/// RFC 8489 §14.3: USERNAME is under 513 bytes.
pub const MAX_USERNAME: usize = 512;
/// RFC 8489 §14.9, §14.10, §14.14, §14.8: REALM, NONCE, SOFTWARE and reason phrases are
/// under 763 bytes.
pub const MAX_TEXT: usize = 762;
/// RFC 8489 §14.16: ALTERNATE-DOMAIN is at most 255 bytes.
pub const MAX_DOMAIN: usize = 255;

/// A decoded attribute, borrowing from the message (RFC 8489 §14, RFC 8445 §16.1,
/// RFC 8656 §18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attribute<'a> {
    /// RFC 8489 §14.1.
    MappedAddress(SocketAddr),
    /// RFC 8489 §14.2 (decoded: the XOR is already undone).
    XorMappedAddress(SocketAddr),
    /// RFC 8489 §14.3: UTF-8, under 513 bytes.
    Username(&'a str),
    /// RFC 8489 §14.4: SHA-256(username ":" realm).
    Userhash([u8; 32]),
    /// RFC 8489 §14.5: HMAC-SHA1, as found on the wire (use the builder to compute one).
    MessageIntegrity([u8; 20]),
    /// RFC 8489 §14.6: HMAC-SHA256, 16 to 32 bytes, as found on the wire.
    MessageIntegritySha256(&'a [u8]),
    /// RFC 8489 §14.7: CRC-32 XOR 0x5354554e, as found on the wire.
    Fingerprint(u32),
    /// RFC 8489 §14.8.
    ErrorCode {
        /// 300..=699.
        code: ErrorCode,
        /// UTF-8 reason phrase.
        reason: &'a str,
    },
    /// RFC 8489 §14.9.
    Realm(&'a str),
    /// RFC 8489 §14.10.
    Nonce(&'a str),
    /// RFC 8489 §14.11.
    PasswordAlgorithms(PasswordAlgorithmList<'a>),
    /// RFC 8489 §14.12.
    PasswordAlgorithm {
        /// Which algorithm.
        algorithm: PasswordAlgorithm,
        /// Its parameters (empty for MD5 and SHA-256).
        params: &'a [u8],
    },
    /// RFC 8489 §14.13.
    UnknownAttributes(AttrTypeList<'a>),
    /// RFC 8489 §14.14.
    Software(&'a str),
    /// RFC 8489 §14.15.
    AlternateServer(SocketAddr),
    /// RFC 8489 §14.16.
    AlternateDomain(&'a str),
    /// RFC 8445 §16.1.
    Priority(u32),
    /// RFC 8445 §16.1.
    UseCandidate,
    /// RFC 8445 §16.1: the tie-breaker.
    IceControlled(u64),
    /// RFC 8445 §16.1: the tie-breaker.
    IceControlling(u64),
    /// RFC 8656 §18.1.
    ChannelNumber(ChannelNumber),
    /// RFC 8656 §18.2: seconds.
    Lifetime(u32),
    /// RFC 8656 §18.3.
    XorPeerAddress(SocketAddr),
    /// RFC 8656 §18.4.
    Data(&'a [u8]),
    /// RFC 8656 §18.5.
    XorRelayedAddress(SocketAddr),
    /// RFC 8656 §18.6.
    RequestedAddressFamily(AddressFamily),
    /// RFC 8656 §18.7: the R bit (reserve the next port too).
    EvenPort(bool),
    /// RFC 8656 §18.8: an IANA protocol number ([`TRANSPORT_UDP`]).
    RequestedTransport(u8),
    /// RFC 8656 §18.9.
    DontFragment,
    /// RFC 8656 §18.10.
    ReservationToken([u8; 8]),
    /// RFC 8656 §18.11.
    AdditionalAddressFamily(AddressFamily),
    /// RFC 8656 §18.12.
    AddressErrorCode {
        /// The family the error is about.
        family: AddressFamily,
        /// 300..=699.
        code: ErrorCode,
        /// UTF-8 reason phrase.
        reason: &'a str,
    },
    /// RFC 8656 §18.13.
    Icmp {
        /// ICMP type (7 bits).
        icmp_type: u8,
        /// ICMP code (7 bits).
        icmp_code: u8,
        /// Error data (e.g. the MTU of a "fragmentation needed").
        error_data: u32,
    },
    /// A type this crate does not decode, kept verbatim so it can be re-emitted (for
    /// example Chromium's comprehension-optional 0xC057, GOOG-NETWORK-INFO).
    Unknown {
        /// Its type.
        typ: AttrType,
        /// Its value, without padding.
        value: &'a [u8],
    },
}

impl<'a> Attribute<'a> {
    /// The attribute's type.
    pub fn typ(&self) -> AttrType {
        match self {
            Attribute::MappedAddress(_) => AttrType::MAPPED_ADDRESS,
            Attribute::XorMappedAddress(_) => AttrType::XOR_MAPPED_ADDRESS,
            Attribute::Username(_) => AttrType::USERNAME,
            Attribute::Userhash(_) => AttrType::USERHASH,
            Attribute::MessageIntegrity(_) => AttrType::MESSAGE_INTEGRITY,
            Attribute::MessageIntegritySha256(_) => AttrType::MESSAGE_INTEGRITY_SHA256,
            Attribute::Fingerprint(_) => AttrType::FINGERPRINT,
            Attribute::ErrorCode { .. } => AttrType::ERROR_CODE,
            Attribute::Realm(_) => AttrType::REALM,
            Attribute::Nonce(_) => AttrType::NONCE,
            Attribute::PasswordAlgorithms(_) => AttrType::PASSWORD_ALGORITHMS,
            Attribute::PasswordAlgorithm { .. } => AttrType::PASSWORD_ALGORITHM,
            Attribute::UnknownAttributes(_) => AttrType::UNKNOWN_ATTRIBUTES,
            Attribute::Software(_) => AttrType::SOFTWARE,
            Attribute::AlternateServer(_) => AttrType::ALTERNATE_SERVER,
            Attribute::AlternateDomain(_) => AttrType::ALTERNATE_DOMAIN,
            Attribute::Priority(_) => AttrType::PRIORITY,
            Attribute::UseCandidate => AttrType::USE_CANDIDATE,
            Attribute::IceControlled(_) => AttrType::ICE_CONTROLLED,
            Attribute::IceControlling(_) => AttrType::ICE_CONTROLLING,
            Attribute::ChannelNumber(_) => AttrType::CHANNEL_NUMBER,
            Attribute::Lifetime(_) => AttrType::LIFETIME,
            Attribute::XorPeerAddress(_) => AttrType::XOR_PEER_ADDRESS,
            Attribute::Data(_) => AttrType::DATA,
            Attribute::XorRelayedAddress(_) => AttrType::XOR_RELAYED_ADDRESS,
            Attribute::RequestedAddressFamily(_) => AttrType::REQUESTED_ADDRESS_FAMILY,
            Attribute::EvenPort(_) => AttrType::EVEN_PORT,
            Attribute::RequestedTransport(_) => AttrType::REQUESTED_TRANSPORT,
            Attribute::DontFragment => AttrType::DONT_FRAGMENT,
            Attribute::ReservationToken(_) => AttrType::RESERVATION_TOKEN,
            Attribute::AdditionalAddressFamily(_) => AttrType::ADDITIONAL_ADDRESS_FAMILY,
            Attribute::AddressErrorCode { .. } => AttrType::ADDRESS_ERROR_CODE,
            Attribute::Icmp { .. } => AttrType::ICMP,
            Attribute::Unknown { typ, .. } => *typ,
        }
    }

    /// Decodes one value. `tid` undoes the XOR of the address attributes. Unknown types
    /// become [`Attribute::Unknown`].
    pub fn parse(typ: AttrType, value: &'a [u8], tid: &TransactionId) -> Result<Self, AttrError> {
        let mut c = Cursor::new(value);
        let attr = match typ {
            AttrType::MAPPED_ADDRESS => Attribute::MappedAddress(read_addr(&mut c, None)?),
            AttrType::XOR_MAPPED_ADDRESS => {
                Attribute::XorMappedAddress(read_addr(&mut c, Some(tid))?)
            }
            AttrType::XOR_PEER_ADDRESS => Attribute::XorPeerAddress(read_addr(&mut c, Some(tid))?),
            AttrType::XOR_RELAYED_ADDRESS => {
                Attribute::XorRelayedAddress(read_addr(&mut c, Some(tid))?)
            }
            AttrType::ALTERNATE_SERVER => Attribute::AlternateServer(read_addr(&mut c, None)?),
            AttrType::USERNAME => Attribute::Username(read_text(&mut c, MAX_USERNAME)?),
            AttrType::REALM => Attribute::Realm(read_text(&mut c, MAX_TEXT)?),
            AttrType::NONCE => Attribute::Nonce(read_text(&mut c, MAX_TEXT)?),
            AttrType::SOFTWARE => Attribute::Software(read_text(&mut c, MAX_TEXT)?),
            AttrType::ALTERNATE_DOMAIN => {
                Attribute::AlternateDomain(read_text(&mut c, MAX_DOMAIN)?)
            }
            AttrType::USERHASH => Attribute::Userhash(c.array()?),
            AttrType::MESSAGE_INTEGRITY => Attribute::MessageIntegrity(c.array()?),
            AttrType::MESSAGE_INTEGRITY_SHA256 => {
                let v = c.rest();
                check_sha256_len(v.len())?;
                Attribute::MessageIntegritySha256(v)
            }
            AttrType::FINGERPRINT => Attribute::Fingerprint(c.u32()?),
            AttrType::ERROR_CODE => {
                c.u16()?; // reserved
                let code = read_code(&mut c)?;
                Attribute::ErrorCode {
                    code,
                    reason: read_text(&mut c, MAX_TEXT)?,
                }
            }
            AttrType::ADDRESS_ERROR_CODE => {
                let family = AddressFamily(c.u8()?);
                c.u8()?; // reserved
                let code = read_code(&mut c)?;
                Attribute::AddressErrorCode {
                    family,
                    code,
                    reason: read_text(&mut c, MAX_TEXT)?,
                }
            }
            AttrType::PASSWORD_ALGORITHMS => {
                Attribute::PasswordAlgorithms(PasswordAlgorithmList::from_wire(c.rest())?)
            }
            AttrType::PASSWORD_ALGORITHM => {
                let (algorithm, params) = read_algorithm(&mut c)?;
                Attribute::PasswordAlgorithm { algorithm, params }
            }
            AttrType::UNKNOWN_ATTRIBUTES => Attribute::UnknownAttributes(
                AttrTypeList::from_wire(c.rest()).ok_or(AttrError::TrailingBytes)?,
            ),
            AttrType::PRIORITY => Attribute::Priority(c.u32()?),
            AttrType::USE_CANDIDATE => Attribute::UseCandidate,
            AttrType::ICE_CONTROLLED => Attribute::IceControlled(c.u64()?),
            AttrType::ICE_CONTROLLING => Attribute::IceControlling(c.u64()?),
            AttrType::CHANNEL_NUMBER => {
                let n = ChannelNumber(c.u16()?);
                c.u16()?; // RFFU
                Attribute::ChannelNumber(n)
            }
            AttrType::LIFETIME => Attribute::Lifetime(c.u32()?),
            AttrType::DATA => Attribute::Data(c.rest()),
            AttrType::REQUESTED_ADDRESS_FAMILY => {
                let [f, _, _, _] = c.array()?;
                Attribute::RequestedAddressFamily(AddressFamily(f))
            }
            AttrType::ADDITIONAL_ADDRESS_FAMILY => {
                let [f, _, _, _] = c.array()?;
                Attribute::AdditionalAddressFamily(AddressFamily(f))
            }
            AttrType::EVEN_PORT => Attribute::EvenPort(c.u8()? & 0x80 != 0),
            AttrType::REQUESTED_TRANSPORT => {
                let [p, _, _, _] = c.array()?;
                Attribute::RequestedTransport(p)
            }
            AttrType::DONT_FRAGMENT => Attribute::DontFragment,
            AttrType::RESERVATION_TOKEN => Attribute::ReservationToken(c.array()?),
            AttrType::ICMP => {
                let head = c.u32()?;
                Attribute::Icmp {
                    icmp_type: ((head >> 7) & 0x7F) as u8,
                    icmp_code: (head & 0x7F) as u8,
                    error_data: c.u32()?,
                }
            }
            typ => Attribute::Unknown {
                typ,
                value: c.rest(),
            },
        };
        c.finish()?;
        Ok(attr)
    }

    /// Appends the value (without header or padding) to `out`.
    pub(crate) fn write_value(
        &self,
        tid: &TransactionId,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let typ = self.typ();
        match *self {
            Attribute::MappedAddress(a) | Attribute::AlternateServer(a) => write_addr(out, a, None),
            Attribute::XorMappedAddress(a)
            | Attribute::XorPeerAddress(a)
            | Attribute::XorRelayedAddress(a) => write_addr(out, a, Some(tid)),
            Attribute::Username(s) => write_text(out, typ, s, MAX_USERNAME)?,
            Attribute::Realm(s) | Attribute::Nonce(s) | Attribute::Software(s) => {
                write_text(out, typ, s, MAX_TEXT)?
            }
            Attribute::AlternateDomain(s) => write_text(out, typ, s, MAX_DOMAIN)?,
            Attribute::Userhash(h) => out.extend_from_slice(&h),
            Attribute::MessageIntegrity(h) => out.extend_from_slice(&h),
            Attribute::MessageIntegritySha256(h) => {
                check_sha256_len(h.len()).map_err(|_| EncodeError::InvalidValue(typ))?;
                out.extend_from_slice(h)
            }
            Attribute::Fingerprint(v) => out.extend_from_slice(&v.to_be_bytes()),
            Attribute::ErrorCode { code, reason } => {
                out.extend_from_slice(&[0, 0]);
                write_code(out, typ, code)?;
                write_text(out, typ, reason, MAX_TEXT)?;
            }
            Attribute::AddressErrorCode {
                family,
                code,
                reason,
            } => {
                out.extend_from_slice(&[family.0, 0]);
                write_code(out, typ, code)?;
                write_text(out, typ, reason, MAX_TEXT)?;
            }
            Attribute::PasswordAlgorithms(list) => out.extend_from_slice(list.as_bytes()),
            Attribute::PasswordAlgorithm { algorithm, params } => {
                write_algorithm(out, algorithm, params)?
            }
            Attribute::UnknownAttributes(list) => out.extend_from_slice(list.as_bytes()),
            Attribute::Priority(p) => out.extend_from_slice(&p.to_be_bytes()),
            Attribute::UseCandidate | Attribute::DontFragment => {}
            Attribute::IceControlled(t) | Attribute::IceControlling(t) => {
                out.extend_from_slice(&t.to_be_bytes())
            }
            Attribute::ChannelNumber(n) => {
                out.extend_from_slice(&n.0.to_be_bytes());
                out.extend_from_slice(&[0, 0]);
            }
            Attribute::Lifetime(s) => out.extend_from_slice(&s.to_be_bytes()),
            Attribute::Data(d) => out.extend_from_slice(d),
            Attribute::RequestedAddressFamily(f) | Attribute::AdditionalAddressFamily(f) => {
                out.extend_from_slice(&[f.0, 0, 0, 0])
            }
            Attribute::EvenPort(r) => out.push(if r { 0x80 } else { 0 }),
            Attribute::RequestedTransport(p) => out.extend_from_slice(&[p, 0, 0, 0]),
            Attribute::ReservationToken(t) => out.extend_from_slice(&t),
            Attribute::Icmp {
                icmp_type,
                icmp_code,
                error_data,
            } => {
                if icmp_type > 0x7F || icmp_code > 0x7F {
                    return Err(EncodeError::InvalidValue(typ));
                }
                let head = (u32::from(icmp_type) << 7) | u32::from(icmp_code);
                out.extend_from_slice(&head.to_be_bytes());
                out.extend_from_slice(&error_data.to_be_bytes());
            }
            Attribute::Unknown { value, .. } => out.extend_from_slice(value),
        }
        Ok(())
    }
}

fn check_sha256_len(len: usize) -> Result<(), AttrError> {
    // RFC 8489 §14.6: at least 16 bytes, at most 32, a multiple of 4.
    if (16..=32).contains(&len) && len.is_multiple_of(4) {
        Ok(())
    } else {
        Err(AttrError::Invalid)
    }
}

fn read_text<'a>(c: &mut Cursor<'a>, max: usize) -> Result<&'a str, AttrError> {
    let bytes = c.rest();
    if bytes.len() > max {
        return Err(AttrError::TooLong);
    }
    core::str::from_utf8(bytes).map_err(|_| AttrError::NotUtf8)
}

fn write_text(out: &mut Vec<u8>, typ: AttrType, s: &str, max: usize) -> Result<(), EncodeError> {
    if s.len() > max {
        return Err(EncodeError::ValueTooLong(typ));
    }
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn read_code(c: &mut Cursor<'_>) -> Result<ErrorCode, AttrError> {
    let [class, number] = c.array()?;
    let class = class & 0x07;
    if !(3..=6).contains(&class) || number > 99 {
        return Err(AttrError::Invalid);
    }
    Ok(ErrorCode(u16::from(class) * 100 + u16::from(number)))
}

fn write_code(out: &mut Vec<u8>, typ: AttrType, code: ErrorCode) -> Result<(), EncodeError> {
    if !code.is_valid() {
        return Err(EncodeError::InvalidValue(typ));
    }
    out.extend_from_slice(&[code.class(), code.number()]);
    Ok(())
}

/// RFC 8489 §14.1/§14.2: `0, family, port, address`, with the XOR of §14.2 when `tid` is given.
fn read_addr(c: &mut Cursor<'_>, tid: Option<&TransactionId>) -> Result<SocketAddr, AttrError> {
    let [_, family] = c.array()?;
    let mut port = c.u16()?;
    let cookie = MAGIC_COOKIE.to_be_bytes();
    if tid.is_some() {
        port ^= (MAGIC_COOKIE >> 16) as u16;
    }
    let ip = match AddressFamily(family) {
        AddressFamily::IPV4 => {
            let mut a: [u8; 4] = c.array()?;
            if tid.is_some() {
                xor(&mut a, &cookie);
            }
            IpAddr::V4(Ipv4Addr::from(a))
        }
        AddressFamily::IPV6 => {
            let mut a: [u8; 16] = c.array()?;
            if let Some(tid) = tid {
                xor(&mut a[..4], &cookie);
                xor(&mut a[4..], tid.as_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(a))
        }
        _ => return Err(AttrError::BadFamily),
    };
    Ok(SocketAddr::new(ip, port))
}

fn write_addr(out: &mut Vec<u8>, addr: SocketAddr, tid: Option<&TransactionId>) {
    let cookie = MAGIC_COOKIE.to_be_bytes();
    let mut port = addr.port();
    if tid.is_some() {
        port ^= (MAGIC_COOKIE >> 16) as u16;
    }
    match addr.ip() {
        IpAddr::V4(ip) => {
            let mut a = ip.octets();
            if tid.is_some() {
                xor(&mut a, &cookie);
            }
            out.extend_from_slice(&[0, AddressFamily::IPV4.0]);
            out.extend_from_slice(&port.to_be_bytes());
            out.extend_from_slice(&a);
        }
        IpAddr::V6(ip) => {
            let mut a = ip.octets();
            if let Some(tid) = tid {
                xor(&mut a[..4], &cookie);
                xor(&mut a[4..], tid.as_bytes());
            }
            out.extend_from_slice(&[0, AddressFamily::IPV6.0]);
            out.extend_from_slice(&port.to_be_bytes());
            out.extend_from_slice(&a);
        }
    }
}

fn xor(dst: &mut [u8], key: &[u8]) {
    for (d, k) in dst.iter_mut().zip(key) {
        *d ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: TransactionId = TransactionId([
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ]);

    fn round_trip(a: Attribute<'_>) -> Vec<u8> {
        let mut v = Vec::new();
        a.write_value(&TID, &mut v).unwrap();
        assert_eq!(Attribute::parse(a.typ(), &v, &TID), Ok(a));
        v
    }

    #[test]
    fn rfc8489_14_2_xor_mapped_address_ipv4() {
        // RFC 5769 §2.2: 192.0.2.1:32853.
        let v = round_trip(Attribute::XorMappedAddress(
            "192.0.2.1:32853".parse().unwrap(),
        ));
        assert_eq!(v, [0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43]);
    }

    #[test]
    fn rfc8489_14_2_xor_mapped_address_ipv6() {
        // RFC 5769 §2.3.
        let v = round_trip(Attribute::XorMappedAddress(
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
                .parse()
                .unwrap(),
        ));
        assert_eq!(hex(&v), "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn rfc8489_14_8_error_code_layout() {
        let v = round_trip(Attribute::ErrorCode {
            code: ErrorCode::UNKNOWN_ATTRIBUTE,
            reason: "Unknown Attribute",
        });
        assert_eq!(&v[..4], &[0, 0, 4, 20]);
        // Class 7 and number 100 are refused.
        assert_eq!(
            Attribute::parse(AttrType::ERROR_CODE, &[0, 0, 7, 0], &TID),
            Err(AttrError::Invalid)
        );
        assert_eq!(
            Attribute::parse(AttrType::ERROR_CODE, &[0, 0, 4, 100], &TID),
            Err(AttrError::Invalid)
        );
        let mut out = Vec::new();
        assert_eq!(
            Attribute::ErrorCode {
                code: ErrorCode(700),
                reason: ""
            }
            .write_value(&TID, &mut out),
            Err(EncodeError::InvalidValue(AttrType::ERROR_CODE))
        );
    }

    #[test]
    fn rfc8656_18_13_icmp_layout() {
        let v = round_trip(Attribute::Icmp {
            icmp_type: 3,
            icmp_code: 4,
            error_data: 1400,
        });
        assert_eq!(v, [0, 0, 0x01, 0x84, 0, 0, 0x05, 0x78]);
    }

    #[test]
    fn every_kind_round_trips() {
        let algs = [0, 1, 0, 0, 0, 2, 0, 0];
        for a in [
            Attribute::MappedAddress("10.0.0.1:9".parse().unwrap()),
            Attribute::AlternateServer("[::1]:3478".parse().unwrap()),
            Attribute::XorPeerAddress("[::1]:3478".parse().unwrap()),
            Attribute::XorRelayedAddress("127.0.0.1:50000".parse().unwrap()),
            Attribute::Username("evtj:h6vY"),
            Attribute::Userhash([7; 32]),
            Attribute::MessageIntegrity([1; 20]),
            Attribute::MessageIntegritySha256(&[2; 16]),
            Attribute::Fingerprint(0xdead_beef),
            Attribute::Realm("strata.test"),
            Attribute::Nonce("abc"),
            Attribute::PasswordAlgorithms(PasswordAlgorithmList::from_wire(&algs).unwrap()),
            Attribute::PasswordAlgorithm {
                algorithm: PasswordAlgorithm::SHA256,
                params: &[],
            },
            Attribute::PasswordAlgorithm {
                algorithm: PasswordAlgorithm(9),
                params: &[1, 2, 3],
            },
            Attribute::UnknownAttributes(
                AttrTypeList::from_wire(&[0, 0x30, 0, 0x31, 0, 0x32]).unwrap(),
            ),
            Attribute::Software("strata"),
            Attribute::AlternateDomain("example.org"),
            Attribute::Priority(0x6e0001ff),
            Attribute::UseCandidate,
            Attribute::IceControlled(1),
            Attribute::IceControlling(u64::MAX),
            Attribute::ChannelNumber(ChannelNumber(0x4001)),
            Attribute::Lifetime(600),
            Attribute::Data(&[1, 2, 3]),
            Attribute::RequestedAddressFamily(AddressFamily::IPV6),
            Attribute::AdditionalAddressFamily(AddressFamily::IPV6),
            Attribute::EvenPort(true),
            Attribute::RequestedTransport(TRANSPORT_UDP),
            Attribute::DontFragment,
            Attribute::ReservationToken([9; 8]),
            Attribute::AddressErrorCode {
                family: AddressFamily::IPV4,
                code: ErrorCode::INSUFFICIENT_CAPACITY,
                reason: "full",
            },
            Attribute::Unknown {
                typ: AttrType(0xC057),
                value: &[0, 1, 0, 0],
            },
        ] {
            round_trip(a);
        }
    }

    #[test]
    fn malformed_values_are_typed_errors() {
        let t = &TID;
        assert_eq!(
            Attribute::parse(AttrType::XOR_MAPPED_ADDRESS, &[0, 3, 0, 0, 1, 2, 3, 4], t),
            Err(AttrError::BadFamily)
        );
        assert_eq!(
            Attribute::parse(AttrType::XOR_MAPPED_ADDRESS, &[0, 1, 0, 0, 1, 2, 3], t),
            Err(AttrError::Truncated)
        );
        assert_eq!(
            Attribute::parse(AttrType::MAPPED_ADDRESS, &[0, 1, 0, 0, 1, 2, 3, 4, 5], t),
            Err(AttrError::TrailingBytes)
        );
        assert_eq!(
            Attribute::parse(AttrType::USERNAME, &[0xff], t),
            Err(AttrError::NotUtf8)
        );
        assert_eq!(
            Attribute::parse(AttrType::USERNAME, &[b'a'; 513], t),
            Err(AttrError::TooLong)
        );
        assert_eq!(
            Attribute::parse(AttrType::MESSAGE_INTEGRITY_SHA256, &[0; 12], t),
            Err(AttrError::Invalid)
        );
        assert_eq!(
            Attribute::parse(AttrType::USE_CANDIDATE, &[0], t),
            Err(AttrError::TrailingBytes)
        );
        assert_eq!(
            Attribute::parse(AttrType::UNKNOWN_ATTRIBUTES, &[0], t),
            Err(AttrError::TrailingBytes)
        );
        assert_eq!(
            Attribute::parse(AttrType::PASSWORD_ALGORITHMS, &[0, 1, 0, 4, 0], t),
            Err(AttrError::Truncated)
        );
    }

    #[test]
    fn reserved_bits_are_ignored_on_receipt() {
        // Found by the fuzzer: RFFU bytes are not part of the value (RFC 8656 §18), so they
        // are ignored when parsing and written as zero.
        let t = &TID;
        let a = Attribute::parse(
            AttrType::ADDITIONAL_ADDRESS_FAMILY,
            &[0x02, 0x7a, 0x3b, 0xcf],
            t,
        );
        assert_eq!(
            a,
            Ok(Attribute::AdditionalAddressFamily(AddressFamily::IPV6))
        );
        let mut v = Vec::new();
        a.unwrap().write_value(t, &mut v).unwrap();
        assert_eq!(v, [0x02, 0, 0, 0]);
        let a = Attribute::parse(AttrType::CHANNEL_NUMBER, &[0x40, 0x00, 0xff, 0xff], t);
        assert_eq!(a, Ok(Attribute::ChannelNumber(ChannelNumber(0x4000))));
        let a = Attribute::parse(AttrType::EVEN_PORT, &[0xff], t);
        assert_eq!(a, Ok(Attribute::EvenPort(true)));
        let a = Attribute::parse(AttrType::ERROR_CODE, &[0xff, 0xff, 0xfc, 1], t);
        assert_eq!(
            a,
            Ok(Attribute::ErrorCode {
                code: ErrorCode(401),
                reason: ""
            })
        );
    }

    #[test]
    fn comprehension_ranges() {
        assert!(AttrType::USERNAME.is_comprehension_required());
        assert!(!AttrType(0xC057).is_comprehension_required());
        assert_eq!(format!("{:?}", AttrType(0xC057)), "AttrType(0xc057)");
        assert_eq!(
            format!("{:?}", ErrorCode::UNAUTHENTICATED),
            "401 Unauthenticated"
        );
    }
}

//! The zero-copy message view (RFC 8489 §5, §14) and its attribute iterators.

use crate::attr::{AttrType, Attribute};
use crate::credentials::IntegrityKey;
use crate::crypto;
use crate::cursor::{Cursor, padding};
use crate::error::{AttrError, IntegrityError, ParseError};
use crate::header::{HEADER_LEN, MAGIC_COOKIE, MessageType, TransactionId};
use core::ops::Range;
use std::net::SocketAddr;

/// Cap on attributes per message: browsers send about eight; anything past this is refused
/// so a hostile message cannot make a receiver walk thousands of TLVs.
pub const MAX_ATTRIBUTES: usize = 64;

/// RFC 8489 §14.7: FINGERPRINT is the CRC-32 of the message XOR this constant.
pub const FINGERPRINT_XOR: u32 = 0x5354_554e;

mod field {
    use core::ops::Range;
    pub(super) const TYPE: Range<usize> = 0..2;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const COOKIE: Range<usize> = 4..8;
    pub(super) const TRANSACTION_ID: Range<usize> = 8..20;
}

/// A checked, zero-copy view of one STUN message.
///
/// [`Message::new_checked`] validates the header and walks the attribute TLVs once; after
/// that no accessor can panic and none allocates. Attribute values are decoded lazily by
/// [`Message::attributes`] or [`Message::get`]. (This holds for any `T` whose `as_ref`
/// keeps returning the same bytes, as `&[u8]`, `Vec<u8>` and arrays do.)
#[derive(Debug, Clone)]
pub struct Message<T: AsRef<[u8]>> {
    buffer: T,
    // Offsets of the attribute headers of the honoured integrity attributes (RFC 8489 §14.5-14.7).
    integrity: Option<u16>,
    integrity_sha256: Option<u16>,
    fingerprint: Option<u16>,
}

/// One attribute as it sits in the message: type, unpadded value and its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    /// The type.
    pub typ: AttrType,
    /// The value, without padding.
    pub value: &'a [u8],
    /// Offset of the attribute header from the start of the message.
    pub offset: usize,
}

impl<T: AsRef<[u8]>> Message<T> {
    /// Validates `buffer` as exactly one STUN message (RFC 8489 §5, §6.3): header, top bits,
    /// a length that is a multiple of 4 and equals the rest of the buffer, the magic cookie,
    /// attribute bounds, at most [`MAX_ATTRIBUTES`] attributes, FINGERPRINT last, and the
    /// sizes of the integrity attributes.
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(ParseError::Truncated);
        }
        if b[0] & 0xC0 != 0 {
            return Err(ParseError::NotStun);
        }
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        if !len.is_multiple_of(4) || HEADER_LEN + len != b.len() {
            return Err(ParseError::BadLength);
        }
        if b[field::COOKIE] != MAGIC_COOKIE.to_be_bytes() {
            return Err(ParseError::BadCookie);
        }
        let mut msg = Message {
            buffer,
            integrity: None,
            integrity_sha256: None,
            fingerprint: None,
        };
        let mut count = 0;
        for raw in RawAttributes::new(msg.buffer.as_ref()) {
            let raw = raw?;
            count += 1;
            if count > MAX_ATTRIBUTES {
                return Err(ParseError::TooManyAttributes);
            }
            if msg.fingerprint.is_some() {
                return Err(ParseError::FingerprintNotLast);
            }
            let offset = raw.offset as u16; // < 65556 - 4 by the length check
            let bad = |error| ParseError::Attribute {
                typ: raw.typ,
                error,
            };
            match raw.typ {
                AttrType::MESSAGE_INTEGRITY
                    if msg.integrity.is_none() && msg.integrity_sha256.is_none() =>
                {
                    if raw.value.len() != 20 {
                        return Err(bad(AttrError::Invalid));
                    }
                    msg.integrity = Some(offset);
                }
                AttrType::MESSAGE_INTEGRITY_SHA256 if msg.integrity_sha256.is_none() => {
                    let n = raw.value.len();
                    if !(16..=32).contains(&n) || !n.is_multiple_of(4) {
                        return Err(bad(AttrError::Invalid));
                    }
                    msg.integrity_sha256 = Some(offset);
                }
                AttrType::FINGERPRINT => {
                    if raw.value.len() != 4 {
                        return Err(bad(AttrError::Invalid));
                    }
                    msg.fingerprint = Some(offset);
                }
                _ => {}
            }
        }
        Ok(msg)
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Class and method (RFC 8489 §5).
    pub fn message_type(&self) -> MessageType {
        let b = &self.as_bytes()[field::TYPE];
        MessageType::from_u16(u16::from_be_bytes([b[0], b[1]]))
            .expect("invariant: top bits checked in new_checked")
    }

    /// The length field: bytes after the header.
    pub fn length(&self) -> u16 {
        let b = &self.as_bytes()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The transaction id (RFC 8489 §5).
    pub fn transaction_id(&self) -> TransactionId {
        let mut id = [0u8; 12];
        id.copy_from_slice(&self.as_bytes()[field::TRANSACTION_ID]);
        TransactionId(id)
    }

    /// Every attribute TLV in wire order, including those RFC 8489 §14.5 says to ignore.
    pub fn raw_attributes(&self) -> impl Iterator<Item = RawAttribute<'_>> {
        // Already validated: the fallible iterator cannot fail here.
        RawAttributes::new(self.as_bytes()).map_while(Result::ok)
    }

    /// The attributes a receiver honours, decoded, in wire order: everything up to
    /// MESSAGE-INTEGRITY, then only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (RFC 8489 §14.5,
    /// §14.6). Unknown types come back as [`Attribute::Unknown`].
    pub fn attributes(&self) -> impl Iterator<Item = Result<Attribute<'_>, ParseError>> {
        let tid = self.transaction_id();
        self.honoured().map(move |raw| {
            Attribute::parse(raw.typ, raw.value, &tid).map_err(|error| ParseError::Attribute {
                typ: raw.typ,
                error,
            })
        })
    }

    fn honoured(&self) -> impl Iterator<Item = RawAttribute<'_>> {
        let (mi, mi256) = (
            self.integrity.map(usize::from),
            self.integrity_sha256.map(usize::from),
        );
        self.raw_attributes().filter(move |raw| {
            let after = |o: Option<usize>| o.is_some_and(|o| raw.offset > o);
            if after(mi256) {
                raw.typ == AttrType::FINGERPRINT
            } else if after(mi) {
                raw.typ == AttrType::FINGERPRINT || Some(raw.offset) == mi256
            } else {
                true
            }
        })
    }

    /// The first honoured attribute of type `typ`, decoded.
    pub fn get(&self, typ: AttrType) -> Option<Result<Attribute<'_>, ParseError>> {
        let tid = self.transaction_id();
        self.honoured().find(|raw| raw.typ == typ).map(|raw| {
            Attribute::parse(raw.typ, raw.value, &tid).map_err(|error| ParseError::Attribute {
                typ: raw.typ,
                error,
            })
        })
    }

    /// Unknown comprehension-required attribute types (RFC 8489 §6.3.1): a server answers
    /// 420 listing them in UNKNOWN-ATTRIBUTES, a client ignores the response.
    pub fn unknown_required(&self) -> impl Iterator<Item = AttrType> + '_ {
        self.honoured()
            .map(|raw| raw.typ)
            .filter(|t| t.is_comprehension_required() && !t.is_known())
    }

    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2), if present and well formed.
    pub fn xor_mapped_address(&self) -> Option<SocketAddr> {
        match self.get(AttrType::XOR_MAPPED_ADDRESS)? {
            Ok(Attribute::XorMappedAddress(a)) => Some(a),
            _ => None,
        }
    }

    /// ERROR-CODE (RFC 8489 §14.8), if present and well formed.
    pub fn error_code(&self) -> Option<(crate::ErrorCode, &str)> {
        match self.get(AttrType::ERROR_CODE)? {
            Ok(Attribute::ErrorCode { code, reason }) => Some((code, reason)),
            _ => None,
        }
    }

    /// A text attribute (USERNAME, REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN) if present and
    /// well formed.
    pub fn text(&self, typ: AttrType) -> Option<&str> {
        match self.get(typ)? {
            Ok(
                Attribute::Username(s)
                | Attribute::Realm(s)
                | Attribute::Nonce(s)
                | Attribute::Software(s)
                | Attribute::AlternateDomain(s),
            ) => Some(s),
            _ => None,
        }
    }

    /// Whether MESSAGE-INTEGRITY is present (and honoured).
    pub fn has_integrity(&self) -> bool {
        self.integrity.is_some()
    }

    /// Whether MESSAGE-INTEGRITY-SHA256 is present (and honoured).
    pub fn has_integrity_sha256(&self) -> bool {
        self.integrity_sha256.is_some()
    }

    /// Whether FINGERPRINT is present.
    pub fn has_fingerprint(&self) -> bool {
        self.fingerprint.is_some()
    }

    /// RFC 8489 §14.5: checks MESSAGE-INTEGRITY (HMAC-SHA1) in constant time. The HMAC covers
    /// the message up to the attribute, with the length field rewritten to end just after
    /// it (so FINGERPRINT and MESSAGE-INTEGRITY-SHA256 after it are excluded). Allocates
    /// nothing.
    pub fn verify_integrity(&self, key: &[u8]) -> Result<(), IntegrityError> {
        let (prefix, len, tag) = self.integrity_input(self.integrity)?;
        let b = self.as_bytes();
        check(crypto::ct_eq(
            &crypto::hmac_sha1(key, &[&b[..2], &len, &b[4..prefix]]),
            tag,
        ))
    }

    /// [`verify_integrity`](Self::verify_integrity) with a prepared key (faster for keys
    /// used more than once).
    pub fn verify_integrity_with(&self, key: &IntegrityKey) -> Result<(), IntegrityError> {
        let (prefix, len, tag) = self.integrity_input(self.integrity)?;
        let b = self.as_bytes();
        check(crypto::ct_eq(
            &key.0.sha1(&[&b[..2], &len, &b[4..prefix]]),
            tag,
        ))
    }

    /// RFC 8489 §14.6: checks MESSAGE-INTEGRITY-SHA256 (possibly truncated to 16..32 bytes)
    /// in constant time, like [`Message::verify_integrity`].
    pub fn verify_integrity_sha256(&self, key: &[u8]) -> Result<(), IntegrityError> {
        let (prefix, len, tag) = self.integrity_input(self.integrity_sha256)?;
        let b = self.as_bytes();
        let mac = crypto::hmac_sha256(key, &[&b[..2], &len, &b[4..prefix]]);
        check(crypto::ct_eq(&mac[..tag.len()], tag))
    }

    /// [`verify_integrity_sha256`](Self::verify_integrity_sha256) with a prepared key.
    pub fn verify_integrity_sha256_with(&self, key: &IntegrityKey) -> Result<(), IntegrityError> {
        let (prefix, len, tag) = self.integrity_input(self.integrity_sha256)?;
        let b = self.as_bytes();
        let mac = key.0.sha256(&[&b[..2], &len, &b[4..prefix]]);
        check(crypto::ct_eq(&mac[..tag.len()], tag))
    }

    /// RFC 8489 §14.7: checks FINGERPRINT (CRC-32 XOR 0x5354554e of everything before it).
    pub fn verify_fingerprint(&self) -> Result<(), IntegrityError> {
        let offset = usize::from(self.fingerprint.ok_or(IntegrityError::Missing)?);
        let b = self.as_bytes();
        let want = crypto::crc32(&[&b[..offset]]) ^ FINGERPRINT_XOR;
        let got = &b[offset + 4..offset + 8];
        check(want.to_be_bytes() == got)
    }

    // (end of the covered prefix, adjusted length field, received tag)
    fn integrity_input(&self, at: Option<u16>) -> Result<(usize, [u8; 2], &[u8]), IntegrityError> {
        let offset = usize::from(at.ok_or(IntegrityError::Missing)?);
        let b = self.as_bytes();
        let vlen = usize::from(u16::from_be_bytes([b[offset + 2], b[offset + 3]]));
        let value: Range<usize> = offset + 4..offset + 4 + vlen;
        let len = (value.end - HEADER_LEN) as u16;
        Ok((offset, len.to_be_bytes(), &b[value]))
    }
}

fn check(ok: bool) -> Result<(), IntegrityError> {
    // Fuzzers cannot forge MACs: let them past the checks, and only them.
    if ok || cfg!(fuzzing) {
        Ok(())
    } else {
        Err(IntegrityError::Mismatch)
    }
}

/// Walks the TLVs after the header, failing on the first one that overflows.
struct RawAttributes<'a> {
    cursor: Cursor<'a>,
    offset: usize,
}

impl<'a> RawAttributes<'a> {
    fn new(buf: &'a [u8]) -> Self {
        RawAttributes {
            cursor: Cursor::new(buf.get(HEADER_LEN..).unwrap_or_default()),
            offset: HEADER_LEN,
        }
    }

    fn read(&mut self) -> Result<RawAttribute<'a>, ParseError> {
        let c = &mut self.cursor;
        let typ = AttrType(
            c.u16()
                .map_err(|_| ParseError::AttributeOverflow(AttrType(0)))?,
        );
        let overflow = |_| ParseError::AttributeOverflow(typ);
        let len = usize::from(c.u16().map_err(overflow)?);
        let value = c.take(len).map_err(overflow)?;
        c.take(padding(len)).map_err(overflow)?;
        let offset = self.offset;
        self.offset += 4 + len + padding(len);
        Ok(RawAttribute { typ, value, offset })
    }
}

impl<'a> Iterator for RawAttributes<'a> {
    type Item = Result<RawAttribute<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.cursor.is_empty() {
            return None;
        }
        let r = self.read();
        if r.is_err() {
            self.cursor.rest(); // stop after the first error
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Class, MessageBuilder, Method};

    fn binding(attrs: impl FnOnce(&mut MessageBuilder<'_>)) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Class::Request,
            Method::BINDING,
            TransactionId([3; 12]),
        );
        attrs(&mut b);
        b.finish().unwrap();
        buf
    }

    #[test]
    fn rfc8489_5_header_checks() {
        let ok = binding(|b| {
            b.add(&Attribute::Software("x"));
        });
        assert!(Message::new_checked(&ok[..]).is_ok());
        assert_eq!(
            Message::new_checked(&ok[..19]).unwrap_err(),
            ParseError::Truncated
        );
        let mut m = ok.clone();
        m[0] |= 0x80;
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::NotStun
        );
        let mut m = ok.clone();
        m[4] ^= 1;
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::BadCookie
        );
        let mut m = ok.clone();
        m[3] += 1; // not a multiple of 4
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::BadLength
        );
        // Trailing bytes after the message: the length disagrees with the datagram.
        let mut m = ok.clone();
        m.extend_from_slice(&[0; 4]);
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::BadLength
        );
        // An attribute length that runs past the end.
        let mut m = ok.clone();
        m[23] = 9;
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::AttributeOverflow(AttrType::SOFTWARE)
        );
    }

    #[test]
    fn attribute_count_is_capped() {
        let at_cap = binding(|b| {
            for _ in 0..MAX_ATTRIBUTES {
                b.add(&Attribute::UseCandidate);
            }
        });
        assert!(Message::new_checked(&at_cap[..]).is_ok());
        let mut over = at_cap.clone();
        over.extend_from_slice(&[0x00, 0x25, 0, 0]);
        let len = (over.len() - HEADER_LEN) as u16;
        over[2..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(
            Message::new_checked(&over[..]).unwrap_err(),
            ParseError::TooManyAttributes
        );
    }

    #[test]
    fn rfc8489_14_7_fingerprint_must_be_last() {
        let mut m = binding(|b| {
            b.fingerprint();
        });
        m.extend_from_slice(&[0x00, 0x25, 0, 0]);
        let len = (m.len() - HEADER_LEN) as u16;
        m[2..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::FingerprintNotLast
        );
    }

    #[test]
    fn rfc8489_14_5_attributes_after_integrity_are_ignored() {
        // Build MI, then splice a USERNAME after it by hand (the builder refuses to).
        let mut m = binding(|b| {
            b.add(&Attribute::Priority(1)).message_integrity(b"k");
        });
        m.extend_from_slice(&[0x00, 0x06, 0x00, 0x01, b'x', 0, 0, 0]);
        let len = (m.len() - HEADER_LEN) as u16;
        m[2..4].copy_from_slice(&len.to_be_bytes());
        let msg = Message::new_checked(&m[..]).unwrap();
        assert_eq!(msg.raw_attributes().count(), 3);
        assert_eq!(msg.attributes().count(), 2);
        assert!(msg.get(AttrType::USERNAME).is_none());
        // The HMAC covered only what came before it, with the length then: still valid.
        assert_eq!(msg.verify_integrity(b"k"), Ok(()));
    }

    #[test]
    fn integrity_then_sha256_then_fingerprint() {
        let m = binding(|b| {
            b.add(&Attribute::Username("u"))
                .message_integrity(b"k")
                .message_integrity_sha256(b"k")
                .fingerprint();
        });
        let msg = Message::new_checked(&m[..]).unwrap();
        assert_eq!(msg.verify_integrity(b"k"), Ok(()));
        assert_eq!(msg.verify_integrity_sha256(b"k"), Ok(()));
        assert_eq!(msg.verify_fingerprint(), Ok(()));
        assert_eq!(
            msg.verify_integrity_sha256(b"x"),
            Err(IntegrityError::Mismatch)
        );
        // Any flipped bit breaks every tag that covers it.
        for i in [0usize, 5, 9, 25] {
            let mut bad = m.clone();
            bad[i] ^= 0x01;
            let Ok(msg) = Message::new_checked(&bad[..]) else {
                continue;
            };
            assert_eq!(
                msg.verify_integrity(b"k"),
                Err(IntegrityError::Mismatch),
                "byte {i}"
            );
            assert_eq!(
                msg.verify_fingerprint(),
                Err(IntegrityError::Mismatch),
                "byte {i}"
            );
        }
        // A flipped FINGERPRINT value fails only the fingerprint.
        let mut bad = m.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let msg = Message::new_checked(&bad[..]).unwrap();
        assert_eq!(msg.verify_integrity(b"k"), Ok(()));
        assert_eq!(msg.verify_fingerprint(), Err(IntegrityError::Mismatch));
    }

    #[test]
    fn truncated_sha256_tag_verifies() {
        // RFC 8489 §14.6 allows 16..32-byte tags; build a 16-byte one by hand.
        let mut m = binding(|_| {});
        let tid = TransactionId([3; 12]);
        let _ = tid;
        let len = (m.len() - HEADER_LEN + 4 + 16) as u16;
        m[2..4].copy_from_slice(&len.to_be_bytes());
        let tag = crypto::hmac_sha256(b"k", &[&m]);
        m.extend_from_slice(&[0x00, 0x1C, 0x00, 0x10]);
        m.extend_from_slice(&tag[..16]);
        let msg = Message::new_checked(&m[..]).unwrap();
        assert_eq!(msg.verify_integrity_sha256(b"k"), Ok(()));
        assert_eq!(
            msg.verify_integrity_sha256(b"j"),
            Err(IntegrityError::Mismatch)
        );
    }

    #[test]
    fn bad_integrity_sizes_are_malformed() {
        let mut m = binding(|b| {
            b.raw(AttrType::MESSAGE_INTEGRITY, &[0; 16]);
        });
        assert_eq!(
            Message::new_checked(&m[..]).unwrap_err(),
            ParseError::Attribute {
                typ: AttrType::MESSAGE_INTEGRITY,
                error: AttrError::Invalid
            }
        );
        m = binding(|b| {
            b.raw(AttrType::FINGERPRINT, &[0; 8]);
        });
        assert!(Message::new_checked(&m[..]).is_err());
    }

    #[test]
    fn unknown_attributes_kept_and_reported() {
        let m = binding(|b| {
            b.raw(AttrType(0xC057), &[0, 1, 0, 0x0a])
                .raw(AttrType(0x7777), b"req")
                .add(&Attribute::Priority(9));
        });
        let msg = Message::new_checked(&m[..]).unwrap();
        assert_eq!(
            msg.unknown_required().collect::<Vec<_>>(),
            [AttrType(0x7777)]
        );
        assert_eq!(
            msg.get(AttrType(0xC057)),
            Some(Ok(Attribute::Unknown {
                typ: AttrType(0xC057),
                value: &[0, 1, 0, 0x0a]
            }))
        );
    }
}

//! Encoding: [`MessageBuilder`] appends one message to a caller's `Vec<u8>` (no allocation
//! once the buffer has capacity), and [`MessageRepr`] is the owned-list form used for
//! round-trip laws.

use crate::attr::{AttrType, Attribute, PasswordAlgorithm};
use crate::credentials::IntegrityKey;
use crate::crypto;
use crate::cursor::padding;
use crate::error::{EncodeError, ParseError};
use crate::header::{Class, HEADER_LEN, MAGIC_COOKIE, MessageType, Method, TransactionId};
use crate::message::{FINGERPRINT_XOR, MAX_ATTRIBUTES, Message};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tail {
    Open,
    AfterIntegrity,
    AfterIntegritySha256,
    AfterFingerprint,
}

/// Writes one STUN message at the end of a `Vec<u8>`.
///
/// Errors are sticky: the first one is kept, later calls do nothing, and
/// [`finish`](MessageBuilder::finish) reports it (and removes the partial message).
/// Order is enforced: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
/// may follow, and nothing follows FINGERPRINT (RFC 8489 §14.5-14.7).
///
/// ```
/// use strata_stun::{Class, Message, MessageBuilder, Method, TransactionId, Attribute};
/// let mut buf = Vec::new();
/// let mut b = MessageBuilder::new(&mut buf, Class::Request, Method::BINDING, TransactionId([7; 12]));
/// b.add(&Attribute::Username("a:b")).message_integrity(b"pass").fingerprint();
/// let len = b.finish()?;
/// let msg = Message::new_checked(&buf[..len])?;
/// msg.verify_integrity(b"pass")?;
/// msg.verify_fingerprint()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MessageBuilder<'b> {
    buf: &'b mut Vec<u8>,
    start: usize,
    tid: TransactionId,
    tail: Tail,
    count: usize,
    error: Option<EncodeError>,
}

impl<'b> MessageBuilder<'b> {
    /// Starts a message at the end of `buf`.
    pub fn new(buf: &'b mut Vec<u8>, class: Class, method: Method, tid: TransactionId) -> Self {
        let start = buf.len();
        let typ = MessageType::new(class, method).to_u16();
        buf.reserve(128);
        buf.extend_from_slice(&typ.unwrap_or(0).to_be_bytes());
        buf.extend_from_slice(&[0, 0]);
        buf.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        buf.extend_from_slice(&tid.0);
        MessageBuilder {
            buf,
            start,
            tid,
            tail: Tail::Open,
            count: 0,
            error: typ.is_none().then_some(EncodeError::InvalidMethod),
        }
    }

    /// The transaction id being written.
    pub fn transaction_id(&self) -> TransactionId {
        self.tid
    }

    /// Appends a typed attribute. Integrity and fingerprint attributes are copied as given;
    /// use [`message_integrity`](Self::message_integrity) and friends to compute them.
    pub fn add(&mut self, attr: &Attribute<'_>) -> &mut Self {
        let tid = self.tid;
        self.write(attr.typ(), |out| attr.write_value(&tid, out))
    }

    /// Appends an attribute of any type with a raw value (padding is added).
    pub fn raw(&mut self, typ: AttrType, value: &[u8]) -> &mut Self {
        self.write(typ, |out| {
            out.extend_from_slice(value);
            Ok(())
        })
    }

    /// RFC 8489 §14.13: UNKNOWN-ATTRIBUTES listing `types`.
    pub fn unknown_attributes(&mut self, types: &[AttrType]) -> &mut Self {
        self.write(AttrType::UNKNOWN_ATTRIBUTES, |out| {
            types
                .iter()
                .for_each(|t| out.extend_from_slice(&t.0.to_be_bytes()));
            Ok(())
        })
    }

    /// RFC 8489 §14.11: PASSWORD-ALGORITHMS listing `algorithms` (without parameters).
    pub fn password_algorithms(&mut self, algorithms: &[PasswordAlgorithm]) -> &mut Self {
        self.write(AttrType::PASSWORD_ALGORITHMS, |out| {
            algorithms.iter().for_each(|a| {
                out.extend_from_slice(&a.0.to_be_bytes());
                out.extend_from_slice(&[0, 0]);
            });
            Ok(())
        })
    }

    /// RFC 8489 §14.5: computes and appends MESSAGE-INTEGRITY (HMAC-SHA1 with `key`).
    pub fn message_integrity(&mut self, key: &[u8]) -> &mut Self {
        self.write_tag(AttrType::MESSAGE_INTEGRITY, 20, |covered| {
            let mut v = [0; 32];
            v[..20].copy_from_slice(&crypto::hmac_sha1(key, &[covered]));
            v
        })
    }

    /// RFC 8489 §14.6: computes and appends MESSAGE-INTEGRITY-SHA256 (full 32 bytes).
    pub fn message_integrity_sha256(&mut self, key: &[u8]) -> &mut Self {
        self.write_tag(AttrType::MESSAGE_INTEGRITY_SHA256, 32, |covered| {
            crypto::hmac_sha256(key, &[covered])
        })
    }

    /// [`message_integrity`](Self::message_integrity) with a prepared key.
    pub fn message_integrity_with(&mut self, key: &IntegrityKey) -> &mut Self {
        self.write_tag(AttrType::MESSAGE_INTEGRITY, 20, |covered| {
            let mut v = [0; 32];
            v[..20].copy_from_slice(&key.0.sha1(&[covered]));
            v
        })
    }

    /// [`message_integrity_sha256`](Self::message_integrity_sha256) with a prepared key.
    pub fn message_integrity_sha256_with(&mut self, key: &IntegrityKey) -> &mut Self {
        self.write_tag(AttrType::MESSAGE_INTEGRITY_SHA256, 32, |covered| {
            key.0.sha256(&[covered])
        })
    }

    /// RFC 8489 §14.7: computes and appends FINGERPRINT; it must be the last attribute.
    pub fn fingerprint(&mut self) -> &mut Self {
        self.write_tag(AttrType::FINGERPRINT, 4, |covered| {
            let mut v = [0; 32];
            v[..4].copy_from_slice(&(crypto::crc32(&[covered]) ^ FINGERPRINT_XOR).to_be_bytes());
            v
        })
    }

    /// Ends the message: returns its length (it occupies `buf[start..start + len]`), or the
    /// first error, in which case the partial message is removed from the buffer.
    pub fn finish(self) -> Result<usize, EncodeError> {
        if let Some(e) = self.error {
            self.buf.truncate(self.start);
            return Err(e);
        }
        Ok(self.buf.len() - self.start)
    }

    fn fail(&mut self, e: EncodeError) {
        self.error.get_or_insert(e);
    }

    fn admit(&mut self, typ: AttrType) -> bool {
        if self.error.is_some() {
            return false;
        }
        let next = match typ {
            AttrType::MESSAGE_INTEGRITY => Tail::AfterIntegrity,
            AttrType::MESSAGE_INTEGRITY_SHA256 => Tail::AfterIntegritySha256,
            AttrType::FINGERPRINT => Tail::AfterFingerprint,
            _ => Tail::Open,
        };
        // Anything after the integrity tail would be ignored by the receiver (RFC 8489 §14.5).
        if self.tail != Tail::Open && next <= self.tail {
            self.fail(EncodeError::AfterIntegrity(typ));
            return false;
        }
        if self.count == MAX_ATTRIBUTES {
            self.fail(EncodeError::TooManyAttributes);
            return false;
        }
        self.tail = next;
        self.count += 1;
        true
    }

    fn write(
        &mut self,
        typ: AttrType,
        value: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
    ) -> &mut Self {
        if !self.admit(typ) {
            return self;
        }
        let at = self.buf.len();
        self.buf.extend_from_slice(&typ.0.to_be_bytes());
        self.buf.extend_from_slice(&[0, 0]);
        let result = value(self.buf).and_then(|()| {
            let len = self.buf.len() - at - 4;
            u16::try_from(len).map_err(|_| EncodeError::ValueTooLong(typ))
        });
        match result {
            Ok(len) => {
                self.buf[at + 2..at + 4].copy_from_slice(&len.to_be_bytes());
                self.buf
                    .extend_from_slice(&[0; 3][..padding(usize::from(len))]);
                self.set_length(self.buf.len());
            }
            Err(e) => {
                self.buf.truncate(at);
                self.fail(e);
            }
        }
        self
    }

    // Integrity attributes cover the message with the length field already counting them.
    fn write_tag(
        &mut self,
        typ: AttrType,
        len: u16,
        tag: impl FnOnce(&[u8]) -> [u8; 32],
    ) -> &mut Self {
        if !self.admit(typ) {
            return self;
        }
        let at = self.buf.len();
        if !self.set_length(at + 4 + usize::from(len)) {
            return self;
        }
        let value = tag(&self.buf[self.start..at]);
        self.buf.extend_from_slice(&typ.0.to_be_bytes());
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(&value[..usize::from(len)]);
        self
    }

    fn set_length(&mut self, end: usize) -> bool {
        match u16::try_from(end - self.start - HEADER_LEN) {
            Ok(len) => {
                self.buf[self.start + 2..self.start + 4].copy_from_slice(&len.to_be_bytes());
                true
            }
            Err(_) => {
                self.fail(EncodeError::MessageTooLong);
                false
            }
        }
    }
}

/// A whole message as an owned list of borrowed attributes: the form for round-trip laws
/// (`parse(emit(m)) == m`) and for code that wants to inspect everything at once. The hot
/// path uses [`Message`] and [`MessageBuilder`] directly and allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRepr<'a> {
    /// Request, indication or response.
    pub class: Class,
    /// The method.
    pub method: Method,
    /// The transaction id.
    pub transaction_id: TransactionId,
    /// The honoured attributes in wire order, integrity attributes included verbatim.
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> MessageRepr<'a> {
    /// Decodes every honoured attribute of a checked message.
    pub fn parse<T: AsRef<[u8]>>(msg: &'a Message<T>) -> Result<Self, ParseError> {
        let t = msg.message_type();
        Ok(MessageRepr {
            class: t.class,
            method: t.method,
            transaction_id: msg.transaction_id(),
            attributes: msg.attributes().collect::<Result<_, _>>()?,
        })
    }

    /// Appends the message to `buf` (attributes verbatim, zero padding) and returns its length.
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<usize, EncodeError> {
        let mut b = MessageBuilder::new(buf, self.class, self.method, self.transaction_id);
        for a in &self.attributes {
            b.add(a);
        }
        b.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(buf: &mut Vec<u8>) -> MessageBuilder<'_> {
        MessageBuilder::new(buf, Class::Request, Method::BINDING, TransactionId([1; 12]))
    }

    #[test]
    fn appends_after_existing_bytes() {
        let mut buf = b"prefix".to_vec();
        let mut b = builder(&mut buf);
        b.add(&Attribute::Lifetime(5));
        assert_eq!(b.finish(), Ok(28));
        assert_eq!(&buf[..6], b"prefix");
        assert!(Message::new_checked(&buf[6..]).is_ok());
    }

    #[test]
    fn errors_are_sticky_and_leave_the_buffer_clean() {
        let mut buf = b"keep".to_vec();
        let mut b = builder(&mut buf);
        b.add(&Attribute::Username(&"x".repeat(600)))
            .add(&Attribute::Priority(1))
            .fingerprint();
        assert_eq!(
            b.finish(),
            Err(EncodeError::ValueTooLong(AttrType::USERNAME))
        );
        assert_eq!(buf, b"keep");
    }

    #[test]
    fn order_after_integrity_is_enforced() {
        let mut buf = Vec::new();
        let cases: [(&[AttrType], Option<AttrType>); 6] = [
            (
                &[AttrType::MESSAGE_INTEGRITY, AttrType::USERNAME],
                Some(AttrType::USERNAME),
            ),
            (
                &[AttrType::FINGERPRINT, AttrType::FINGERPRINT],
                Some(AttrType::FINGERPRINT),
            ),
            (
                &[
                    AttrType::MESSAGE_INTEGRITY_SHA256,
                    AttrType::MESSAGE_INTEGRITY,
                ],
                Some(AttrType::MESSAGE_INTEGRITY),
            ),
            (
                &[AttrType::MESSAGE_INTEGRITY, AttrType::MESSAGE_INTEGRITY],
                Some(AttrType::MESSAGE_INTEGRITY),
            ),
            (
                &[
                    AttrType::MESSAGE_INTEGRITY,
                    AttrType::MESSAGE_INTEGRITY_SHA256,
                    AttrType::FINGERPRINT,
                ],
                None,
            ),
            (&[AttrType::USERNAME, AttrType::FINGERPRINT], None),
        ];
        for (seq, err) in cases {
            buf.clear();
            let mut b = builder(&mut buf);
            for t in seq {
                match *t {
                    AttrType::MESSAGE_INTEGRITY => b.message_integrity(b"k"),
                    AttrType::MESSAGE_INTEGRITY_SHA256 => b.message_integrity_sha256(b"k"),
                    AttrType::FINGERPRINT => b.fingerprint(),
                    _ => b.add(&Attribute::Username("u")),
                };
            }
            assert_eq!(
                b.finish().err(),
                err.map(EncodeError::AfterIntegrity),
                "{seq:?}"
            );
        }
    }

    #[test]
    fn method_must_fit() {
        let mut buf = Vec::new();
        let b = MessageBuilder::new(
            &mut buf,
            Class::Request,
            Method(0x1000),
            TransactionId([0; 12]),
        );
        assert_eq!(b.finish(), Err(EncodeError::InvalidMethod));
        assert!(buf.is_empty());
    }

    #[test]
    fn too_many_attributes_refused() {
        let mut buf = Vec::new();
        let mut b = builder(&mut buf);
        for _ in 0..=MAX_ATTRIBUTES {
            b.add(&Attribute::UseCandidate);
        }
        assert_eq!(b.finish(), Err(EncodeError::TooManyAttributes));
    }

    #[test]
    fn message_too_long_refused() {
        let mut buf = Vec::new();
        let mut b = builder(&mut buf);
        let big = vec![0u8; 40_000];
        b.add(&Attribute::Data(&big)).add(&Attribute::Data(&big));
        assert_eq!(b.finish(), Err(EncodeError::MessageTooLong));
    }
}

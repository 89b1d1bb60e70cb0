//! DTLS record layer wire format (RFC 6347 §4.1): views, reprs, and the epoch and
//! sequence-number types.

use crate::error::DecodeError;

/// RFC 5246 §6.2.1 `ContentType`; open so unknown values round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentType(pub u8);

impl ContentType {
    /// `change_cipher_spec(20)`.
    pub const CHANGE_CIPHER_SPEC: Self = Self(20);
    /// `alert(21)`.
    pub const ALERT: Self = Self(21);
    /// `handshake(22)`.
    pub const HANDSHAKE: Self = Self(22);
    /// `application_data(23)`.
    pub const APPLICATION_DATA: Self = Self(23);
}

/// RFC 6347 §4.1 `ProtocolVersion` as it appears on the wire (one's complement of the TLS one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtocolVersion(pub u16);

impl ProtocolVersion {
    /// DTLS 1.0 (`{254, 255}`), used in initial ClientHello records and HelloVerifyRequest.
    pub const DTLS_1_0: Self = Self(0xfeff);
    /// DTLS 1.2 (`{254, 253}`).
    pub const DTLS_1_2: Self = Self(0xfefd);
    /// DTLS 1.3 (`{254, 252}`), seen only inside `supported_versions`.
    pub const DTLS_1_3: Self = Self(0xfefc);

    /// True for the two DTLS versions a record header may carry here.
    pub fn is_dtls(self) -> bool {
        self == Self::DTLS_1_0 || self == Self::DTLS_1_2
    }
}

/// RFC 6347 §4.1 epoch: incremented on each ChangeCipherSpec. Epochs never wrap in a
/// connection (renegotiation is refused), so comparison is plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Epoch(pub u16);

impl Epoch {
    /// The next epoch, or `None` at the end of the space (RFC 6347 §4.1: no wrap).
    pub fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(Self)
    }
}

/// RFC 6347 §4.1 48-bit record sequence number. It MUST NOT wrap within an epoch, so the
/// space is linear; [`SeqNum::next`] returns `None` at the end instead of wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SeqNum(u64);

impl SeqNum {
    /// Largest 48-bit value.
    pub const MAX: Self = Self((1 << 48) - 1);

    /// Builds a sequence number; `None` when `v` needs more than 48 bits.
    pub fn new(v: u64) -> Option<Self> {
        (v <= Self::MAX.0).then_some(Self(v))
    }

    /// The value.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The following sequence number, `None` at the end of the space.
    pub fn next(self) -> Option<Self> {
        Self::new(self.0 + 1)
    }

    /// Distance from `older` to `self` when `self` is not older.
    pub fn distance_from(self, older: Self) -> Option<u64> {
        self.0.checked_sub(older.0)
    }

    fn to_bytes(self) -> [u8; 6] {
        let b = self.0.to_be_bytes();
        [b[2], b[3], b[4], b[5], b[6], b[7]]
    }

    fn from_bytes(b: &[u8]) -> Self {
        Self(u64::from_be_bytes([
            0, 0, b[0], b[1], b[2], b[3], b[4], b[5],
        ]))
    }
}

/// Epoch and sequence number together: the 64-bit value used in nonces and the MAC input.
pub(crate) fn epoch_seq_u64(epoch: Epoch, seq: SeqNum) -> u64 {
    (u64::from(epoch.0) << 48) | seq.get()
}

mod field {
    use core::ops::Range;
    pub const CONTENT_TYPE: usize = 0;
    pub const VERSION: Range<usize> = 1..3;
    pub const EPOCH: Range<usize> = 3..5;
    pub const SEQ: Range<usize> = 5..11;
    pub const LENGTH: Range<usize> = 11..13;
    pub const PAYLOAD: usize = 13;
}

/// Length of a DTLS 1.2 record header.
pub const HEADER_LEN: usize = field::PAYLOAD;

/// RFC 6347 §4.1: `DTLSPlaintext.length` MUST NOT exceed 2^14, plus 2048 of expansion for
/// protected records (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT_LEN: usize = (1 << 14) + 2048;

/// A zero-copy view of one DTLS record at the start of a buffer (RFC 6347 §4.1).
#[derive(Debug, Clone)]
pub struct Record<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Record<T> {
    /// Wraps a buffer without checks.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer, checking it holds a whole header and the declared fragment. After this,
    /// no accessor can panic. Bytes after the record (more records) are allowed.
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let r = Self::new_unchecked(buffer);
        let len = r.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::Truncated);
        }
        if r.length() as usize > MAX_CIPHERTEXT_LEN {
            return Err(DecodeError::TooLong);
        }
        if len < r.total_len() {
            return Err(DecodeError::Truncated);
        }
        Ok(r)
    }

    /// Content type.
    pub fn content_type(&self) -> ContentType {
        ContentType(self.buffer.as_ref()[field::CONTENT_TYPE])
    }

    /// Record version.
    pub fn version(&self) -> ProtocolVersion {
        let b = &self.buffer.as_ref()[field::VERSION];
        ProtocolVersion(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Epoch.
    pub fn epoch(&self) -> Epoch {
        let b = &self.buffer.as_ref()[field::EPOCH];
        Epoch(u16::from_be_bytes([b[0], b[1]]))
    }

    /// 48-bit sequence number.
    pub fn seq(&self) -> SeqNum {
        SeqNum::from_bytes(&self.buffer.as_ref()[field::SEQ])
    }

    /// Declared fragment length.
    pub fn length(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Header plus fragment.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.length() as usize
    }

    /// The fragment (protected or not).
    pub fn fragment(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..self.total_len()]
    }
}

/// The parsed form of one record (RFC 6347 §4.1 `DTLSPlaintext`/`DTLSCiphertext`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRepr<'a> {
    /// Content type.
    pub content_type: ContentType,
    /// Record version.
    pub version: ProtocolVersion,
    /// Epoch.
    pub epoch: Epoch,
    /// Sequence number.
    pub seq: SeqNum,
    /// Fragment bytes.
    pub fragment: &'a [u8],
}

impl<'a> RecordRepr<'a> {
    /// Parses one record from a checked view.
    pub fn parse(r: &Record<&'a [u8]>) -> Self {
        let buf: &'a [u8] = r.buffer;
        Self {
            content_type: r.content_type(),
            version: r.version(),
            epoch: r.epoch(),
            seq: r.seq(),
            fragment: &buf[field::PAYLOAD..r.total_len()],
        }
    }

    /// Bytes needed to emit this record.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.fragment.len()
    }

    /// Writes the record into `buf[..buffer_len()]`.
    ///
    /// # Panics
    /// If `buf` is shorter than [`Self::buffer_len`] or the fragment exceeds 65535 bytes.
    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(
            buf,
            self.content_type,
            self.version,
            self.epoch,
            self.seq,
            self.fragment.len(),
        );
        buf[HEADER_LEN..HEADER_LEN + self.fragment.len()].copy_from_slice(self.fragment);
    }
}

/// Writes a record header into `buf[..HEADER_LEN]`.
pub(crate) fn emit_header(
    buf: &mut [u8],
    ct: ContentType,
    version: ProtocolVersion,
    epoch: Epoch,
    seq: SeqNum,
    len: usize,
) {
    let len = u16::try_from(len).expect("invariant: record fragment fits u16");
    buf[field::CONTENT_TYPE] = ct.0;
    buf[field::VERSION].copy_from_slice(&version.0.to_be_bytes());
    buf[field::EPOCH].copy_from_slice(&epoch.0.to_be_bytes());
    buf[field::SEQ].copy_from_slice(&seq.to_bytes());
    buf[field::LENGTH].copy_from_slice(&len.to_be_bytes());
}

/// Iterates the records of one datagram (RFC 6347 §4.1.1: several records may share one).
/// Stops at the first malformed record, which ends the datagram's useful content.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Records<'a> {
    /// Iterates `datagram`.
    pub fn new(datagram: &'a [u8]) -> Self {
        Self { rest: datagram }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<RecordRepr<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Record::new_checked(self.rest) {
            Ok(r) => {
                let repr = RecordRepr::parse(&r);
                self.rest = &self.rest[r.total_len()..];
                Some(Ok(repr))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6347_4_1_record_round_trip() {
        let bytes = hex::decode("16fefd0001000000000005000301020304").unwrap();
        let bytes = &bytes[..bytes.len() - 1];
        let r = Record::new_checked(bytes).unwrap();
        let repr = RecordRepr::parse(&r);
        assert_eq!(repr.content_type, ContentType::HANDSHAKE);
        assert_eq!(repr.version, ProtocolVersion::DTLS_1_2);
        assert_eq!(repr.epoch, Epoch(1));
        assert_eq!(repr.seq.get(), 5);
        assert_eq!(repr.fragment, &[1, 2, 3]);
        let mut out = vec![0; repr.buffer_len()];
        repr.emit(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn truncated_and_overlong_records_are_rejected() {
        assert_eq!(
            Record::new_checked(&[22u8, 0xfe, 0xfd][..]).unwrap_err(),
            DecodeError::Truncated
        );
        let mut b = vec![23u8, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 5, 1, 2];
        assert_eq!(
            Record::new_checked(&b[..]).unwrap_err(),
            DecodeError::Truncated
        );
        b[11] = 0xff;
        assert_eq!(
            Record::new_checked(&b[..]).unwrap_err(),
            DecodeError::TooLong
        );
    }

    #[test]
    fn seq_num_is_48_bits_and_never_wraps() {
        assert!(SeqNum::new(1 << 48).is_none());
        assert_eq!(SeqNum::MAX.next(), None);
        assert_eq!(SeqNum::new(7).unwrap().next().unwrap().get(), 8);
        assert_eq!(
            epoch_seq_u64(Epoch(1), SeqNum::new(2).unwrap()),
            (1 << 48) | 2
        );
    }

    proptest::proptest! {
        #[test]
        fn records_parse_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            for r in Records::new(&data).flatten() {
                let mut out = vec![0; r.buffer_len()];
                r.emit(&mut out);
                proptest::prop_assert!(data.windows(out.len()).any(|w| w == out.as_slice()));
            }
        }

        #[test]
        fn record_round_trip(ct in 0u8..=255, ep in 0u16..=65535, seq in 0u64..(1 << 48),
                             frag in proptest::collection::vec(proptest::num::u8::ANY, 0..100)) {
            let repr = RecordRepr { content_type: ContentType(ct), version: ProtocolVersion::DTLS_1_2,
                epoch: Epoch(ep), seq: SeqNum::new(seq).unwrap(), fragment: &frag };
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut out);
            let view = Record::new_checked(&out[..]).unwrap();
            proptest::prop_assert_eq!(RecordRepr::parse(&view), repr);
        }
    }
}

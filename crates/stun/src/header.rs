//! The fixed 20-byte header: message type (class and method), length, magic cookie and
//! transaction id (RFC 8489 §5, §6).

use core::fmt;

/// RFC 8489 §5: the magic cookie, also the XOR key of the address attributes.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;

/// RFC 8489 §5: size of the message header.
pub const HEADER_LEN: usize = 20;

/// RFC 8489 §5: the 96-bit transaction id. Clients draw it from a CSPRNG (§6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TransactionId(pub [u8; 12]);

impl TransactionId {
    /// A fresh id from a cryptographically secure generator (RFC 8489 §6).
    pub fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut id = [0u8; 12];
        rng.fill_bytes(&mut id);
        TransactionId(id)
    }

    /// The id as bytes.
    pub fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionId(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// RFC 8489 §5: the message class. Two bits, so this enum is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 0b00.
    Request,
    /// 0b01.
    Indication,
    /// 0b10.
    SuccessResponse,
    /// 0b11.
    ErrorResponse,
}

impl Class {
    /// From the two class bits (C1 C0).
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0b00 => Class::Request,
            0b01 => Class::Indication,
            0b10 => Class::SuccessResponse,
            _ => Class::ErrorResponse,
        }
    }

    /// The two class bits (C1 C0).
    pub const fn bits(self) -> u8 {
        match self {
            Class::Request => 0b00,
            Class::Indication => 0b01,
            Class::SuccessResponse => 0b10,
            Class::ErrorResponse => 0b11,
        }
    }

    /// A success or error response.
    pub const fn is_response(self) -> bool {
        matches!(self, Class::SuccessResponse | Class::ErrorResponse)
    }
}

/// RFC 8489 §5, §18.2 and RFC 8656 §17: the 12-bit method. Open: unknown methods round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Method(pub u16);

impl Method {
    /// RFC 8489 §18.2.
    pub const BINDING: Method = Method(0x001);
    /// RFC 8656 §17.
    pub const ALLOCATE: Method = Method(0x003);
    /// RFC 8656 §17.
    pub const REFRESH: Method = Method(0x004);
    /// RFC 8656 §17.
    pub const SEND: Method = Method(0x006);
    /// RFC 8656 §17.
    pub const DATA: Method = Method(0x007);
    /// RFC 8656 §17.
    pub const CREATE_PERMISSION: Method = Method(0x008);
    /// RFC 8656 §17.
    pub const CHANNEL_BIND: Method = Method(0x009);

    /// The registered name, if any.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x001 => "Binding",
            0x003 => "Allocate",
            0x004 => "Refresh",
            0x006 => "Send",
            0x007 => "Data",
            0x008 => "CreatePermission",
            0x009 => "ChannelBind",
            _ => return None,
        })
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Method({:#05x})", self.0),
        }
    }
}

/// RFC 8489 §5: class and method, interleaved in the 14-bit message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageType {
    /// Request, indication or response.
    pub class: Class,
    /// What the message asks for.
    pub method: Method,
}

impl MessageType {
    /// A new message type.
    pub const fn new(class: Class, method: Method) -> Self {
        MessageType { class, method }
    }

    /// Decodes the type field; `None` if one of the two top bits is set.
    pub const fn from_u16(v: u16) -> Option<Self> {
        if v & 0xC000 != 0 {
            return None;
        }
        let m = (v & 0x000F) | ((v & 0x00E0) >> 1) | ((v & 0x3E00) >> 2);
        let c = ((v >> 4) & 0b01) | ((v >> 7) & 0b10);
        Some(MessageType {
            class: Class::from_bits(c as u8),
            method: Method(m),
        })
    }

    /// Encodes the type field; `None` if the method does not fit in 12 bits.
    pub const fn to_u16(self) -> Option<u16> {
        let m = self.method.0;
        if m > 0x0FFF {
            return None;
        }
        let c = self.class.bits() as u16;
        Some(
            (m & 0x000F)
                | ((m & 0x0070) << 1)
                | ((m & 0x0F80) << 2)
                | ((c & 1) << 4)
                | ((c & 2) << 7),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8489_5_message_type_bits() {
        // Binding request 0x0001, success 0x0101, error 0x0111, indication 0x0011.
        let cases = [
            (0x0001, Class::Request),
            (0x0011, Class::Indication),
            (0x0101, Class::SuccessResponse),
            (0x0111, Class::ErrorResponse),
        ];
        for (v, class) in cases {
            let t = MessageType::from_u16(v).unwrap();
            assert_eq!(t, MessageType::new(class, Method::BINDING));
            assert_eq!(t.to_u16(), Some(v));
        }
        // Allocate error response: 0x0113.
        assert_eq!(
            MessageType::new(Class::ErrorResponse, Method::ALLOCATE).to_u16(),
            Some(0x0113)
        );
        assert_eq!(MessageType::from_u16(0x4001), None);
        assert_eq!(
            MessageType::new(Class::Request, Method(0x1000)).to_u16(),
            None
        );
    }

    #[test]
    fn every_type_round_trips() {
        for v in 0..0x4000u16 {
            assert_eq!(MessageType::from_u16(v).unwrap().to_u16(), Some(v));
        }
    }
}

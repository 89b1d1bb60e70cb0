//! A stateless Binding server helper (RFC 8489 §6.3.1, §9.1.3).

use std::net::SocketAddr;

use crate::attr::{AttrType, Attribute, ErrorCode};
use crate::builder::MessageBuilder;
use crate::error::ParseError;
use crate::header::{Class, Method};
use crate::message::Message;

/// Short-term credentials the server expects (ICE: `local-ufrag:remote-ufrag` and the
/// local password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortTermCredentials {
    /// The expected USERNAME.
    pub username: String,
    /// The password: the MESSAGE-INTEGRITY key.
    pub password: String,
}

/// What [`BindingServer::respond`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// A success response with XOR-MAPPED-ADDRESS.
    Success,
    /// An error response with this code.
    Error(ErrorCode),
}

/// Answers Binding requests with XOR-MAPPED-ADDRESS, or with 400/401/420 error responses.
/// Stateless: one value can serve every client.
#[derive(Debug, Clone, Default)]
pub struct BindingServer {
    /// SOFTWARE to include in responses.
    pub software: Option<String>,
    /// Append FINGERPRINT to every response.
    pub fingerprint: bool,
    /// Require short-term credentials (RFC 8489 §9.1.3); responses then carry
    /// MESSAGE-INTEGRITY.
    pub credentials: Option<ShortTermCredentials>,
}

/// At most this many types are listed in a 420's UNKNOWN-ATTRIBUTES.
const MAX_UNKNOWN_LISTED: usize = 16;

impl BindingServer {
    /// Handles one datagram from `from` and appends the response to `out`.
    ///
    /// `Ok(None)`: no response is due (an indication, a response, or a bad FINGERPRINT,
    /// RFC 8489 §7.3). `Err`: not a STUN message; drop it. Checks run in RFC order:
    /// fingerprint, method, authentication (400 without MESSAGE-INTEGRITY or USERNAME, 401
    /// for a wrong username or tag), then unknown comprehension-required attributes (420).
    pub fn respond(
        &self,
        from: SocketAddr,
        request: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<Reply>, ParseError> {
        let msg = Message::new_checked(request)?;
        if msg.has_fingerprint() && msg.verify_fingerprint().is_err() {
            return Ok(None);
        }
        let t = msg.message_type();
        if t.class != Class::Request {
            return Ok(None);
        }
        if t.method != Method::BINDING {
            return Ok(Some(self.error(
                &msg,
                out,
                ErrorCode::BAD_REQUEST,
                &[],
                None,
            )));
        }
        let key = match &self.credentials {
            None => None,
            Some(c) => {
                let Some(username) = msg.text(AttrType::USERNAME).filter(|_| msg.has_integrity())
                else {
                    return Ok(Some(self.error(
                        &msg,
                        out,
                        ErrorCode::BAD_REQUEST,
                        &[],
                        None,
                    )));
                };
                if username != c.username || msg.verify_integrity(c.password.as_bytes()).is_err() {
                    return Ok(Some(self.error(
                        &msg,
                        out,
                        ErrorCode::UNAUTHENTICATED,
                        &[],
                        None,
                    )));
                }
                Some(c.password.as_bytes())
            }
        };
        let mut unknown = [AttrType(0); MAX_UNKNOWN_LISTED];
        let mut n = 0;
        for t in msg.unknown_required().take(MAX_UNKNOWN_LISTED) {
            unknown[n] = t;
            n += 1;
        }
        if n > 0 {
            return Ok(Some(self.error(
                &msg,
                out,
                ErrorCode::UNKNOWN_ATTRIBUTE,
                &unknown[..n],
                key,
            )));
        }
        let mut b = MessageBuilder::new(
            out,
            Class::SuccessResponse,
            Method::BINDING,
            msg.transaction_id(),
        );
        b.add(&Attribute::XorMappedAddress(from));
        self.finish(b, key);
        Ok(Some(Reply::Success))
    }

    fn error(
        &self,
        msg: &Message<&[u8]>,
        out: &mut Vec<u8>,
        code: ErrorCode,
        unknown: &[AttrType],
        key: Option<&[u8]>,
    ) -> Reply {
        let method = msg.message_type().method;
        let mut b = MessageBuilder::new(out, Class::ErrorResponse, method, msg.transaction_id());
        b.add(&Attribute::ErrorCode {
            code,
            reason: code.reason().unwrap_or(""),
        });
        if !unknown.is_empty() {
            b.unknown_attributes(unknown);
        }
        self.finish(b, key);
        Reply::Error(code)
    }

    fn finish(&self, mut b: MessageBuilder<'_>, key: Option<&[u8]>) {
        if let Some(s) = &self.software {
            // An over-long SOFTWARE would fail the whole response: leave it out instead.
            if s.len() <= crate::MAX_TEXT {
                b.add(&Attribute::Software(s));
            }
        }
        if let Some(k) = key {
            b.message_integrity(k);
        }
        if self.fingerprint {
            b.fingerprint();
        }
        b.finish()
            .expect("invariant: a Binding response always encodes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AttrTypeList, TransactionId};

    fn from() -> SocketAddr {
        "[2001:db8::1]:61000".parse().unwrap()
    }

    fn request(f: impl FnOnce(&mut MessageBuilder<'_>)) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Class::Request,
            Method::BINDING,
            TransactionId([4; 12]),
        );
        f(&mut b);
        b.finish().unwrap();
        buf
    }

    fn creds() -> BindingServer {
        BindingServer {
            software: Some("strata".into()),
            fingerprint: true,
            credentials: Some(ShortTermCredentials {
                username: "r:l".into(),
                password: "pw".into(),
            }),
        }
    }

    fn answer(s: &BindingServer, req: &[u8]) -> (Option<Reply>, Vec<u8>) {
        let mut out = Vec::new();
        let r = s.respond(from(), req, &mut out).unwrap();
        (r, out)
    }

    #[test]
    fn success_carries_mapped_address_integrity_fingerprint() {
        let req = request(|b| {
            b.add(&Attribute::Username("r:l"))
                .message_integrity(b"pw")
                .fingerprint();
        });
        let (r, out) = answer(&creds(), &req);
        assert_eq!(r, Some(Reply::Success));
        let m = Message::new_checked(&out[..]).unwrap();
        assert_eq!(m.message_type().class, Class::SuccessResponse);
        assert_eq!(m.transaction_id(), TransactionId([4; 12]));
        assert_eq!(m.xor_mapped_address(), Some(from()));
        assert_eq!(m.text(AttrType::SOFTWARE), Some("strata"));
        assert_eq!(m.verify_integrity(b"pw"), Ok(()));
        assert_eq!(m.verify_fingerprint(), Ok(()));
    }

    #[test]
    fn rfc8489_9_1_3_authentication_failures() {
        let code = |req: &[u8]| {
            let (r, out) = answer(&creds(), req);
            let m = Message::new_checked(&out[..]).unwrap();
            assert!(
                !m.has_integrity(),
                "4xx for unauthenticated requests carry no tag"
            );
            assert_eq!(m.message_type().class, Class::ErrorResponse);
            assert_eq!(Some(Reply::Error(m.error_code().unwrap().0)), r);
            m.error_code().unwrap().0
        };
        assert_eq!(code(&request(|_| {})), ErrorCode::BAD_REQUEST);
        assert_eq!(
            code(&request(|b| {
                b.add(&Attribute::Username("r:l"));
            })),
            ErrorCode::BAD_REQUEST
        );
        assert_eq!(
            code(&request(|b| {
                b.message_integrity(b"pw");
            })),
            ErrorCode::BAD_REQUEST
        );
        assert_eq!(
            code(&request(|b| {
                b.add(&Attribute::Username("x:l")).message_integrity(b"pw");
            })),
            ErrorCode::UNAUTHENTICATED
        );
        assert_eq!(
            code(&request(|b| {
                b.add(&Attribute::Username("r:l")).message_integrity(b"pX");
            })),
            ErrorCode::UNAUTHENTICATED
        );
    }

    #[test]
    fn rfc8489_6_3_1_unknown_required_gets_420() {
        let req = request(|b| {
            b.raw(AttrType(0x0077), &[1])
                .raw(AttrType(0xC057), &[2])
                .raw(AttrType(0x0078), &[]);
        });
        let (r, out) = answer(&BindingServer::default(), &req);
        assert_eq!(r, Some(Reply::Error(ErrorCode::UNKNOWN_ATTRIBUTE)));
        let m = Message::new_checked(&out[..]).unwrap();
        let Some(Ok(Attribute::UnknownAttributes(list))) = m.get(AttrType::UNKNOWN_ATTRIBUTES)
        else {
            panic!("no UNKNOWN-ATTRIBUTES");
        };
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [AttrType(0x0077), AttrType(0x0078)]
        );
        assert_eq!(list, AttrTypeList::from_wire(&[0, 0x77, 0, 0x78]).unwrap());
        // With credentials, the 420 is authenticated.
        let req = request(|b| {
            b.raw(AttrType(0x0077), &[1])
                .add(&Attribute::Username("r:l"))
                .message_integrity(b"pw");
        });
        let (_, out) = answer(&creds(), &req);
        assert_eq!(
            Message::new_checked(&out[..])
                .unwrap()
                .verify_integrity(b"pw"),
            Ok(())
        );
    }

    #[test]
    fn no_answer_to_indications_responses_or_bad_fingerprints() {
        let s = BindingServer::default();
        let mut ind = request(|_| {});
        ind[1] = 0x11;
        assert_eq!(answer(&s, &ind).0, None);
        let mut bad = request(|b| {
            b.fingerprint();
        });
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert_eq!(answer(&s, &bad), (None, vec![]));
        let mut alloc = request(|_| {});
        alloc[1] = 0x03;
        assert_eq!(
            answer(&s, &alloc).0,
            Some(Reply::Error(ErrorCode::BAD_REQUEST))
        );
        assert!(s.respond(from(), b"\x16\xfe\xfd", &mut Vec::new()).is_err());
    }
}

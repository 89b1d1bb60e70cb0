//! BYE (RFC 3550 §6.6) and APP (RFC 3550 §6.7).

use super::items::Items;
use super::{Header, be32};
use crate::error::RtcpError;

/// A goodbye packet (RFC 3550 §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bye<'a> {
    /// SSRCs/CSRCs leaving.
    pub sources: Items<'a, u32>,
    /// Optional reason for leaving (UTF-8 per §6.6, not checked).
    pub reason: Option<&'a [u8]>,
}

impl<'a> Bye<'a> {
    #[inline]
    pub(crate) fn parse(h: Header, body: &'a [u8]) -> Result<Self, RtcpError> {
        let n = 4 * usize::from(h.count);
        if body.len() < n {
            return Err(RtcpError::BadLength);
        }
        let rest = &body[n..];
        let reason = match rest.first() {
            None => None,
            Some(&len) => {
                let len = usize::from(len);
                let r = rest.get(1..1 + len).ok_or(RtcpError::BadBye)?;
                // Only padding to the next 32-bit boundary may follow.
                if rest.len() - 1 - len >= 4 {
                    return Err(RtcpError::BadBye);
                }
                Some(r)
            }
        };
        Ok(Self {
            sources: Items::new(&body[..n]),
            reason,
        })
    }
}

/// An application-defined packet (RFC 3550 §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App<'a> {
    /// 5-bit subtype.
    pub subtype: u8,
    /// SSRC/CSRC.
    pub ssrc: u32,
    /// Four ASCII characters.
    pub name: [u8; 4],
    /// Application-dependent data.
    pub data: &'a [u8],
}

impl<'a> App<'a> {
    #[inline]
    pub(crate) fn parse(h: Header, body: &'a [u8]) -> Result<Self, RtcpError> {
        if body.len() < 8 {
            return Err(RtcpError::BadLength);
        }
        Ok(Self {
            subtype: h.count,
            ssrc: be32(body, 0),
            name: [body[4], body[5], body[6], body[7]],
            data: &body[8..],
        })
    }
}

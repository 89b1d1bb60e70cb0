//! What the client transaction layer reports.

use std::net::SocketAddr;

use crate::attr::AttrType;
use crate::header::{Class, TransactionId};
use crate::message::Message;

/// An outcome of [`Client`](crate::Client), drained with
/// [`poll_event`](crate::Client::poll_event). Each transaction ends with exactly one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A response matched a request and passed the integrity and fingerprint checks.
    Response(Response),
    /// No response after Rc transmissions and the final wait (RFC 8489 §6.2.1).
    Timeout {
        /// The transaction.
        id: TransactionId,
        /// Where the request went.
        to: SocketAddr,
    },
    /// The response carried a comprehension-required attribute this crate does not know:
    /// the transaction failed (RFC 8489 §6.3.3, §6.3.4).
    Failed {
        /// The transaction.
        id: TransactionId,
        /// Where the request went.
        to: SocketAddr,
        /// The first unknown attribute.
        unknown: AttrType,
    },
}

/// A validated response (RFC 8489 §6.3.3, §6.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The transaction it answers.
    pub id: TransactionId,
    /// Where it came from (the request's destination).
    pub from: SocketAddr,
    /// Success or error.
    pub class: Class,
    pub(crate) bytes: Vec<u8>,
}

impl Response {
    /// The response as a checked view.
    pub fn message(&self) -> Message<&[u8]> {
        Message::new_checked(&self.bytes[..]).expect("invariant: checked on receipt")
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether it is a success response.
    pub fn is_success(&self) -> bool {
        self.class == Class::SuccessResponse
    }
}

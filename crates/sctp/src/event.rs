//! Events returned by `poll_event`.

use crate::error::CloseReason;

/// A reassembled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Stream id.
    pub stream_id: u16,
    /// Payload protocol identifier.
    pub ppid: u32,
    /// Delivered unordered.
    pub unordered: bool,
    /// The data.
    pub data: Vec<u8>,
}

/// Something the application should know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The association is established (RFC 9260 §5.1).
    Connected,
    /// A message arrived.
    Message(Message),
    /// The peer reset these incoming streams (RFC 6525 §5.2.2): their SSNs restart at 0.
    IncomingStreamsReset(Vec<u16>),
    /// Our outgoing reset of these streams completed (RFC 6525 §5.2.3).
    OutgoingStreamsReset(Vec<u16>),
    /// A stream's buffered amount fell to or below its low threshold.
    BufferedAmountLow(u16),
    /// The peer reported an error cause (RFC 9260 §3.3.10) in an ERROR chunk.
    PeerError(u16),
    /// The association is closed; no more events follow except undelivered ones.
    Closed(CloseReason),
}

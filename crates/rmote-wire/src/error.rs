//! The one error type of this crate.

use std::io;

/// What can go wrong reading, writing or decoding frames and messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A frame header announced a body larger than the configured maximum.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The announced body length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A message (reassembled or decompressed) grew past the configured maximum.
    #[error("message of at least {len} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge {
        /// How large the message was at least.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A frame header had reserved flag bits set.
    #[error("frame header has reserved flag bits set ({0:#04x})")]
    ReservedFlags(u8),
    /// The fragments of one message disagreed on whether it is compressed.
    #[error("fragments of one message disagree on compression")]
    MixedCompression,
    /// A compressed body could not be inflated.
    #[error("compressed message body is corrupt")]
    Corrupt,
    /// The input ended inside a frame.
    #[error("input ended inside a frame ({0} bytes of it received)")]
    Truncated(usize),
    /// A body could not be encoded as msgpack.
    #[error("cannot encode message body")]
    Encode(#[source] rmp_serde::encode::Error),
    /// A body was not the msgpack this protocol expects.
    #[error("cannot decode message body")]
    Decode(#[source] rmp_serde::decode::Error),
    /// Reading or writing the underlying stream failed.
    #[error("frame i/o failed")]
    Io(#[from] io::Error),
}

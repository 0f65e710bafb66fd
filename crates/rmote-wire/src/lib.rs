//! Frames, codec and message bodies of the rmote protocol.
//!
//! This crate knows the bytes on the wire and nothing of processes or tools:
//! a fixed 10-byte frame header, a tokio-util [`FrameCodec`] that refuses
//! oversized frames before allocating, [`Fragments`] and [`Assembler`] that
//! cut large messages into frames and put them back together (with optional
//! zlib), and the msgpack bodies as plain serde types. The normative
//! description is `docs/PROTOCOL.md` in the repository.
//!
//! ```
//! use bytes::BytesMut;
//! use rmote_wire::{Assembler, Compression, Fragments, FrameCodec, Kind, Message};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let body = rmote_wire::encode(&("hello", 42)).unwrap();
//! let mut codec = FrameCodec::new(16);
//! let mut wire = BytesMut::new();
//! for frame in Fragments::new(Message::new(Kind::OK, 1, body).compress(Compression::DEFAULT), 16) {
//!     codec.encode(frame, &mut wire).unwrap();
//! }
//!
//! let mut assembler = Assembler::new(1 << 20);
//! let mut message = None;
//! while let Some(frame) = codec.decode(&mut wire).unwrap() {
//!     message = assembler.push(frame).unwrap().or(message);
//! }
//! let message = message.unwrap().decompress(1 << 20).unwrap();
//! let (text, n): (String, u32) = rmote_wire::decode(&message.body).unwrap();
//! assert_eq!((text.as_str(), n), ("hello", 42));
//! ```
//!
//! The public interface is:

mod body;
mod codec;
mod error;
mod frame;
mod message;

pub use body::{
    decode, decode_bin, encode, encode_sync, CallBody, Hello, LogRecord, PythonVersion,
    RemoteException,
};
pub use codec::FrameCodec;
pub use error::Error;
pub use frame::{Flags, Frame, Kind, DEFAULT_MAX_FRAME, DEFAULT_MAX_MESSAGE, HEADER_LEN};
pub use message::{Assembler, Compression, Fragments, Message};

/// The dynamic msgpack value: what any body decodes into when no Rust type
/// is given.
pub use rmpv::Value;

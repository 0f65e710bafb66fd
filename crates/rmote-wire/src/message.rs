//! Messages: whole bodies, cut into frames on the way out and reassembled on
//! the way in (PROTOCOL.md §2.1, §2.2).

use std::collections::HashMap;

use bytes::{Bytes, BytesMut};

use crate::frame::{Flags, Frame, Kind};
use crate::Error;

/// A whole message: a kind, an id and its complete body, which is a zlib
/// stream when `compressed` is set.
///
/// Compressing and inflating are separate steps ([`Message::compress`],
/// [`Message::decompress`]) so that a sender or receiver can do them outside
/// the task that owns the pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// What the message carries.
    pub kind: Kind,
    /// The call id, or 0.
    pub id: u32,
    /// The body, compressed or not.
    pub body: Bytes,
    /// Whether `body` is a zlib stream.
    pub compressed: bool,
}

impl Message {
    /// An uncompressed message of `kind` for call `id`.
    pub fn new(kind: Kind, id: u32, body: impl Into<Bytes>) -> Message {
        Message {
            kind,
            id,
            body: body.into(),
            compressed: false,
        }
    }

    /// This message compressed, when `policy` says it pays.
    #[must_use]
    pub fn compress(self, policy: Compression) -> Message {
        if self.compressed {
            return self;
        }
        match policy.apply(&self.body) {
            Some(packed) => Message {
                body: Bytes::from(packed),
                compressed: true,
                ..self
            },
            None => self,
        }
    }

    /// This message with its body inflated (at most `max_message` bytes).
    pub fn decompress(self, max_message: usize) -> Result<Message, Error> {
        if !self.compressed {
            return Ok(self);
        }
        Ok(Message {
            body: inflate(&self.body, max_message)?,
            compressed: false,
            ..self
        })
    }
}

/// When to compress a message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    /// Bodies shorter than this are never compressed; 0 turns compression off.
    pub threshold: usize,
}

impl Compression {
    /// Never compress.
    pub const OFF: Compression = Compression { threshold: 0 };

    /// Bodies of at least 4 KiB are considered.
    pub const DEFAULT: Compression = Compression { threshold: 4096 };

    /// Bodies longer than this are first judged by compressing a sample.
    const SAMPLE_ABOVE: usize = 64 * 1024;
    const SAMPLE_LEN: usize = 16 * 1024;

    /// The compressed form of `body`, when this policy says it pays.
    ///
    /// A compressed form is kept only when it is smaller than 7/8 of the
    /// original. Long bodies are judged on a sample first, so random or
    /// already-compressed data costs one small compression, not a full one.
    pub fn apply(self, body: &[u8]) -> Option<Vec<u8>> {
        if self.threshold == 0 || body.len() < self.threshold {
            return None;
        }
        if body.len() > Self::SAMPLE_ABOVE {
            let sample = &body[..Self::SAMPLE_LEN];
            if !pays(
                sample.len(),
                miniz_oxide::deflate::compress_to_vec_zlib(sample, 1).len(),
            ) {
                return None;
            }
        }
        let level = if body.len() > Self::SAMPLE_ABOVE {
            1
        } else {
            6
        };
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(body, level);
        pays(body.len(), packed.len()).then_some(packed)
    }
}

impl Default for Compression {
    fn default() -> Self {
        Compression::DEFAULT
    }
}

fn pays(original: usize, compressed: usize) -> bool {
    compressed < original - original / 8
}

/// The frames of one outgoing message, produced lazily by slicing its body.
///
/// Slicing is zero-copy, so a large message costs no more memory as frames
/// than it does whole; a sender can interleave other frames between these.
#[derive(Debug, Clone)]
pub struct Fragments {
    kind: Kind,
    id: u32,
    zlib: bool,
    rest: Bytes,
    max_frame: usize,
    done: bool,
}

impl Fragments {
    /// Prepares the frames of `message`, each with at most `max_frame` body
    /// bytes.
    pub fn new(message: Message, max_frame: usize) -> Fragments {
        Fragments {
            kind: message.kind,
            id: message.id,
            zlib: message.compressed,
            rest: message.body,
            max_frame: max_frame.max(1),
            done: false,
        }
    }

    /// The id of the message these frames carry.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Bytes of body not yet handed out as frames.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }
}

impl Iterator for Fragments {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        if self.done {
            return None;
        }
        let take = self.rest.len().min(self.max_frame);
        let body = self.rest.split_to(take);
        let more = !self.rest.is_empty();
        self.done = !more;
        Some(Frame {
            kind: self.kind,
            flags: Flags::NONE
                .with(Flags::ZLIB, self.zlib)
                .with(Flags::MORE, more),
            id: self.id,
            body,
        })
    }
}

/// Reassembles incoming frames into [`Message`]s (still compressed when they
/// were sent so; see [`Message::decompress`]).
///
/// At most one partial message is kept per `(kind, id)`, and the bytes held by
/// all partial messages together never exceed `max_message`.
#[derive(Debug)]
pub struct Assembler {
    max_message: usize,
    partial: HashMap<(Kind, u32), Partial>,
    held: usize,
}

#[derive(Debug)]
struct Partial {
    zlib: bool,
    chunks: Vec<Bytes>,
    len: usize,
}

impl Assembler {
    /// An assembler that accepts messages of at most `max_message` bytes.
    pub fn new(max_message: usize) -> Assembler {
        Assembler {
            max_message,
            partial: HashMap::new(),
            held: 0,
        }
    }

    /// Bytes held in partial messages.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Takes one frame; returns the message it completes, if any.
    pub fn push(&mut self, frame: Frame) -> Result<Option<Message>, Error> {
        let key = (frame.kind, frame.id);
        let zlib = frame.flags.contains(Flags::ZLIB);
        let more = frame.flags.contains(Flags::MORE);
        if !more && !self.partial.contains_key(&key) {
            return self
                .finish(frame.kind, frame.id, zlib, frame.body)
                .map(Some);
        }
        let held = self.held + frame.body.len();
        if held > self.max_message {
            return Err(Error::MessageTooLarge {
                len: held,
                max: self.max_message,
            });
        }
        self.held = held;
        let partial = self.partial.entry(key).or_insert_with(|| Partial {
            zlib,
            chunks: Vec::new(),
            len: 0,
        });
        if partial.zlib != zlib {
            return Err(Error::MixedCompression);
        }
        partial.len += frame.body.len();
        partial.chunks.push(frame.body);
        if more {
            return Ok(None);
        }
        let partial = self.partial.remove(&key).expect("entry exists");
        self.held -= partial.len;
        // One copy into a buffer of the exact size: no regrowth.
        let mut body = BytesMut::with_capacity(partial.len);
        for chunk in &partial.chunks {
            body.extend_from_slice(chunk);
        }
        self.finish(frame.kind, frame.id, zlib, body.freeze())
            .map(Some)
    }

    fn finish(&self, kind: Kind, id: u32, zlib: bool, body: Bytes) -> Result<Message, Error> {
        if body.len() > self.max_message {
            return Err(Error::MessageTooLarge {
                len: body.len(),
                max: self.max_message,
            });
        }
        Ok(Message {
            kind,
            id,
            body,
            compressed: zlib,
        })
    }
}

fn inflate(body: &[u8], max: usize) -> Result<Bytes, Error> {
    use miniz_oxide::inflate::TINFLStatus;
    match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(body, max) {
        Ok(out) => Ok(Bytes::from(out)),
        Err(err) if err.status == TINFLStatus::HasMoreOutput => Err(Error::MessageTooLarge {
            len: max.saturating_add(1),
            max,
        }),
        Err(_) => Err(Error::Corrupt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(body: Vec<u8>, compression: Compression, max_frame: usize) -> (usize, Message) {
        let msg = Message::new(Kind::OK, 7, body).compress(compression);
        let frames: Vec<Frame> = Fragments::new(msg, max_frame).collect();
        let mut asm = Assembler::new(1 << 20);
        let mut out = None;
        for (i, f) in frames.iter().enumerate() {
            assert!(f.body.len() <= max_frame);
            let got = asm.push(f.clone()).unwrap();
            assert_eq!(got.is_some(), i == frames.len() - 1);
            out = got;
        }
        assert_eq!(asm.held(), 0);
        (frames.len(), out.unwrap().decompress(1 << 20).unwrap())
    }

    #[test]
    fn small_bodies_are_one_frame_and_uncompressed() {
        let (n, msg) = roundtrip(b"hello".to_vec(), Compression::DEFAULT, 16);
        assert_eq!(n, 1);
        assert_eq!(&msg.body[..], b"hello");
    }

    #[test]
    fn empty_body_is_one_frame() {
        let (n, msg) = roundtrip(Vec::new(), Compression::DEFAULT, 16);
        assert_eq!(n, 1);
        assert!(msg.body.is_empty());
    }

    #[test]
    fn large_bodies_fragment_and_reassemble() {
        let body: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let (n, msg) = roundtrip(body.clone(), Compression::OFF, 1000);
        assert_eq!(n, 10);
        assert_eq!(&msg.body[..], &body[..]);
    }

    #[test]
    fn compressible_bodies_are_compressed() {
        let body = b"line of text\n".repeat(1000);
        let frames: Vec<Frame> = Fragments::new(
            Message::new(Kind::OK, 1, body.clone()).compress(Compression::DEFAULT),
            1 << 16,
        )
        .collect();
        assert_eq!(frames.len(), 1);
        assert!(frames[0].flags.contains(Flags::ZLIB));
        assert!(frames[0].body.len() < body.len() / 10);
        let (_, msg) = roundtrip(body.clone(), Compression::DEFAULT, 100);
        assert_eq!(msg.body, body);
    }

    #[test]
    fn incompressible_bodies_are_sent_as_they_are() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let body: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert_eq!(Compression::DEFAULT.apply(&body), None);
        assert_eq!(Compression::DEFAULT.apply(&body[..5000]), None);
    }

    #[test]
    fn compression_off_and_below_threshold() {
        let body = vec![0u8; 100_000];
        assert_eq!(Compression::OFF.apply(&body), None);
        assert_eq!(Compression { threshold: 200_000 }.apply(&body), None);
        assert!(Compression::DEFAULT.apply(&body).is_some());
    }

    #[test]
    fn interleaved_messages_reassemble_independently() {
        let a: Vec<Frame> = Fragments::new(Message::new(Kind::OK, 1, vec![1u8; 25]), 10).collect();
        let b: Vec<Frame> = Fragments::new(Message::new(Kind::OK, 2, vec![2u8; 25]), 10).collect();
        let mut asm = Assembler::new(1000);
        let mut done = Vec::new();
        for (fa, fb) in a.into_iter().zip(b) {
            done.extend(asm.push(fa).unwrap());
            done.extend(asm.push(fb).unwrap());
        }
        assert_eq!(done.len(), 2);
        assert_eq!(done[0].body, vec![1u8; 25]);
        assert_eq!(done[1].body, vec![2u8; 25]);
    }

    #[test]
    fn partial_messages_are_bounded_together() {
        let mut asm = Assembler::new(100);
        let part = |id| Frame {
            kind: Kind::OK,
            flags: Flags::MORE,
            id,
            body: Bytes::from(vec![0u8; 40]),
        };
        asm.push(part(1)).unwrap();
        asm.push(part(2)).unwrap();
        assert!(matches!(
            asm.push(part(3)),
            Err(Error::MessageTooLarge { len: 120, max: 100 })
        ));
    }

    #[test]
    fn a_single_frame_message_is_bounded() {
        let mut asm = Assembler::new(10);
        let err = asm
            .push(Frame::new(Kind::OK, 1, vec![0u8; 11]))
            .unwrap_err();
        assert!(matches!(err, Error::MessageTooLarge { len: 11, max: 10 }));
    }

    #[test]
    fn decompression_is_bounded() {
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 1 << 20], 9);
        let mut asm = Assembler::new(4096);
        let frame = Frame {
            kind: Kind::OK,
            flags: Flags::ZLIB,
            id: 1,
            body: Bytes::from(bomb),
        };
        let msg = asm.push(frame).unwrap().unwrap();
        assert!(msg.compressed);
        assert!(matches!(
            msg.decompress(4096),
            Err(Error::MessageTooLarge { .. })
        ));
    }

    #[test]
    fn corrupt_zlib_is_an_error() {
        let mut asm = Assembler::new(4096);
        let frame = Frame {
            kind: Kind::OK,
            flags: Flags::ZLIB,
            id: 1,
            body: Bytes::from_static(b"not zlib at all"),
        };
        let msg = asm.push(frame).unwrap().unwrap();
        assert!(matches!(msg.decompress(4096), Err(Error::Corrupt)));
    }

    #[test]
    fn mixed_compression_is_an_error() {
        let mut asm = Assembler::new(4096);
        let first = Frame {
            kind: Kind::OK,
            flags: Flags::MORE,
            id: 1,
            body: Bytes::from_static(b"abc"),
        };
        let second = Frame {
            kind: Kind::OK,
            flags: Flags::ZLIB,
            id: 1,
            body: Bytes::from_static(b"def"),
        };
        asm.push(first).unwrap();
        assert!(matches!(asm.push(second), Err(Error::MixedCompression)));
    }
}

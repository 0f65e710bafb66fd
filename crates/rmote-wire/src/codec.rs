//! The tokio-util codec that cuts a byte stream into [`Frame`]s and back.

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::frame::{Flags, Frame, Kind, DEFAULT_MAX_FRAME, HEADER_LEN};
use crate::Error;

/// Encodes and decodes frames, refusing bodies longer than `max_frame`.
///
/// The decoder checks the announced length before it reserves memory for the
/// body, returns `Ok(None)` on a partial frame, and never panics on input.
#[derive(Debug, Clone)]
pub struct FrameCodec {
    max_frame: usize,
}

impl FrameCodec {
    /// A codec that accepts frame bodies of at most `max_frame` bytes.
    pub fn new(max_frame: usize) -> FrameCodec {
        FrameCodec { max_frame }
    }

    /// The largest body this codec accepts or sends.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }
}

impl Default for FrameCodec {
    fn default() -> Self {
        FrameCodec::new(DEFAULT_MAX_FRAME)
    }
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        if src.len() < HEADER_LEN {
            src.reserve(HEADER_LEN - src.len());
            return Ok(None);
        }
        let len = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
        if len > self.max_frame {
            return Err(Error::FrameTooLarge {
                len,
                max: self.max_frame,
            });
        }
        let flags = Flags::from_bits(src[5]).ok_or(Error::ReservedFlags(src[5]))?;
        let total = HEADER_LEN + len;
        if src.len() < total {
            src.reserve(total - src.len());
            return Ok(None);
        }
        let kind = Kind(src[4]);
        let id = u32::from_be_bytes([src[6], src[7], src[8], src[9]]);
        src.advance(HEADER_LEN);
        let body = src.split_to(len).freeze();
        Ok(Some(Frame {
            kind,
            flags,
            id,
            body,
        }))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => Err(Error::Truncated(src.len())),
        }
    }
}

impl Encoder<Frame> for FrameCodec {
    type Error = Error;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), Error> {
        encode_into(&frame, self.max_frame, dst)
    }
}

impl Encoder<&Frame> for FrameCodec {
    type Error = Error;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), Error> {
        encode_into(frame, self.max_frame, dst)
    }
}

fn encode_into(frame: &Frame, max_frame: usize, dst: &mut BytesMut) -> Result<(), Error> {
    let len = frame.body.len();
    if len > max_frame {
        return Err(Error::FrameTooLarge {
            len,
            max: max_frame,
        });
    }
    dst.reserve(HEADER_LEN + len);
    dst.put_u32(len as u32);
    dst.put_u8(frame.kind.0);
    dst.put_u8(frame.flags.bits());
    dst.put_u32(frame.id);
    dst.put_slice(&frame.body);
    Ok(())
}

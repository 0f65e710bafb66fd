//! Frames waiting to be written, as chunks for vectored writes.
//!
//! Small frames are copied together into one staging buffer (one chunk for
//! many frames); a large frame body is queued as it is, a slice of the
//! message, so bulk data is never copied on its way to the pipe.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use rmote_wire::{Frame, HEADER_LEN};

/// Bodies up to this size are copied into the staging buffer.
const COPY_BELOW: usize = 16 * 1024;

/// Chunks handed to one vectored write.
pub(crate) const MAX_SLICES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Outbox {
    chunks: VecDeque<Bytes>,
    staging: BytesMut,
    queued: usize,
}

impl Outbox {
    /// Bytes waiting to be written.
    pub(crate) fn len(&self) -> usize {
        self.queued
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Queues one frame.
    pub(crate) fn push(&mut self, frame: Frame) {
        let len = frame.body.len();
        self.queued += HEADER_LEN + len;
        self.staging.reserve(HEADER_LEN);
        self.staging.put_u32(len as u32);
        self.staging.put_u8(frame.kind.0);
        self.staging.put_u8(frame.flags.bits());
        self.staging.put_u32(frame.id);
        if len < COPY_BELOW {
            self.staging.extend_from_slice(&frame.body);
        } else {
            self.seal();
            self.chunks.push_back(frame.body);
        }
    }

    /// Fills `slices` with the next chunks to write; returns how many.
    pub(crate) fn slices<'a>(&'a mut self, slices: &mut [IoSlice<'a>; MAX_SLICES]) -> usize {
        self.seal();
        let mut n = 0;
        for chunk in self.chunks.iter().take(MAX_SLICES) {
            slices[n] = IoSlice::new(chunk);
            n += 1;
        }
        n
    }

    /// Drops `written` bytes from the front.
    pub(crate) fn advance(&mut self, mut written: usize) {
        self.queued -= written;
        while written > 0 {
            let front = self
                .chunks
                .front_mut()
                .expect("wrote no more than was queued");
            if written >= front.len() {
                written -= front.len();
                self.chunks.pop_front();
            } else {
                front.advance(written);
                written = 0;
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.chunks.clear();
        self.staging.clear();
        self.queued = 0;
    }

    fn seal(&mut self) {
        if !self.staging.is_empty() {
            self.chunks.push_back(self.staging.split().freeze());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmote_wire::{FrameCodec, Kind};
    use tokio_util::codec::Encoder;

    /// Writes the outbox out in pieces of `step` bytes, as a pipe might.
    fn drain(outbox: &mut Outbox, step: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while !outbox.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = outbox.slices(&mut slices);
            let mut budget = step;
            let mut wrote = 0;
            for s in &slices[..n] {
                let take = s.len().min(budget);
                out.extend_from_slice(&s[..take]);
                budget -= take;
                wrote += take;
                if budget == 0 {
                    break;
                }
            }
            outbox.advance(wrote);
        }
        out
    }

    #[test]
    fn bytes_match_the_codec_for_small_and_large_frames() {
        let frames = vec![
            Frame::new(Kind::CALL, 1, vec![1u8; 10]),
            Frame::new(Kind::CALL, 2, vec![2u8; 40_000]),
            Frame::new(Kind::CANCEL, 3, Vec::new()),
            Frame::new(Kind::CALL, 4, vec![4u8; 100]),
        ];
        let mut expected = BytesMut::new();
        let mut codec = FrameCodec::new(1 << 20);
        for f in &frames {
            codec.encode(f, &mut expected).unwrap();
        }
        for step in [1, 7, 4096, 1 << 20] {
            let mut outbox = Outbox::default();
            for f in frames.clone() {
                outbox.push(f);
            }
            assert_eq!(outbox.len(), expected.len());
            assert_eq!(drain(&mut outbox, step), expected.to_vec(), "step {step}");
            assert_eq!(outbox.len(), 0);
        }
    }

    #[test]
    fn a_large_body_is_not_copied() {
        let body = Bytes::from(vec![9u8; 100_000]);
        let mut outbox = Outbox::default();
        outbox.push(Frame::new(Kind::CALL, 1, body.clone()));
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let n = outbox.slices(&mut slices);
        assert_eq!(n, 2);
        assert_eq!(slices[1].as_ptr(), body.as_ptr());
    }
}

//! Reading frames from the remote's output.
//!
//! tokio-util's `FramedRead` cannot start from bytes already read (the ones
//! after the readiness line), so this small reader does the same job with a
//! buffer it is handed. It also reads in large chunks, which matters for bulk
//! transfers.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use rmote_wire::{Frame, FrameCodec};
use tokio::io::AsyncRead;
use tokio_util::codec::Decoder;

/// Spare capacity kept in the buffer before each read.
const READ_CHUNK: usize = 256 * 1024;

pub(crate) struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
    codec: FrameCodec,
    eof: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// A reader that first decodes `buffered`, then reads from `inner`.
    pub(crate) fn new(inner: R, codec: FrameCodec, buffered: BytesMut) -> FrameReader<R> {
        FrameReader {
            inner,
            buf: buffered,
            codec,
            eof: false,
        }
    }

    /// The next frame; `None` at a clean end of input.
    pub(crate) fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame, rmote_wire::Error>>> {
        loop {
            if self.eof {
                return Poll::Ready(self.codec.decode_eof(&mut self.buf).transpose());
            }
            match self.codec.decode(&mut self.buf) {
                Ok(Some(frame)) => return Poll::Ready(Some(Ok(frame))),
                Ok(None) => {}
                Err(err) => return Poll::Ready(Some(Err(err))),
            }
            if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
                self.buf.reserve(READ_CHUNK);
            }
            match tokio_util::io::poll_read_buf(Pin::new(&mut self.inner), cx, &mut self.buf) {
                Poll::Ready(Ok(0)) => self.eof = true,
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(err)) => return Poll::Ready(Some(Err(err.into()))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Waits for the next frame.
    pub(crate) async fn next(&mut self) -> Option<Result<Frame, rmote_wire::Error>> {
        std::future::poll_fn(|cx| self.poll_frame(cx)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmote_wire::Kind;
    use tokio_util::codec::Encoder;

    #[tokio::test]
    async fn buffered_bytes_come_first_then_the_stream() {
        let mut codec = FrameCodec::default();
        let mut first = BytesMut::new();
        codec
            .encode(Frame::new(Kind::HELLO, 0, &b"h"[..]), &mut first)
            .unwrap();
        let mut second = BytesMut::new();
        codec
            .encode(Frame::new(Kind::OK, 1, &b"v"[..]), &mut second)
            .unwrap();
        // Half of the second frame is already buffered.
        first.extend_from_slice(&second[..4]);
        let rest = second[4..].to_vec();
        let mut reader = FrameReader::new(&rest[..], FrameCodec::default(), first);
        assert_eq!(reader.next().await.unwrap().unwrap().kind, Kind::HELLO);
        assert_eq!(reader.next().await.unwrap().unwrap().id, 1);
        assert!(reader.next().await.is_none());
    }

    #[tokio::test]
    async fn truncated_input_is_an_error() {
        let mut reader = FrameReader::new(
            &[0u8, 0, 0, 9, 5][..],
            FrameCodec::default(),
            BytesMut::new(),
        );
        assert!(matches!(
            reader.next().await,
            Some(Err(rmote_wire::Error::Truncated(5)))
        ));
    }
}

//! The decoder fed by scripted reads: split frames, many frames per read,
//! truncated input and oversized frames.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use rmote_wire::{Error, Flags, Frame, FrameCodec, Kind};
use tokio_util::codec::{Encoder, FramedRead};

fn frame(id: u32, body: &'static [u8]) -> Frame {
    Frame::new(Kind::OK, id, Bytes::from_static(body))
}

fn wire(frames: &[Frame]) -> Vec<u8> {
    let mut codec = FrameCodec::default();
    let mut out = BytesMut::new();
    for f in frames {
        codec.encode(f, &mut out).unwrap();
    }
    out.to_vec()
}

/// Feeds `bytes` to a `FramedRead` in the given chunk sizes and collects what
/// it yields, errors included.
#[track_caller]
fn decode_in_chunks(
    bytes: &[u8],
    chunks: &[usize],
    max_frame: usize,
) -> Vec<Result<Frame, String>> {
    let mut builder = tokio_test_reader(bytes, chunks);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut framed = FramedRead::new(&mut builder, FrameCodec::new(max_frame));
        let mut out = Vec::new();
        while let Some(item) = framed.next().await {
            let failed = item.is_err();
            out.push(item.map_err(|e| e.to_string()));
            if failed {
                break;
            }
        }
        out
    })
}

/// An `AsyncRead` that returns the input in the scripted chunk sizes (the
/// last size repeats).
fn tokio_test_reader(bytes: &[u8], chunks: &[usize]) -> ChunkedReader {
    ChunkedReader {
        data: bytes.to_vec(),
        pos: 0,
        chunks: chunks.to_vec(),
        turn: 0,
    }
}

struct ChunkedReader {
    data: Vec<u8>,
    pos: usize,
    chunks: Vec<usize>,
    turn: usize,
}

impl tokio::io::AsyncRead for ChunkedReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        let size = this.chunks[this.turn.min(this.chunks.len() - 1)];
        this.turn += 1;
        let n = size.min(buf.remaining()).min(this.data.len() - this.pos);
        buf.put_slice(&this.data[this.pos..this.pos + n]);
        this.pos += n;
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn a_frame_split_across_reads() {
    let bytes = wire(&[frame(1, b"hello world")]);
    for size in 1..bytes.len() {
        let got = decode_in_chunks(&bytes, &[size], 1024);
        assert_eq!(got, vec![Ok(frame(1, b"hello world"))], "chunk size {size}");
    }
}

#[test]
fn many_frames_in_one_read() {
    let frames = [frame(1, b"a"), frame(2, b""), frame(3, b"ccc")];
    let bytes = wire(&frames);
    let got = decode_in_chunks(&bytes, &[bytes.len()], 1024);
    assert_eq!(got, frames.iter().cloned().map(Ok).collect::<Vec<_>>());
}

#[test]
fn header_split_in_odd_places() {
    let frames = [frame(1, b"abc"), frame(2, b"defgh")];
    let bytes = wire(&frames);
    let got = decode_in_chunks(&bytes, &[3, 9, 1, 4, 100], 1024);
    assert_eq!(got, frames.iter().cloned().map(Ok).collect::<Vec<_>>());
}

#[test]
fn truncated_header_at_eof() {
    let mut bytes = wire(&[frame(1, b"abc")]);
    bytes.extend_from_slice(&[0, 0, 0]);
    let got = decode_in_chunks(&bytes, &[4], 1024);
    assert_eq!(got[0], Ok(frame(1, b"abc")));
    assert_eq!(
        got[1],
        Err("input ended inside a frame (3 bytes of it received)".into())
    );
}

#[test]
fn truncated_body_at_eof() {
    let bytes = wire(&[frame(9, b"0123456789")]);
    let got = decode_in_chunks(&bytes[..bytes.len() - 4], &[5], 1024);
    assert_eq!(
        got,
        vec![Err(
            "input ended inside a frame (16 bytes of it received)".into()
        )]
    );
}

#[test]
fn oversized_frame_is_refused_before_its_body_arrives() {
    // Only the header is sent: the refusal must not wait for (or allocate) the body.
    let mut header = vec![0x7f, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 1];
    let got = decode_in_chunks(&header, &[10], 1024);
    assert_eq!(
        got,
        vec![Err(
            "frame of 2147483647 bytes exceeds the limit of 1024 bytes".into()
        )]
    );
    header[0] = 0;
    header[1] = 0;
    header[2] = 0x04;
    header[3] = 0x01;
    let got = decode_in_chunks(&header, &[10], 1024);
    assert_eq!(
        got,
        vec![Err(
            "frame of 1025 bytes exceeds the limit of 1024 bytes".into()
        )]
    );
}

#[test]
fn reserved_flags_are_refused() {
    let bytes = [0, 0, 0, 0, 5, 0x80, 0, 0, 0, 1];
    let got = decode_in_chunks(&bytes, &[10], 1024);
    assert_eq!(
        got,
        vec![Err("frame header has reserved flag bits set (0x80)".into())]
    );
}

#[test]
fn encoder_refuses_oversized_frames() {
    let mut codec = FrameCodec::new(4);
    let err = codec
        .encode(frame(1, b"12345"), &mut BytesMut::new())
        .unwrap_err();
    assert!(matches!(err, Error::FrameTooLarge { len: 5, max: 4 }));
}

#[test]
fn flags_and_ids_survive() {
    let f = Frame {
        kind: Kind(200),
        flags: Flags::ZLIB.with(Flags::MORE, true),
        id: u32::MAX,
        body: Bytes::from_static(b"x"),
    };
    let bytes = wire(std::slice::from_ref(&f));
    assert_eq!(&bytes[..10], &[0, 0, 0, 1, 200, 3, 255, 255, 255, 255]);
    assert_eq!(decode_in_chunks(&bytes, &[2], 1024), vec![Ok(f)]);
}

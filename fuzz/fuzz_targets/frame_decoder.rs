//! Raw bytes from a hostile remote through the frame decoder and the
//! reassembler: any input may be refused, none may panic or allocate past
//! the limits.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rmote_wire::{Assembler, FrameCodec};
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    // The first byte picks how the input is split into reads.
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(split % 64) + 1;
    let mut codec = FrameCodec::new(4096);
    let mut assembler = Assembler::new(64 * 1024);
    let mut buf = BytesMut::new();
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    assert!(frame.body.len() <= 4096);
                    match assembler.push(frame) {
                        Ok(Some(message)) => {
                            if let Ok(message) = message.decompress(64 * 1024) {
                                assert!(message.body.len() <= 64 * 1024);
                            }
                        }
                        Ok(None) => {}
                        Err(_) => return,
                    }
                    assert!(assembler.held() <= 64 * 1024);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = codec.decode_eof(&mut buf);
});

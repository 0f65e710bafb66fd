//! Property tests: whatever is encoded decodes to the same thing.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rmote_wire::{Assembler, Compression, Fragments, Frame, FrameCodec, Kind, Message, Value};
use tokio_util::codec::{Decoder, Encoder};

fn arb_frame() -> impl Strategy<Value = Frame> {
    (
        any::<u8>(),
        0u8..4,
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(kind, flags, id, body)| Frame {
            kind: Kind(kind),
            flags: rmote_wire::Flags::from_bits(flags).unwrap(),
            id,
            body: Bytes::from(body),
        })
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |f| !f.is_nan())
            .prop_map(Value::from),
        ".*".prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((".{0,8}".prop_map(Value::from), inner), 0..8)
                .prop_map(Value::Map),
        ]
    })
}

proptest! {
    #[test]
    fn frames_roundtrip(frames in proptest::collection::vec(arb_frame(), 0..20)) {
        let mut codec = FrameCodec::new(300);
        let mut buf = BytesMut::new();
        for f in &frames {
            codec.encode(f, &mut buf).unwrap();
        }
        let mut got = Vec::new();
        while let Some(f) = codec.decode(&mut buf).unwrap() {
            got.push(f);
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn messages_roundtrip(
        body in proptest::collection::vec(0u8..4, 0..20_000),
        max_frame in 1usize..5000,
        threshold in prop_oneof![Just(0usize), 1usize..10_000],
    ) {
        let msg = Message::new(Kind::OK, 3, body);
        let mut asm = Assembler::new(1 << 20);
        let mut out = None;
        for f in Fragments::new(msg.clone().compress(Compression { threshold }), max_frame) {
            prop_assert!(f.body.len() <= max_frame);
            prop_assert!(out.is_none());
            out = asm.push(f).unwrap();
        }
        prop_assert_eq!(out.map(|m| m.decompress(1 << 20).unwrap()), Some(msg));
    }

    #[test]
    fn values_roundtrip(value in arb_value()) {
        let body = rmote_wire::encode(&value).unwrap();
        let back: Value = rmote_wire::decode(&body).unwrap();
        prop_assert_eq!(back, value);
    }
}

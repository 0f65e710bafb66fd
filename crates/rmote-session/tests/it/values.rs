//! How values map between Python and Rust (PROTOCOL.md §5).

use std::collections::HashMap;

use rmote_session::Value;
use serde::Deserialize;

use crate::common::{connect, probe};

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Inner {
    name: String,
    #[serde(with = "serde_bytes")]
    data: Vec<u8>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Outer {
    id: u64,
    color: Color,
    level: u8,
    inner: Inner,
    tags: Vec<String>,
    extra: HashMap<String, f64>,
    maybe: Option<String>,
    pair: (u8, String),
}

#[tokio::test]
async fn dataclasses_arrive_as_structs_by_field_name() {
    let conn = connect().await;
    if conn.remote_info().python.minor < 7 {
        return; // dataclasses exist from Python 3.7 on
    }
    let got: Outer = conn.call(probe("records")).await.unwrap();
    assert_eq!(
        got,
        Outer {
            id: 7,
            color: Color::Green,
            level: 2,
            inner: Inner {
                name: "n".into(),
                data: vec![0, 255]
            },
            tags: vec!["a".into(), "b".into()],
            extra: HashMap::from([("k".to_string(), 1.5)]),
            maybe: None,
            pair: (1, "two".into()),
        }
    );
}

#[tokio::test]
async fn namedtuples_sets_paths_and_buffers() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Point {
        x: i32,
        y: i32,
    }
    let conn = connect().await;
    let p: Point = conn.call(probe("namedtuple")).await.unwrap();
    assert_eq!(p, Point { x: 1, y: 2 });
    let misc: Value = conn.call(probe("misc")).await.unwrap();
    assert_eq!(
        misc["set"],
        Value::Array(vec![1.into(), 2.into(), 3.into()])
    );
    assert_eq!(misc["frozen"], Value::Array(vec!["a".into(), "b".into()]));
    assert_eq!(misc["path"], Value::from("/tmp/x"));
    assert_eq!(misc["bytearray"], Value::Binary(b"ab".to_vec()));
    assert_eq!(misc["memoryview"], Value::Binary(b"cd".to_vec()));
    assert_eq!(misc["big"], Value::from(u64::MAX));
    assert_eq!(misc["neg"], Value::from(i64::MIN));
    assert_eq!(misc["float"], Value::from(0.5));
}

#[tokio::test]
async fn values_round_trip_through_python() {
    let conn = connect().await;
    let cases = [
        Value::Nil,
        Value::Boolean(false),
        Value::from(-1),
        Value::from(-33),
        Value::from(-200),
        Value::from(-40_000),
        Value::from(-3_000_000_000i64),
        Value::from(255),
        Value::from(65_535),
        Value::from(4_000_000_000u64),
        Value::from(u64::MAX),
        Value::from(1.25),
        Value::from(""),
        Value::from("é".repeat(40)),
        Value::from("x".repeat(70_000)),
        Value::Binary(vec![1; 300]),
        Value::Binary(vec![2; 70_000]),
        Value::Array((0..20).map(Value::from).collect()),
        Value::Map(
            (0..20)
                .map(|i| (Value::from(i), Value::from(i * 2)))
                .collect(),
        ),
    ];
    for case in cases {
        let back: Value = conn.call(probe("echo").arg(&case)).await.unwrap();
        assert_eq!(back, case);
    }
    // Python names the types it received.
    for (value, name) in [
        (Value::Nil, "NoneType"),
        (Value::from(1), "int"),
        (Value::F32(1.5), "float"),
        (Value::from("s"), "str"),
        (Value::Binary(vec![]), "bytes"),
        (Value::Array(vec![]), "list"),
        (Value::Map(vec![]), "dict"),
    ] {
        let got: String = conn.call(probe("types").arg(&value)).await.unwrap();
        assert_eq!(got, name);
    }
}

#[tokio::test]
async fn an_unencodable_result_is_an_error_for_that_call_only() {
    let conn = connect().await;
    let err = conn.call(probe::<Value>("unencodable")).await.unwrap_err();
    let remote = err.remote().expect("remote error");
    assert!(remote.is_instance("TypeError"));
    assert_eq!(
        remote.message(),
        "cannot encode a value of type builtins.object at result['bad'][1]"
    );
    let err = conn.call(probe::<Value>("huge_int")).await.unwrap_err();
    assert!(err.to_string().contains("does not fit in 64 bits"), "{err}");
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn a_result_of_the_wrong_shape_is_a_decode_error() {
    let conn = connect().await;
    let err = conn
        .call(probe::<u32>("echo").arg("text"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, rmote_session::Error::Decode { .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "cannot decode the result of Probe.echo");
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn an_argument_the_remote_cannot_decode_fails_that_call_only() {
    let conn = connect().await;
    let ext = Value::Ext(5, vec![1, 2, 3]);
    let err = conn
        .call(probe::<Value>("echo").arg(&ext))
        .await
        .unwrap_err();
    let remote = err.remote().expect("remote error");
    assert_eq!(remote.short_type_name(), "ProtocolError");
    assert!(
        remote.message().contains("extension types"),
        "{}",
        remote.message()
    );
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

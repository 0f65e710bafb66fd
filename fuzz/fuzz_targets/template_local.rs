//! Arbitrary UTF-8 prepared and rendered by the local renderer, with a small
//! context of every kind of value: a render may fail (a Python exception,
//! "not supported locally"), but never panic, never stall, and the same
//! template with the same context always gives the same answer.
//!
//! Built with `--cfg fuzzing`, the renderer's work limits are lowered
//! (100,000 loop steps, sequences of 65,536 items) so that one execution
//! stays fast and small.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use rmote_template::{LocalTemplate, Template};
use serde::Serialize;

#[derive(Serialize)]
struct Host {
    name: &'static str,
    port: u16,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct Context {
    items: Vec<i64>,
    words: Vec<&'static str>,
    hosts: Vec<Host>,
    flags: BTreeMap<&'static str, bool>,
    name: &'static str,
    n: i64,
    big: i64,
    ratio: f64,
    nothing: Option<u8>,
    #[serde(with = "serde_bytes_like")]
    raw: Vec<u8>,
}

/// Bytes as msgpack bin (what `serde_bytes` does), without the dependency.
mod serde_bytes_like {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
}

fn context() -> Context {
    Context {
        items: vec![3, -1, 4, 1, 5, 9, 2, 6],
        words: vec!["alpha", "Beta", "straße", "ΣΑΣ", ""],
        hosts: vec![
            Host {
                name: "web1",
                port: 80,
                tags: vec!["a", "b"],
            },
            Host {
                name: "db",
                port: 5432,
                tags: vec![],
            },
        ],
        flags: [("tls", true), ("debug", false)].into_iter().collect(),
        name: "rmote",
        n: 7,
        big: i64::MAX,
        ratio: 0.1,
        nothing: None,
        raw: b"\x00\xffbytes".to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::parse(source) else {
        return;
    };
    let local = match LocalTemplate::new(&template) {
        Ok(local) => local,
        Err(err) => {
            let span = err.span();
            assert!(span.offset + span.len <= source.len(), "{err}");
            let _ = format!("{err:#}");
            return;
        }
    };
    let context = context();
    let first = local.render(&context);
    if let Err(err) = &first {
        let span = err.span();
        assert!(span.offset + span.len <= source.len(), "{err}");
        let _ = format!("{err:#}");
    }
    let second = local.render(&context);
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "two renders differ"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "two errors differ"),
        _ => panic!("one render failed, the other did not: {first:?} / {second:?}"),
    }
});

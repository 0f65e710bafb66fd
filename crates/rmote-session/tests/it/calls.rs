//! Calls: concurrency, tool loading, the tool model.

use std::sync::Arc;

use futures_util::future::try_join_all;
use rmote_session::{Call, Tool, Value};

use crate::common::{connect, probe, DERIVED, PROBE};

#[tokio::test]
async fn many_concurrent_calls_on_one_connection() {
    let conn = connect().await;
    let calls = (0..1000).map(|i| conn.call(probe::<i64>("echo").arg(&i)));
    let results = try_join_all(calls).await.unwrap();
    assert_eq!(results, (0..1000).collect::<Vec<i64>>());
    let calls = (0..200).map(|i| conn.call(probe::<String>("aecho").arg(&format!("a{i}"))));
    let results = try_join_all(calls).await.unwrap();
    assert_eq!(results[199], "a199");
}

#[tokio::test]
async fn concurrent_first_calls_send_one_sync_and_run_the_source_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("loads");
    let source = format!(
        "with open({:?}, 'a') as f:\n    f.write('loaded\\n')\n\nclass Counted:\n    @staticmethod\n    def one():\n        return 1\n",
        log.to_str().unwrap()
    );
    let tool = Arc::new(Tool::from_source("Counted", source));
    let conn = connect().await;
    let calls = (0..20).map(|_| conn.call(Call::<u8>::new(&tool, "one")));
    try_join_all(calls).await.unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "loaded\n");
    assert_eq!(conn.syncs_sent(), 1);
    conn.call(Call::<u8>::new(&tool, "one")).await.unwrap();
    assert_eq!(conn.syncs_sent(), 1);
}

#[tokio::test]
async fn same_class_name_in_two_tools_never_collides() {
    let a = Arc::new(Tool::from_source(
        "Same",
        "class Same:\n    @staticmethod\n    def which():\n        return 'a'\n",
    ));
    let b = Arc::new(Tool::from_source(
        "Same",
        "class Same:\n    @staticmethod\n    def which():\n        return 'b'\n",
    ));
    let conn = connect().await;
    let (x, y) = tokio::try_join!(
        conn.call(Call::<String>::new(&a, "which")),
        conn.call(Call::<String>::new(&b, "which")),
    )
    .unwrap();
    assert_eq!((x.as_str(), y.as_str()), ("a", "b"));
}

#[tokio::test]
async fn a_tool_named_like_a_stdlib_module_is_still_loaded() {
    let tool = Arc::new(Tool::from_source(
        "json",
        "class json:\n    @staticmethod\n    def dumps(x):\n        return 'mine'\n",
    ));
    let conn = connect().await;
    let got: String = conn.call(Call::new(&tool, "dumps").arg(&1)).await.unwrap();
    assert_eq!(got, "mine");
}

#[tokio::test]
async fn inherited_classmethods_keep_the_subclass() {
    let conn = connect().await;
    let base: String = conn.call(Call::new(&PROBE, "who")).await.unwrap();
    let derived: String = conn.call(Call::new(&DERIVED, "who")).await.unwrap();
    assert_eq!((base.as_str(), derived.as_str()), ("Probe", "Derived"));
}

#[tokio::test]
async fn instance_methods_get_a_fresh_instance_per_call() {
    let conn = connect().await;
    for _ in 0..3 {
        let n: u32 = conn.call(probe("instance_counter")).await.unwrap();
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn private_missing_and_non_callable_members_are_refused() {
    let conn = connect().await;
    for (method, kind, text) in [
        ("_private", "AttributeError", "Probe._private is private"),
        ("nope", "AttributeError", "tool Probe has no method nope"),
        (
            "not_callable",
            "TypeError",
            "Probe.not_callable is not a method",
        ),
    ] {
        let err = conn.call(probe::<Value>(method)).await.unwrap_err();
        let remote = err.remote().unwrap_or_else(|| panic!("{method}: {err}"));
        assert_eq!(remote.short_type_name(), kind, "{method}");
        assert_eq!(remote.message(), text);
    }
    // The connection is still fine.
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn a_tool_whose_source_fails_reports_it_on_every_call() {
    let tool = Arc::new(Tool::from_source(
        "Broken",
        "class Broken:\n    def oops(:\n        pass\n",
    ));
    let conn = connect().await;
    for _ in 0..2 {
        let err = conn
            .call(Call::<Value>::new(&tool, "oops"))
            .await
            .unwrap_err();
        let remote = err.remote().expect("a remote error");
        assert_eq!(remote.short_type_name(), "SyntaxError");
        assert!(
            remote.traceback().contains("SyntaxError"),
            "{}",
            remote.traceback()
        );
    }
    let missing = Arc::new(Tool::from_source("Absent", "class Other:\n    pass\n"));
    let err = conn
        .call(Call::<Value>::new(&missing, "x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("defines no class Absent"), "{err}");
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn plain_methods_run_in_parallel_threads() {
    // 64 calls wait on one barrier: they only return if all 64 run at once.
    let conn = connect().await;
    let calls = (0..64).map(|_| conn.call(probe::<bool>("barrier").arg(&64)));
    assert!(try_join_all(calls).await.unwrap().into_iter().all(|b| b));
}

#[tokio::test]
async fn positional_and_keyword_arguments() {
    #[derive(serde::Serialize)]
    struct Opts {
        mode: u32,
        owner: Option<String>,
    }
    let conn = connect().await;
    let got: Value = conn
        .call(
            probe("args")
                .arg("a")
                .arg(&2)
                .kwarg("flag", &true)
                .kwargs(&Opts {
                    mode: 0o600,
                    owner: None,
                }),
        )
        .await
        .unwrap();
    assert_eq!(got["args"], Value::Array(vec!["a".into(), 2.into()]));
    assert_eq!(got["kwargs"]["flag"], Value::Boolean(true));
    assert_eq!(got["kwargs"]["mode"], Value::from(0o600));
    assert_eq!(got["kwargs"]["owner"], Value::Nil);
}

#[tokio::test]
async fn the_dynamic_api_takes_and_returns_values() {
    let conn = connect().await;
    let arg = Value::Map(vec![
        ("list".into(), Value::Array(vec![1.into(), Value::Nil])),
        ("bin".into(), Value::Binary(vec![0, 1, 2])),
    ]);
    let got = conn
        .call(Call::dynamic(&PROBE, "echo").arg(&arg))
        .await
        .unwrap();
    assert_eq!(got, arg);
}

#[tokio::test]
async fn large_payloads_in_both_directions() {
    let conn = connect().await;
    for compressible in [false, true] {
        let data: serde_bytes::ByteBuf = conn
            .call(probe("big").arg(&(20 << 20)).arg(&compressible))
            .await
            .unwrap();
        assert_eq!(data.len(), 20 << 20);
        let n: usize = conn.call(probe("length").arg(&data)).await.unwrap();
        assert_eq!(n, 20 << 20);
    }
}

#[tokio::test]
async fn small_calls_overtake_a_large_transfer() {
    // While 64 MiB are on their way to the remote, a small call issued after
    // them completes first: the large message is sent frame by frame.
    let conn = connect().await;
    conn.call(probe::<u8>("one")).await.unwrap();
    // Incompressible, so it really is 64 MiB on the wire.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<u8> = (0..64 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let data = serde_bytes::ByteBuf::from(data);
    let big_conn = conn.clone();
    let big = tokio::spawn(async move { big_conn.call(probe::<usize>("length").arg(&data)).await });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
    assert!(
        !big.is_finished(),
        "the large call finished before the small one"
    );
    assert_eq!(big.await.unwrap().unwrap(), 64 << 20);
}

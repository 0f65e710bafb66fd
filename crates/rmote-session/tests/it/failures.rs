//! Remote exceptions, remote death, and a remote that breaks the protocol.

use std::io::ErrorKind;
use std::time::Duration;

use futures_util::future::join_all;
use rmote_session::{Error, Value};

use crate::common::{alive, connect, eventually, probe};

#[tokio::test]
async fn remote_exceptions_are_structured() {
    let conn = connect().await;
    let err = conn
        .call(probe::<String>("open_missing").arg("/nonexistent/file"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound));
    let remote = err.remote().unwrap();
    assert_eq!(remote.type_name(), "builtins.FileNotFoundError");
    assert!(remote.is_instance("OSError"));
    assert_eq!(remote.errno_name(), Some("ENOENT"));
    assert_eq!(remote.errno(), Some(2));
    assert_eq!(remote.filename(), Some("/nonexistent/file"));
    assert!(
        remote.traceback().contains("in open_missing"),
        "{}",
        remote.traceback()
    );
    assert!(
        remote.traceback().contains("with open(path) as f:"),
        "tool source lines appear in the traceback: {}",
        remote.traceback()
    );
    assert!(
        !remote.traceback().contains("rmote_runtime"),
        "{}",
        remote.traceback()
    );
    assert_eq!(
        err.to_string(),
        "Probe.open_missing raised FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/file'"
    );
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), ErrorKind::NotFound);

    let err = conn
        .call(probe::<()>("fail").arg("value").arg("bad value"))
        .await
        .unwrap_err();
    let remote = err.remote().unwrap();
    assert_eq!(remote.type_name(), "builtins.ValueError");
    assert_eq!(remote.message(), "bad value");
    assert_eq!(remote.io_kind(), None);

    let err = conn.call(probe::<()>("chained")).await.unwrap_err();
    let tb = err.remote().unwrap().traceback();
    assert!(
        tb.contains("KeyError: 'missing'") && tb.contains("RuntimeError: wrapped"),
        "{tb}"
    );

    let err = conn
        .call(probe::<()>("called_process_error"))
        .await
        .unwrap_err();
    let remote = err.remote().unwrap();
    assert_eq!(remote.type_name(), "subprocess.CalledProcessError");
    assert_eq!(remote.attrs()["returncode"], Value::from(3));
    assert_eq!(remote.attrs()["output"], Value::Binary(b"out".to_vec()));
    assert_eq!(remote.attrs()["stderr"], Value::Binary(b"err".to_vec()));
}

#[tokio::test]
async fn a_child_writing_to_stdout_and_print_do_not_corrupt_the_channel() {
    let conn = connect().await;
    for _ in 0..3 {
        let got: String = conn.call(probe("child_writes_stdout")).await.unwrap();
        assert_eq!(got, "ok");
        let got: String = conn
            .call(probe("prints").arg("hello from print"))
            .await
            .unwrap();
        assert_eq!(got, "ok");
    }
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn remote_death_mid_call_fails_every_call_with_one_clear_error() {
    let conn = connect().await;
    let pid = conn.remote_info().pid;
    // Calls in threads and on the asyncio loop, all still running.
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("m");
    let marker = marker.to_str().unwrap();
    let sleepers = join_all((0..4).map(|i| {
        let c = conn.clone();
        async move {
            if i % 2 == 0 {
                c.call(probe::<f64>("sleep").arg(&30.0)).await.map(|_| ())
            } else {
                c.call(probe::<String>("asleep").arg(marker).arg(&30.0))
                    .await
                    .map(|_| ())
            }
        }
    }));
    let crash = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        conn.call(probe::<()>("crash").arg(&7).arg("dying on purpose"))
            .await
    };
    let (sleepers, crash) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(sleepers, crash)
    })
    .await
    .expect("every call ends promptly when the remote dies");
    for result in sleepers.into_iter().chain([crash]) {
        let Err(Error::Disconnected(d)) = result else {
            panic!("expected Disconnected, got {result:?}");
        };
        assert_eq!(d.exit.status.and_then(|s| s.code()), Some(7));
        assert!(
            d.exit.stderr.contains("dying on purpose"),
            "{}",
            d.exit.stderr
        );
    }
    // Later calls fail the same way, at once.
    let err = conn.call(probe::<u8>("one")).await.unwrap_err();
    assert!(
        err.to_string().contains("disconnected: the remote closed the connection (exit status 7; stderr: dying on purpose)"),
        "{err}"
    );
    assert_eq!(err.io_kind(), Some(ErrorKind::BrokenPipe));
    assert!(conn.is_closed());
    assert!(!alive(pid));
}

#[tokio::test]
async fn an_oversized_frame_from_the_remote_ends_the_connection_clearly() {
    let conn = connect().await;
    let pid = conn.remote_info().pid;
    // A header announcing 2 GiB: refused before anything is allocated.
    let header = [0x7fu8, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 1];
    let err = conn
        .call(probe::<String>("write_raw").arg(&serde_bytes::Bytes::new(&header)))
        .await
        .unwrap_err();
    let Error::Disconnected(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        d.reason,
        "protocol error: frame of 2147483647 bytes exceeds the limit of 262144 bytes"
    );
    assert!(eventually(Duration::from_secs(5), || !alive(pid)).await);
}

#[tokio::test]
async fn a_corrupt_compressed_reply_fails_that_call_only() {
    let conn = connect().await;
    let err = conn
        .call(probe::<String>("corrupt_reply"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert_eq!(
        chain,
        "cannot decode the result of Probe.corrupt_reply: compressed message body is corrupt"
    );
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn frames_the_controller_does_not_expect_are_ignored() {
    let conn = connect().await;
    // A CALL and a SYNC sent *to* the controller, and a reply for an unknown
    // id: the controller never acts on them, and the connection goes on.
    let mut frames = Vec::new();
    for (kind, id, body) in [
        (3u8, 5u32, &b"\x90"[..]),
        (2, 0, b"\x90"),
        (5, 999, b"\x01"),
    ] {
        frames.extend_from_slice(&(body.len() as u32).to_be_bytes());
        frames.push(kind);
        frames.push(0);
        frames.extend_from_slice(&id.to_be_bytes());
        frames.extend_from_slice(body);
    }
    let got: String = conn
        .call(probe("write_raw").arg(&serde_bytes::Bytes::new(&frames)))
        .await
        .unwrap();
    assert_eq!(got, "written");
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn close_ends_the_remote_even_with_calls_running() {
    let conn = connect().await;
    let pid = conn.remote_info().pid;
    let running = tokio::spawn({
        let c = conn.clone();
        async move { c.call(probe::<f64>("sleep").arg(&60.0)).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let exit = tokio::time::timeout(Duration::from_secs(10), conn.close())
        .await
        .expect("close is bounded");
    // The runtime exits by itself (status 0), it is not killed.
    assert_eq!(exit.status.and_then(|s| s.code()), Some(0));
    assert!(!alive(pid));
    let result = running.await.unwrap();
    assert!(matches!(result, Err(Error::Disconnected(_))), "{result:?}");
}

#[tokio::test]
async fn dropping_every_handle_ends_the_remote() {
    let conn = connect().await;
    let pid = conn.remote_info().pid;
    assert!(alive(pid));
    drop(conn);
    assert!(eventually(Duration::from_secs(10), || !alive(pid)).await);
}

#[tokio::test]
async fn a_call_larger_than_the_limit_is_refused_locally() {
    let conn = crate::common::builder()
        .max_message(1 << 20)
        .connect()
        .await
        .unwrap();
    let data = serde_bytes::ByteBuf::from(vec![0u8; 2 << 20]);
    let err = conn
        .call(probe::<usize>("length").arg(&data))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    let err = conn
        .call(
            probe::<serde_bytes::ByteBuf>("big")
                .arg(&(2 << 20))
                .arg(&false),
        )
        .await
        .unwrap_err();
    // The remote refuses to send it: the call fails, the connection stays.
    let remote = err.remote().expect("a remote error");
    assert_eq!(remote.short_type_name(), "MessageTooLarge");
    assert_eq!(
        remote.message(),
        "a result of 2097157 bytes exceeds the limit of 1048576 bytes"
    );
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

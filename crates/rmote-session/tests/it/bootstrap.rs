//! Connecting: readiness, remote info, and every way it can fail.

use std::time::{Duration, Instant};

use rmote_session::{Connection, Error, Local};

use crate::common::{builder, probe, python};

#[tokio::test]
async fn the_handshake_reports_the_remote() {
    let conn = crate::common::connect().await;
    let info = conn.remote_info();
    assert_eq!(info.protocol, 1);
    assert_eq!(info.python.major, 3);
    assert_eq!(info.platform, "linux");
    assert!(!info.hostname.is_empty());
    assert!(crate::common::alive(info.pid));
    let pid: u32 = conn.call(probe("pid")).await.unwrap();
    assert_eq!(pid, info.pid);
}

#[tokio::test]
async fn junk_before_the_readiness_line_is_skipped() {
    // A login script that prints a banner, even one that looks like ours.
    let local = Local::new()
        .wrapper([
            "sh",
            "-c",
            "echo 'Welcome!'; echo 'rmote-ready 0000000000000000'; exec \"$@\"",
            "sh",
        ])
        .python(python());
    let conn = Connection::builder(local).connect().await.unwrap();
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn a_missing_interpreter_is_a_clear_error() {
    let err = Connection::builder(Local::new().python("/nonexistent/python3"))
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::NotFound));
    assert_eq!(err.to_string(), "cannot start /nonexistent/python3 (local)");

    // Behind a wrapper, the wrapper reports it (status 127).
    let local = Local::new()
        .wrapper(["sh", "-c", "exec \"$@\"", "sh"])
        .python("/nonexistent/python3");
    let err = Connection::builder(local).connect().await.unwrap_err();
    let Error::Unreachable { failure, exit, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        failure,
        &rmote_session::Failure::InterpreterNotFound {
            python: "/nonexistent/python3".into()
        }
    );
    assert_eq!(exit.status.and_then(|s| s.code()), Some(127));
    assert_eq!(
        err.to_string(),
        "/nonexistent/python3 (local, through sh): interpreter `/nonexistent/python3` not found on the remote"
    );
}

#[tokio::test]
async fn an_old_python_is_refused_with_its_version() {
    let old = rmote_testkit::pyenv_python("2.7.18");
    if !old.exists() {
        panic!(
            "this test needs Python 2.7 at {} (set PYENV_ROOT)",
            old.display()
        );
    }
    let err = Connection::builder(Local::new().python(&old))
        .connect()
        .await
        .unwrap_err();
    let Error::PythonTooOld { found, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(found, "2.7.18");
    assert!(err
        .to_string()
        .ends_with("runs Python 2.7.18; rmote needs Python 3.6 or newer"));
}

#[tokio::test]
async fn a_failing_bootstrap_carries_the_remote_stderr() {
    let err = builder().python_args(["-Z"]).connect().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Bootstrap { .. }), "{err:?}");
    assert!(text.contains("exit status 2"), "{text}");
    assert!(
        text.to_lowercase().contains("unknown option") && text.contains("-Z"),
        "{text}"
    );
}

#[tokio::test]
async fn a_remote_that_never_answers_times_out_with_its_stderr() {
    let local = Local::new()
        .wrapper(["sh", "-c", "echo 'stuck on something' >&2; sleep 60", "sh"])
        .python(python());
    let start = Instant::now();
    let err = Connection::builder(local)
        .connect_timeout(Duration::from_millis(700))
        .connect()
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(10));
    let Error::ConnectTimeout { after, stderr, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*after, Duration::from_millis(700));
    assert_eq!(stderr, "stuck on something");
}

#[tokio::test]
async fn a_remote_that_exits_without_reading_its_input() {
    let local = Local::new()
        .wrapper(["sh", "-c", "echo 'no python here' >&2; exit 3", "sh"])
        .python(python());
    let err = Connection::builder(local).connect().await.unwrap_err();
    assert!(
        err.to_string().ends_with(
            "it exited before the interpreter was ready (exit status 3; stderr: no python here)"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_working_directory_cannot_shadow_lazy_imports() {
    // A planted asyncio.py in the remote's working directory is not imported.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("asyncio.py"),
        "raise SystemExit('planted module ran')\n",
    )
    .unwrap();
    let conn = Connection::builder(Local::new().python(python()).current_dir(dir.path()))
        .connect()
        .await
        .unwrap();
    let got: String = conn.call(probe("aecho").arg("safe")).await.unwrap();
    assert_eq!(got, "safe");
}

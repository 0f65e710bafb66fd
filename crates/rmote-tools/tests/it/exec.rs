//! Exec: capture, checks, environment, input, timeouts, cancellation, and
//! children that cannot touch the protocol stream.

use std::io::ErrorKind;
use std::time::Duration;

use rmote_session::{Call, Error};
use rmote_tools::{Completed, Exec, ProcessFailure, ProcessTimeout, EXEC};

use crate::common::{connect, eventually, processes_with_argv, remote_type, s, unique_sleep};

#[tokio::test]
async fn command_and_shell_capture_output() {
    let conn = connect().await;

    let done = conn
        .call(Exec::command(["printf", "%s-%s", "a b", "c"]).capture())
        .await
        .unwrap();
    assert_eq!(
        done,
        Completed {
            args: vec!["printf".into(), "%s-%s".into(), "a b".into(), "c".into()],
            returncode: 0,
            stdout: Some(b"a b-c".to_vec()),
            stderr: Some(Vec::new()),
        }
    );
    assert!(done.success());

    let done = conn
        .call(Exec::shell("echo hi | tr a-z A-Z; echo oops >&2").capture())
        .await
        .unwrap();
    assert_eq!(
        done.args,
        ["/bin/sh", "-c", "echo hi | tr a-z A-Z; echo oops >&2"]
    );
    assert_eq!(done.stdout_str(), "HI\n");
    assert_eq!(done.stderr_str(), "oops\n");

    // Binary output, and a lot of it (several frames).
    let done = conn
        .call(Exec::shell("head -c 3000000 /dev/urandom; printf '\\377'").capture())
        .await
        .unwrap();
    let out = done.stdout.unwrap();
    assert_eq!(out.len(), 3_000_001);
    assert_eq!(out.last(), Some(&0xff));
}

#[tokio::test]
async fn without_capture_there_is_no_output() {
    let conn = connect().await;
    let done = conn.call(Exec::command(["true"])).await.unwrap();
    assert_eq!(done.returncode, 0);
    assert_eq!(done.stdout_str(), "");
    assert_eq!((done.stdout, done.stderr), (None, None));
}

#[tokio::test]
async fn a_child_writing_to_fd_1_cannot_corrupt_the_protocol() {
    let conn = connect().await;
    for _ in 0..3 {
        let done = conn
            .call(Exec::shell(
                "echo garbage; echo more >&1; printf '\\000\\001\\002\\003' >/dev/stdout",
            ))
            .await
            .unwrap();
        assert_eq!(done.returncode, 0);
    }
    let done = conn
        .call(Exec::shell("echo after").capture())
        .await
        .unwrap();
    assert_eq!(done.stdout_str(), "after\n");
}

#[tokio::test]
async fn uncaptured_stdin_and_stdout_are_dev_null() {
    let conn = connect().await;
    // The shell's own descriptors, read from a command substitution (whose
    // $$ is still the shell).
    let probe = "test \"$(readlink /proc/$$/fd/0)\" = /dev/null \
                 && test \"$(readlink /proc/$$/fd/1)\" = /dev/null";
    let done = conn.call(Exec::shell(probe).check(false)).await.unwrap();
    assert_eq!(done.returncode, 0, "stdin or stdout is not /dev/null");
    // The probe can tell: captured, stdout is a pipe.
    let done = conn
        .call(Exec::shell(probe).check(false).capture())
        .await
        .unwrap();
    assert_eq!(done.returncode, 1);
}

#[tokio::test]
async fn uncaptured_stderr_goes_to_the_remote_stderr() {
    let conn = connect().await;
    let marker = format!("rmote-stderr-marker-{}", std::process::id());
    conn.call(Exec::shell(format!("echo {marker} >&2")))
        .await
        .unwrap();
    let exit = conn.close().await;
    assert!(
        exit.stderr.contains(&marker),
        "stderr tail: {:?}",
        exit.stderr
    );
}

#[tokio::test]
async fn check_raises_called_process_error() {
    let conn = connect().await;

    let err = conn.call(Exec::command(["false"])).await.unwrap_err();
    assert_eq!(remote_type(&err), "CalledProcessError");
    let failure = ProcessFailure::from_error(&err).expect("a CalledProcessError");
    assert_eq!(
        failure,
        ProcessFailure {
            cmd: vec!["false".into()],
            returncode: 1,
            stdout: None,
            stderr: None,
        }
    );
    assert_eq!(failure.to_string(), "[\"false\"] exited with status 1");
    let attrs = err.remote().unwrap().attrs();
    for key in ["returncode", "cmd", "output", "stderr"] {
        assert!(attrs.contains_key(key), "{key} missing from {attrs:?}");
    }

    let err = conn
        .call(Exec::shell("echo out; echo err >&2; exit 3").capture())
        .await
        .unwrap_err();
    let failure = ProcessFailure::from_error(&err).unwrap();
    assert_eq!(failure.returncode, 3);
    assert_eq!(failure.stdout_str(), "out\n");
    assert_eq!(failure.stderr_str(), "err\n");
    assert_eq!(failure.cmd[..2], ["/bin/sh", "-c"]);

    let done = conn.call(Exec::shell("exit 7").check(false)).await.unwrap();
    assert_eq!(done.returncode, 7);
    assert!(!done.success());

    let done = conn
        .call(Exec::shell("kill -9 $$").check(false))
        .await
        .unwrap();
    assert_eq!(done.returncode, -9);
    let err = conn.call(Exec::shell("kill -9 $$")).await.unwrap_err();
    let failure = ProcessFailure::from_error(&err).unwrap();
    assert!(
        failure.to_string().ends_with("was killed by signal 9"),
        "{failure}"
    );

    // Not every error is a process failure.
    let err = conn
        .call(Exec::command(["rmote-no-such-program"]))
        .await
        .unwrap_err();
    assert_eq!(ProcessFailure::from_error(&err), None);
}

#[tokio::test]
async fn environment_inherited_extended_or_replaced() {
    let conn = connect().await;
    std::env::var("PATH").expect("the tests need PATH");

    // Inherited and extended: PATH stays, so plain program names work.
    let done = conn
        .call(
            Exec::shell("echo \"$RMOTE_A:$RMOTE_B:${PATH:+has-path}\"")
                .env("RMOTE_A", "1")
                .envs([("RMOTE_B", "two words")])
                .capture(),
        )
        .await
        .unwrap();
    assert_eq!(done.stdout_str(), "1:two words:has-path\n");

    let done = conn
        .call(
            Exec::shell("echo \"${HOME-unset}\"")
                .env_remove("HOME")
                .capture(),
        )
        .await
        .unwrap();
    assert_eq!(done.stdout_str(), "unset\n");

    // Replaced: only what is given.
    let done = conn
        .call(
            Exec::command(["/usr/bin/env"])
                .env("RMOTE_ONLY", "yes")
                .env_clear()
                .env("RMOTE_TOO", "x=y")
                .capture(),
        )
        .await
        .unwrap();
    assert_eq!(done.stdout_str(), "RMOTE_ONLY=yes\nRMOTE_TOO=x=y\n");
    let done = conn
        .call(Exec::command(["/usr/bin/env"]).env_clear().capture())
        .await
        .unwrap();
    assert_eq!(done.stdout_str(), "");
}

#[tokio::test]
async fn cwd_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().canonicalize().unwrap();
    let conn = connect().await;

    let done = conn
        .call(Exec::command(["pwd"]).cwd(s(&real)).capture())
        .await
        .unwrap();
    assert_eq!(done.stdout_str().trim_end(), s(&real));

    let err = conn
        .call(Exec::command(["pwd"]).cwd(s(&real.join("missing"))))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err:?}");

    let done = conn
        .call(Exec::command(["cat"]).stdin("h\u{e9}llo\n").capture())
        .await
        .unwrap();
    assert_eq!(done.stdout_str(), "h\u{e9}llo\n");
    let bytes: Vec<u8> = (0..=255u8).collect();
    let done = conn
        .call(Exec::command(["cat"]).stdin(&bytes).capture())
        .await
        .unwrap();
    assert_eq!(done.stdout.as_deref(), Some(&bytes[..]));
    // Without input, stdin is at end of file at once.
    let done = conn
        .call(Exec::command(["wc", "-c"]).capture())
        .await
        .unwrap();
    assert_eq!(done.stdout_str().trim(), "0");
}

#[tokio::test]
async fn the_tool_takes_text_input_when_called_dynamically() {
    let conn = connect().await;
    let done: Completed = conn
        .call(
            Call::new(&EXEC, "command")
                .arg("cat")
                .kwarg("stdin", "t\u{e9}xt")
                .kwarg("capture_output", &true),
        )
        .await
        .unwrap();
    assert_eq!(done.stdout.as_deref(), Some("t\u{e9}xt".as_bytes()));
    let err = conn
        .call(
            Call::<Completed>::new(&EXEC, "command")
                .arg("cat")
                .kwarg("stdin", &5),
        )
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "TypeError");
}

#[tokio::test]
async fn a_missing_program_is_not_found() {
    let conn = connect().await;
    let err = conn
        .call(Exec::command(["rmote-no-such-program", "x"]))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err:?}");
    assert_eq!(remote_type(&err), "FileNotFoundError");

    let err = conn
        .call(Exec::command(Vec::<String>::new()))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "ValueError");
}

#[tokio::test]
async fn the_remote_timeout_kills_and_reports() {
    let conn = connect().await;
    let sleep = unique_sleep(30);
    let started = std::time::Instant::now();
    let err = conn
        .call(
            Exec::shell(format!("echo partial; sleep {sleep}; echo never"))
                .capture()
                .timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(remote_type(&err), "TimeoutExpired");
    let timeout = ProcessTimeout::from_error(&err).expect("a TimeoutExpired");
    assert_eq!(timeout.timeout, Duration::from_millis(300));
    assert_eq!(timeout.stdout.as_deref(), Some(&b"partial\n"[..]));
    assert_eq!(timeout.cmd[..2], ["/bin/sh", "-c"]);
    assert!(
        processes_with_argv(&["sleep", &sleep]).is_empty(),
        "the shell's child must be killed with it"
    );
    assert_eq!(ProcessFailure::from_error(&err), None);
    // The connection is fine afterwards.
    conn.call(Exec::command(["true"])).await.unwrap();
}

/// Starts `run` on `conn`, waits until `argv` runs on this machine, and
/// drops the call's future.
async fn start_and_drop(conn: &rmote_session::Connection, run: rmote_tools::Run, argv: &[&str]) {
    let call = conn.call(run);
    let appeared = async {
        while processes_with_argv(argv).is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        outcome = call => panic!("the call should not finish: {outcome:?}"),
        () = appeared => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => panic!("{argv:?} never started"),
    }
    // Let the child run a little longer, then the select above has already
    // dropped the call: its future is gone.
}

#[tokio::test]
async fn dropping_the_call_kills_the_child() {
    let conn = connect().await;
    let sleep = unique_sleep(30);
    let argv = ["sleep", sleep.as_str()];
    start_and_drop(&conn, Exec::command(argv), &argv).await;
    assert!(
        eventually(Duration::from_secs(5), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "{argv:?} still runs after the call was dropped"
    );
    conn.call(Exec::command(["true"])).await.unwrap();
}

#[tokio::test]
async fn dropping_a_shell_call_kills_the_whole_pipeline() {
    let conn = connect().await;
    let sleep = unique_sleep(31);
    let argv = ["sleep", sleep.as_str()];
    // The shell forks sleep (it is not the last command), so killing only
    // the shell would leave sleep running.
    let run = Exec::shell(format!("sleep {sleep}; echo done")).capture();
    start_and_drop(&conn, run, &argv).await;
    assert!(
        eventually(Duration::from_secs(5), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "{argv:?} still runs after the call was dropped"
    );
}

#[tokio::test]
async fn a_call_deadline_kills_the_child() {
    let conn = connect().await;
    let sleep = unique_sleep(32);
    let argv = ["sleep", sleep.as_str()];
    let call = Call::from(Exec::command(argv)).timeout(Duration::from_millis(200));
    let err = conn.call(call).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        eventually(Duration::from_secs(5), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "{argv:?} still runs after its call timed out"
    );
}

#[tokio::test]
async fn dropping_the_future_with_tokio_timeout_kills_the_child() {
    let conn = connect().await;
    let sleep = unique_sleep(33);
    let argv = ["sleep", sleep.as_str()];
    let outcome =
        tokio::time::timeout(Duration::from_millis(200), conn.call(Exec::command(argv))).await;
    assert!(outcome.is_err(), "sleep cannot finish in 200 ms");
    assert!(
        eventually(Duration::from_secs(5), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "{argv:?} still runs after the future was dropped"
    );
}

#[tokio::test]
async fn closing_the_connection_kills_running_children() {
    let conn = connect().await;
    let sleep = unique_sleep(34);
    let argv = ["sleep", sleep.as_str()];
    let running = tokio::spawn({
        let conn = conn.clone();
        let run = Exec::command(argv);
        async move { conn.call(run).await }
    });
    assert!(
        eventually(Duration::from_secs(10), || !processes_with_argv(&argv)
            .is_empty())
        .await
    );
    conn.close().await;
    let outcome = running.await.unwrap();
    assert!(
        matches!(outcome, Err(Error::Disconnected(_))),
        "{outcome:?}"
    );
    assert!(
        eventually(Duration::from_secs(5), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "{argv:?} outlived its connection"
    );
}

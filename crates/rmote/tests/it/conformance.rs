//! The conformance suite: a representative set of behaviours (handshake,
//! calls, errors, concurrency, FileSystem, Exec) run against every CPython
//! found on this machine.
//!
//! Interpreters: `$PYENV_ROOT/versions/3.*/bin/python3` (default
//! `PYENV_ROOT=/root/.pyenv`), plus the paths in `RMOTE_EXTRA_PYTHONS`
//! (colon-separated, e.g. wrappers for 3.14 and 3.15). The test fails when
//! fewer than `RMOTE_MIN_PYTHONS` (default 4) interpreters ran.

use std::path::PathBuf;

use futures_util::future::try_join_all;
use rmote::{Call, Connection, Exec, FileSystem, Local, Tool};

static CONFORMANCE: Tool = Tool::new(
    "Conformance",
    r#"
import sys

class Conformance:
    @staticmethod
    def version():
        return list(sys.version_info[:3])

    @staticmethod
    def echo(value):
        return value

    @staticmethod
    async def aecho(value):
        return value

    @staticmethod
    def fail():
        raise KeyError("missing")
"#,
);

#[tokio::test(flavor = "multi_thread")]
async fn conformance_on_every_python_found() {
    let min: usize = std::env::var("RMOTE_MIN_PYTHONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let pythons = rmote_testkit::other_pythons();
    let mut ran = Vec::new();
    let mut failures = Vec::new();
    for python in &pythons {
        match check(python).await {
            Ok(version) => ran.push(format!("{version} ({})", python.display())),
            Err(err) => failures.push(format!("{}: {err}", python.display())),
        }
    }
    eprintln!("conformance passed on {} interpreters:", ran.len());
    for line in &ran {
        eprintln!("  {line}");
    }
    assert!(
        failures.is_empty(),
        "conformance failed:\n{}",
        failures.join("\n")
    );
    assert!(
        ran.len() >= min,
        "only {} interpreters ran (at least {min} are required); found: {pythons:?}",
        ran.len()
    );
}

async fn check(python: &PathBuf) -> Result<String, String> {
    let fail = |what: &str, err: &dyn std::fmt::Display| format!("{what}: {err}");
    let conn = Connection::builder(Local::new().python(python))
        .connect()
        .await
        .map_err(|e| fail("connect", &e))?;

    // Handshake: the remote reports the version it really runs.
    let info = conn.remote_info().clone();
    let version: Vec<u32> = conn
        .call(Call::new(&CONFORMANCE, "version"))
        .await
        .map_err(|e| fail("version", &e))?;
    let reported = vec![info.python.major, info.python.minor, info.python.micro];
    if version != reported {
        return Err(format!("handshake says {reported:?}, sys says {version:?}"));
    }

    // Calls, plain and async, many at once.
    let values = try_join_all((0..200u32).map(|i| {
        let method = if i % 2 == 0 { "echo" } else { "aecho" };
        conn.call(Call::<u32>::new(&CONFORMANCE, method).arg(&i))
    }))
    .await
    .map_err(|e| fail("concurrent calls", &e))?;
    if values != (0..200).collect::<Vec<_>>() {
        return Err("concurrent calls returned wrong values".into());
    }

    // Errors.
    let err = conn
        .call(Call::<()>::new(&CONFORMANCE, "fail"))
        .await
        .expect_err("fail() raises");
    let remote = err.remote().ok_or_else(|| fail("fail()", &err))?;
    if remote.type_name() != "builtins.KeyError" || !remote.traceback().contains("KeyError") {
        return Err(format!("fail(): unexpected {err}"));
    }
    let err = conn
        .call(FileSystem::read_str("/nonexistent/rmote"))
        .await
        .expect_err("reading a missing file fails");
    if !err.is_not_found() {
        return Err(format!("read_str(missing): {err}"));
    }

    // FileSystem, in a scratch directory.
    let dir = tempfile::tempdir().map_err(|e| fail("tempdir", &e))?;
    let root = dir.path().to_string_lossy().into_owned();
    let file = format!("{root}/a.txt");
    let changed = conn
        .call(FileSystem::write(&file, "one\ntwo\n").mode(0o600))
        .await
        .map_err(|e| fail("write", &e))?;
    let again = conn
        .call(FileSystem::write(&file, "one\ntwo\n").mode(0o600))
        .await
        .map_err(|e| fail("write again", &e))?;
    if !changed || again {
        return Err(format!("write changed: {changed} then {again}"));
    }
    let text = conn
        .call(FileSystem::read_str(&file))
        .await
        .map_err(|e| fail("read_str", &e))?;
    let stat = conn
        .call(FileSystem::stat(&file))
        .await
        .map_err(|e| fail("stat", &e))?;
    let diff = conn
        .call(FileSystem::line_in_file(&file, "three"))
        .await
        .map_err(|e| fail("line_in_file", &e))?;
    let listed = conn
        .call(FileSystem::glob(&root, "*.txt"))
        .await
        .map_err(|e| fail("glob", &e))?;
    if text != "one\ntwo\n" || stat.mode != 0o600 || stat.size != 8 || !diff.contains("+three") {
        return Err(format!("filesystem: {text:?} {stat:?} {diff:?}"));
    }
    if listed != vec![file.clone()] {
        return Err(format!("glob: {listed:?}"));
    }
    let removed = conn
        .call(FileSystem::absent(&file))
        .await
        .map_err(|e| fail("absent", &e))?;
    if !removed || std::path::Path::new(&file).exists() {
        return Err("absent did not remove the file".into());
    }

    // Exec.
    let done = conn
        .call(Exec::shell("echo out; echo err >&2").capture())
        .await
        .map_err(|e| fail("exec", &e))?;
    if done.stdout_str() != "out\n" || done.stderr_str() != "err\n" || done.returncode != 0 {
        return Err(format!("exec: {done:?}"));
    }

    conn.close().await;
    Ok(format!("{}", info.python))
}

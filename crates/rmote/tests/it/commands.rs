//! The command transports (`Local` behind a wrapper) and privilege
//! escalation, run for real: a chroot the test builds itself, `nsenter` into
//! namespaces the test creates, `sudo -n` to root, to nobody and into a
//! password prompt, and wrappers that exit or hang.
//!
//! They need root, `sudo`, `unshare`, `nsenter` (util-linux) and `chroot`
//! (coreutils), and never skip: a missing prerequisite fails them with a
//! message saying which. What cannot run on a test machine is checked as far
//! as it can be: doas (not installed) by its command line and the messages it
//! prints, and the docker, podman and kubectl engines by their command lines
//! and by how an installed client fails without an engine.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rmote::rmote_transport::{Become, Failure};
use rmote::{Call, Connection, Error, Exit, FileSystem, Local, Tool, Transport};

/// A tool that says who runs it.
static WHO: Tool = Tool::new(
    "Who",
    r#"
import os

class Who:
    @staticmethod
    def uid():
        return os.getuid()
"#,
);

fn uid() -> Call<u32> {
    Call::new(&WHO, "uid")
}

/// How long a failure that needs no network may take to be reported: far
/// below the connect timeout, so a prompt or a hang cannot pass for one.
const PROMPT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------- chroot

/// Prepares a root in the holder's private mount namespace: the host's
/// `/usr`, `/etc`, library directories and `/dev` (the runtime opens
/// `/dev/null`; device nodes stay usable on a read-only mount) bind-mounted
/// read-only, merged-usr links (`/bin -> usr/bin`) recreated as links.
/// Nothing else of the host, `/tmp` in particular, is in it.
const BUILD_ROOT: &str = r#"
set -eu
root=$1
for dir in usr etc dev bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$dir" ]; then
        ln -s "$(readlink "/$dir")" "$root/$dir"
    elif [ -d "/$dir" ]; then
        mkdir "$root/$dir"
        mount --bind "/$dir" "$root/$dir"
        mount -o remount,bind,ro "$root/$dir"
    fi
done
"#;

// `Local::chroot` is used exactly as shipped (its argv, description and
// failure explanation) with the real `chroot`: the bind mounts live in a
// holder process's private mount namespace, and the chroot reaches them
// through `/proc/PID/root`, which resolves paths in that namespace. So the
// host never sees a mount, and the mounts end with the holder, which ends
// with the test even if the test is killed. (Running `chroot` from a script
// inside `unshare` would test a hand-written `chroot "$root" "$@"` instead.)
#[tokio::test]
async fn chroot_runs_the_calls_inside_the_root() {
    require_root();
    let token = unique("marker");
    let root = tempfile::Builder::new()
        .prefix("rmote-root-")
        .tempdir()
        .unwrap();
    std::fs::write(root.path().join("rmote-root-marker"), &token).unwrap();
    let outside = tempfile::Builder::new()
        .prefix("rmote-outside-")
        .tempdir()
        .unwrap();
    let secret = outside.path().join("secret");
    std::fs::write(&secret, "host only").unwrap();
    let secret = secret.to_str().unwrap();
    assert!(
        !Path::new("/rmote-root-marker").exists(),
        "the host has /rmote-root-marker: the test cannot tell roots apart"
    );

    let holder = Holder::start(&["--mount"], BUILD_ROOT, &[root.path().as_os_str()]);
    let dir = format!("/proc/{}/root{}", holder.pid(), root.path().display());
    let conn = connect(Local::chroot(&dir)).await;
    assert_eq!(conn.remote(), format!("python3 (chroot {dir})"));

    // The root's own file is its `/`, and the host's /tmp is not there.
    let marker = conn.call(FileSystem::read_str("/rmote-root-marker")).await;
    assert_eq!(marker.unwrap(), token);
    let host = Connection::local().await.unwrap();
    assert_eq!(
        host.call(FileSystem::read_str(secret)).await.unwrap(),
        "host only"
    );
    let hidden = conn.call(FileSystem::read_str(secret)).await.unwrap_err();
    assert!(hidden.is_not_found(), "{secret} inside the root: {hidden}");

    // The host's directories are mounted read-only: the root cannot change them.
    let probe = format!("/usr/{}", unique("rmote-ro-probe"));
    let denied = conn.call(FileSystem::write(&probe, "x")).await.unwrap_err();
    assert_eq!(
        denied.io_kind(),
        Some(std::io::ErrorKind::ReadOnlyFilesystem),
        "{denied}"
    );
    assert!(!Path::new(&probe).exists());

    conn.close().await;
    host.close().await;
    // The mounts were never visible on the host: its view of the root holds
    // only the empty mount points, the links and the marker.
    let usr = std::fs::read_dir(root.path().join("usr")).unwrap().count();
    assert_eq!(usr, 0, "a bind mount is visible on the host");
    drop(holder);
}

#[tokio::test]
async fn a_root_without_python_is_interpreter_not_found() {
    require_root();
    let empty = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let err = connect_err(Local::chroot(empty.path()), Duration::from_secs(30)).await;
    assert!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    match &err {
        Error::Unreachable {
            failure: Failure::InterpreterNotFound { python },
            exit,
            ..
        } => {
            assert_eq!(python, "python3");
            assert_eq!(code(exit), Some(127), "{exit}");
            assert!(exit.stderr.starts_with("chroot:"), "{exit}");
        }
        other => panic!("expected InterpreterNotFound, got {other:?}"),
    }
    let message = err.to_string();
    let expected = format!(
        "python3 (chroot {}): interpreter `python3` not found",
        empty.path().display()
    );
    assert!(message.starts_with(&expected), "{message}");
}

// ---------------------------------------------------------------- nsenter

#[tokio::test]
async fn nsenter_enters_the_namespaces_of_a_process() {
    require_root();
    // Its own namespaces: nsenter has nothing to change, and the call works.
    let conn = connect(Local::nsenter(std::process::id())).await;
    assert_eq!(conn.call(uid()).await.unwrap(), 0);
    let ours = Connection::local().await.unwrap();
    assert_eq!(conn.remote_info().hostname, ours.remote_info().hostname);
    conn.close().await;
    ours.close().await;

    // Namespaces that differ from the test's: a host name and a mount only
    // the holder has.
    let name = unique("rmote-ns");
    let point = tempfile::tempdir().unwrap();
    let script = r#"
set -eu
printf %s "$1" > /proc/sys/kernel/hostname
mount -t tmpfs rmote-nsenter "$2"
printf %s "$1" > "$2/marker"
"#;
    let holder = Holder::start(
        &["--uts", "--mount"],
        script,
        &[name.as_ref(), point.path().as_os_str()],
    );
    let local = Local::nsenter(holder.pid());
    assert_eq!(
        local.describe(),
        format!("python3 (namespaces of pid {})", holder.pid())
    );
    let conn = connect(local).await;
    assert_eq!(conn.remote_info().hostname, name);
    let marker = point.path().join("marker");
    let marker = marker.to_str().unwrap();
    assert_eq!(conn.call(FileSystem::read_str(marker)).await.unwrap(), name);
    assert!(!Path::new(marker).exists(), "the holder's mount leaked");
    conn.close().await;
    drop(holder);
}

// ---------------------------------------------------------------- sudo

#[tokio::test]
async fn sudo_runs_the_interpreter_as_root_or_as_another_user() {
    require_root();
    require_program("sudo");
    let conn = connect(Local::new().with_become(Become::sudo())).await;
    assert_eq!(conn.remote(), "python3 (local) via sudo");
    assert_eq!(conn.call(uid()).await.unwrap(), 0);
    conn.close().await;

    let nobody = Command::new("id").args(["-u", "nobody"]).output().unwrap();
    assert!(nobody.status.success(), "no user nobody on this machine");
    let nobody: u32 = String::from_utf8_lossy(&nobody.stdout)
        .trim()
        .parse()
        .unwrap();
    let conn = connect(Local::new().with_become(Become::sudo().user("nobody"))).await;
    assert_eq!(conn.remote(), "python3 (local) via sudo -u nobody");
    assert_eq!(conn.call(uid()).await.unwrap(), nobody);
    assert_ne!(nobody, 0);
    conn.close().await;
}

#[tokio::test]
async fn a_sudo_password_prompt_fails_at_once() {
    require_root();
    require_program("sudo");
    // nobody may not sudo: `sudo -n` would have to ask for a password.
    let local = Local::new()
        .wrapper(["sudo", "-n", "-u", "nobody", "--"])
        .with_become(Become::sudo());
    let started = Instant::now();
    let err = connect_err(local, Duration::from_secs(30)).await;
    assert!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    match &err {
        Error::Unreachable {
            failure: Failure::BecomePasswordRequired { tool },
            exit,
            ..
        } => {
            assert_eq!(tool, "sudo");
            assert_eq!(code(exit), Some(1), "{exit}");
            assert!(exit.stderr.contains("password is required"), "{exit}");
        }
        other => panic!("expected BecomePasswordRequired, got {other:?}"),
    }
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::PermissionDenied));
    let message = err.to_string();
    assert!(
        message.starts_with("python3 (local, through sudo) via sudo: sudo asks for a password"),
        "{message}"
    );
}

#[tokio::test]
async fn sudo_to_an_unknown_user_is_refused() {
    require_root();
    require_program("sudo");
    let local = Local::new().with_become(Become::sudo().user("rmote-no-such-user"));
    let started = Instant::now();
    let err = connect_err(local, Duration::from_secs(30)).await;
    assert!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    match &err {
        Error::Unreachable {
            failure: Failure::BecomeRefused { tool, detail },
            ..
        } => {
            assert_eq!(tool, "sudo");
            // sudo 1.9 says "unknown user NAME", older ones "unknown user: NAME".
            assert!(detail.starts_with("unknown user"), "{detail}");
            assert!(detail.ends_with("rmote-no-such-user"), "{detail}");
        }
        other => panic!("expected BecomeRefused, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.starts_with(
            "python3 (local) via sudo -u rmote-no-such-user: sudo refused: unknown user"
        ),
        "{message}"
    );
}

// ---------------------------------------------------------------- doas

// doas is not installed here (and the test does not install or configure
// it), so only its command line and the reading of its messages are checked,
// with the messages OpenBSD doas and OpenDoas print.
#[test]
fn doas_command_line_and_messages() {
    let local = Local::new().with_become(Become::doas().user("backup"));
    check_argv(&local, &["doas", "-n", "-u", "backup", "python3", "-S"]);
    assert_eq!(local.describe(), "python3 (local) via doas -u backup");
    let to_root = Local::docker("web-1").with_become(Become::doas());
    check_argv(
        &to_root,
        &[
            "docker", "exec", "-i", "web-1", "doas", "-n", "python3", "-S",
        ],
    );
    assert_eq!(
        to_root.describe(),
        "python3 (docker container web-1) via doas"
    );

    let explain = |code: i32, stderr: &str| {
        local.explain(&Exit {
            status: Some(ExitStatus::from_raw(code << 8)),
            stderr: stderr.into(),
        })
    };
    assert_eq!(
        explain(1, "doas: Authentication required"),
        Some(Failure::BecomePasswordRequired {
            tool: "doas".into()
        })
    );
    assert_eq!(
        explain(1, "doas: Operation not permitted"),
        Some(Failure::BecomeRefused {
            tool: "doas".into(),
            detail: "Operation not permitted".into()
        })
    );
    // A missing interpreter behind doas is still the interpreter's failure.
    assert_eq!(
        explain(127, "doas: python3: command not found"),
        Some(Failure::InterpreterNotFound {
            python: "python3".into()
        })
    );
}

// ---------------------------------------------------------------- engines

#[test]
fn constructors_build_these_command_lines() {
    check_argv(
        &Local::docker("web-1"),
        &["docker", "exec", "-i", "web-1", "python3", "-S"],
    );
    check_argv(
        &Local::podman("web-1"),
        &["podman", "exec", "-i", "web-1", "python3", "-S"],
    );
    check_argv(
        &Local::kubectl("api-0"),
        &["kubectl", "exec", "-i", "api-0", "--", "python3", "-S"],
    );
    check_argv(
        &Local::chroot("/srv/root"),
        &["chroot", "/srv/root", "python3", "-S"],
    );
    check_argv(
        &Local::nsenter(42),
        &["nsenter", "--target", "42", "--all", "python3", "-S"],
    );
    check_argv(
        &Local::command(["env", "-i"]).python("/usr/bin/python3"),
        &["env", "-i", "/usr/bin/python3", "-S"],
    );
    check_argv(&Local::new(), &["python3", "-S"]);
    check_argv(
        &Local::chroot("/srv/root").with_become(Become::sudo().user("backup")),
        &[
            "chroot",
            "/srv/root",
            "sudo",
            "-n",
            "-u",
            "backup",
            "--",
            "python3",
            "-S",
        ],
    );
}

#[test]
fn descriptions_name_what_is_reached() {
    let cases: [(Local, &str); 9] = [
        (Local::new(), "python3 (local)"),
        (
            Local::command(["unshare", "--mount"]),
            "python3 (local, through unshare)",
        ),
        (Local::docker("web-1"), "python3 (docker container web-1)"),
        (Local::podman("web-1"), "python3 (podman container web-1)"),
        (Local::kubectl("api-0"), "python3 (kubernetes pod api-0)"),
        (Local::chroot("/srv/root"), "python3 (chroot /srv/root)"),
        (Local::nsenter(42), "python3 (namespaces of pid 42)"),
        (
            Local::chroot("/srv/root")
                .python("/usr/bin/python3.11")
                .with_become(Become::sudo().user("backup")),
            "/usr/bin/python3.11 (chroot /srv/root) via sudo -u backup",
        ),
        // A replaced wrapper takes the constructor's description with it.
        (
            Local::docker("web-1").wrapper(["sh", "-c", "exec \"$@\"", "sh"]),
            "python3 (local, through sh)",
        ),
    ];
    for (local, expected) in cases {
        assert_eq!(local.describe(), expected, "{local:?}");
    }
}

// The engines cannot run here. An installed client must fail at once with
// what it said; a missing one is a spawn error that says NotFound.
#[tokio::test]
async fn engine_clients_fail_cleanly_without_an_engine() {
    let kubeconfig = tempfile::NamedTempFile::new().unwrap();
    let engines = [
        (
            "docker",
            // No daemon, wherever this runs: the client gives up at once.
            Local::docker("no-such-container").env("DOCKER_HOST", "unix:///nonexistent/rmote.sock"),
            "python3 (docker container no-such-container)",
        ),
        (
            "podman",
            Local::podman("no-such-container"),
            "python3 (podman container no-such-container)",
        ),
        (
            "kubectl",
            // An empty configuration: no cluster anywhere to wait for.
            Local::kubectl("no-such-pod").env("KUBECONFIG", kubeconfig.path()),
            "python3 (kubernetes pod no-such-pod)",
        ),
    ];
    for (program, local, remote) in engines {
        let started = Instant::now();
        let err = connect_err(local, Duration::from_secs(30)).await;
        let took = started.elapsed();
        let message = err.to_string();
        if on_path(program) {
            eprintln!("{program} is installed: {message}");
            assert!(took < Duration::from_secs(20), "{program} took {took:?}");
            match &err {
                Error::Bootstrap { remote: r, reason } => {
                    assert_eq!(r, remote);
                    assert!(reason.contains("exit status"), "{reason}");
                    assert!(
                        reason.contains("stderr: "),
                        "{program} said nothing: {reason}"
                    );
                }
                Error::Unreachable { remote: r, .. } => assert_eq!(r, remote),
                other => panic!("{program}: expected an exit before readiness, got {other:?}"),
            }
        } else {
            eprintln!("{program} is not installed: {message}");
            match &err {
                Error::Spawn { remote: r, source } => {
                    assert_eq!(r, remote);
                    assert!(source.is_not_found(), "{source}");
                }
                other => panic!("{program}: expected a spawn error, got {other:?}"),
            }
            assert_eq!(err.io_kind(), Some(std::io::ErrorKind::NotFound));
        }
    }
}

// ---------------------------------------------------------------- wrappers

#[tokio::test]
async fn a_wrapper_that_exits_is_a_bootstrap_error_with_its_status() {
    let started = Instant::now();
    let err = connect_err(Local::command(["false"]), Duration::from_secs(30)).await;
    assert!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    match &err {
        Error::Bootstrap { remote, reason } => {
            assert_eq!(remote, "python3 (local, through false)");
            assert!(reason.contains("(exit status 1)"), "{reason}");
        }
        other => panic!("expected a bootstrap error, got {other:?}"),
    }

    let err = connect_err(
        Local::command([
            "sh",
            "-c",
            "echo 'wrapper: no such target' >&2; exit 3",
            "sh",
        ]),
        Duration::from_secs(30),
    )
    .await;
    let message = err.to_string();
    assert!(
        message.contains("exit status 3; stderr: wrapper: no such target"),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_interpreter_behind_a_wrapper_is_interpreter_not_found() {
    let local = Local::command(["sh", "-c", "exec \"$@\"", "sh"]).python("rmote-no-such-python");
    let err = connect_err(local, Duration::from_secs(30)).await;
    match &err {
        Error::Unreachable {
            failure: Failure::InterpreterNotFound { python },
            exit,
            ..
        } => {
            assert_eq!(python, "rmote-no-such-python");
            assert_eq!(code(exit), Some(127), "{exit}");
        }
        other => panic!("expected InterpreterNotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrapper_that_hangs_is_a_connect_timeout_and_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!(
        "echo $$ > '{}'; echo 'waiting forever' >&2; exec sleep 60",
        pid_file.display()
    );
    let limit = Duration::from_secs(1);
    let started = Instant::now();
    let err = connect_err(Local::command(["sh", "-c", &script, "sh"]), limit).await;
    let took = started.elapsed();
    assert!(took >= limit && took < limit * 5, "took {took:?}");
    match &err {
        Error::ConnectTimeout {
            remote,
            after,
            stderr,
        } => {
            assert_eq!(remote, "python3 (local, through sh)");
            assert_eq!(*after, limit);
            assert_eq!(stderr, "waiting forever");
        }
        other => panic!("expected ConnectTimeout, got {other:?}"),
    }
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::TimedOut));
    // The hung wrapper was killed and reaped, not left behind.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let proc_dir = format!("/proc/{}", pid.trim());
    assert!(!Path::new(&proc_dir).exists(), "{proc_dir} still exists");
}

// ---------------------------------------------------------------- helpers

/// A process that holds namespaces for a test: `unshare FLAGS --fork` runs
/// `script` with `args`, then waits for its stdin to close. That stdin is a
/// pipe from this process, and `--kill-child` ends the script with `unshare`,
/// so the namespaces (and their mounts) go away with the holder, or with the
/// test if it dies first.
struct Holder {
    child: Child,
}

impl Holder {
    fn start(flags: &[&str], script: &str, args: &[&std::ffi::OsStr]) -> Holder {
        require_program("unshare");
        let wrapped = format!("{script}\necho ready\nexec cat >/dev/null\n");
        let mut child = Command::new("unshare")
            .args(flags)
            .args(["--propagation", "private", "--fork", "--kill-child"])
            .args(["sh", "-c", &wrapped, "sh"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start unshare");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        if line.trim() != "ready" {
            let _ = child.kill();
            let _ = child.wait();
            let mut stderr = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("unshare {flags:?} failed: {}", stderr.trim());
        }
        Holder { child }
    }

    /// The `unshare` process: it made the namespaces, so they are its own.
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect(local: Local) -> Connection {
    let remote = local.describe();
    Connection::builder(local)
        .connect_timeout(Duration::from_secs(30))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {remote}: {e}"))
}

async fn connect_err(local: Local, limit: Duration) -> Error {
    match Connection::builder(local)
        .connect_timeout(limit)
        .connect()
        .await
    {
        Ok(conn) => panic!("connected to {} unexpectedly", conn.remote()),
        Err(err) => err,
    }
}

#[track_caller]
fn check_argv(local: &Local, expected: &[&str]) {
    let argv: Vec<OsString> = local.argv(&["-S".into()]);
    assert_eq!(argv, expected, "{local:?}");
}

fn code(exit: &Exit) -> Option<i32> {
    exit.status.and_then(|s| s.code())
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let file = dir.join(program);
            std::fs::metadata(&file).is_ok_and(|m| m.is_file())
        })
    })
}

#[track_caller]
fn require_root() {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .expect("cannot run id");
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "these tests mount, chroot and enter namespaces: run them as root"
    );
}

#[track_caller]
fn require_program(program: &str) {
    assert!(
        on_path(program),
        "`{program}` is not installed; it is needed by this test"
    );
}

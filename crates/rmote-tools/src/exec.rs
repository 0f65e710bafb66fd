//! `Exec`: run programs on the remote.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use rmote_session::{Call, Error, RemoteError, Tool, Value};
use serde::Deserialize;

/// The `Exec` tool (`python/exec.py`), for calling its methods directly.
pub static EXEC: Tool = Tool::new("Exec", include_str!("../python/exec.py"));

/// Runs programs on the remote, directly ([`Exec::command`]) or through
/// `/bin/sh -c` ([`Exec::shell`]).
///
/// Both return a [`Run`] builder. By default the call waits for the program,
/// fails when it exits with a non-zero status (see [`ProcessFailure`]), and
/// does not capture its output: the child's stdout goes to `/dev/null` (it
/// can never reach the protocol stream) and its stderr to the remote
/// interpreter's stderr, whose tail is kept for error messages.
///
/// The child runs in a process group of its own. Dropping the call's future
/// (or a [`Call::timeout`] expiring) kills that whole group on the remote, a
/// shell's pipeline included; so does the end of the connection. A program
/// that does not exist fails with `FileNotFoundError` (`io_kind() ==
/// Some(NotFound)`).
#[derive(Debug, Clone, Copy)]
pub struct Exec;

impl Exec {
    /// Runs `argv[0]` (looked up in the remote's `PATH`) with the rest as its
    /// arguments, no shell involved.
    pub fn command<I, S>(argv: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let argv = argv.into_iter().map(|s| s.as_ref().to_string()).collect();
        Run::new("command", argv)
    }

    /// Runs `/bin/sh -c expression`: pipes, redirections and `exit 7` work.
    pub fn shell(expression: impl AsRef<str>) -> Run {
        Run::new("shell", vec![expression.as_ref().to_string()])
    }
}

/// Options of [`Exec::command`] and [`Exec::shell`]; converts into a
/// `Call<Completed>`.
///
/// The environment follows [`std::process::Command`]: the child inherits the
/// remote interpreter's environment, with the variables set by
/// [`env`](Run::env) added and those named by [`env_remove`](Run::env_remove)
/// taken out; after [`env_clear`](Run::env_clear) it gets only the variables
/// set here (Python's `env=`, which replaces the environment; the others map
/// to the tool's `extra_env=`).
#[derive(Debug, Clone)]
#[must_use = "a Run does nothing until it is passed to Connection::call"]
pub struct Run {
    method: &'static str,
    args: Vec<String>,
    check: bool,
    env_clear: bool,
    env: BTreeMap<String, Option<String>>,
    cwd: Option<String>,
    stdin: Option<Vec<u8>>,
    capture: bool,
    timeout: Option<Duration>,
}

impl Run {
    fn new(method: &'static str, args: Vec<String>) -> Run {
        Run {
            method,
            args,
            check: true,
            env_clear: false,
            env: BTreeMap::new(),
            cwd: None,
            stdin: None,
            capture: false,
            timeout: None,
        }
    }

    /// Whether a non-zero exit status fails the call with
    /// `subprocess.CalledProcessError` (default `true`). With `false` the
    /// status is in [`Completed::returncode`].
    pub fn check(mut self, check: bool) -> Run {
        self.check = check;
        self
    }

    /// Captures stdout and stderr into [`Completed`] (and into the
    /// [`ProcessFailure`] of a failed call).
    pub fn capture(mut self) -> Run {
        self.capture = true;
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Run {
        self.env
            .insert(key.as_ref().to_string(), Some(value.as_ref().to_string()));
        self
    }

    /// Sets several environment variables for the child.
    pub fn envs<I, K, V>(mut self, vars: I) -> Run
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (key, value) in vars {
            self = self.env(key, value);
        }
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(mut self, key: impl AsRef<str>) -> Run {
        if self.env_clear {
            self.env.remove(key.as_ref());
        } else {
            self.env.insert(key.as_ref().to_string(), None);
        }
        self
    }

    /// Starts the child's environment empty instead of inheriting the
    /// remote's: it gets only the variables set with [`env`](Run::env)
    /// (before or after this call), not even `PATH`.
    pub fn env_clear(mut self) -> Run {
        self.env_clear = true;
        self.env.retain(|_, value| value.is_some());
        self
    }

    /// The child's working directory (default: the remote interpreter's).
    pub fn cwd(mut self, dir: impl AsRef<str>) -> Run {
        self.cwd = Some(dir.as_ref().to_string());
        self
    }

    /// Bytes (or text) fed to the child's stdin, which is then closed.
    /// Without it the child reads from `/dev/null`.
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Run {
        self.stdin = Some(input.as_ref().to_vec());
        self
    }

    /// Kills the child (and its process group) when it runs longer than
    /// `limit` and fails the call with `subprocess.TimeoutExpired` (see
    /// [`ProcessTimeout`]); output captured so far comes with it. This is
    /// measured on the remote; [`Call::timeout`] is the controller's own
    /// deadline and fails with [`Error::Timeout`].
    pub fn timeout(mut self, limit: Duration) -> Run {
        self.timeout = Some(limit);
        self
    }
}

impl From<Run> for Call<Completed> {
    fn from(b: Run) -> Call<Completed> {
        let mut call = Call::new(&EXEC, b.method);
        for arg in &b.args {
            call = call.arg(arg);
        }
        if !b.check {
            call = call.kwarg("check", &false);
        }
        if b.env_clear {
            call = call.kwarg("env", &b.env);
        } else if !b.env.is_empty() {
            call = call.kwarg("extra_env", &b.env);
        }
        if let Some(cwd) = &b.cwd {
            call = call.kwarg("cwd", cwd);
        }
        if let Some(stdin) = &b.stdin {
            call = call.kwarg("stdin", serde_bytes::Bytes::new(stdin));
        }
        if b.capture {
            call = call.kwarg("capture_output", &true);
        }
        if let Some(limit) = b.timeout {
            call = call.kwarg("timeout", &limit.as_secs_f64());
        }
        call
    }
}

/// A program that ran to completion: the result of an [`Exec`] call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Completed {
    /// The argument vector that ran (`["/bin/sh", "-c", …]` for a shell).
    pub args: Vec<String>,
    /// The exit status; minus the signal number when a signal ended it.
    pub returncode: i32,
    /// Standard output, when captured.
    #[serde(with = "serde_bytes")]
    pub stdout: Option<Vec<u8>>,
    /// Standard error, when captured.
    #[serde(with = "serde_bytes")]
    pub stderr: Option<Vec<u8>>,
}

impl Completed {
    /// Whether the exit status is 0.
    pub fn success(&self) -> bool {
        self.returncode == 0
    }

    /// Standard output as text (invalid UTF-8 replaced); empty when not
    /// captured.
    pub fn stdout_str(&self) -> Cow<'_, str> {
        lossy(self.stdout.as_deref())
    }

    /// Standard error as text (invalid UTF-8 replaced); empty when not
    /// captured.
    pub fn stderr_str(&self) -> Cow<'_, str> {
        lossy(self.stderr.as_deref())
    }
}

/// A program that exited with a non-zero status, read from the
/// `subprocess.CalledProcessError` a checked [`Exec`] call (or any tool
/// using `subprocess`) failed with.
///
/// ```
/// # fn handle(err: rmote_session::Error) {
/// use rmote_tools::ProcessFailure;
///
/// match ProcessFailure::from_error(&err) {
///     Some(failure) if failure.returncode == 1 => println!("no match"),
///     Some(failure) => eprintln!("{failure}: {}", failure.stderr_str()),
///     None => eprintln!("{err}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessFailure {
    /// The command that failed.
    pub cmd: Vec<String>,
    /// Its exit status; minus the signal number when a signal ended it.
    pub returncode: i32,
    /// Standard output, when it was captured.
    pub stdout: Option<Vec<u8>>,
    /// Standard error, when it was captured.
    pub stderr: Option<Vec<u8>>,
}

impl ProcessFailure {
    /// The failure, when `err` is a remote `subprocess.CalledProcessError`.
    pub fn from_error(err: &Error) -> Option<ProcessFailure> {
        err.remote().and_then(ProcessFailure::from_remote)
    }

    /// The failure, when `err` is a `subprocess.CalledProcessError`.
    pub fn from_remote(err: &RemoteError) -> Option<ProcessFailure> {
        if !err.is_instance("subprocess.CalledProcessError") {
            return None;
        }
        let attrs = err.attrs();
        let returncode = attrs.get("returncode")?.as_i64()?;
        Some(ProcessFailure {
            cmd: attrs.get("cmd").map(command_of).unwrap_or_default(),
            returncode: i32::try_from(returncode).ok()?,
            stdout: bytes_of(attrs.get("output")),
            stderr: bytes_of(attrs.get("stderr")),
        })
    }

    /// Standard output as text (invalid UTF-8 replaced); empty when not
    /// captured.
    pub fn stdout_str(&self) -> Cow<'_, str> {
        lossy(self.stdout.as_deref())
    }

    /// Standard error as text (invalid UTF-8 replaced); empty when not
    /// captured.
    pub fn stderr_str(&self) -> Cow<'_, str> {
        lossy(self.stderr.as_deref())
    }
}

impl fmt::Display for ProcessFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ", self.cmd)?;
        if self.returncode < 0 {
            write!(f, "was killed by signal {}", -self.returncode)
        } else {
            write!(f, "exited with status {}", self.returncode)
        }
    }
}

impl std::error::Error for ProcessFailure {}

/// A program killed because it ran longer than [`Run::timeout`], read from
/// the `subprocess.TimeoutExpired` the call failed with.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessTimeout {
    /// The command that was killed.
    pub cmd: Vec<String>,
    /// The limit it exceeded.
    pub timeout: Duration,
    /// Standard output up to the kill, when captured.
    pub stdout: Option<Vec<u8>>,
    /// Standard error up to the kill, when captured.
    pub stderr: Option<Vec<u8>>,
}

impl ProcessTimeout {
    /// The timeout, when `err` is a remote `subprocess.TimeoutExpired`.
    pub fn from_error(err: &Error) -> Option<ProcessTimeout> {
        err.remote().and_then(ProcessTimeout::from_remote)
    }

    /// The timeout, when `err` is a `subprocess.TimeoutExpired`.
    pub fn from_remote(err: &RemoteError) -> Option<ProcessTimeout> {
        if !err.is_instance("subprocess.TimeoutExpired") {
            return None;
        }
        let attrs = err.attrs();
        let seconds = attrs.get("timeout")?.as_f64()?;
        Some(ProcessTimeout {
            cmd: attrs.get("cmd").map(command_of).unwrap_or_default(),
            timeout: Duration::try_from_secs_f64(seconds).ok()?,
            stdout: bytes_of(attrs.get("output")),
            stderr: bytes_of(attrs.get("stderr")),
        })
    }
}

impl fmt::Display for ProcessTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} timed out after {:?}", self.cmd, self.timeout)
    }
}

impl std::error::Error for ProcessTimeout {}

/// A command as `subprocess` keeps it: a list of arguments, or one string
/// for a shell command line.
fn command_of(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| match v.as_str() {
                Some(s) => s.to_string(),
                None => v.to_string(),
            })
            .collect(),
        Value::String(s) => vec![s.as_str().unwrap_or_default().to_string()],
        other => vec![other.to_string()],
    }
}

/// Output as bytes (`str` output of a tool using `text=True` too).
fn bytes_of(value: Option<&Value>) -> Option<Vec<u8>> {
    value.and_then(Value::as_slice).map(<[u8]>::to_vec)
}

fn lossy(bytes: Option<&[u8]>) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes.unwrap_or_default())
}

//! A started remote interpreter: its pipes, its stderr tail, its end.

use std::fmt;
use std::os::fd::AsRawFd;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::task::JoinHandle;

/// How much of the remote's stderr is kept for error messages.
const STDERR_TAIL: usize = 8 * 1024;

/// The pipe capacity asked for (Linux; silently ignored elsewhere).
const PIPE_SIZE: libc::c_int = 1 << 20;

/// A running interpreter with piped stdin and stdout.
///
/// Dropping it kills the process. Its stderr is read in the background: each
/// line is logged at debug level under the `rmote::stderr` target, and the
/// last few kilobytes are kept for error messages.
pub struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Option<ChildStdout>,
    stderr: Arc<Mutex<Tail>>,
    stderr_task: Option<JoinHandle<()>>,
    description: String,
    status: Option<ExitStatus>,
}

/// How a process ended, for error messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exit {
    /// The exit status, when the process was reaped.
    pub status: Option<ExitStatus>,
    /// The last lines of its stderr.
    pub stderr: String,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => match (status.code(), signal(status)) {
                (Some(code), _) => write!(f, "exit status {code}")?,
                (None, Some(sig)) => write!(f, "killed by signal {sig}")?,
                (None, None) => write!(f, "{status}")?,
            },
            None => f.write_str("still running")?,
        }
        if !self.stderr.is_empty() {
            write!(f, "; stderr: {}", self.stderr)?;
        }
        Ok(())
    }
}

fn signal(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    truncated: bool,
}

impl Process {
    /// Wraps a child spawned with piped stdin, stdout and stderr.
    pub fn new(mut child: Child, description: String) -> Process {
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        if let Some(pipe) = &stdin {
            grow_pipe(pipe.as_raw_fd());
        }
        if let Some(pipe) = &stdout {
            grow_pipe(pipe.as_raw_fd());
        }
        let stderr = Arc::new(Mutex::new(Tail::default()));
        let stderr_task = child.stderr.take().map(|pipe| {
            let tail = stderr.clone();
            let who = description.clone();
            tokio::spawn(collect_stderr(pipe, tail, who))
        });
        Process {
            child,
            stdin,
            stdout,
            stderr,
            stderr_task,
            description,
            status: None,
        }
    }

    /// Takes the pipe to the interpreter's stdin.
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.stdin.take()
    }

    /// Takes the pipe from the interpreter's stdout.
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.stdout.take()
    }

    /// The OS process id of the local child, while it runs.
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// What this process is, for messages (`python3 (local)`).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The last lines the process wrote to stderr so far.
    pub fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&tail.bytes);
        let text = if tail.truncated {
            // Start at a line boundary rather than mid-line.
            text.split_once('\n').map_or(&*text, |(_, rest)| rest)
        } else {
            &text
        };
        text.trim().to_string()
    }

    /// Sends SIGKILL (the process is also killed when dropped).
    pub fn kill(&mut self) {
        let _ = self.child.start_kill();
    }

    /// Waits up to `limit` for the process to exit by itself.
    pub async fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Ok(status)) = tokio::time::timeout(limit, self.child.wait()).await {
                self.status = Some(status);
            }
        }
        self.status
    }

    /// Closes stdin, waits up to `grace` for the process to exit, then kills
    /// it. Returns the exit status (`None` only if it could not be reaped).
    pub async fn shutdown(&mut self, grace: Duration) -> Option<ExitStatus> {
        self.stdin = None;
        if let Some(status) = self.wait_for(grace).await {
            return Some(status);
        }
        self.kill();
        self.wait_for(Duration::from_secs(5)).await
    }

    /// Shuts the process down (see [`Process::shutdown`]) and returns its
    /// exit status with the tail of its stderr, read to the end (bounded by
    /// `grace` as well).
    pub async fn exit(&mut self, grace: Duration) -> Exit {
        let status = self.shutdown(grace).await;
        if let Some(task) = self.stderr_task.take() {
            // A grandchild may still hold stderr open; do not wait for it long.
            let _ = tokio::time::timeout(Duration::from_millis(500).min(grace), task).await;
        }
        Exit {
            status,
            stderr: self.stderr_tail(),
        }
    }
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("description", &self.description)
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(task) = &self.stderr_task {
            task.abort();
        }
    }
}

async fn collect_stderr(
    mut pipe: tokio::process::ChildStderr,
    tail: Arc<Mutex<Tail>>,
    who: String,
) {
    let mut buf = vec![0u8; 4096];
    let mut line = Vec::new();
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        {
            let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
            tail.bytes.extend_from_slice(&buf[..n]);
            if tail.bytes.len() > STDERR_TAIL {
                let cut = tail.bytes.len() - STDERR_TAIL;
                tail.bytes.drain(..cut);
                tail.truncated = true;
            }
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                tracing::debug!(target: "rmote::stderr", remote = %who, "{}", String::from_utf8_lossy(&line));
                line.clear();
            } else if line.len() < STDERR_TAIL {
                line.push(b);
            }
        }
    }
    if !line.is_empty() {
        tracing::debug!(target: "rmote::stderr", remote = %who, "{}", String::from_utf8_lossy(&line));
    }
}

/// Asks for a larger pipe buffer: fewer context switches on bulk transfers.
fn grow_pipe(fd: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: F_SETPIPE_SZ on a descriptor we own only changes the pipe's
    // capacity; failure (not a pipe, over the limit) is harmless and ignored.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_SIZE);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, PIPE_SIZE);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Local, Transport};

    #[tokio::test]
    async fn stderr_tail_keeps_the_end() {
        let local = Local::new().python("sh");
        let script = "i=0; while [ $i -lt 2000 ]; do echo line-$i >&2; i=$((i+1)); done; exit 3";
        let mut p = local.spawn(&["-c".into(), script.into()]).unwrap();
        let exit = p.exit(Duration::from_secs(10)).await;
        assert_eq!(exit.status.and_then(|s| s.code()), Some(3));
        assert!(exit.stderr.ends_with("line-1999"), "{}", exit.stderr);
        assert!(exit.stderr.starts_with("line-"), "{}", exit.stderr);
        assert!(exit.stderr.len() <= STDERR_TAIL);
        assert!(exit.to_string().starts_with("exit status 3; stderr: line-"));
    }

    #[tokio::test]
    async fn shutdown_kills_after_grace() {
        let local = Local::new().python("sleep");
        let mut p = local.spawn(&["30".into()]).unwrap();
        let status = p.shutdown(Duration::from_millis(100)).await.unwrap();
        assert_eq!(signal(status), Some(libc::SIGKILL));
    }

    #[tokio::test]
    async fn missing_program_is_not_found() {
        let err = Local::new()
            .python("/nonexistent/python3")
            .spawn(&[])
            .unwrap_err();
        assert!(err.is_not_found());
        assert_eq!(err.to_string(), "cannot start `/nonexistent/python3`");
    }

    #[tokio::test]
    async fn wrapper_runs_the_interpreter() {
        let local = Local::new()
            .wrapper(["sh", "-c", "echo \"$0 $*\" >&2", "wrapped"])
            .python("python3");
        let mut p = local.spawn(&["-S".into()]).unwrap();
        let exit = p.exit(Duration::from_secs(5)).await;
        assert_eq!(exit.stderr, "wrapped python3 -S");
        assert_eq!(local.describe(), "python3 (local, through sh)");
    }
}

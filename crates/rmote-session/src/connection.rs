//! Connections: connecting (bootstrap and handshake), calling, closing.

use std::ffi::OsString;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rmote_transport::{Exit, Local, Process, Transport};
use rmote_wire::{Compression, FrameCodec, Hello, Kind, Message, RemoteException};
use tokio::io::AsyncWriteExt;
use tokio::process::ChildStdout;
use tokio::sync::{mpsc, oneshot};

use crate::bootstrap::{self, Readiness, Stage1};
use crate::core::Core;
use crate::driver::{error_chain, Command, Driver, Reply, Status};
use crate::error::{Disconnect, Error, RemoteError};
use crate::reader::FrameReader;
use crate::tool::Call;

/// What the remote reported about itself in its handshake.
pub type RemoteInfo = Hello;

/// A connection to one remote interpreter. Cheap to clone; every clone
/// drives the same remote. Calls on it run concurrently.
///
/// When the last clone is dropped the remote's stdin is closed and the
/// remote exits; [`Connection::close`] does the same and waits for it.
#[derive(Clone, Debug)]
pub struct Connection {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    commands: mpsc::UnboundedSender<Command>,
    next_id: AtomicU32,
    status: Arc<Status>,
    info: RemoteInfo,
    remote: String,
    call_timeout: Option<Duration>,
    max_message: usize,
    compression: Compression,
}

/// Settings of a connection, set through [`Connection::builder`].
#[derive(Debug, Clone)]
pub struct Builder {
    transport: Arc<dyn Transport>,
    connect_timeout: Duration,
    close_timeout: Duration,
    call_timeout: Option<Duration>,
    max_frame: usize,
    max_message: usize,
    compression: Compression,
    python_args: Vec<OsString>,
    log_level: Option<u32>,
    max_threads: usize,
}

impl Connection {
    /// Connects to `python3` on this machine with default settings.
    pub async fn local() -> Result<Connection, Error> {
        Connection::builder(Local::new()).connect().await
    }

    /// Starts configuring a connection over `transport`.
    pub fn builder(transport: impl Transport + 'static) -> Builder {
        Builder {
            transport: Arc::new(transport),
            connect_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
            call_timeout: None,
            max_frame: rmote_wire::DEFAULT_MAX_FRAME,
            max_message: rmote_wire::DEFAULT_MAX_MESSAGE,
            compression: Compression::DEFAULT,
            python_args: vec!["-S".into()],
            log_level: None,
            max_threads: 256,
        }
    }

    /// What the remote reported: Python version, platform, host name, pid.
    pub fn remote_info(&self) -> &RemoteInfo {
        &self.inner.info
    }

    /// What this connection talks to, for messages (`python3 (local)`).
    pub fn remote(&self) -> &str {
        &self.inner.remote
    }

    /// How many tool sources (SYNC messages) were sent on this connection.
    pub fn syncs_sent(&self) -> u64 {
        self.inner.status.syncs.load(Ordering::Relaxed)
    }

    /// Whether the remote is known to be gone.
    pub fn is_closed(&self) -> bool {
        self.inner.status.closed.get().is_some() || self.inner.commands.is_closed()
    }

    /// Calls a tool method and decodes its result.
    ///
    /// The first call of a tool on a connection sends the tool's source in
    /// the same write, so it costs one round trip too. Dropping the returned
    /// future before it completes cancels the call on the remote.
    pub async fn call<T>(&self, call: impl Into<Call<T>>) -> Result<T, Error> {
        let Call {
            tool,
            method,
            args,
            error,
            timeout,
            decode,
            ..
        } = call.into();
        let label = || format!("{}.{}", tool.name(), method);
        if let Some(source) = error {
            return Err(Error::Encode {
                call: label(),
                source,
            });
        }
        let body = args.finish();
        if body.len() > self.inner.max_message {
            return Err(Error::TooLarge {
                call: label(),
                len: body.len(),
                max: self.inner.max_message,
            });
        }
        let id = self.next_id();
        // Compressing here, in the caller's task, keeps the connection's
        // driver free for other calls while a large body is packed.
        let message = Message::new(Kind::CALL, id, body).compress(self.inner.compression);
        let (reply, rx) = oneshot::channel();
        let command = Command::Call {
            tool: tool.clone(),
            call: message,
            reply,
        };
        if self.inner.commands.send(command).is_err() {
            return Err(self.closed_error());
        }
        let guard = CancelOnDrop {
            id,
            commands: &self.inner.commands,
            armed: true,
        };
        let outcome = match timeout.or(self.inner.call_timeout) {
            None => rx.await,
            Some(limit) => match tokio::time::timeout(limit, rx).await {
                Ok(outcome) => outcome,
                // `guard` is dropped here: the remote call is cancelled.
                Err(_) => {
                    return Err(Error::Timeout {
                        call: label(),
                        after: limit,
                    })
                }
            },
        };
        guard.disarm();
        let Reply { ok, message } = match outcome {
            Ok(Ok(reply)) => reply,
            Ok(Err(disconnect)) => return Err(Error::Disconnected(disconnect)),
            Err(_) => return Err(self.closed_error()),
        };
        let body = match message.decompress(self.inner.max_message) {
            Ok(message) => message.body,
            Err(source) => {
                return Err(Error::Decode {
                    call: label(),
                    source,
                })
            }
        };
        if ok {
            return decode(body).map_err(|source| Error::Decode {
                call: label(),
                source,
            });
        }
        match rmote_wire::decode::<RemoteException>(&body) {
            Ok(exception) => Err(Error::Remote(Box::new(RemoteError::new(
                label(),
                exception,
            )))),
            Err(source) => Err(Error::Decode {
                call: label(),
                source,
            }),
        }
    }

    /// Closes stdin, waits (up to the close timeout) for the remote to exit,
    /// and returns how it ended. Calls still running fail with
    /// [`Error::Disconnected`].
    pub async fn close(&self) -> Exit {
        let (tx, rx) = oneshot::channel();
        if self.inner.commands.send(Command::Close(tx)).is_ok() {
            if let Ok(exit) = rx.await {
                return exit;
            }
        }
        self.inner
            .status
            .closed
            .get()
            .map(|d| d.exit.clone())
            .unwrap_or_default()
    }

    fn next_id(&self) -> u32 {
        loop {
            let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
            if id != 0 {
                return id;
            }
        }
    }

    fn closed_error(&self) -> Error {
        let disconnect = self.inner.status.closed.get().cloned().unwrap_or_else(|| {
            Arc::new(Disconnect {
                remote: self.inner.remote.clone(),
                reason: "the connection task ended".into(),
                exit: Exit::default(),
            })
        });
        Error::Disconnected(disconnect)
    }
}

/// Sends CANCEL for a call whose future is dropped before its reply.
struct CancelOnDrop<'a> {
    id: u32,
    commands: &'a mpsc::UnboundedSender<Command>,
    armed: bool,
}

impl CancelOnDrop<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.commands.send(Command::Cancel(self.id));
        }
    }
}

impl Builder {
    /// How long connecting may take, bootstrap and handshake included
    /// (default 30 s). A remote that is not ready by then is killed and the
    /// error carries its stderr.
    pub fn connect_timeout(mut self, limit: Duration) -> Builder {
        self.connect_timeout = limit;
        self
    }

    /// How long [`Connection::close`] waits for the remote to exit before it
    /// kills it (default 5 s).
    pub fn close_timeout(mut self, limit: Duration) -> Builder {
        self.close_timeout = limit;
        self
    }

    /// A deadline for every call that sets none itself (default: none).
    pub fn call_timeout(mut self, limit: Duration) -> Builder {
        self.call_timeout = Some(limit);
        self
    }

    /// The largest frame either side sends or accepts (default 256 KiB).
    pub fn max_frame(mut self, bytes: usize) -> Builder {
        self.max_frame = bytes.clamp(64, u32::MAX as usize);
        self
    }

    /// The largest message (call arguments or result) either side accepts
    /// (default 256 MiB).
    pub fn max_message(mut self, bytes: usize) -> Builder {
        self.max_message = bytes;
        self
    }

    /// When message bodies are compressed (default: from 4 KiB, when it pays).
    pub fn compression(mut self, compression: Compression) -> Builder {
        self.compression = compression;
        self
    }

    /// Interpreter options placed before `-c` (default `-S`: the runtime and
    /// the built-in tools need only the standard library, and the remote's
    /// `site-packages` cannot interfere). Pass an empty list to let the
    /// remote's tools import installed packages.
    pub fn python_args<I, S>(mut self, args: I) -> Builder
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.python_args = args.into_iter().map(Into::into).collect();
        self
    }

    /// The remote root logger's initial level, as a Python level number
    /// (default: the most verbose level `tracing` has enabled).
    pub fn remote_log_level(mut self, level: u32) -> Builder {
        self.log_level = Some(level);
        self
    }

    /// The most threads the remote runs plain (non-async) methods in at once
    /// (default 256).
    pub fn max_threads(mut self, threads: usize) -> Builder {
        self.max_threads = threads.max(1);
        self
    }

    /// Starts the interpreter, sends the runtime and waits for readiness.
    pub async fn connect(self) -> Result<Connection, Error> {
        let remote = self.transport.describe();
        let stage1 = Stage1 {
            nonce: bootstrap::nonce(),
            max_frame: self.max_frame,
            max_message: self.max_message,
            compress: self.compression.threshold,
            log_level: self.log_level.unwrap_or_else(|| {
                crate::log::python_level_for(tracing_core::LevelFilter::current())
            }),
            max_threads: self.max_threads,
        };
        let mut process = self
            .transport
            .spawn(&stage1.argv(&self.python_args))
            .map_err(|source| Error::Spawn {
                remote: remote.clone(),
                source,
            })?;
        let (mut stdin, mut stdout) = match (process.take_stdin(), process.take_stdout()) {
            (Some(stdin), Some(stdout)) => (stdin, stdout),
            _ => unreachable!("transports spawn with piped stdin and stdout"),
        };
        let handshake = async {
            // A remote that dies early shows up as EOF below, with its stderr.
            let _ = stdin.write_all(bootstrap::runtime()).await;
            let readiness = bootstrap::await_ready(&mut stdout, &stage1.nonce).await;
            (readiness, stdout)
        };
        let (readiness, stdout) = match tokio::time::timeout(self.connect_timeout, handshake).await
        {
            Ok(done) => done,
            Err(_) => {
                let exit = process.exit(Duration::ZERO).await;
                return Err(Error::ConnectTimeout {
                    remote,
                    after: self.connect_timeout,
                    stderr: exit.stderr,
                });
            }
        };
        let rest = match readiness {
            Ok(Readiness::Ready(rest)) => rest,
            Ok(Readiness::Eof(output)) => {
                return Err(self.failed(&remote, &mut process, output).await);
            }
            Ok(Readiness::TooMuchJunk(output)) => {
                process.kill();
                return Err(Error::Bootstrap {
                    remote,
                    reason: format!(
                        "over 1 MiB of output came before the readiness line; it ended with: {output}"
                    ),
                });
            }
            Err(err) => {
                let reason = format!("reading its output failed: {err}");
                process.kill();
                return Err(Error::Bootstrap { remote, reason });
            }
        };
        let mut reader = FrameReader::new(stdout, FrameCodec::new(self.max_frame), rest);
        let info = match tokio::time::timeout(self.connect_timeout, read_hello(&mut reader)).await {
            Ok(Ok(info)) => info,
            Ok(Err(reason)) => {
                process.kill();
                return Err(Error::Bootstrap { remote, reason });
            }
            Err(_) => {
                let exit = process.exit(Duration::ZERO).await;
                return Err(Error::ConnectTimeout {
                    remote,
                    after: self.connect_timeout,
                    stderr: exit.stderr,
                });
            }
        };
        let (commands, rx) = mpsc::unbounded_channel();
        let status = Arc::new(Status::default());
        let driver = Driver {
            core: Core::new(self.max_frame, self.max_message, self.compression),
            commands: rx,
            reader,
            writer: Some(stdin),
            process,
            status: status.clone(),
            remote: remote.clone(),
            close_timeout: self.close_timeout,
            outbox: Default::default(),
            closing: Vec::new(),
            commands_done: false,
            close_deadline: None,
        };
        tokio::spawn(driver.run());
        Ok(Connection {
            inner: Arc::new(Inner {
                commands,
                next_id: AtomicU32::new(1),
                status,
                info,
                remote,
                call_timeout: self.call_timeout,
                max_message: self.max_message,
                compression: self.compression,
            }),
        })
    }

    /// The error for an interpreter whose output ended before readiness.
    async fn failed(&self, remote: &str, process: &mut Process, output: String) -> Error {
        let exit = process.exit(Duration::from_secs(2)).await;
        let code = exit.status.and_then(|s| s.code());
        if code == Some(bootstrap::EXIT_TOO_OLD) {
            let found = exit
                .stderr
                .rsplit("this is Python ")
                .next()
                .map(|v| v.trim().to_string())
                .unwrap_or_default();
            return Error::PythonTooOld {
                remote: remote.to_string(),
                found,
            };
        }
        if let Some(failure) = self.transport.explain(&exit) {
            return Error::Unreachable {
                remote: remote.to_string(),
                failure,
                exit,
            };
        }
        let mut reason = if code == Some(bootstrap::EXIT_NO_RUNTIME) {
            format!("its stdin closed before the runtime arrived ({exit})")
        } else {
            format!("it exited before the interpreter was ready ({exit})")
        };
        if !output.is_empty() {
            reason.push_str("; output: ");
            reason.push_str(&output);
        }
        Error::Bootstrap {
            remote: remote.to_string(),
            reason,
        }
    }
}

async fn read_hello(reader: &mut FrameReader<ChildStdout>) -> Result<Hello, String> {
    let frame = reader
        .next()
        .await
        .ok_or_else(|| {
            "the remote closed the connection right after its readiness line".to_string()
        })?
        .map_err(|e| format!("invalid first frame: {}", error_chain(&e)))?;
    if frame.kind != Kind::HELLO {
        return Err(format!(
            "expected HELLO as the first frame, got {}",
            frame.kind
        ));
    }
    let hello: Hello = rmote_wire::decode(&frame.body)
        .map_err(|e| format!("invalid HELLO: {}", error_chain(&e)))?;
    if hello.protocol != crate::PROTOCOL_VERSION {
        return Err(format!(
            "the remote speaks protocol {}, this controller speaks {}",
            hello.protocol,
            crate::PROTOCOL_VERSION
        ));
    }
    Ok(hello)
}

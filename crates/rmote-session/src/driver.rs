//! The task that owns a connection's pipes and pumps the [`Core`].
//!
//! Callers reach it over a channel (no shared mutex): calls, cancels and
//! close requests go in; replies go back on one-shot channels. When the
//! remote goes away, every pending and later call gets the same
//! [`Disconnect`].

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use rmote_transport::{Exit, Process};
use rmote_wire::{Kind, LogRecord, Message, RemoteException};
use std::io::IoSlice;
use tokio::io::AsyncWrite;
use tokio::process::{ChildStdin, ChildStdout};
use tokio::sync::{mpsc, oneshot};

use crate::core::{Core, Event};
use crate::error::Disconnect;
use crate::log;
use crate::outbox::{Outbox, MAX_SLICES};
use crate::reader::FrameReader;
use crate::tool::ToolRef;

/// Stop pulling frames from the core once this much is waiting to be written,
/// so small messages queued later can still overtake a large transfer.
const HIGH_WATER: usize = 256 * 1024;

/// Bytes written per turn before the reader gets one.
const WRITE_BURST: usize = 1024 * 1024;

/// Frames handled per read burst before the writer gets a turn.
const READ_BURST: usize = 512;

/// Rounds of the I/O loop before yielding to the scheduler.
const ROUNDS: usize = 4;

/// A completed call: the OK value or the ERR exception map (the message
/// may still be compressed).
#[derive(Debug)]
pub(crate) struct Reply {
    pub ok: bool,
    pub message: Message,
}

pub(crate) type Waiter = oneshot::Sender<Result<Reply, Arc<Disconnect>>>;

pub(crate) enum Command {
    Call {
        tool: ToolRef,
        call: Message,
        reply: Waiter,
    },
    Cancel(u32),
    Close(oneshot::Sender<Exit>),
}

/// State shared with the connection handles that does not keep the command
/// channel open.
#[derive(Debug, Default)]
pub(crate) struct Status {
    pub closed: OnceLock<Arc<Disconnect>>,
    pub syncs: AtomicU64,
}

pub(crate) struct Driver {
    pub core: Core<Waiter>,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub reader: FrameReader<ChildStdout>,
    pub writer: Option<ChildStdin>,
    pub process: Process,
    pub status: Arc<Status>,
    pub remote: String,
    pub close_timeout: Duration,
    pub outbox: Outbox,
    pub closing: Vec<oneshot::Sender<Exit>>,
    pub commands_done: bool,
    pub close_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// Why the I/O loop ended.
enum End {
    /// The remote closed its output.
    Eof,
    /// The controller closed the connection and the remote exited.
    Closed,
    /// The remote did not exit within the close timeout.
    CloseTimeout,
    /// The remote broke the protocol; it is killed at once.
    Protocol(rmote_wire::Error),
}

impl Driver {
    pub(crate) async fn run(mut self) {
        let end = poll_fn(|cx| self.poll_io(cx)).await;
        // Replies and records read in the same burst as the end still count.
        self.dispatch_events();
        self.writer = None;
        let (reason, grace) = match end {
            End::Eof => (
                "the remote closed the connection".to_string(),
                self.close_timeout,
            ),
            End::Closed => ("the connection was closed".to_string(), self.close_timeout),
            End::CloseTimeout => (
                format!(
                    "the remote did not exit within {:?} of closing",
                    self.close_timeout
                ),
                Duration::ZERO,
            ),
            End::Protocol(err) => (
                format!("protocol error: {}", error_chain(&err)),
                Duration::ZERO,
            ),
        };
        let exit = self.process.exit(grace).await;
        let disconnect = Arc::new(Disconnect {
            remote: self.remote.clone(),
            reason,
            exit: exit.clone(),
        });
        tracing::debug!(target: "rmote::session", "{disconnect}");
        let _ = self.status.closed.set(disconnect.clone());
        for waiter in self.core.drain_pending() {
            let _ = waiter.send(Err(disconnect.clone()));
        }
        self.commands.close();
        while let Ok(cmd) = self.commands.try_recv() {
            match cmd {
                Command::Call { reply, .. } => {
                    let _ = reply.send(Err(disconnect.clone()));
                }
                Command::Close(tx) => self.closing.push(tx),
                Command::Cancel(_) => {}
            }
        }
        for tx in self.closing.drain(..) {
            let _ = tx.send(exit.clone());
        }
    }

    fn poll_io(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        for _ in 0..ROUNDS {
            let mut progress = self.poll_commands(cx);
            match self.poll_read(cx) {
                Poll::Ready(end) => return Poll::Ready(end),
                Poll::Pending => {}
            }
            self.dispatch_events();
            progress |= self.poll_write(cx);
            let closing = !self.closing.is_empty() || self.commands_done;
            if closing && self.writer.is_some() && self.outbox.is_empty() {
                // Everything is written: closing stdin tells the runtime to exit.
                self.writer = None;
                self.close_deadline = Some(Box::pin(tokio::time::sleep(self.close_timeout)));
            }
            if let Some(deadline) = &mut self.close_deadline {
                if deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(End::CloseTimeout);
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
        // Plenty done: let other tasks run, then continue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn poll_commands(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while !self.commands_done {
            match self.commands.poll_recv(cx) {
                Poll::Ready(Some(cmd)) => {
                    progress = true;
                    self.handle(cmd);
                }
                Poll::Ready(None) => self.commands_done = true,
                Poll::Pending => break,
            }
        }
        if progress {
            self.status
                .syncs
                .store(self.core.syncs_sent(), Ordering::Relaxed);
        }
        progress
    }

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Call { tool, call, reply } => {
                if reply.is_closed() {
                    return; // the caller is already gone
                }
                self.core.handle_call(&tool, call, reply);
            }
            Command::Cancel(id) => {
                self.core.handle_cancel(id);
            }
            Command::Close(tx) => self.closing.push(tx),
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        for _ in 0..READ_BURST {
            match self.reader.poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Err(err) = self.core.handle_frame(frame) {
                        return Poll::Ready(End::Protocol(err));
                    }
                }
                Poll::Ready(Some(Err(rmote_wire::Error::Io(_)))) | Poll::Ready(None) => {
                    return Poll::Ready(if self.writer.is_none() && !self.closing.is_empty() {
                        End::Closed
                    } else {
                        End::Eof
                    });
                }
                Poll::Ready(Some(Err(rmote_wire::Error::Truncated(_)))) => {
                    return Poll::Ready(End::Eof);
                }
                Poll::Ready(Some(Err(err))) => return Poll::Ready(End::Protocol(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
        // A long burst: come back to reading after the writer's turn.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes up to `WRITE_BURST` bytes, so that replies are read (and small
    /// calls sent) between the frames of a large transfer.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(writer) = self.writer.as_mut() else {
            // The pipe is gone: drop what would have been written.
            while self.core.poll_transmit().is_some() {}
            self.outbox.clear();
            return false;
        };
        let mut written = 0;
        while written < WRITE_BURST {
            while self.outbox.len() < HIGH_WATER {
                let Some(frame) = self.core.poll_transmit() else {
                    break;
                };
                self.outbox.push(frame);
            }
            if self.outbox.is_empty() {
                break;
            }
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = self.outbox.slices(&mut slices);
            match Pin::new(&mut *writer).poll_write_vectored(cx, &slices[..n]) {
                Poll::Ready(Ok(n)) => {
                    self.outbox.advance(n);
                    written += n;
                }
                Poll::Ready(Err(err)) => {
                    // The remote stopped reading (it died); its EOF follows.
                    tracing::debug!(target: "rmote::session", "write to the remote failed: {err}");
                    self.writer = None;
                    self.outbox.clear();
                    return true;
                }
                Poll::Pending => break,
            }
        }
        written > 0
    }

    fn dispatch_events(&mut self) {
        while let Some(event) = self.core.poll_event() {
            match event {
                Event::Reply {
                    waiter,
                    ok,
                    message,
                } => {
                    let _ = waiter.send(Ok(Reply { ok, message }));
                }
                Event::Log { id, body } => match rmote_wire::decode::<LogRecord>(&body) {
                    Ok(record) => log::forward(&record, id, &self.remote),
                    Err(err) => tracing::warn!(
                        target: "rmote::session",
                        "{}: undecodable log record: {}", self.remote, error_chain(&err)
                    ),
                },
                Event::Unexpected { kind, id, body } => {
                    if kind == Kind::ERR {
                        let message = rmote_wire::decode::<RemoteException>(&body)
                            .map(|e| format!("{}: {}", e.type_name, e.message))
                            .unwrap_or_else(|e| error_chain(&e));
                        tracing::warn!(target: "rmote::session", "{}: remote error outside any call: {message}", self.remote);
                    } else {
                        tracing::warn!(target: "rmote::session", "{}: ignoring unexpected {kind} frame (id {id})", self.remote);
                    }
                }
            }
        }
    }
}

/// An error and its causes, joined with `: `.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

//! Fan-out: the same work on many hosts at once, each host in a task of its
//! own, at most `concurrency` of them at a time.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::connection::{Builder, Connection};
use crate::error::Error;

/// How many hosts run at once unless [`FanOut::concurrency`] says otherwise.
const DEFAULT_CONCURRENCY: usize = 32;

/// The same work on many hosts: connects to each, runs a closure with the
/// connection, closes it, and reports every host's outcome.
///
/// Every host runs in a Tokio task of its own, so a slow or hanging host
/// never holds up the others; at most [`concurrency`](FanOut::concurrency)
/// hosts are connecting or working at any moment, and they start in the
/// order given (a host's task is spawned only once it has a slot). A failed connect, a failed closure and an expired
/// [`deadline`](FanOut::deadline) are that host's result; they stop nothing
/// else.
///
/// ```no_run
/// use std::time::Duration;
/// use rmote_session::{Call, Connection, FanOut, Ssh, Tool};
///
/// static UNAME: Tool = Tool::new("Uname", r#"
/// import os
/// class Uname:
///     @staticmethod
///     def release():
///         return os.uname().release
/// "#);
///
/// # async fn demo() {
/// let targets = ["web01", "web02", "deploy@db01:2222"]
///     .map(|dest| (dest, Connection::builder(Ssh::new(dest))));
/// let mut outcomes = FanOut::new(targets)
///     .concurrency(50)
///     .deadline(Duration::from_secs(30))
///     .run(|conn, _host| async move {
///         conn.call(Call::<String>::new(&UNAME, "release")).await
///     });
/// // One outcome per host, in the order they finish.
/// while let Some(done) = outcomes.next().await {
///     match done.result {
///         Ok(release) => println!("{}: {release} in {:?}", done.host, done.elapsed),
///         Err(err) => println!("{}: {err}", done.host),
///     }
/// }
/// # }
/// ```
pub struct FanOut {
    targets: Vec<(String, Builder)>,
    concurrency: usize,
    deadline: Option<Duration>,
    progress: Option<ProgressHook>,
}

type ProgressHook = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The host a fan-out closure runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Host {
    /// The name the host was given in [`FanOut::new`].
    pub name: String,
    /// Its position in the list given to [`FanOut::new`].
    pub index: usize,
}

/// How one host of a fan-out ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct HostOutcome<T> {
    /// The name the host was given in [`FanOut::new`].
    pub host: String,
    /// Its position in the list given to [`FanOut::new`].
    pub index: usize,
    /// What the closure returned, or why the host failed before or instead:
    /// a connect error, or [`Error::HostDeadline`].
    pub result: Result<T, Error>,
    /// From the start of connecting until the connection was closed (time
    /// spent waiting for a free slot is not counted).
    pub elapsed: Duration,
}

/// What a fan-out reports to its [`on_progress`](FanOut::on_progress) hook.
///
/// Every host that starts reports `Connecting`, then `Connected` if its
/// interpreter became ready, then `Finished`. A host is between
/// `Connecting` and `Finished` only while it holds one of the fan-out's
/// [`concurrency`](FanOut::concurrency) slots.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// The host got a slot and is starting its interpreter.
    Connecting {
        /// The host's name.
        host: String,
        /// The host's position in the list.
        index: usize,
    },
    /// The host's interpreter is ready; its work starts.
    Connected {
        /// The host's name.
        host: String,
        /// The host's position in the list.
        index: usize,
        /// How long connecting took.
        elapsed: Duration,
    },
    /// The host's result is known and its connection closed; its slot is
    /// free for the next host.
    Finished {
        /// The host's name.
        host: String,
        /// The host's position in the list.
        index: usize,
        /// Whether its result is `Ok`.
        ok: bool,
        /// As in [`HostOutcome::elapsed`].
        elapsed: Duration,
    },
}

/// The outcomes of a running fan-out, one per host, in the order the hosts
/// finish: a [`Stream`], or read them with [`Outcomes::next`].
///
/// Dropping it aborts the hosts still running and starts no others: the
/// running hosts' work is dropped, so their connections close and their
/// interpreters end.
pub struct Outcomes<T> {
    outcomes: mpsc::UnboundedReceiver<HostOutcome<T>>,
    remaining: usize,
    feeder: JoinHandle<()>,
    feeder_done: bool,
}

impl FanOut {
    /// A fan-out to `targets`: a name for each host (used in outcomes,
    /// progress and errors) and the configured [`Builder`] that connects to
    /// it.
    pub fn new<I, S>(targets: I) -> FanOut
    where
        I: IntoIterator<Item = (S, Builder)>,
        S: Into<String>,
    {
        FanOut {
            targets: targets
                .into_iter()
                .map(|(name, builder)| (name.into(), builder))
                .collect(),
            concurrency: DEFAULT_CONCURRENCY,
            deadline: None,
            progress: None,
        }
    }

    /// At most `hosts` hosts connecting or working at once (default 32; at
    /// least 1). The others wait, in order, for a free slot.
    pub fn concurrency(mut self, hosts: usize) -> FanOut {
        self.concurrency = hosts.clamp(1, Semaphore::MAX_PERMITS);
        self
    }

    /// A deadline for each host, counted from the moment it starts
    /// connecting and covering the connect and the closure's work (default:
    /// none). A host that exceeds it fails with [`Error::HostDeadline`]; its
    /// work is dropped and its connection closed (bounded by the builder's
    /// close timeout).
    pub fn deadline(mut self, limit: Duration) -> FanOut {
        self.deadline = Some(limit);
        self
    }

    /// Calls `hook` whenever a host starts connecting, becomes ready, or
    /// finishes (see [`Progress`]). It is called from the hosts' tasks, so
    /// it should return quickly.
    pub fn on_progress(mut self, hook: impl Fn(&Progress) + Send + Sync + 'static) -> FanOut {
        self.progress = Some(Arc::new(hook));
        self
    }

    /// Starts the fan-out: for each host, connects, calls `work` with the
    /// connection and the [`Host`], closes the connection once the returned
    /// future completes, and yields the host's [`HostOutcome`]. Outcomes
    /// arrive as hosts finish.
    ///
    /// Must be called within a Tokio runtime: each host is a spawned task.
    /// A panic in `work` or in the progress hook is resumed where the
    /// outcomes are read.
    pub fn run<F, Fut, T>(self, work: F) -> Outcomes<T>
    where
        F: Fn(Connection, Host) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
        T: Send + 'static,
    {
        let shared = Arc::new(Shared {
            work,
            deadline: self.deadline,
            progress: self.progress,
        });
        // Unbounded, yet it never holds more than one outcome per host.
        let (sender, outcomes) = mpsc::unbounded_channel();
        let remaining = self.targets.len();
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let feeder = tokio::spawn(feed(shared, self.targets, slots, sender));
        Outcomes {
            outcomes,
            remaining,
            feeder,
            feeder_done: false,
        }
    }

    /// Like [`FanOut::run`], but waits for every host and returns the
    /// outcomes in the order the hosts were given.
    pub async fn run_all<F, Fut, T>(self, work: F) -> Vec<HostOutcome<T>>
    where
        F: Fn(Connection, Host) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
        T: Send + 'static,
    {
        let mut outcomes = self.run(work);
        let mut all = Vec::with_capacity(outcomes.remaining());
        while let Some(outcome) = outcomes.next().await {
            all.push(outcome);
        }
        all.sort_unstable_by_key(|outcome| outcome.index);
        all
    }
}

impl fmt::Debug for FanOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FanOut")
            .field("targets", &self.targets)
            .field("concurrency", &self.concurrency)
            .field("deadline", &self.deadline)
            .field("on_progress", &self.progress.is_some())
            .finish()
    }
}

impl Progress {
    /// The name of the host this is about.
    pub fn host(&self) -> &str {
        match self {
            Progress::Connecting { host, .. }
            | Progress::Connected { host, .. }
            | Progress::Finished { host, .. } => host,
        }
    }

    /// The position of the host this is about.
    pub fn index(&self) -> usize {
        match self {
            Progress::Connecting { index, .. }
            | Progress::Connected { index, .. }
            | Progress::Finished { index, .. } => *index,
        }
    }
}

impl<T: 'static> Outcomes<T> {
    /// The next host to finish, or `None` once every host has been
    /// reported.
    pub async fn next(&mut self) -> Option<HostOutcome<T>> {
        poll_fn(|cx| self.poll_outcome(cx)).await
    }

    /// How many hosts have not been reported yet.
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    fn poll_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Option<HostOutcome<T>>> {
        if let Some(outcome) = ready!(self.outcomes.poll_recv(cx)) {
            self.remaining -= 1;
            return Poll::Ready(Some(outcome));
        }
        // Every sender is gone: each host reported, or one panicked and took
        // the feeder (and the other hosts) down with it.
        if !self.feeder_done {
            let end = ready!(Pin::new(&mut self.feeder).poll(cx));
            self.feeder_done = true;
            resume_panic(end);
        }
        Poll::Ready(None)
    }
}

impl<T> Drop for Outcomes<T> {
    fn drop(&mut self) {
        // The feeder owns the hosts' tasks: they are aborted with it.
        self.feeder.abort();
    }
}

impl<T: 'static> Stream for Outcomes<T> {
    type Item = HostOutcome<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_outcome(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> fmt::Debug for Outcomes<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcomes")
            .field("remaining", &self.remaining)
            .finish()
    }
}

/// What every host's task shares.
struct Shared<F> {
    work: F,
    deadline: Option<Duration>,
    progress: Option<ProgressHook>,
}

impl<F> Shared<F> {
    /// Builds the event only when someone listens.
    fn report(&self, event: impl FnOnce() -> Progress) {
        if let Some(hook) = &self.progress {
            hook(&event());
        }
    }
}

/// Hands out slots in the order of the targets and spawns each host's task
/// once it has one. It owns those tasks: aborting it aborts them.
async fn feed<F, Fut, T>(
    shared: Arc<Shared<F>>,
    targets: Vec<(String, Builder)>,
    slots: Arc<Semaphore>,
    outcomes: mpsc::UnboundedSender<HostOutcome<T>>,
) where
    F: Fn(Connection, Host) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    let mut hosts = JoinSet::new();
    for (index, (name, builder)) in targets.into_iter().enumerate() {
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the fan-out's semaphore is never closed");
        // Finished hosts are reaped as we go, so the set stays as small as
        // the concurrency.
        while let Some(end) = hosts.try_join_next() {
            resume_panic(end);
        }
        let started = Instant::now();
        shared.report(|| Progress::Connecting {
            host: name.clone(),
            index,
        });
        let host = Host { name, index };
        let task = run_host(shared.clone(), host, builder, started, slot);
        let outcomes = outcomes.clone();
        hosts.spawn(async move {
            // The stream may be gone already; then nobody wants the outcome.
            let _ = outcomes.send(task.await);
        });
    }
    drop(outcomes);
    while let Some(end) = hosts.join_next().await {
        resume_panic(end);
    }
}

/// Passes a host's (or the feeder's) panic on to whoever reads the outcomes.
fn resume_panic(end: Result<(), JoinError>) {
    if let Err(err) = end {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
    }
}

/// One host's task: connect, work, close, then free the slot.
async fn run_host<F, Fut, T>(
    shared: Arc<Shared<F>>,
    host: Host,
    builder: Builder,
    started: Instant,
    slot: OwnedSemaphorePermit,
) -> HostOutcome<T>
where
    F: Fn(Connection, Host) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let (name, index) = (host.name.clone(), host.index);
    let result = connect_and_work(&shared, host, builder, started).await;
    let elapsed = started.elapsed();
    shared.report(|| Progress::Finished {
        host: name.clone(),
        index,
        ok: result.is_ok(),
        elapsed,
    });
    // Released only after `Finished`, so the hook never sees more hosts
    // between `Connecting` and `Finished` than there are slots.
    drop(slot);
    HostOutcome {
        host: name,
        index,
        result,
        elapsed,
    }
}

async fn connect_and_work<F, Fut, T>(
    shared: &Shared<F>,
    host: Host,
    builder: Builder,
    started: Instant,
) -> Result<T, Error>
where
    F: Fn(Connection, Host) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let (name, index) = (host.name.clone(), host.index);
    let expired = |after| Error::HostDeadline {
        host: name.clone(),
        after,
    };
    // A connect cut short drops its process, which kills it.
    let conn = within(started, shared.deadline, builder.connect())
        .await
        .map_err(expired)??;
    shared.report(|| Progress::Connected {
        host: name.clone(),
        index,
        elapsed: started.elapsed(),
    });
    let work = within(started, shared.deadline, (shared.work)(conn.clone(), host)).await;
    // The work is over (or was dropped, which cancelled its calls): ending
    // the remote here frees the slot only once the interpreter is gone.
    conn.close().await;
    work.map_err(expired)?
}

/// Runs `work` until `limit` after `started`; `Err(limit)` if it expired.
async fn within<O>(
    started: Instant,
    limit: Option<Duration>,
    work: impl Future<Output = O>,
) -> Result<O, Duration> {
    // A deadline too far to represent is no deadline.
    match limit.and_then(|limit| Some((started.checked_add(limit)?, limit))) {
        None => Ok(work.await),
        Some((at, limit)) => tokio::time::timeout_at(at, work).await.map_err(|_| limit),
    }
}

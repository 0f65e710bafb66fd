//! Helpers shared by the integration tests.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rmote_session::{Builder, Connection, Error, Local};

/// The interpreter the tests run: `RMOTE_TEST_PYTHON`, or `python3`.
pub fn python() -> String {
    std::env::var("RMOTE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

pub fn local() -> Local {
    Local::new().python(python())
}

pub fn builder(local: Local) -> Builder {
    capture_logs();
    Connection::builder(local)
}

pub async fn connect() -> Connection {
    builder(local())
        .connect()
        .await
        .expect("connect to a local python3")
}

/// A connection whose interpreter runs with umask 077, to show that modes do
/// not depend on the remote's umask.
pub async fn connect_umask_077() -> Connection {
    let wrapper = ["/bin/sh", "-c", "umask 077 && exec \"$@\"", "sh"];
    builder(local().wrapper(wrapper))
        .connect()
        .await
        .expect("connect to a local python3 under umask 077")
}

/// `path` as the `&str` the tools take.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// The remote exception's class name, or a panic naming what came instead.
#[track_caller]
pub fn remote_type(err: &Error) -> &str {
    match err.remote() {
        Some(remote) => remote.short_type_name(),
        None => panic!("expected a remote exception, got {err:?}"),
    }
}

/// Polls `cond` every 20 ms for up to `limit`; whether it became true.
pub async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// Pids of live (not zombie) processes whose argument vector is `argv`.
pub fn processes_with_argv(argv: &[&str]) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .collect();
        let matches =
            args.len() == argv.len() && args.iter().zip(argv).all(|(a, b)| *a == b.as_bytes());
        if matches && !zombie(pid) {
            found.push(pid);
        }
    }
    found
}

fn zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}

/// A `sleep` argument no other test (or test process) uses, so that the
/// process can be found by its command line.
pub fn unique_sleep(seconds: u32) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{seconds}.{:06}{n:03}", std::process::id() % 1_000_000)
}

/// One `tracing` event seen by the test subscriber.
#[derive(Debug, Clone)]
pub struct Seen {
    pub target: String,
    pub level: tracing::Level,
    pub message: String,
}

static EVENTS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

/// Installs (once) a global subscriber that records every event; before a
/// connection is made, so that the remote's log level lets records through.
pub fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(Recorder);
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
    });
}

/// Events recorded so far whose message is `message`.
pub fn events_with_message(message: &str) -> Vec<Seen> {
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.message == message)
        .cloned()
        .collect()
}

/// Every event recorded so far, oldest first.
pub fn all_events() -> Vec<Seen> {
    EVENTS.lock().unwrap().clone()
}

struct Recorder;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "message" {
                    self.0 = value.to_string();
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        EVENTS.lock().unwrap().push(Seen {
            target: event.metadata().target().to_string(),
            level: *event.metadata().level(),
            message: message.0,
        });
    }
}

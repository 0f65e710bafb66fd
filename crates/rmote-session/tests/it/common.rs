//! Helpers shared by the integration tests.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rmote_session::{Builder, Call, Connection, Local, Tool};
use serde::de::DeserializeOwned;

pub static PROBE: Tool = Tool::new("Probe", include_str!("probe.py"));
pub static DERIVED: Tool = Tool::new("Derived", include_str!("probe.py"));

/// The interpreter the tests run: `RMOTE_TEST_PYTHON`, or `python3`.
pub fn python() -> String {
    std::env::var("RMOTE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

pub fn builder() -> Builder {
    Connection::builder(Local::new().python(python()))
}

pub async fn connect() -> Connection {
    capture_logs();
    builder()
        .connect()
        .await
        .expect("connect to a local python3")
}

/// A typed call of a Probe method.
pub fn probe<T: DeserializeOwned + 'static>(method: &'static str) -> Call<T> {
    Call::new(&PROBE, method)
}

/// Whether a process with this pid exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
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

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// One `tracing` event seen by the test subscriber.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub target: String,
    pub level: String,
    pub fields: Vec<(String, String)>,
}

impl Seen {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

static EVENTS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

/// Installs (once) a global subscriber that records every event.
pub fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(Recorder);
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
    });
}

/// Events recorded so far that satisfy `pred`.
pub fn seen(pred: impl Fn(&Seen) -> bool) -> Vec<Seen> {
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .filter(|e| pred(e))
        .cloned()
        .collect()
}

struct Recorder;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Visit<'a>(&'a mut Vec<(String, String)>);
        impl tracing::field::Visit for Visit<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0
                    .push((field.name().to_string(), format!("{value:?}")));
            }
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                self.0.push((field.name().to_string(), value.to_string()));
            }
        }
        let mut seen = Seen {
            target: event.metadata().target().to_string(),
            level: event.metadata().level().to_string(),
            fields: Vec::new(),
        };
        event.record(&mut Visit(&mut seen.fields));
        EVENTS.lock().unwrap().push(seen);
    }
}

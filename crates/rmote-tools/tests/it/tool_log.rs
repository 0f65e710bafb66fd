//! What a system tool did during a call, read from the records it logs on
//! its `rmote.<tool>` logger ("running: …", "writing …"): how the tests of
//! User and Pacman prove that a second identical call changed nothing.

use std::future::Future;

use rmote_session::{Call, Connection};
use serde::de::DeserializeOwned;

use crate::common::{all_events, capture_logs};
use crate::roots::Root;

/// A connection into `root` whose INFO records reach the test subscriber
/// (which must be installed before the connection is made).
pub async fn connect(root: &Root) -> Connection {
    capture_logs();
    root.connect().await
}

/// Runs `fut`; its output, and the messages the tool's logger emitted
/// meanwhile that mention `tag` (tests running in parallel use other tags).
///
/// The runtime sends a call's records before its reply, so they have all
/// been recorded when the call returns.
pub async fn logged<F: Future>(tool: &str, tag: &str, fut: F) -> (F::Output, Vec<String>) {
    let target = format!("rmote::remote::rmote.{tool}");
    let start = all_events().len();
    let out = fut.await;
    let lines = all_events()[start..]
        .iter()
        .filter(|e| e.target == target && e.message.contains(tag))
        .map(|e| e.message.clone())
        .collect();
    (out, lines)
}

/// Results that say whether the call changed anything.
pub trait Changed {
    fn changed(&self) -> bool;
}

impl Changed for bool {
    fn changed(&self) -> bool {
        *self
    }
}

impl Changed for rmote_tools::UserInfo {
    fn changed(&self) -> bool {
        self.changed
    }
}

impl Changed for rmote_tools::GroupInfo {
    fn changed(&self) -> bool {
        self.changed
    }
}

impl Changed for rmote_tools::PacmanResult {
    fn changed(&self) -> bool {
        self.changed
    }
}

impl Changed for rmote_tools::PacmanRepositoryResult {
    fn changed(&self) -> bool {
        self.changed
    }
}

impl<T: Changed> Changed for Vec<T> {
    fn changed(&self) -> bool {
        self.iter().any(Changed::changed)
    }
}

/// Runs the call `make` builds twice on `conn`: the first run must change
/// something and log it, the second must change nothing and log nothing
/// that mentions `tag` (where `mutating` says which lines count: the second
/// run may still run read-only queries). Returns the first run's result and
/// log lines.
pub async fn twice<T, B>(
    conn: &Connection,
    tool: &str,
    tag: &str,
    make: impl Fn() -> B,
    mutating: fn(&str) -> bool,
) -> (T, Vec<String>)
where
    B: Into<Call<T>> + std::fmt::Debug,
    T: Changed + DeserializeOwned + std::fmt::Debug + 'static,
{
    let label = format!("{:?}", make());
    let (first, lines) = logged(tool, tag, conn.call(make())).await;
    let first = first.unwrap_or_else(|e| panic!("{label}: {e:#}"));
    assert!(
        first.changed(),
        "the first run of {label} changed nothing: {first:?}; it logged {lines:?}"
    );
    assert!(
        lines.iter().any(|l| mutating(l)),
        "the first run of {label} logged no change: {lines:?}"
    );
    let (second, again) = logged(tool, tag, conn.call(make())).await;
    let second = second.unwrap_or_else(|e| panic!("{label}, again: {e:#}"));
    assert!(
        !second.changed(),
        "the second run of {label} changed something: {second:?}"
    );
    let done: Vec<&String> = again.iter().filter(|l| mutating(l)).collect();
    assert!(done.is_empty(), "the second run of {label} did {done:?}");
    (first, lines)
}

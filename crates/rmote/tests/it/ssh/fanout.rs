//! Fan-out over ssh: 50 connections, at most 10 at a time, one dead host.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmote::rmote_session::{FanOut, Progress};
use rmote::{Connection, Error, Failure};

use crate::ssh::sshd::{closed_port, sshd};
use crate::ssh::uid;

#[tokio::test(flavor = "multi_thread")]
async fn fifty_connections_ten_at_a_time_with_a_dead_host() {
    let server = sshd();
    let dead = closed_port();
    let targets = (0..50).map(|i| {
        let ssh = if i == 17 {
            server.ssh().port(dead)
        } else {
            server.ssh()
        };
        (format!("host-{i:02}"), Connection::builder(ssh))
    });
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (running.clone(), peak.clone());
    let started = Instant::now();
    let outcomes = FanOut::new(targets)
        .concurrency(10)
        .deadline(Duration::from_secs(60))
        .on_progress(move |event| match event {
            Progress::Connecting { .. } => {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
            }
            Progress::Finished { .. } => {
                r.fetch_sub(1, Ordering::SeqCst);
            }
            _ => {}
        })
        .run_all(|conn, _host| async move { conn.call(uid()).await })
        .await;
    let elapsed = started.elapsed();
    assert_eq!(outcomes.len(), 50);
    for outcome in &outcomes {
        if outcome.index == 17 {
            let Err(Error::Unreachable { failure, .. }) = &outcome.result else {
                panic!("the dead host: {:?}", outcome.result)
            };
            assert_eq!(
                failure,
                &Failure::ConnectionRefused {
                    destination: format!("127.0.0.1:{dead}")
                }
            );
        } else {
            assert_eq!(
                *outcome
                    .result
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{}: {e}", outcome.host)),
                0
            );
        }
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak <= 10, "{peak} hosts at once");
    assert_eq!(running.load(Ordering::SeqCst), 0);
    eprintln!("fan-out over ssh: 50 hosts, at most {peak} at once, in {elapsed:?}");
}

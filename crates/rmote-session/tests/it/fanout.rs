//! Fan-out over many real interpreters: concurrency bound, deadlines, dead
//! hosts, results as they complete, input order, and aborting on drop.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmote_session::{Builder, Connection, Error, FanOut, Local, Progress};

use crate::common::{alive, builder, eventually, probe, python};

/// A host whose "interpreter" exits at once with ssh's failure status.
fn dead() -> Builder {
    Connection::builder(Local::new().wrapper(["sh", "-c", "exit 255", "sh"]))
}

/// A host whose "interpreter" never answers.
fn hanging() -> Builder {
    Connection::builder(
        Local::new()
            .python(python())
            .wrapper(["sh", "-c", "exec sleep 60", "sh"]),
    )
}

/// Records every progress event, and the most hosts seen between
/// `Connecting` and `Finished` at once.
#[derive(Default)]
struct Recorder {
    events: Vec<Progress>,
    running: usize,
    most: usize,
}

impl Recorder {
    fn hook(recorder: &Arc<Mutex<Recorder>>) -> impl Fn(&Progress) + Send + Sync + 'static {
        let recorder = recorder.clone();
        move |event| {
            let mut r = recorder.lock().unwrap();
            match event {
                Progress::Connecting { .. } => {
                    r.running += 1;
                    r.most = r.most.max(r.running);
                }
                Progress::Finished { .. } => r.running -= 1,
                _ => {}
            }
            r.events.push(event.clone());
        }
    }

    /// The indices of the hosts that reported `kind` (`Connecting`, …).
    fn hosts(&self, kind: &str) -> Vec<usize> {
        let mut seen: Vec<usize> = self
            .events
            .iter()
            .filter(|e| format!("{e:?}").starts_with(kind))
            .map(Progress::index)
            .collect();
        seen.sort_unstable();
        seen
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_hosts_with_a_dead_and_a_hanging_one() {
    const HOSTS: usize = 50;
    const DEAD: usize = 7;
    const HANGING: usize = 23;
    // Ten bootstraps at once take up to ~1.6 s on two CPUs: room to spare.
    let deadline = Duration::from_secs(5);
    let targets = (0..HOSTS).map(|i| {
        let b = match i {
            DEAD => dead(),
            HANGING => hanging(),
            _ => builder(),
        };
        (format!("host-{i:02}"), b)
    });
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let started = Instant::now();
    let outcomes = FanOut::new(targets)
        .concurrency(10)
        .deadline(deadline)
        .on_progress(Recorder::hook(&recorder))
        .run_all(|conn, host| async move {
            let pid: u32 = conn.call(probe("pid")).await?;
            Ok((host, pid))
        })
        .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "the run took {took:?}");

    assert_eq!(outcomes.len(), HOSTS);
    let mut pids = BTreeSet::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.index, i);
        assert_eq!(outcome.host, format!("host-{i:02}"));
        match i {
            DEAD => {
                let err = outcome.result.as_ref().unwrap_err();
                assert!(matches!(err, Error::Bootstrap { .. }), "{err:?}");
                assert!(err.to_string().contains("exit status 255"), "{err}");
            }
            HANGING => {
                let err = outcome.result.as_ref().unwrap_err();
                assert!(matches!(err, Error::HostDeadline { .. }), "{err:?}");
                assert_eq!(err.to_string(), "host-23 did not finish within 5s");
                assert_eq!(err.io_kind(), Some(std::io::ErrorKind::TimedOut));
                assert!(outcome.elapsed >= deadline, "{:?}", outcome.elapsed);
                assert!(outcome.elapsed < deadline * 2, "{:?}", outcome.elapsed);
            }
            _ => {
                let (host, pid) = outcome.result.as_ref().expect("a live host");
                assert_eq!((host.name.as_str(), host.index), (outcome.host.as_str(), i));
                assert!(pids.insert(*pid), "one interpreter per host");
            }
        }
    }
    assert_eq!(pids.len(), HOSTS - 2);

    let r = recorder.lock().unwrap();
    assert_eq!(r.most, 10, "the concurrency bound is reached, never passed");
    assert_eq!(r.running, 0);
    let all: Vec<usize> = (0..HOSTS).collect();
    assert_eq!(r.hosts("Connecting"), all);
    assert_eq!(r.hosts("Finished"), all);
    let connected: Vec<usize> = all
        .into_iter()
        .filter(|&i| i != DEAD && i != HANGING)
        .collect();
    assert_eq!(r.hosts("Connected"), connected);
    for event in &r.events {
        if let Progress::Finished { index, ok, .. } = event {
            assert_eq!(*ok, *index != DEAD && *index != HANGING, "{event:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_arrive_as_hosts_finish() {
    let targets = ["slow", "quick-1", "quick-2"].map(|name| (name, builder()));
    let mut outcomes = FanOut::new(targets).run(|conn, host| async move {
        let seconds = if host.name == "slow" { 1.5 } else { 0.0 };
        conn.call(probe::<f64>("sleep").arg(&seconds)).await
    });
    assert_eq!(outcomes.remaining(), 3);
    let mut order = Vec::new();
    while let Some(outcome) = outcomes.next().await {
        outcome.result.expect("every host works");
        order.push(outcome.host);
    }
    assert_eq!(order.len(), 3);
    assert_eq!(order[2], "slow", "{order:?}");
    assert_eq!(outcomes.remaining(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_keeps_the_input_order_and_each_hosts_own_error() {
    // Later hosts finish first; host 2's work fails.
    let targets = (0..6).map(|i| (format!("h{i}"), builder()));
    let outcomes = FanOut::new(targets)
        .run_all(|conn, host| async move {
            let seconds = (6 - host.index) as f64 * 0.1;
            conn.call(probe::<f64>("sleep").arg(&seconds)).await?;
            if host.index == 2 {
                conn.call(probe::<()>("fail").arg("value").arg("bad host"))
                    .await?;
            }
            Ok(host.index)
        })
        .await;
    let names: Vec<&str> = outcomes.iter().map(|o| o.host.as_str()).collect();
    assert_eq!(names, ["h0", "h1", "h2", "h3", "h4", "h5"]);
    for (i, outcome) in outcomes.iter().enumerate() {
        match &outcome.result {
            Ok(index) => assert_eq!(*index, i),
            Err(err) => {
                assert_eq!(i, 2);
                assert_eq!(err.remote().unwrap().message(), "bad host");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_outcomes_ends_the_remotes_still_running() {
    let pids = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let targets = (0..6).map(|i| (format!("h{i}"), builder()));
    let outcomes = FanOut::new(targets)
        .concurrency(4)
        .on_progress(Recorder::hook(&recorder))
        .run({
            let pids = pids.clone();
            move |conn, _host| {
                let pids = pids.clone();
                async move {
                    pids.lock().unwrap().push(conn.remote_info().pid);
                    conn.call(probe::<f64>("sleep").arg(&60.0)).await
                }
            }
        });
    let working = eventually(Duration::from_secs(20), || pids.lock().unwrap().len() == 4).await;
    assert!(working, "four hosts started their work");
    let pids = pids.lock().unwrap().clone();
    assert!(pids.iter().all(|&pid| alive(pid)));

    drop(outcomes);
    for pid in &pids {
        let gone = eventually(Duration::from_secs(5), || !alive(*pid)).await;
        assert!(gone, "the interpreter {pid} ended");
    }
    // The two hosts still waiting for a slot never start.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(recorder.lock().unwrap().hosts("Connecting"), [0, 1, 2, 3]);
}

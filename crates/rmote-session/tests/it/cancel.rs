//! Cancellation: a dropped call or an expired deadline reaches the remote.

use std::time::Duration;

use rmote_session::Error;

use crate::common::{connect, eventually, exists, probe};

#[tokio::test]
async fn dropping_an_async_call_cancels_its_remote_task() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("async");
    let conn = connect().await;
    let call = conn.call(
        probe::<String>("asleep")
            .arg(marker.to_str().unwrap())
            .arg(&30.0),
    );
    let started = marker.with_extension("started");
    tokio::select! {
        _ = call => panic!("the call should not finish"),
        _ = async { while !exists(&started) { tokio::time::sleep(Duration::from_millis(10)).await } } => {}
    }
    // The future is dropped: the remote task sees CancelledError.
    assert!(eventually(Duration::from_secs(10), || exists(&marker)).await);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "cancelled");
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

#[tokio::test]
async fn dropping_a_thread_call_runs_its_cancel_callbacks() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("sync");
    let conn = connect().await;
    let call = conn.call(
        probe::<String>("sleep_until_cancelled")
            .arg(marker.to_str().unwrap())
            .arg(&30.0),
    );
    let started = marker.with_extension("started");
    tokio::select! {
        _ = call => panic!("the call should not finish"),
        _ = async { while !exists(&started) { tokio::time::sleep(Duration::from_millis(10)).await } } => {}
    }
    assert!(eventually(Duration::from_secs(10), || exists(&marker)).await);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "cancelled");
}

#[tokio::test]
async fn a_deadline_fails_the_call_and_cancels_it_remotely() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("deadline");
    let conn = connect().await;
    let err = conn
        .call(
            probe::<String>("asleep")
                .arg(marker.to_str().unwrap())
                .arg(&30.0)
                .timeout(Duration::from_millis(500)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Probe.asleep did not complete within 500ms"
    );
    assert!(eventually(Duration::from_secs(10), || exists(&marker)).await);

    // A connection-wide default applies to calls without their own.
    let conn = crate::common::builder()
        .call_timeout(Duration::from_millis(300))
        .connect()
        .await
        .unwrap();
    let err = conn
        .call(probe::<f64>("sleep").arg(&5.0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(conn.call(probe::<u8>("one")).await.unwrap(), 1);
}

//! Quit: the call succeeds, then the remote is gone with that status.

use std::time::Duration;

use rmote_session::Error;
use rmote_tools::{Exec, FileSystem, Quit};

use crate::common::{connect, eventually, processes_with_argv, unique_sleep};

fn exit_code(err: &Error) -> Option<i32> {
    match err {
        Error::Disconnected(d) => d.exit.status.and_then(|s| s.code()),
        other => panic!("expected Disconnected, got {other:?}"),
    }
}

#[tokio::test]
async fn exit_replies_then_ends_the_remote_with_its_status() {
    let conn = connect().await;
    conn.call(Quit::exit(3)).await.unwrap();
    // Once Quit has replied the runtime starts no other call.
    let err = conn.call(FileSystem::stat("/")).await.unwrap_err();
    assert_eq!(exit_code(&err), Some(3), "{err:?}");
    assert!(conn.is_closed());
    assert_eq!(conn.close().await.status.and_then(|s| s.code()), Some(3));
}

#[tokio::test]
async fn calls_in_flight_fail_and_their_children_die() {
    let conn = connect().await;
    let sleep = unique_sleep(35);
    let argv = ["sleep", sleep.as_str()];
    let running = tokio::spawn({
        let conn = conn.clone();
        let run = Exec::command(argv);
        async move { conn.call(run).await }
    });
    assert!(
        eventually(Duration::from_secs(10), || !processes_with_argv(&argv)
            .is_empty())
        .await
    );

    let quit = conn.call(Quit::exit(0)).await;
    assert!(quit.is_ok(), "{quit:?}");
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(exit_code(&err), Some(0), "{err:?}");
    assert!(
        eventually(Duration::from_secs(5), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "the child outlived the remote"
    );
}

//! Remote logging records and printed text as `tracing` events.

use std::time::Duration;

use crate::common::{connect, eventually, probe, seen};

#[tokio::test]
async fn records_arrive_with_the_remote_logger_as_target() {
    let conn = connect().await;
    let ok: bool = conn
        .call(probe("log").arg("app.db").arg(&30).arg("disk almost full"))
        .await
        .unwrap();
    assert!(ok);
    let events = || seen(|e| e.field("message") == Some("disk almost full"));
    assert!(eventually(Duration::from_secs(5), || !events().is_empty()).await);
    let event = &events()[0];
    assert_eq!(event.target, "rmote::remote::app.db");
    assert_eq!(event.level, "WARN");
    assert_eq!(event.field("logger"), Some("app.db"));
    assert!(event.field("call").is_some(), "{event:?}");
    assert!(event.field("function") == Some("log"), "{event:?}");

    conn.call(
        probe::<bool>("log")
            .arg("root")
            .arg(&40)
            .arg("with traceback")
            .arg(&true),
    )
    .await
    .unwrap();
    let events = || seen(|e| e.field("message") == Some("with traceback"));
    assert!(eventually(Duration::from_secs(5), || !events().is_empty()).await);
    let event = &events()[0];
    assert_eq!(event.target, "rmote::remote::root");
    assert_eq!(event.level, "ERROR");
    assert!(
        event.field("exc").unwrap().contains("ZeroDivisionError"),
        "{event:?}"
    );
}

#[tokio::test]
async fn the_remote_level_filters_at_the_source() {
    let conn = crate::common::builder()
        .remote_log_level(30)
        .connect()
        .await
        .unwrap();
    crate::common::capture_logs();
    conn.call(
        probe::<bool>("log")
            .arg("lvl")
            .arg(&20)
            .arg("info dropped remotely"),
    )
    .await
    .unwrap();
    conn.call(probe::<bool>("set_level").arg(&20))
        .await
        .unwrap();
    conn.call(
        probe::<bool>("log")
            .arg("lvl")
            .arg(&20)
            .arg("info after lowering"),
    )
    .await
    .unwrap();
    let after = || seen(|e| e.field("message") == Some("info after lowering"));
    assert!(eventually(Duration::from_secs(5), || !after().is_empty()).await);
    assert!(seen(|e| e.field("message") == Some("info dropped remotely")).is_empty());
}

#[tokio::test]
async fn printed_lines_become_records_of_the_stdout_logger() {
    let conn = crate::common::builder()
        .remote_log_level(20)
        .connect()
        .await
        .unwrap();
    crate::common::capture_logs();
    let got: String = conn
        .call(probe("prints").arg("printed by a tool"))
        .await
        .unwrap();
    assert_eq!(got, "ok");
    let events = || seen(|e| e.field("message") == Some("printed by a tool"));
    assert!(eventually(Duration::from_secs(5), || !events().is_empty()).await);
    assert_eq!(events()[0].target, "rmote::remote::stdout");
    assert_eq!(events()[0].level, "INFO");
    // A partial line is flushed by flush().
    let partial =
        || seen(|e| e.field("message") == Some("partial") && e.target == "rmote::remote::stdout");
    assert!(eventually(Duration::from_secs(5), || !partial().is_empty()).await);
}

//! Logger: levels, and records that reach `tracing` on the controller.

use std::time::Duration;

use rmote_session::Call;
use rmote_tools::{Level, Logger, LOGGER};
use tracing::Level as TracingLevel;

use crate::common::{connect, events_with_message, eventually, remote_type};

/// Waits for the one event with `message`.
async fn arrives(message: &str) -> crate::common::Seen {
    let seen = eventually(Duration::from_secs(5), || {
        !events_with_message(message).is_empty()
    })
    .await;
    assert!(seen, "no tracing event with message {message:?}");
    let events = events_with_message(message);
    assert_eq!(events.len(), 1, "{events:?}");
    events.into_iter().next().unwrap()
}

#[tokio::test]
async fn log_records_reach_tracing_with_the_root_target() {
    let conn = connect().await;
    let tag = std::process::id();

    // The first call of the tool: its records must not be lost.
    let message = format!("first record {tag}");
    conn.call(Logger::log(Level::Warning, &message))
        .await
        .unwrap();
    let event = arrives(&message).await;
    assert_eq!(event.target, "rmote::remote::root");
    assert_eq!(event.level, TracingLevel::WARN);

    // Python %-formatting with the call's further arguments.
    conn.call(
        Logger::log(Level::Error, "disk %s is %d%% full")
            .arg("sda")
            .arg(&97),
    )
    .await
    .unwrap();
    let event = arrives("disk sda is 97% full").await;
    assert_eq!(event.level, TracingLevel::ERROR);

    let message = format!("debug record {tag}");
    conn.call(Logger::log(Level::Debug, &message))
        .await
        .unwrap();
    assert_eq!(arrives(&message).await.level, TracingLevel::DEBUG);
}

#[tokio::test]
async fn the_level_filters_on_the_remote() {
    let conn = connect().await;
    let tag = std::process::id();

    conn.call(Logger::set_log_level(Level::Warning))
        .await
        .unwrap();
    // Logged before the change, at INFO, which was still let through.
    let event = arrives("Setting log level to WARNING").await;
    assert_eq!(event.target, "rmote::remote::root");
    assert_eq!(event.level, TracingLevel::INFO);

    let dropped = format!("info while at warning {tag}");
    conn.call(Logger::log(Level::Info, &dropped)).await.unwrap();
    let kept = format!("error while at warning {tag}");
    conn.call(Logger::log(Level::Error, &kept)).await.unwrap();
    arrives(&kept).await;
    // Records are sent in order, so the dropped one would be here by now.
    assert!(events_with_message(&dropped).is_empty());

    conn.call(Logger::set_log_level(Level::Debug))
        .await
        .unwrap();
    let now = format!("info after lowering {tag}");
    conn.call(Logger::log(Level::Info, &now)).await.unwrap();
    arrives(&now).await;
}

#[tokio::test]
async fn level_names_are_checked_case_insensitively() {
    let conn = connect().await;
    let tag = std::process::id();

    let message = format!("lower case level {tag}");
    conn.call(Call::<()>::new(&LOGGER, "log").arg("warning").arg(&message))
        .await
        .unwrap();
    assert_eq!(arrives(&message).await.level, TracingLevel::WARN);
    conn.call(Call::<()>::new(&LOGGER, "set_log_level").arg("Info"))
        .await
        .unwrap();

    for bad in ["LOUD", "warn", ""] {
        let err = conn
            .call(Call::<()>::new(&LOGGER, "log").arg(bad).arg("x"))
            .await
            .unwrap_err();
        assert_eq!(remote_type(&err), "ValueError");
        assert_eq!(
            err.remote().unwrap().message(),
            format!("Invalid log level: {bad}")
        );
        let err = conn
            .call(Call::<()>::new(&LOGGER, "set_log_level").arg(bad))
            .await
            .unwrap_err();
        assert_eq!(
            err.remote().unwrap().message(),
            format!("Invalid log level: {bad}")
        );
    }
    let err = conn
        .call(Call::<()>::new(&LOGGER, "_check_level").arg("INFO"))
        .await
        .unwrap_err();
    assert_eq!(
        remote_type(&err),
        "AttributeError",
        "private helpers are not callable"
    );
}

#[test]
fn levels_have_python_names_and_numbers() {
    let all = [
        (Level::NotSet, "NOTSET", 0),
        (Level::Debug, "DEBUG", 10),
        (Level::Info, "INFO", 20),
        (Level::Warning, "WARNING", 30),
        (Level::Error, "ERROR", 40),
        (Level::Critical, "CRITICAL", 50),
    ];
    for (level, name, number) in all {
        assert_eq!((level.name(), level.number()), (name, number));
        assert_eq!(level.to_string(), name);
    }
    assert!(Level::Debug < Level::Critical);
}

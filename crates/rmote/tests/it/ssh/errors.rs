//! Every way an ssh connection fails, produced for real and reported as an
//! error a person can act on, in bounded time.

use std::time::{Duration, Instant};

use rmote::{Connection, Error, Failure, Ssh};

use crate::ssh::sshd::{closed_port, sshd};

/// Connects, expecting failure within `limit`.
async fn fails(ssh: Ssh, limit: Duration) -> Error {
    let started = Instant::now();
    let result = Connection::builder(ssh)
        .connect_timeout(Duration::from_secs(30))
        .connect()
        .await;
    let elapsed = started.elapsed();
    let err = result.expect_err("the connection should fail");
    assert!(elapsed < limit, "took {elapsed:?}: {err}");
    err
}

fn failure(err: &Error) -> &Failure {
    match err {
        Error::Unreachable { failure, .. } => failure,
        other => panic!("expected Error::Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_key_is_authentication_refused() {
    let server = sshd();
    let err = fails(
        server.ssh().identity(&server.wrong_key),
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(
        failure(&err),
        &Failure::AuthenticationRefused {
            destination: "root@127.0.0.1".into(),
            methods: "publickey".into()
        }
    );
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::PermissionDenied));
    assert!(
        err.to_string()
            .ends_with("authentication refused for root@127.0.0.1 (publickey)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let port = closed_port();
    let err = fails(sshd().ssh().port(port), Duration::from_secs(15)).await;
    assert_eq!(
        failure(&err),
        &Failure::ConnectionRefused {
            destination: format!("127.0.0.1:{port}")
        }
    );
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::ConnectionRefused));
}

#[tokio::test]
async fn a_changed_host_key_is_refused() {
    let server = sshd();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    // Another key on record for this host and port.
    std::fs::write(
        &known,
        format!(
            "[127.0.0.1]:{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
            server.port
        ),
    )
    .unwrap();
    let err = fails(server.ssh().known_hosts(&known), Duration::from_secs(15)).await;
    assert_eq!(
        failure(&err),
        &Failure::HostKeyChanged {
            host: "127.0.0.1".into()
        }
    );
    assert!(err.to_string().contains("has changed"), "{err}");
}

#[tokio::test]
async fn an_unknown_host_key_is_refused_when_strict() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("known_hosts");
    std::fs::write(&empty, "").unwrap();
    let err = fails(sshd().ssh().known_hosts(&empty), Duration::from_secs(15)).await;
    assert_eq!(
        failure(&err),
        &Failure::HostKeyUnknown {
            host: "127.0.0.1".into()
        }
    );
}

#[tokio::test]
async fn a_missing_interpreter_is_named() {
    let err = fails(sshd().ssh().python("/nonexistent"), Duration::from_secs(15)).await;
    assert_eq!(
        failure(&err),
        &Failure::InterpreterNotFound {
            python: "/nonexistent".into()
        }
    );
    let Error::Unreachable { exit, .. } = &err else {
        unreachable!()
    };
    assert_eq!(exit.status.and_then(|s| s.code()), Some(127));
    assert!(exit.stderr.contains("/nonexistent"), "{}", exit.stderr);
}

#[tokio::test]
async fn an_old_python_is_refused_with_its_version() {
    let err = fails(
        sshd()
            .ssh()
            .python(rmote_testkit::pyenv_python("2.7.18").to_str().unwrap()),
        Duration::from_secs(15),
    )
    .await;
    let Error::PythonTooOld { found, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(found, "2.7.18");
}

#[tokio::test]
async fn an_unresolvable_host_name_is_named() {
    let err = fails(
        Ssh::new("root@rmote-no-such-host.invalid").connect_timeout(Duration::from_secs(5)),
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(
        failure(&err),
        &Failure::UnknownHost {
            host: "rmote-no-such-host.invalid".into()
        }
    );
}

#[tokio::test]
async fn an_ssh_client_that_is_missing_is_a_spawn_error() {
    let err = fails(
        sshd().ssh().ssh_program("/nonexistent/ssh"),
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::NotFound));
}

//! Calls over ssh, and every option of the `Ssh` builder.

use std::time::Duration;

use rmote::{Become, Connection, Error, Failure, FileSystem, HostKeyChecking, Ssh};

use crate::ssh::sshd::sshd;
use crate::ssh::uid;

async fn connect(ssh: Ssh) -> Connection {
    let server = sshd();
    match Connection::builder(ssh).connect().await {
        Ok(conn) => conn,
        Err(err) => panic!("connect over ssh: {err}\nsshd log:\n{}", server.log()),
    }
}

#[tokio::test]
async fn a_call_over_ssh() {
    let conn = connect(sshd().ssh()).await;
    let hostname = conn
        .call(FileSystem::read_str("/etc/hostname"))
        .await
        .unwrap();
    assert_eq!(hostname, std::fs::read_to_string("/etc/hostname").unwrap());
    let info = conn.remote_info().clone();
    assert_eq!(info.python.major, 3);
    assert!(
        conn.remote().contains("on root@127.0.0.1:"),
        "{}",
        conn.remote()
    );
    // The remote interpreter is a child of sshd's session, not of this test.
    let ppid: u32 = conn
        .call(rmote::Call::new(&crate::ssh::WHO, "ppid"))
        .await
        .unwrap();
    assert_ne!(ppid, std::process::id());
    let exit = conn.close().await;
    assert_eq!(exit.status.and_then(|s| s.code()), Some(0));
    assert!(!std::path::Path::new(&format!("/proc/{}", info.pid)).exists());
}

#[tokio::test]
async fn user_and_port_in_the_destination_or_as_options() {
    let server = sshd();
    let a = Ssh::new(format!("root@127.0.0.1:{}", server.port))
        .identity(&server.key)
        .known_hosts(&server.known_hosts);
    let b = Ssh::new("127.0.0.1")
        .user("root")
        .port(server.port)
        .identity(&server.key)
        .known_hosts(&server.known_hosts);
    for ssh in [a, b] {
        let conn = connect(ssh).await;
        assert_eq!(conn.call(uid()).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn the_remote_interpreter_can_be_chosen() {
    let python = rmote_testkit::pyenv_python("3.9.18");
    let conn = connect(sshd().ssh().python(python.to_str().unwrap())).await;
    assert_eq!(conn.remote_info().python.minor, 9);
    assert_eq!(conn.remote_info().executable, python.to_str().unwrap());
}

#[tokio::test]
async fn extra_options_reach_ssh() {
    let conn = connect(sshd().ssh().option("Compression", "yes")).await;
    assert_eq!(conn.call(uid()).await.unwrap(), 0);
    // A bad option value is ssh's own error, reported as such.
    let err = Connection::builder(sshd().ssh().option("Compression", "maybe"))
        .connect()
        .await
        .unwrap_err();
    let Error::Unreachable { failure, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        failure,
        &Failure::Ssh {
            detail: "command-line line 0: unsupported option \"maybe\".".into()
        }
    );
}

#[tokio::test]
async fn accept_new_records_the_key_and_off_records_nothing() {
    let server = sshd();
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("known_hosts");
    let ssh = || {
        Ssh::new("root@127.0.0.1")
            .port(server.port)
            .identity(&server.key)
            .known_hosts(&fresh)
    };
    // Strict with an empty file: refused (tested in errors.rs); accept-new: recorded.
    let conn = connect(ssh().host_key_checking(HostKeyChecking::AcceptNew)).await;
    conn.close().await;
    let recorded = std::fs::read_to_string(&fresh).unwrap();
    assert!(recorded.contains(&server.host_key_pub), "{recorded}");
    // Now strict works with what was recorded.
    let conn = connect(ssh()).await;
    conn.close().await;

    let other = dir.path().join("untouched");
    let conn = connect(
        Ssh::new("root@127.0.0.1")
            .port(server.port)
            .identity(&server.key)
            .known_hosts(&other)
            .host_key_checking(HostKeyChecking::Off),
    )
    .await;
    conn.close().await;
    assert!(!other.exists(), "HostKeyChecking::Off must not record keys");
}

#[tokio::test]
async fn a_config_file_can_name_the_host() {
    let server = sshd();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "Host testbox\n  HostName 127.0.0.1\n  Port {}\n  User root\n  IdentityFile {}\n  UserKnownHostsFile {}\n  HostKeyAlias [127.0.0.1]:{}\n",
            server.port,
            server.key.display(),
            server.known_hosts.display(),
            server.port
        ),
    )
    .unwrap();
    let conn = connect(Ssh::new("testbox").config_file(&config)).await;
    assert_eq!(conn.call(uid()).await.unwrap(), 0);
}

#[tokio::test]
async fn become_over_ssh() {
    let conn = connect(sshd().ssh().with_become(Become::sudo().user("nobody"))).await;
    assert_eq!(conn.call(uid()).await.unwrap(), 65534);
    assert!(
        conn.remote().ends_with("via sudo -u nobody"),
        "{}",
        conn.remote()
    );
}

#[tokio::test]
async fn a_connect_timeout_is_passed_to_ssh() {
    let ssh = sshd().ssh().connect_timeout(Duration::from_secs(3));
    let argv = ssh.argv(&[]).unwrap();
    assert!(argv.iter().any(|a| a == "ConnectTimeout=3"), "{argv:?}");
    let conn = connect(ssh).await;
    assert_eq!(conn.call(uid()).await.unwrap(), 0);
}

//! Jump-host chains and connection reuse (ControlMaster).

use std::time::{Duration, Instant};

use rmote::{Connection, Error, Failure};

use crate::ssh::sshd::{closed_port, sshd};
use crate::ssh::uid;

#[tokio::test]
async fn a_chain_of_jump_hosts() {
    let server = sshd();
    // The same sshd twice as hops, then as the destination: three hops of
    // ssh, each with its own ProxyCommand, all with the test's keys.
    for hops in [1, 2] {
        let mut ssh = server.ssh();
        for _ in 0..hops {
            ssh = ssh.jump(server.hop());
        }
        let conn = Connection::builder(ssh)
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{hops} hops: {e}\n{}", server.log()));
        assert_eq!(conn.call(uid()).await.unwrap(), 0);
        assert!(
            conn.remote().contains(" via root@127.0.0.1:"),
            "{}",
            conn.remote()
        );
        conn.close().await;
    }
}

#[tokio::test]
async fn a_dead_jump_host_is_reported() {
    let server = sshd();
    let dead = closed_port();
    let ssh = server.ssh().jump(format!("root@127.0.0.1:{dead}"));
    let started = Instant::now();
    let err = Connection::builder(ssh).connect().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(15));
    eprintln!("a dead jump host: {err}");
    let Error::Unreachable { failure, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        failure,
        &Failure::ConnectionRefused {
            destination: format!("127.0.0.1:{dead}")
        }
    );
}

#[tokio::test]
async fn control_master_makes_reconnecting_cheaper() {
    let server = sshd();
    let dir = tempfile::tempdir().unwrap();
    let ssh = || {
        server
            .ssh()
            .control_master_in(dir.path(), Duration::from_secs(30))
    };
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let conn = Connection::builder(ssh()).connect().await.unwrap();
        assert_eq!(conn.call(uid()).await.unwrap(), 0);
        times.push(started.elapsed());
        conn.close().await;
    }
    // The master's socket is in the private directory.
    let sockets: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    eprintln!(
        "ControlMaster: first connect {:?}, then {:?} and {:?} through the master",
        times[0], times[1], times[2]
    );
    // Stop the master so it does not outlive the test.
    let socket = sockets[0].path();
    let status = std::process::Command::new("ssh")
        .arg("-o")
        .arg(format!("ControlPath={}", socket.display()))
        .args(["-O", "exit", "127.0.0.1"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
}

#[tokio::test]
async fn a_jump_host_can_have_its_own_key() {
    use std::os::unix::fs::PermissionsExt;
    let server = sshd();
    // A copy of the right key under another name: the hop must use it.
    let dir = tempfile::tempdir().unwrap();
    let hop_key = dir.path().join("bastion_key");
    std::fs::copy(&server.key, &hop_key).unwrap();
    std::fs::set_permissions(&hop_key, std::fs::Permissions::from_mode(0o600)).unwrap();

    let conn = Connection::builder(server.ssh().jump_with_identity(server.hop(), &hop_key))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(conn.call(uid()).await.unwrap(), 0);
    conn.close().await;

    // The hop's own (wrong) key is used, not the connection's right one…
    let hop_refused = Connection::builder(
        server
            .ssh()
            .jump_with_identity(server.hop(), &server.wrong_key),
    )
    .connect()
    .await
    .unwrap_err();
    // …and the destination keeps the connection's (wrong) key, not the hop's.
    let destination_refused = Connection::builder(
        server
            .ssh()
            .identity(&server.wrong_key)
            .jump_with_identity(server.hop(), &server.key),
    )
    .connect()
    .await
    .unwrap_err();
    for err in [hop_refused, destination_refused] {
        let Error::Unreachable { failure, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(
            matches!(failure, Failure::AuthenticationRefused { .. }),
            "{err}"
        );
    }
}

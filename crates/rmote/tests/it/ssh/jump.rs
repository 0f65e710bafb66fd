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

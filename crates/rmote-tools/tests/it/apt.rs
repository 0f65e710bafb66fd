//! Apt and AptRepository for real: apt-get, dpkg and gpgv inside a Debian
//! root (see `roots.rs`), against a local repository signed with a key the
//! test generates. This machine is never changed.

use std::time::Duration;

use rmote_session::{Call, Connection, Error};
use rmote_tools::{
    Apt, AptRepository, Exec, FileSystem, Package, PackageResult, RepositoryResult, State, APT,
    APT_REPOSITORY,
};

use crate::apt_support::{Commands, Deb, Repo};
use crate::common::remote_type;
use crate::roots::Root;

const KEYRING: &str = "/etc/apt/keyrings/rmote-test.asc";

/// A connection to python3 in `root`, with extra environment variables for
/// the remote interpreter.
async fn connect(root: &Root, env: &[(&str, &str)]) -> Connection {
    let mut transport = root.transport();
    for (key, value) in env {
        transport = transport.env(key, value);
    }
    Connection::builder(transport)
        .connect_timeout(Duration::from_secs(60))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot start python3 in the test root: {e:#}"))
}

/// A Debian root whose apt knows only the test's repositories: the
/// network mirror debootstrap configured is dropped.
async fn offline(conn: &Connection) {
    conn.call(FileSystem::absent("/etc/apt/sources.list"))
        .await
        .unwrap();
}

/// Trusts `repo`'s key and adds it as source `name` (at `/srv/<name>`).
async fn add_source(conn: &Connection, name: &str, repo: &Repo) {
    conn.call(AptRepository::key("rmote-test.asc", &repo.key))
        .await
        .unwrap();
    conn.call(source(name)).await.unwrap();
}

fn source(name: &str) -> rmote_tools::AptSource {
    AptRepository::present(name)
        .uri(format!("file:///srv/{name}"))
        .suite("stable")
        .component("main")
        .signed_by(KEYRING)
}

async fn read(conn: &Connection, path: &str) -> Option<String> {
    match conn.call(FileSystem::read_str(path)).await {
        Ok(text) => Some(text),
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => None,
        Err(e) => panic!("reading {path}: {e}"),
    }
}

/// Runs `call` twice: the first run changes and runs `expect_first` (among
/// its mutating commands), the second changes nothing and runs no mutating
/// command at all. Returns the first result.
async fn twice(
    conn: &Connection,
    log: &Commands,
    call: impl Fn() -> Call<PackageResult>,
    expect_first: &str,
) -> PackageResult {
    log.take();
    let first = conn.call(call()).await.unwrap();
    assert!(first.changed, "first run: {first:?}");
    let ran = log.take_mutating();
    assert!(
        ran.iter().any(|m| m.contains(expect_first)),
        "first run should run {expect_first:?}: {ran:?}"
    );
    let second = conn.call(call()).await.unwrap();
    assert!(!second.changed, "second run: {second:?}");
    assert_eq!(second.version, first.version);
    assert_eq!(log.take_mutating(), Vec::<String>::new(), "second run");
    first
}

/// The same for the repository methods: a file is written (or removed)
/// the first time and nothing the second.
async fn twice_repo(conn: &Connection, log: &Commands, call: impl Fn() -> Call<RepositoryResult>) {
    log.take();
    let first = conn.call(call()).await.unwrap();
    assert!(first.changed, "first run: {first:?}");
    assert!(
        !log.take_mutating().is_empty(),
        "first run logged no change"
    );
    let second = conn.call(call()).await.unwrap();
    assert!(!second.changed, "second run: {second:?}");
    assert_eq!(second.name, first.name);
    assert_eq!(log.take_mutating(), Vec::<String>::new(), "second run");
}

#[tokio::test]
async fn packages_are_installed_upgraded_pinned_back_and_removed_from_a_signed_repository() {
    let repo = Repo::build(&[
        Deb {
            postinst_env: true,
            ..Deb::new("rmote-hello", "1.0-1")
        },
        Deb {
            postinst_env: true,
            ..Deb::new("rmote-hello", "2.0-1")
        },
        Deb::new("rmote-extra", "1.0-1"),
    ]);
    let root = Root::debian(&[]).bind(repo.path(), "/srv/rmote-repo");
    let log = Commands::record();
    // The remote's own environment: a sparse PATH (apt-get must still be
    // found) and a proxy setting, which must reach apt-get and dpkg.
    let path = "/opt/rmote-probe/bin:/usr/bin:/usr/sbin";
    let conn = connect(
        &root,
        &[("PATH", path), ("https_proxy", "http://proxy.invalid:3128")],
    )
    .await;
    offline(&conn).await;

    // The key and the source, each written once.
    twice_repo(&conn, &log, || {
        AptRepository::key("rmote-test.asc", &repo.key)
    })
    .await;
    assert_eq!(
        conn.call(FileSystem::read_bytes(KEYRING)).await.unwrap(),
        repo.key
    );
    let stat = conn.call(FileSystem::stat(KEYRING)).await.unwrap();
    assert_eq!((stat.mode, stat.uid, stat.gid), (0o644, 0, 0));
    twice_repo(&conn, &log, || source("rmote-repo").into()).await;
    let sources = "/etc/apt/sources.list.d/rmote-repo.sources";
    let text = read(&conn, sources).await.unwrap();
    let stanza: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        stanza,
        [
            "Types: deb",
            "URIs: file:///srv/rmote-repo",
            "Suites: stable",
            "Components: main",
            "Signed-By: /etc/apt/keyrings/rmote-test.asc",
        ]
    );
    let stat = conn.call(FileSystem::stat(sources)).await.unwrap();
    assert_eq!(stat.mode, 0o644);
    // A key whose mode was changed is fixed; a source that differs is
    // rewritten; both once.
    conn.call(Exec::command(["chmod", "600", KEYRING]))
        .await
        .unwrap();
    twice_repo(&conn, &log, || {
        AptRepository::key("rmote-test.asc", &repo.key)
    })
    .await;
    let stat = conn.call(FileSystem::stat(KEYRING)).await.unwrap();
    assert_eq!(stat.mode, 0o644);
    twice_repo(&conn, &log, || {
        source("rmote-repo").types(["deb", "deb-src"]).into()
    })
    .await;
    assert!(read(&conn, sources)
        .await
        .unwrap()
        .contains("\nTypes: deb deb-src\n"));
    twice_repo(&conn, &log, || source("rmote-repo").into()).await;

    assert!(conn.call(Apt::update(None)).await.unwrap());
    let version = "/usr/share/rmote-hello/version";

    // Pinned to the older version.
    let r = twice(&conn, &log, || Apt::present("rmote-hello=1.0-1"), "install").await;
    assert_eq!(r.name, "rmote-hello");
    assert_eq!(r.version.as_deref(), Some("1.0-1"));
    assert_eq!(read(&conn, version).await.as_deref(), Some("1.0-1\n"));
    let env = read(&conn, "/var/lib/rmote-hello/postinst-env")
        .await
        .unwrap();
    let vars: Vec<&str> = env.lines().collect();
    assert!(vars.contains(&"DEBIAN_FRONTEND=noninteractive"), "{env}");
    assert!(
        vars.contains(&"https_proxy=http://proxy.invalid:3128"),
        "{env}"
    );

    // Present without a version: any installed version will do.
    log.take();
    let r = conn.call(Apt::present("rmote-hello")).await.unwrap();
    assert_eq!((r.changed, r.version.as_deref()), (false, Some("1.0-1")));
    assert_eq!(log.take_mutating(), Vec::<String>::new());

    // Latest upgrades to 2.0-1.
    let r = twice(&conn, &log, || Apt::latest("rmote-hello"), "install").await;
    assert_eq!(r.version.as_deref(), Some("2.0-1"));
    assert_eq!(read(&conn, version).await.as_deref(), Some("2.0-1\n"));

    // An explicit pin to the older version downgrades.
    let r = twice(
        &conn,
        &log,
        || Apt::package(Package::new("rmote-hello").version("1.0-1")),
        "--allow-downgrades",
    )
    .await;
    assert_eq!(r.version.as_deref(), Some("1.0-1"));
    assert_eq!(read(&conn, version).await.as_deref(), Some("1.0-1\n"));

    // Absent purges it.
    let r = twice(&conn, &log, || Apt::absent("rmote-hello"), "remove --purge").await;
    assert_eq!(r.version, None);
    assert_eq!(read(&conn, version).await, None);

    // converge: each package with its own state, in order.
    let mixed = || {
        Apt::converge([
            Package::new("rmote-hello").version("1.0-1"),
            Package::new("rmote-extra").state(State::Latest),
            Package::new("rmote-never-there").state(State::Absent),
        ])
    };
    log.take();
    let first = conn.call(mixed()).await.unwrap();
    let summary: Vec<(&str, bool, Option<&str>)> = first
        .iter()
        .map(|r| (r.name.as_str(), r.changed, r.version.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("rmote-hello", true, Some("1.0-1")),
            ("rmote-extra", true, Some("1.0-1")),
            ("rmote-never-there", false, None),
        ]
    );
    assert_eq!(log.take_mutating().len(), 2);
    let second = conn.call(mixed()).await.unwrap();
    assert!(second.iter().all(|r| !r.changed), "{second:?}");
    assert_eq!(log.take_mutating(), Vec::<String>::new());

    // The states flip: upgrade one, remove the other; then nothing to do.
    let flipped = || {
        Apt::converge([
            Package::new("rmote-hello").state(State::Latest),
            Package::new("rmote-extra").state(State::Absent),
        ])
    };
    let first = conn.call(flipped()).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|r| (r.changed, r.version.as_deref()))
            .collect::<Vec<_>>(),
        [(true, Some("2.0-1")), (true, None)]
    );
    log.take();
    let second = conn.call(flipped()).await.unwrap();
    assert!(second.iter().all(|r| !r.changed), "{second:?}");
    assert_eq!(log.take_mutating(), Vec::<String>::new());

    // No stale snapshot after a converge (the reference's `_status` bug):
    // the package it just installed is seen, and removed.
    let r = conn.call(Apt::absent("rmote-hello")).await.unwrap();
    assert!(r.changed);
    assert_eq!(read(&conn, version).await, None);

    // A package apt does not know fails with apt's message.
    let err = conn.call(Apt::present("rmote-missing")).await.unwrap_err();
    assert_eq!(remote_type(&err), "RuntimeError");
    let message = err.remote().unwrap().message();
    assert!(
        message.contains("apt-get install rmote-missing failed")
            && message.contains("Unable to locate package rmote-missing"),
        "{message}"
    );
    // So does a version the repository does not have.
    let err = conn
        .call(Apt::present("rmote-extra=9.9-9"))
        .await
        .unwrap_err();
    assert!(err.remote().unwrap().message().contains("'9.9-9'"), "{err}");

    // Removing the source, twice.
    twice_repo(&conn, &log, || AptRepository::absent("rmote-repo")).await;
    assert_eq!(read(&conn, sources).await, None);
}

#[tokio::test]
async fn update_honours_its_ttl_and_notices_new_sources() {
    let repo = Repo::build(&[Deb::new("rmote-hello", "1.0-1")]);
    let root = Root::debian(&[])
        .bind(repo.path(), "/srv/rmote-repo")
        .bind(repo.path(), "/srv/rmote-again");
    let log = Commands::record();
    let conn = connect(&root, &[]).await;
    offline(&conn).await;
    add_source(&conn, "rmote-repo", &repo).await;

    let hour = Duration::from_secs(3600);
    // Never updated through the tool: runs whatever the ttl.
    log.take();
    assert!(conn.call(Apt::update(hour)).await.unwrap());
    assert!(log.take().iter().any(|m| m.contains("apt-get")));
    let stamp = conn
        .call(FileSystem::stat("/var/lib/apt/lists/.rmote-update"))
        .await
        .unwrap();
    assert!(stamp.exists);
    // Fresh: skipped, without running anything.
    assert!(!conn.call(Apt::update(hour)).await.unwrap());
    assert_eq!(log.take(), Vec::<String>::new());
    // No ttl, or a zero one: always.
    assert!(conn.call(Apt::update(None)).await.unwrap());
    assert!(conn.call(Apt::update(Duration::ZERO)).await.unwrap());
    // A short ttl expires.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(!conn.call(Apt::update(hour)).await.unwrap());
    assert!(conn
        .call(Apt::update(Duration::from_secs(1)))
        .await
        .unwrap());
    // A new source makes the stamp stale: its lists must be fetched.
    tokio::time::sleep(Duration::from_millis(20)).await;
    conn.call(source("rmote-again")).await.unwrap();
    assert!(conn.call(Apt::update(hour)).await.unwrap());
    assert!(!conn.call(Apt::update(hour)).await.unwrap());
    // So does a removed one.
    tokio::time::sleep(Duration::from_millis(20)).await;
    conn.call(AptRepository::absent("rmote-again"))
        .await
        .unwrap();
    assert!(conn.call(Apt::update(hour)).await.unwrap());
    // Installing from it works, so the lists are really there.
    let r = conn.call(Apt::present("rmote-hello")).await.unwrap();
    assert_eq!((r.changed, r.version.as_deref()), (true, Some("1.0-1")));
}

/// The update error's message, which must carry apt's own words.
async fn update_error(conn: &Connection) -> String {
    let err: Error = conn.call(Apt::update(None)).await.unwrap_err();
    assert_eq!(remote_type(&err), "RuntimeError", "{err}");
    let message = err.remote().unwrap().message().to_string();
    assert!(message.starts_with("apt-get update failed"), "{message}");
    message
}

#[tokio::test]
async fn update_fails_on_unsigned_and_wrongly_signed_repositories() {
    let good = Repo::build(&[Deb::new("rmote-hello", "1.0-1")]);
    let unsigned = Repo::build(&[Deb::new("rmote-hello", "1.0-1")]);
    unsigned.unsign();
    let root = Root::debian(&[])
        .bind(good.path(), "/srv/rmote-repo")
        .bind(unsigned.path(), "/srv/rmote-unsigned");
    let conn = connect(&root, &[]).await;
    offline(&conn).await;
    add_source(&conn, "rmote-repo", &good).await;
    assert!(conn.call(Apt::update(None)).await.unwrap());

    // Unsigned: apt refuses it.
    conn.call(source("rmote-unsigned")).await.unwrap();
    let message = update_error(&conn).await;
    assert!(message.contains("is not signed"), "{message}");
    conn.call(AptRepository::absent("rmote-unsigned"))
        .await
        .unwrap();
    assert!(conn.call(Apt::update(None)).await.unwrap());

    // Signed by a key the source does not trust. apt itself only warns
    // here (exit status 0) and keeps the lists it had: the tool fails.
    good.resign_with_another_key();
    let message = update_error(&conn).await;
    assert!(
        message.contains("NO_PUBKEY") || message.contains("signatures couldn't be verified"),
        "{message}"
    );
    // A failed update leaves no fresh stamp behind.
    let message = conn
        .call(Apt::update(Duration::from_secs(3600)))
        .await
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert!(message.contains("apt-get update failed"), "{message}");
}

#[tokio::test]
async fn invalid_names_versions_and_values_are_refused_before_anything_is_written() {
    let root = Root::debian(&[]);
    let conn = connect(&root, &[]).await;
    let armored =
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nx\n-----END PGP PUBLIC KEY BLOCK-----\n";

    for name in [
        "../evil.asc",
        "a/b.asc",
        ".hidden.asc",
        "bad name.asc",
        "tilde~.asc",
        "",
        "..",
    ] {
        let err = conn
            .call(AptRepository::key(name, armored))
            .await
            .unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "key {name:?}: {err}");
    }
    // The extension must fit the data, as apt reads keyrings by extension.
    for (name, data) in [
        ("armored.gpg", &armored[..]),
        ("binary.asc", &b"\x99\x01\x0d"[..]),
        ("noext", &armored[..]),
    ] {
        let err = conn.call(AptRepository::key(name, data)).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "key {name:?}: {err}");
    }

    for name in ["../evil", "a/b", ".hidden", "a b", "x~", "ünï", ""] {
        let err = conn.call(source(name)).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "source {name:?}: {err}");
        let err = conn.call(AptRepository::absent(name)).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "absent {name:?}: {err}");
    }
    let bad_sources = [
        source("x").uri("file:///a b"),
        source("x").suite("stable\nComponents: evil"),
        source("x").signed_by("/k.asc\nTrusted: yes"),
        source("x").types(["rpm"]),
        AptRepository::present("x")
            .uri("file:///srv/x")
            .suite("stable"),
        AptRepository::present("x")
            .uri("file:///srv/x")
            .suite("./")
            .component("main"),
        AptRepository::present("x")
            .suite("stable")
            .component("main"),
    ];
    for bad in bad_sources {
        let err = conn.call(bad.clone()).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{bad:?}: {err}");
    }

    // A plain string is one item, not a list of characters.
    let r = conn
        .call(
            Call::<RepositoryResult>::new(&APT_REPOSITORY, "present")
                .arg("plain")
                .kwarg("uris", "file:///srv/plain")
                .kwarg("suites", "./"),
        )
        .await
        .unwrap();
    assert!(r.changed);
    let text = read(&conn, "/etc/apt/sources.list.d/plain.sources")
        .await
        .unwrap();
    assert!(
        text.contains("\nURIs: file:///srv/plain\nSuites: ./\n"),
        "{text}"
    );
    assert!(!text.contains("Components"), "{text}");

    for spec in [
        "-oAPT::Foo=1",
        "Upper",
        "x",
        "a b",
        "rmote-hello=1.0 1",
        "ok=",
        "ok=-1",
    ] {
        let err = conn.call(Apt::present(spec)).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{spec:?}: {err}");
    }
    for bad in [
        Apt::latest(Package::new("rmote-hello").version("1.0-1")),
        Apt::absent("rmote-hello=1.0-1"),
        Call::new(&APT, "package").arg("rmote-hello").arg(&7),
        Call::new(&APT, "package").arg("rmote-hello").arg(&true),
    ] {
        let err = conn.call(bad).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{err}");
    }

    // Nothing of the refused calls reached the disk.
    let keyrings = conn
        .call(FileSystem::glob("/etc/apt", "keyrings/*"))
        .await
        .unwrap();
    assert_eq!(keyrings, Vec::<String>::new());
    let sources = conn
        .call(FileSystem::glob("/etc/apt/sources.list.d", "*"))
        .await
        .unwrap();
    assert_eq!(sources, ["/etc/apt/sources.list.d/plain.sources"]);
}

#[tokio::test]
async fn a_host_without_apt_is_not_supported() {
    let root = Root::debian(&[]);
    let conn = connect(&root, &[]).await;
    conn.call(Exec::command([
        "mv",
        "/usr/bin/apt-get",
        "/usr/bin/apt-get.away",
    ]))
    .await
    .unwrap();
    for call in [
        Apt::update(None),
        Call::new(&APT, "converge").arg("rmote-hello"),
    ] {
        let err = conn.call(call).await.unwrap_err();
        let remote = err.remote().expect("a remote error");
        assert!(remote.is_instance("NotImplementedError"), "{err}");
        assert!(
            remote.message().contains("not supported on this host")
                && remote.message().contains("apt-get"),
            "{err}"
        );
    }
    let err = conn.call(Apt::present("rmote-hello")).await.unwrap_err();
    assert_eq!(remote_type(&err), "NotImplementedError");

    conn.call(Exec::command(["mv", "/etc/apt", "/etc/apt.away"]))
        .await
        .unwrap();
    let err = conn
        .call(AptRepository::key(
            "k.asc",
            b"-----BEGIN PGP PUBLIC KEY BLOCK-----",
        ))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "NotImplementedError", "{err}");
    let err = conn.call(source("x")).await.unwrap_err();
    assert_eq!(remote_type(&err), "NotImplementedError", "{err}");
}

#[test]
fn packages_parse_and_print_as_apt_takes_them() {
    let p = Package::from("rmote-hello=1:2.0-1");
    assert_eq!(p.name, "rmote-hello");
    assert_eq!(p.version.as_deref(), Some("1:2.0-1"));
    assert_eq!(p.state, State::Present);
    assert_eq!(p.to_string(), "rmote-hello=1:2.0-1");
    assert_eq!(Package::from("nginx").to_string(), "nginx");
    assert_eq!(
        [State::Present, State::Absent, State::Latest].map(State::number),
        [0, 1, 2]
    );
}

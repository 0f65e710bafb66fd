//! Pacman and PacmanRepository, for real: packages built with makepkg,
//! published with repo-add in a local repository, and installed by this
//! machine's pacman inside a throwaway overlay of it (`Root::host()`), whose
//! `/etc/pacman.conf` and `/var/lib/pacman` are the test's.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use rmote_session::{Call, Connection};
use rmote_tools::{
    Exec, FileSystem, Pacman, PacmanPackage, PacmanRepository, PacmanResult, PacmanState, PACMAN,
};

use crate::common::remote_type;
use crate::roots::Root;
use crate::tool_log::{connect, logged, twice};

const REPO: &str = "rmote-test";
const REPO_INSIDE: &str = "/srv/pacman-repo";

/// Whether a `rmote.pacman` log line changed the system: a sync (`-S`,
/// `-Sy`), a removal or a local install; `-Q` and `-Qu` only read.
fn pacman_mutating(line: &str) -> bool {
    line.strip_prefix("running: ").is_some_and(|argv| {
        argv.split(' ')
            .any(|a| a.starts_with("-S") || a.starts_with("-R") || a.starts_with("-U"))
    })
}

/// Whether a `rmote.pacman_repository` log line changed a file.
fn file_mutating(line: &str) -> bool {
    ["writing ", "creating ", "changing "]
        .iter()
        .any(|p| line.starts_with(p))
}

/// Builds `name` `version`-1 (an `any` package holding
/// `/usr/share/<name>/version`) with makepkg under `work`; the package file.
///
/// makepkg refuses to run as root, so it runs as `nobody` (uid and gid
/// 65534) through `setpriv`, in a directory nobody owns; it cannot touch
/// anything else on this machine.
fn makepkg(work: &Path, name: &str, version: &str) -> PathBuf {
    let dir = work.join(format!("{name}-{version}"));
    std::fs::create_dir(&dir).unwrap();
    let pkgbuild = format!(
        "pkgname={name}\npkgver={version}\npkgrel=1\npkgdesc='rmote test package'\n\
         arch=('any')\nlicense=('MIT')\n\
         package() {{\n  mkdir -p \"$pkgdir/usr/share/{name}\"\n  \
         echo {version} > \"$pkgdir/usr/share/{name}/version\"\n}}\n"
    );
    std::fs::write(dir.join("PKGBUILD"), pkgbuild).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    std::os::unix::fs::chown(dir.join("PKGBUILD"), Some(65534), Some(65534)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args(["makepkg", "--nodeps", "--noconfirm"])
        .env("HOME", &dir)
        .current_dir(&dir)
        .output()
        .expect("setpriv and makepkg (install makepkg; `cargo xtask test` does)");
    assert!(
        out.status.success(),
        "makepkg {name} {version}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = format!("{name}-{version}-1-any.pkg.tar");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && !n.ends_with(".sig"))
        })
        .unwrap_or_else(|| panic!("makepkg left no {prefix}*"))
}

/// Adds `package` to the repository in `repo` with repo-add, then dates the
/// database a little ahead, so that pacman sees it as newer than the copy it
/// synced within the same second.
fn publish(repo: &Path, package: &Path) {
    let file = repo.join(package.file_name().unwrap());
    std::fs::copy(package, &file).unwrap();
    let db = repo.join(format!("{REPO}.db.tar.gz"));
    let before = std::fs::metadata(&db).and_then(|m| m.modified()).ok();
    let out = Command::new("repo-add")
        .arg("-q")
        .arg(&db)
        .arg(&file)
        .output()
        .expect("repo-add (install pacman-package-manager; `cargo xtask test` does)");
    assert!(
        out.status.success(),
        "repo-add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pacman compares whole seconds: the new database must be at least a
    // second newer than the one synced before, however fast the test runs.
    let mut later = SystemTime::now() + Duration::from_secs(2);
    if let Some(before) = before {
        later = later.max(before + Duration::from_secs(2));
    }
    std::fs::File::options()
        .write(true)
        .open(&db)
        .unwrap()
        .set_modified(later)
        .unwrap();
}

/// The content of `/usr/share/<name>/version` in the root, if installed.
async fn installed_file(conn: &Connection, name: &str) -> Option<String> {
    let path = format!("/usr/share/{name}/version");
    if !conn.call(FileSystem::stat(&path)).await.unwrap().exists {
        return None;
    }
    Some(conn.call(FileSystem::read_str(&path)).await.unwrap())
}

#[tokio::test]
async fn packages_are_installed_pinned_upgraded_removed_and_converged() {
    let work = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        work.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let (hello1, hello2, extra) = std::thread::scope(|s| {
        let a = s.spawn(|| makepkg(work.path(), "rmote-hello", "1.0"));
        let b = s.spawn(|| makepkg(work.path(), "rmote-hello", "2.0"));
        let c = s.spawn(|| makepkg(work.path(), "rmote-extra", "1.0"));
        (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
    });
    let repo = tempfile::tempdir().unwrap();
    publish(repo.path(), &hello1);
    publish(repo.path(), &extra);

    let root = Root::host().bind(repo.path(), REPO_INSIDE);
    let conn = connect(&root).await;
    // The host's pacman.conf (Debian's, all comments) gets the test
    // repository through the tool itself.
    twice(
        &conn,
        "pacman_repository",
        "[rmote-test]",
        || PacmanRepository::present(REPO).server(format!("file://{REPO_INSIDE}")),
        file_mutating,
    )
    .await;
    let conf = std::fs::read_to_string(root.file("/etc/pacman.conf")).unwrap();
    assert!(
        conf.ends_with(&format!(
            "\n\n[{REPO}]\nSigLevel = Optional TrustAll\nServer = file://{REPO_INSIDE}\n"
        )),
        "{conf}"
    );
    assert!(conf.contains("#[custom]\n"), "the comments are kept");
    let repos = conn
        .call(Exec::command(["pacman-conf", "--repo-list"]).capture())
        .await
        .unwrap();
    assert_eq!(repos.stdout_str(), format!("{REPO}\n"));

    // update: always without a ttl, then not again within it.
    let (ran, lines) = logged("pacman", "", conn.call(Pacman::update())).await;
    assert!(ran.unwrap());
    assert!(
        lines.iter().any(|l| l.ends_with("pacman --noconfirm -Sy")),
        "{lines:?}"
    );
    let (ran, lines) = logged(
        "pacman",
        "",
        conn.call(Pacman::update().ttl(Duration::from_secs(3600))),
    )
    .await;
    assert!(!ran.unwrap());
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(conn.call(Pacman::query("rmote-hello")).await.unwrap(), None);

    // A pinned version the repository offers.
    let pinned = || Pacman::package(PacmanPackage::new("rmote-hello").version("1.0-1"));
    let (result, lines) = twice(&conn, "pacman", "", pinned, pacman_mutating).await;
    assert_eq!(
        result,
        PacmanResult {
            name: "rmote-hello".into(),
            changed: true,
            version: "1.0-1".into()
        }
    );
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("-S --needed rmote-hello=1.0-1")),
        "{lines:?}"
    );
    assert_eq!(
        installed_file(&conn, "rmote-hello").await.as_deref(),
        Some("1.0\n")
    );
    let local = std::fs::read_dir(root.file("/var/lib/pacman/local"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<Vec<_>>();
    assert!(
        local.contains(&"rmote-hello-1.0-1".to_string()),
        "{local:?}"
    );

    // 2.0-1 is published: the pin still holds (no upgrade), LATEST upgrades.
    publish(repo.path(), &hello2);
    assert!(conn.call(Pacman::update()).await.unwrap());
    let (again, lines) = logged("pacman", "", conn.call(pinned())).await;
    assert!(!again.unwrap().changed);
    assert!(!lines.iter().any(|l| pacman_mutating(l)), "{lines:?}");
    let latest = || Pacman::latest("rmote-hello");
    let (result, lines) = twice(&conn, "pacman", "", latest, pacman_mutating).await;
    assert_eq!((result.changed, result.version.as_str()), (true, "2.0-1"));
    assert!(lines.iter().any(|l| l.ends_with(" -Qu")), "{lines:?}");
    assert_eq!(
        installed_file(&conn, "rmote-hello").await.as_deref(),
        Some("2.0\n")
    );
    // A pin without the release matches every release.
    let (same, lines) = logged(
        "pacman",
        "",
        conn.call(Pacman::package(
            PacmanPackage::new("rmote-hello").version("2.0"),
        )),
    )
    .await;
    assert!(!same.unwrap().changed);
    assert!(!lines.iter().any(|l| pacman_mutating(l)), "{lines:?}");

    // A pin the repositories no longer offer fails loudly; nothing changes.
    let err = conn.call(pinned()).await.unwrap_err();
    assert_eq!(remote_type(&err), "RuntimeError");
    let message = err.remote().unwrap().message();
    assert!(
        message.starts_with("pacman -S 'rmote-hello=1.0-1' failed (exit status 1):"),
        "{message}"
    );
    assert!(
        message.contains("target not found: rmote-hello=1.0-1"),
        "{message}"
    );
    assert!(message.contains("offers exactly that version"), "{message}");
    assert_eq!(
        conn.call(Pacman::query("rmote-hello"))
            .await
            .unwrap()
            .as_deref(),
        Some("2.0-1")
    );
    // Present at any version: nothing to do.
    let (present, lines) = logged("pacman", "", conn.call(Pacman::present("rmote-hello"))).await;
    assert_eq!(present.unwrap().version, "2.0-1");
    assert!(!lines.iter().any(|l| pacman_mutating(l)), "{lines:?}");

    // Removed, once.
    let (result, lines) = twice(
        &conn,
        "pacman",
        "",
        || Pacman::absent("rmote-hello"),
        pacman_mutating,
    )
    .await;
    assert_eq!((result.changed, result.version.as_str()), (true, ""));
    assert!(
        lines.iter().any(|l| l.ends_with("-R rmote-hello")),
        "{lines:?}"
    );
    assert_eq!(installed_file(&conn, "rmote-hello").await, None);

    // converge: each package in its own state, results in order.
    let mixed = || {
        Pacman::converge([
            PacmanPackage::new("rmote-hello"),
            PacmanPackage::new("rmote-extra").state(PacmanState::Latest),
            PacmanPackage::new("rmote-never-there").state(PacmanState::Absent),
        ])
    };
    let (results, _) = twice(&conn, "pacman", "", mixed, pacman_mutating).await;
    let summary: Vec<(&str, bool, &str)> = results
        .iter()
        .map(|r| (r.name.as_str(), r.changed, r.version.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("rmote-hello", true, "2.0-1"),
            ("rmote-extra", true, "1.0-1"),
            ("rmote-never-there", false, ""),
        ]
    );
    let swap = || {
        Pacman::converge([
            PacmanPackage::new("rmote-hello").state(PacmanState::Absent),
            PacmanPackage::new("rmote-extra"),
        ])
    };
    let (results, _) = twice(&conn, "pacman", "", swap, pacman_mutating).await;
    assert_eq!(
        results
            .iter()
            .map(|r| (r.changed, r.version.as_str()))
            .collect::<Vec<_>>(),
        [(true, ""), (false, "1.0-1")]
    );

    // The explicit state of a call beats the package's own: ABSENT here,
    // so nothing is installed.
    let explicit = Call::<PacmanResult>::new(&PACMAN, "package")
        .arg(&PacmanPackage::new("rmote-hello").state(PacmanState::Present))
        .arg(&PacmanState::Absent);
    let (result, lines) = logged("pacman", "", conn.call(explicit)).await;
    assert_eq!(result.unwrap().version, "");
    assert!(!lines.iter().any(|l| pacman_mutating(l)), "{lines:?}");

    // Nothing is cached: a package removed behind the tool's back is seen
    // as missing by the next call.
    conn.call(Exec::command([
        "pacman",
        "--noconfirm",
        "-R",
        "rmote-extra",
    ]))
    .await
    .unwrap();
    let back = conn.call(Pacman::present("rmote-extra")).await.unwrap();
    assert_eq!((back.changed, back.version.as_str()), (true, "1.0-1"));

    // What is refused, before anything runs.
    let bad: Vec<PacmanPackage> = vec![
        PacmanPackage::new("rmote-hello")
            .version("1.0-1")
            .state(PacmanState::Absent),
        PacmanPackage::new("rmote-hello")
            .version("1.0-1")
            .state(PacmanState::Latest),
        PacmanPackage::new("-Rns"),
        PacmanPackage::new("rmote hello"),
        PacmanPackage::new("rmote-hello=1.0-1"),
        PacmanPackage::new("rmote-hello").version("1.0 -1"),
        PacmanPackage::new(""),
    ];
    for package in bad {
        let label = format!("{package:?}");
        let (result, lines) = logged(
            "pacman",
            "",
            conn.call(Pacman::converge([
                PacmanPackage::new("rmote-extra"),
                package,
            ])),
        )
        .await;
        let err = result.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{label}");
        assert!(lines.is_empty(), "{label}: {lines:?}");
    }
    // Everything pacman did stayed in the root.
    assert!(!Path::new("/var/lib/pacman/local/rmote-extra-1.0-1").exists());
    assert!(!Path::new("/usr/share/rmote-extra").exists());
    assert!(root
        .changes()
        .join("var/lib/pacman/local/rmote-extra-1.0-1")
        .is_dir());
}

#[tokio::test]
async fn repository_sections_are_edited_in_place_keeping_comments() {
    let root = Root::host();
    let conn = connect(&root).await;
    let conf = "/etc/pacman.conf";
    let original = "\
# Hand-written.
[options]
Architecture = auto
SigLevel = Required DatabaseOptional

[core]
Server = file:///srv/core

[rmote-a]   # the test's
Server=file:///srv/a
# between directives
SigLevel =   Optional TrustAll

# About [extra] below: this comment must stay.

[extra]
Server = file:///srv/extra
";
    conn.call(FileSystem::write(conf, original).mode(0o640))
        .await
        .unwrap();
    let read = || std::fs::read_to_string(root.file(conf)).unwrap();

    // The same section, written differently: no change at all.
    let (same, lines) = logged(
        "pacman_repository",
        "[rmote-a]",
        conn.call(PacmanRepository::present("rmote-a").server("file:///srv/a")),
    )
    .await;
    assert!(!same.unwrap().changed);
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(read(), original);

    // A different one replaces it where it stands; the comment after it
    // and the other sections stay.
    twice(
        &conn,
        "pacman_repository",
        "[rmote-a]",
        || {
            PacmanRepository::present("rmote-a")
                .server("file:///srv/a2")
                .server("file:///srv/a3")
                .sig_level("Required")
        },
        file_mutating,
    )
    .await;
    let replaced = original.replace(
        "[rmote-a]   # the test's\nServer=file:///srv/a\n# between directives\n\
         SigLevel =   Optional TrustAll\n",
        "[rmote-a]\nSigLevel = Required\nServer = file:///srv/a2\nServer = file:///srv/a3\n",
    );
    assert_ne!(replaced, original);
    assert_eq!(read(), replaced);
    let meta = std::fs::metadata(root.file(conf)).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640, "the mode is kept");

    // Removed with the blank line before it; the comment below stays.
    twice(
        &conn,
        "pacman_repository",
        "[rmote-a]",
        || PacmanRepository::absent("rmote-a"),
        file_mutating,
    )
    .await;
    let without = original.replace(
        "[rmote-a]   # the test's\nServer=file:///srv/a\n# between directives\n\
         SigLevel =   Optional TrustAll\n\n",
        "",
    );
    assert_eq!(read(), without);
    assert!(without.contains("Server = file:///srv/core\n\n# About [extra]"));

    // A new one is appended, and removing it gives the file back.
    twice(
        &conn,
        "pacman_repository",
        "[rmote-b]",
        || {
            PacmanRepository::present("rmote-b")
                .server("https://example.com/$repo/os/$arch")
                .sig_level("")
        },
        file_mutating,
    )
    .await;
    assert_eq!(
        read(),
        format!("{without}\n[rmote-b]\nServer = https://example.com/$repo/os/$arch\n")
    );
    let repos = conn
        .call(Exec::command(["pacman-conf", "--repo-list"]).capture())
        .await
        .unwrap();
    assert_eq!(
        repos.stdout_str(),
        "core\nextra\nrmote-b\n",
        "pacman reads it"
    );
    conn.call(PacmanRepository::absent("rmote-b"))
        .await
        .unwrap();
    assert_eq!(read(), without);

    // Refusals: nothing is written.
    let bad_names = ["options", "local", "a/b", "../a", "a b", "", ".a", "a]b"];
    for name in bad_names {
        let err = conn
            .call(PacmanRepository::present(name).server("file:///srv/x"))
            .await
            .unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{name:?}");
    }
    for (servers, level) in [
        (vec![], "Optional"),
        (vec!["file:///srv/a b"], "Optional"),
        (vec!["file:///srv/x\nServer = evil"], "Optional"),
        (vec!["file:///srv/x"], "Sometimes"),
        (vec!["file:///srv/x"], "Optional\nXferCommand = /bin/evil"),
    ] {
        let mut call = PacmanRepository::present("rmote-c").sig_level(level);
        for s in &servers {
            call = call.server(s);
        }
        let err = conn.call(call).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{servers:?} {level:?}");
    }
    assert_eq!(read(), without);
}

#[tokio::test]
async fn key_files_are_placed_once_with_validated_names() {
    let root = Root::host();
    let conn = connect(&root).await;
    let key =
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ...\n-----END PGP PUBLIC KEY BLOCK-----\n";
    let (result, lines) = twice(
        &conn,
        "pacman_repository",
        "rmote-test.asc",
        || PacmanRepository::key("rmote-test.asc", key),
        file_mutating,
    )
    .await;
    assert_eq!(result.name, "rmote-test.asc");
    assert!(
        lines.contains(&"writing /etc/pacman.d/rmote-test.asc".to_string()),
        "{lines:?}"
    );
    let path = root.file("/etc/pacman.d/rmote-test.asc");
    assert_eq!(std::fs::read(&path).unwrap(), key);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (meta.mode() & 0o7777, meta.uid(), meta.gid()),
        (0o644, 0, 0)
    );
    // Other bytes replace it.
    twice(
        &conn,
        "pacman_repository",
        "rmote-test.asc",
        || PacmanRepository::key("rmote-test.asc", b"other"),
        file_mutating,
    )
    .await;
    assert_eq!(std::fs::read(&path).unwrap(), b"other");

    for name in [
        "mirrorlist",
        "gnupg",
        "../pacman.conf",
        "a/b",
        "..",
        ".hidden",
        "",
    ] {
        let err = conn
            .call(PacmanRepository::key(name, b"x"))
            .await
            .unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{name:?}");
    }
}

#[tokio::test]
async fn a_host_without_pacman_is_not_supported() {
    let root = Root::host();
    let conn = connect(&root).await;
    assert!(conn
        .call(FileSystem::absent("/usr/bin/pacman"))
        .await
        .unwrap());
    assert!(conn
        .call(FileSystem::absent("/etc/pacman.conf"))
        .await
        .unwrap());
    for err in [
        conn.call(Pacman::update()).await.unwrap_err(),
        conn.call(Pacman::present("rmote-hello")).await.unwrap_err(),
        conn.call(Pacman::query("rmote-hello")).await.unwrap_err(),
    ] {
        assert_eq!(remote_type(&err), "NotImplementedError");
        let message = err.remote().unwrap().message();
        assert!(message.contains("not supported on this host"), "{message}");
    }
    for err in [
        conn.call(PacmanRepository::present("x").server("file:///x"))
            .await
            .unwrap_err(),
        conn.call(PacmanRepository::absent("x")).await.unwrap_err(),
        conn.call(PacmanRepository::key("x", b"k"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(remote_type(&err), "NotImplementedError");
        assert!(err.remote().unwrap().message().contains("/etc/pacman.conf"));
    }
}

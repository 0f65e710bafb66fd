//! Throwaway roots for the system tools' tests: the tools run for real
//! (`apt-get`, `dpkg`, `useradd`, `pacman`, `visudo`, …) inside a root the
//! test owns, and this machine is never changed.
//!
//! A root is an overlay: a read-only lower layer (this machine's `/`, or a
//! cached Debian root built once with debootstrap) and a writable upper layer
//! the test owns. Every connection mounts it in a private mount namespace
//! (`unshare --mount`), binds `/dev`, `/proc` and `/sys`, gives it a fresh
//! `/run` and `/tmp`, and runs `python3` in it with `chroot`: mounts vanish
//! with the connection, even if the test dies. Successive connections to one
//! `Root` see the same upper layer, so state persists between them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rmote_session::{Connection, Local};

/// What mounts the overlay and enters it; arguments: lower upper work merged
/// [SRC DST]... -- PYTHON ARGS...
const ENTER: &str = r#"
set -e
lower=$1; upper=$2; work=$3; merged=$4; shift 4
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$merged"
for d in dev proc sys; do mkdir -p "$merged/$d"; mount --rbind "/$d" "$merged/$d"; done
for d in run tmp; do mkdir -p "$merged/$d"; mount -t tmpfs tmpfs "$merged/$d"; done
while [ "$1" != "--" ]; do
  mkdir -p "$merged$2"
  mount --bind "$1" "$merged$2"
  shift 2
done
shift
exec chroot "$merged" "$@"
"#;

/// A throwaway root: a read-only lower layer and the test's upper layer.
pub struct Root {
    lower: PathBuf,
    /// Holds `upper/`, `work/` and `merged/`; removed on drop.
    state: tempfile::TempDir,
    binds: Vec<(PathBuf, String)>,
}

impl Root {
    /// A copy-on-write view of this machine's root filesystem: every program
    /// installed here is there, and nothing done inside reaches the host.
    /// The upper layer lives on /dev/shm (a layer must not be inside another).
    pub fn host() -> Root {
        Root::over(PathBuf::from("/"), Some(Path::new("/dev/shm")))
    }

    /// A Debian bookworm root built once with `debootstrap --variant=minbase`
    /// with `python3` and `packages` included, cached (see [`cache_dir`]) and
    /// shared read-only by every test; each `Root` gets its own upper layer.
    pub fn debian(packages: &[&str]) -> Root {
        Root::over(debian_lower(packages), None)
    }

    fn over(lower: PathBuf, state_in: Option<&Path>) -> Root {
        let state = match state_in {
            Some(dir) => tempfile::Builder::new()
                .prefix("rmote-root-")
                .tempdir_in(dir),
            None => tempfile::Builder::new().prefix("rmote-root-").tempdir(),
        }
        .expect("a directory for the root's upper layer");
        for d in ["upper", "work", "merged"] {
            std::fs::create_dir(state.path().join(d)).expect("layer directories");
        }
        Root {
            lower,
            state,
            binds: Vec::new(),
        }
    }

    /// Makes the host directory `host` visible at `inside` (read-write: the
    /// test owns it), e.g. a package repository the test built.
    pub fn bind(mut self, host: impl Into<PathBuf>, inside: &str) -> Root {
        self.binds.push((host.into(), inside.to_string()));
        self
    }

    /// The transport that runs `python3` inside this root.
    pub fn transport(&self) -> Local {
        let mut argv: Vec<String> = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--fork",
            "sh",
            "-c",
            ENTER,
            "sh",
        ]
        .map(String::from)
        .to_vec();
        let dir = self.state.path();
        argv.push(self.lower.display().to_string());
        for d in ["upper", "work", "merged"] {
            argv.push(dir.join(d).display().to_string());
        }
        for (host, inside) in &self.binds {
            argv.push(host.display().to_string());
            argv.push(inside.clone());
        }
        argv.push("--".into());
        Local::command(argv).python("python3")
    }

    /// A connection to `python3` inside this root.
    pub async fn connect(&self) -> Connection {
        Connection::builder(self.transport())
            .connect_timeout(Duration::from_secs(60))
            .connect()
            .await
            .unwrap_or_else(|e| panic!("cannot start python3 in the test root: {e:#}"))
    }

    /// What the root's files look like from the host (the upper layer over
    /// the lower one), for assertions: `root.file("/etc/passwd")`.
    pub fn file(&self, inside: &str) -> PathBuf {
        let rel = inside.trim_start_matches('/');
        let upper = self.state.path().join("upper").join(rel);
        if upper.symlink_metadata().is_ok() {
            upper
        } else {
            self.lower.join(rel)
        }
    }

    /// The read-only lower layer and this root's `upper`, `work` and
    /// `merged` directories, for mounting the overlay some other way (the
    /// Service tests boot it with systemd-nspawn).
    pub fn layers(&self) -> [PathBuf; 4] {
        let dir = self.state.path();
        [
            self.lower.clone(),
            dir.join("upper"),
            dir.join("work"),
            dir.join("merged"),
        ]
    }

    /// The upper layer: everything the tools changed (a file deleted in the
    /// root shows up here as a whiteout).
    pub fn changes(&self) -> PathBuf {
        self.state.path().join("upper")
    }
}

/// Where cached roots live: `RMOTE_ROOTS_CACHE`, or `/var/tmp/rmote-test-roots`
/// (outside the clone, so a fresh clone on the same machine reuses them).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("RMOTE_ROOTS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/rmote-test-roots"))
}

/// The cached Debian root with `packages`, built on first use (under a file
/// lock, so parallel test binaries build it once).
fn debian_lower(packages: &[&str]) -> PathBuf {
    let mut include: Vec<&str> = vec!["python3"];
    include.extend_from_slice(packages);
    include.sort_unstable();
    include.dedup();
    let name = format!("bookworm-minbase-{}", include.join("+"));
    let cache = cache_dir();
    std::fs::create_dir_all(&cache).expect("the roots cache directory");
    let root = cache.join(&name);
    let stamp = cache.join(format!("{name}.complete"));
    let lock = std::fs::File::create(cache.join(format!("{name}.lock"))).expect("a lock file");
    // SAFETY: flock on a descriptor we own; released when `lock` is dropped.
    unsafe {
        libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX);
    }
    if stamp.exists() {
        return root;
    }
    if !Path::new("/usr/sbin/debootstrap").exists() {
        panic!("these tests need debootstrap (install it; `cargo xtask test` does)");
    }
    let _ = std::fs::remove_dir_all(&root);
    let mirror = std::env::var("RMOTE_DEBIAN_MIRROR")
        .unwrap_or_else(|_| "http://deb.debian.org/debian".to_string());
    eprintln!("building the test root {} (once; cached)", root.display());
    let out = Command::new("debootstrap")
        .args([
            "--variant=minbase",
            &format!("--include={}", include.join(",")),
        ])
        .args(["bookworm"])
        .arg(&root)
        .arg(&mirror)
        .output()
        .expect("debootstrap");
    if !out.status.success() {
        panic!(
            "debootstrap failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A root's apt lists and caches are of no use to the tests.
    let _ = std::fs::remove_dir_all(root.join("var/cache/apt/archives"));
    std::fs::write(&stamp, "").expect("the stamp file");
    root
}

#[tokio::test]
async fn a_host_root_is_copy_on_write_and_persists_between_connections() {
    use rmote_tools::FileSystem;
    let root = Root::host();
    let marker = format!("/etc/rmote-root-check-{}", std::process::id());
    let conn = root.connect().await;
    assert!(conn
        .call(FileSystem::write(&marker, "inside"))
        .await
        .unwrap());
    // Programs of this machine are there.
    let stat = conn
        .call(FileSystem::stat("/usr/bin/python3"))
        .await
        .unwrap();
    assert!(stat.exists);
    conn.close().await;
    assert!(!Path::new(&marker).exists(), "the host was changed");
    assert_eq!(
        std::fs::read_to_string(root.file(&marker)).unwrap(),
        "inside"
    );
    let again = root.connect().await;
    assert_eq!(
        again.call(FileSystem::read_str(&marker)).await.unwrap(),
        "inside"
    );
}

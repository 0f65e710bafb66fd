//! What the apt tests build on the host: tiny Debian packages, a local
//! repository signed with a throwaway key, and a recorder of the commands
//! the tools log.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A local apt repository (`dists/stable/main` layout, `pool/main`) in a
/// temporary directory, signed (`InRelease`, clearsigned) with a key
/// generated for it in a throwaway `GNUPGHOME`.
pub struct Repo {
    dir: tempfile::TempDir,
    gnupg: tempfile::TempDir,
    /// The signing key, ASCII-armored (`gpg --export --armor`).
    pub key: Vec<u8>,
}

/// A package of the test repository: `name` at `version`, installing
/// `/usr/share/<name>/version` (holding `version` and a newline) and, with
/// `postinst_env`, a maintainer script that saves its environment to
/// `/var/lib/<name>/postinst-env`.
#[derive(Clone, Copy)]
pub struct Deb<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub postinst_env: bool,
}

impl<'a> Deb<'a> {
    pub fn new(name: &'a str, version: &'a str) -> Deb<'a> {
        Deb {
            name,
            version,
            postinst_env: false,
        }
    }
}

impl Repo {
    /// Builds the packages, publishes them and signs the Release file.
    pub fn build(debs: &[Deb<'_>]) -> Repo {
        let dir = tempfile::Builder::new()
            .prefix("rmote-apt-repo-")
            .tempdir()
            .expect("a directory for the repository");
        // apt downloads as the _apt user, who must be able to read it.
        chmod(dir.path(), 0o755);
        let gnupg = tempfile::Builder::new()
            .prefix("rmote-gpg-")
            .tempdir()
            .expect("a GNUPGHOME");
        let mut repo = Repo {
            dir,
            gnupg,
            key: Vec::new(),
        };
        repo.gpg(&[
            "--quick-gen-key",
            "rmote apt tests <rmote-apt@example.invalid>",
            "ed25519",
            "sign",
            "never",
        ]);
        repo.key = repo.gpg(&["--export", "--armor"]);
        assert!(repo
            .key
            .starts_with(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        let pool = repo.path().join("pool/main");
        std::fs::create_dir_all(&pool).unwrap();
        let build = tempfile::tempdir().unwrap();
        for deb in debs {
            let tree = build.path().join(format!("{}_{}", deb.name, deb.version));
            let share = tree.join("usr/share").join(deb.name);
            std::fs::create_dir_all(tree.join("DEBIAN")).unwrap();
            std::fs::create_dir_all(&share).unwrap();
            std::fs::write(share.join("version"), format!("{}\n", deb.version)).unwrap();
            std::fs::write(
                tree.join("DEBIAN/control"),
                format!(
                    "Package: {}\nVersion: {}\nArchitecture: all\n\
                     Maintainer: rmote tests <rmote-apt@example.invalid>\n\
                     Description: a tiny package for the rmote apt tests\n",
                    deb.name, deb.version
                ),
            )
            .unwrap();
            if deb.postinst_env {
                let script = tree.join("DEBIAN/postinst");
                std::fs::write(
                    &script,
                    format!(
                        "#!/bin/sh\nset -e\nmkdir -p /var/lib/{0}\nenv > /var/lib/{0}/postinst-env\n",
                        deb.name
                    ),
                )
                .unwrap();
                chmod(&script, 0o755);
            }
            let out = pool.join(format!("{}_{}_all.deb", deb.name, deb.version));
            run(Command::new("dpkg-deb")
                .args(["--root-owner-group", "--build"])
                .arg(&tree)
                .arg(&out));
        }
        repo.publish();
        repo.sign();
        repo
    }

    /// The repository's directory on the host.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces the signature with one made by another, fresh key: apt must
    /// then refuse the repository.
    pub fn resign_with_another_key(&self) {
        let other = Repo {
            dir: tempfile::tempdir().unwrap(),
            gnupg: tempfile::Builder::new()
                .prefix("rmote-gpg-")
                .tempdir()
                .unwrap(),
            key: Vec::new(),
        };
        other.gpg(&[
            "--quick-gen-key",
            "another key <rmote-other@example.invalid>",
            "ed25519",
            "sign",
            "never",
        ]);
        other.clearsign(&self.release());
    }

    /// Removes the signature: the repository is unsigned.
    pub fn unsign(&self) {
        std::fs::remove_file(self.release().with_file_name("InRelease")).unwrap();
    }

    fn release(&self) -> PathBuf {
        self.path().join("dists/stable/Release")
    }

    fn publish(&self) {
        let arch = String::from_utf8(run(Command::new("dpkg").arg("--print-architecture")))
            .unwrap()
            .trim()
            .to_string();
        let lists = self.path().join(format!("dists/stable/main/binary-{arch}"));
        std::fs::create_dir_all(&lists).unwrap();
        let packages = run(Command::new("apt-ftparchive")
            .args(["packages", "pool"])
            .current_dir(self.path()));
        std::fs::write(lists.join("Packages"), packages).unwrap();
        let release = run(Command::new("apt-ftparchive")
            .args([
                "-o",
                "APT::FTPArchive::Release::Suite=stable",
                "-o",
                "APT::FTPArchive::Release::Codename=stable",
                "-o",
                "APT::FTPArchive::Release::Components=main",
            ])
            .arg("-o")
            .arg(format!("APT::FTPArchive::Release::Architectures={arch}"))
            .args(["release", "dists/stable"])
            .current_dir(self.path()));
        std::fs::write(self.release(), release).unwrap();
    }

    fn sign(&self) {
        self.clearsign(&self.release());
    }

    fn clearsign(&self, release: &Path) {
        let signed = release.with_file_name("InRelease");
        let mut cmd = self.gpg_command();
        cmd.args(["--yes", "--clearsign", "--output"])
            .arg(&signed)
            .arg(release);
        run(&mut cmd);
    }

    fn gpg_command(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", self.gnupg.path()).args([
            "--batch",
            "--quiet",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]);
        cmd
    }

    fn gpg(&self, args: &[&str]) -> Vec<u8> {
        run(self.gpg_command().args(args))
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        // The agent gpg started for this home would outlive the test.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.gnupg.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a host program the tests need; its stdout, or a panic with its
/// stderr.
fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{cmd:?}: {e} (the apt tests need dpkg-dev, apt-utils and gpg)")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Records the log records of the apt tools (targets
/// `rmote::remote::rmote.apt` and `rmote::remote::rmote.apt_repository`)
/// that reach this thread.
///
/// It is the thread's default subscriber while it lives: a `#[tokio::test]`
/// runs its connections' drivers on the test's own thread, so each test
/// sees exactly the records of its own connections, whatever runs in
/// parallel. Create it before connecting (the remote's log level is set
/// from the enabled levels at connect time).
pub struct Commands {
    seen: Arc<Mutex<Vec<String>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Commands {
    pub fn record() -> Commands {
        use tracing_subscriber::layer::SubscriberExt;
        // A global subscriber first: while this recorder is the only
        // dispatcher, tracing-core decides a new callsite's interest from the
        // default of whichever thread reaches it first, and a test thread with
        // none would cache "never" for every thread (tokio-rs/tracing#3611).
        crate::common::capture_logs();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Recorder(seen.clone()));
        let guard = tracing::subscriber::set_default(subscriber);
        Commands {
            seen,
            _guard: guard,
        }
    }

    /// The messages recorded since the last call.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }

    /// The messages recorded since the last call that change the remote:
    /// anything but a read-only query.
    pub fn take_mutating(&self) -> Vec<String> {
        self.take().into_iter().filter(|m| mutating(m)).collect()
    }
}

/// Whether a record of the apt tools stands for a change: every command but
/// the read-only queries, and every file written, removed or fixed.
pub fn mutating(message: &str) -> bool {
    const QUERIES: [&str; 3] = [
        "running: dpkg-query ",
        "running: apt-cache policy ",
        "running: dpkg --compare-versions ",
    ];
    !QUERIES.iter().any(|q| message.starts_with(q))
}

struct Recorder(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let target = event.metadata().target();
        if target != "rmote::remote::rmote.apt" && target != "rmote::remote::rmote.apt_repository" {
            return;
        }
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "message" {
                    self.0 = value.to_string();
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0.lock().unwrap().push(message.0);
    }
}

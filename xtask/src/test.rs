//! `cargo xtask test`: the README's test command. It sets up what the tests
//! need on a fresh machine (installing missing programs when it can), then
//! runs every test of the workspace.

use std::process::Command;

/// Sets up prerequisites, then runs `cargo test --workspace` with `args`.
///
/// The ssh tests start their own `sshd` (a private config, generated keys, a
/// free port on 127.0.0.1); this only makes sure the programs exist.
pub fn run(args: &[String]) -> Result<(), String> {
    ensure_program("python3", "python3")?;
    ensure_program("ssh", "openssh-client")?;
    ensure_program("ssh-keygen", "openssh-client")?;
    ensure_path("/usr/sbin/sshd", "openssh-server")?;
    ensure_program("sudo", "sudo")?;
    ensure_program("unshare", "util-linux")?;
    // The Service tests boot a debootstrapped Debian root with systemd-nspawn.
    ensure_path("/usr/sbin/debootstrap", "debootstrap")?;
    ensure_program("nsenter", "util-linux")?;
    ensure_program("systemd-nspawn", "systemd-container")?;
    // The User tests run the shadow utilities and visudo; the Pacman tests
    // build packages with makepkg (as nobody, through setpriv), publish them
    // with repo-add and install them with pacman.
    ensure_path("/usr/sbin/useradd", "passwd")?;
    ensure_path("/usr/sbin/visudo", "sudo")?;
    ensure_program("setpriv", "util-linux")?;
    ensure_program("pacman", "pacman-package-manager")?;
    ensure_program("repo-add", "pacman-package-manager")?;
    ensure_program("makepkg", "makepkg")?;
    ensure_program("fakeroot", "fakeroot")?;
    ensure_program("bsdtar", "libarchive-tools")?;
    // The Apt tests build packages with dpkg-deb, publish them with
    // apt-ftparchive and sign the repository with a throwaway gpg key, then
    // install them in a debootstrapped Debian root (debootstrap: above).
    ensure_program("dpkg-deb", "dpkg")?;
    ensure_program("apt-ftparchive", "apt-utils")?;
    ensure_program("gpg", "gpg")?;
    ensure_program("gpgconf", "gpgconf")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(super::workspace_root())
        .args(["test", "--workspace"])
        .args(args)
        .status()
        .map_err(|e| format!("{cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("tests failed ({status})"))
    }
}

/// Makes sure `program` is on `PATH`, installing Debian's `package` when it
/// is not and this process may (root with apt-get).
fn ensure_program(program: &str, package: &str) -> Result<(), String> {
    if found(program) {
        return Ok(());
    }
    eprintln!("xtask: {program} is missing; installing the {package} package");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", package]) && found(program) {
        return Ok(());
    }
    Err(format!(
        "the tests need `{program}` (Debian package {package}) and it could not be installed; \
         install it and run again"
    ))
}

/// Like [`ensure_program`], for a program outside `PATH` (sshd).
fn ensure_path(path: &str, package: &str) -> Result<(), String> {
    if std::path::Path::new(path).exists() {
        return Ok(());
    }
    ensure_program(path, package)
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

//! `cargo xtask test`: the README's test command. It sets up what the tests
//! need on a fresh machine (installing missing programs when it can), then
//! runs every test of the workspace.

use std::process::Command;

/// What the tests run, and the Debian package that provides it. A name with
/// a `/` is a path (a program outside `PATH`, such as sshd).
const PREREQUISITES: &[(&str, &str)] = &[
    ("python3", "python3"),
    // The ssh tests start their own sshd (private config, generated keys,
    // a free port on 127.0.0.1).
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("/usr/sbin/sshd", "openssh-server"),
    // Command transports and privilege tools.
    ("sudo", "sudo"),
    ("unshare", "util-linux"),
    ("nsenter", "util-linux"),
    ("setpriv", "util-linux"),
    // Throwaway roots: a debootstrapped Debian root; the Service tests boot
    // it with systemd-nspawn.
    ("/usr/sbin/debootstrap", "debootstrap"),
    ("systemd-nspawn", "systemd-container"),
    // The User tests run the shadow utilities and visudo.
    ("/usr/sbin/useradd", "passwd"),
    ("/usr/sbin/visudo", "sudo"),
    // The Pacman tests build packages with makepkg (as nobody), publish them
    // with repo-add and install them with pacman.
    ("pacman", "pacman-package-manager"),
    ("repo-add", "pacman-package-manager"),
    ("makepkg", "makepkg"),
    ("fakeroot", "fakeroot"),
    ("bsdtar", "libarchive-tools"),
    // The Apt tests build packages with dpkg-deb, publish them with
    // apt-ftparchive and sign the repository with a throwaway gpg key.
    ("dpkg-deb", "dpkg"),
    ("apt-ftparchive", "apt-utils"),
    ("gpg", "gpg"),
    ("gpgconf", "gpgconf"),
];

/// Sets up prerequisites, then runs `cargo test --workspace` with `args`.
pub fn run(args: &[String]) -> Result<(), String> {
    install_missing()?;
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

/// Installs, in one apt-get run, the packages of every missing program.
fn install_missing() -> Result<(), String> {
    let missing: Vec<(&str, &str)> = PREREQUISITES
        .iter()
        .copied()
        .filter(|(program, _)| !found(program))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<&str> = missing.iter().map(|(_, package)| *package).collect();
    packages.sort_unstable();
    packages.dedup();
    eprintln!("xtask: installing {}", packages.join(" "));
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let mut install = vec!["install", "-y", "-qq"];
    install.extend(&packages);
    let installed = apt(&["update", "-qq"]) && apt(&install);
    let still: Vec<&str> = missing
        .iter()
        .filter(|(program, _)| !found(program))
        .map(|(program, package)| if installed { *program } else { *package })
        .collect();
    if still.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the tests need {} and installing them failed; install the packages {} (as root) and run again",
        still.join(", "),
        packages.join(" ")
    ))
}

fn found(program: &str) -> bool {
    if program.contains('/') {
        return std::path::Path::new(program).exists();
    }
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

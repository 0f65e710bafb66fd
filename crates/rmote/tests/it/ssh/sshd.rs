//! A real `sshd` on 127.0.0.1 for the tests, started by the test binary
//! itself: a private config, generated host and client keys, a free port, no
//! PAM. Nothing under /etc/ssh or ~/.ssh is read or written. The daemon is
//! started once per test binary and dies with it (PR_SET_PDEATHSIG).

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rmote::{HostKeyChecking, Ssh};

pub struct Sshd {
    pub dir: PathBuf,
    pub port: u16,
    /// The authorized client key.
    pub key: PathBuf,
    /// A valid key that the server does not accept.
    pub wrong_key: PathBuf,
    /// A known_hosts file with the server's real host key.
    pub known_hosts: PathBuf,
    /// The server's public host key line (`ssh-ed25519 AAAA…`).
    pub host_key_pub: String,
}

const SSHD: &str = "/usr/sbin/sshd";

/// The shared server, started on first use.
pub fn sshd() -> &'static Sshd {
    static SERVER: OnceLock<Sshd> = OnceLock::new();
    SERVER.get_or_init(|| {
        Sshd::start().unwrap_or_else(|why| panic!("cannot run the ssh tests: {why}"))
    })
}

impl Sshd {
    fn start() -> Result<Sshd, String> {
        for (path, package) in [
            (SSHD, "openssh-server"),
            ("/usr/bin/ssh", "openssh-client"),
            ("/usr/bin/ssh-keygen", "openssh-client"),
        ] {
            if !Path::new(path).exists() {
                return Err(format!(
                    "{path} is missing: install {package} (`cargo xtask test` does it)"
                ));
            }
        }
        let dir = std::env::temp_dir().join(format!("rmote-sshd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let keygen = |name: &str| -> Result<PathBuf, String> {
            let path = dir.join(name);
            if !path.exists() {
                run(Command::new("ssh-keygen")
                    .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                    .arg(&path))?;
            }
            Ok(path)
        };
        let host_key = keygen("host_key")?;
        let key = keygen("id_client")?;
        let wrong_key = keygen("id_wrong")?;
        let client_pub = read(&key.with_extension("pub"))?;
        std::fs::write(dir.join("authorized_keys"), &client_pub).map_err(|e| e.to_string())?;
        let host_key_pub = read(&host_key.with_extension("pub"))?;
        let host_key_pub = host_key_pub
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");

        let port = free_port()?;
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\n\
                 ListenAddress 127.0.0.1\n\
                 AddressFamily inet\n\
                 HostKey {host_key}\n\
                 PidFile {dir}/sshd.pid\n\
                 AuthorizedKeysFile {dir}/authorized_keys\n\
                 StrictModes no\n\
                 PermitRootLogin prohibit-password\n\
                 PubkeyAuthentication yes\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 UsePAM no\n\
                 UseDNS no\n\
                 PrintMotd no\n\
                 PrintLastLog no\n\
                 MaxStartups 256:30:512\n\
                 MaxSessions 128\n\
                 AllowTcpForwarding yes\n\
                 LogLevel VERBOSE\n",
                host_key = host_key.display(),
                dir = dir.display(),
            ),
        )
        .map_err(|e| e.to_string())?;
        // sshd insists on its privilege-separation directory.
        std::fs::create_dir_all("/run/sshd").map_err(|e| format!("/run/sshd: {e}"))?;
        run(Command::new(SSHD).arg("-t").arg("-f").arg(&config))?;

        let log = std::fs::File::create(dir.join("sshd.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(SSHD);
        cmd.args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        // SAFETY: prctl(PR_SET_PDEATHSIG) in the child between fork and exec
        // only asks the kernel to signal it when its parent thread ends.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        // The death signal follows the *thread* that forked, so fork from a
        // thread that lives as long as this test binary.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(cmd.spawn());
            loop {
                std::thread::park();
            }
        });
        let mut child = rx
            .recv()
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{SSHD}: {e}"))?;
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "sshd exited ({status}): {}",
                    read(&dir.join("sshd.log")).unwrap_or_default()
                ));
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err("sshd did not listen within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The child handle is dropped on purpose: the daemon lives as long as
        // this test binary.
        std::mem::forget(child);
        let known_hosts = dir.join("known_hosts");
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {host_key_pub}\n"))
            .map_err(|e| e.to_string())?;
        Ok(Sshd {
            dir,
            port,
            key,
            wrong_key,
            known_hosts,
            host_key_pub,
        })
    }

    /// `root@127.0.0.1:PORT` with the client key and strict host-key checking
    /// against the server's real key.
    pub fn ssh(&self) -> Ssh {
        Ssh::new("root@127.0.0.1")
            .port(self.port)
            .identity(&self.key)
            .known_hosts(&self.known_hosts)
            .host_key_checking(HostKeyChecking::Strict)
            .connect_timeout(Duration::from_secs(10))
    }

    /// The destination as a jump-host string.
    pub fn hop(&self) -> String {
        format!("root@127.0.0.1:{}", self.port)
    }

    /// What sshd logged so far (for failure messages).
    pub fn log(&self) -> String {
        read(&self.dir.join("sshd.log")).unwrap_or_default()
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    free_port().expect("a free port")
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

//! The interpreter on another machine, through the system's `ssh` client, so
//! that `~/.ssh/config`, agents, certificates and jump hosts keep working.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::{quote, Become, Error, Exit, Failure, Process, Transport};

/// How ssh treats host keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKeyChecking {
    /// Refuse unknown and changed keys (`StrictHostKeyChecking=yes`).
    #[default]
    Strict,
    /// Record unknown keys, refuse changed ones (`accept-new`).
    AcceptNew,
    /// Accept any key and record none (`StrictHostKeyChecking=no`,
    /// `UserKnownHostsFile=/dev/null`): for throwaway hosts only.
    Off,
}

/// `[user@]host[:port]`: a destination or a jump host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The login user, when given.
    pub user: Option<String>,
    /// The host name or address (IPv6 without brackets).
    pub host: String,
    /// The port, when given.
    pub port: Option<u16>,
}

impl Endpoint {
    /// Parses `[user@]host[:port]`; an IPv6 address with a port is written
    /// `[addr]:port`.
    ///
    /// ```
    /// use rmote_transport::Endpoint;
    /// let e = Endpoint::parse("deploy@web01:2222").unwrap();
    /// assert_eq!((e.user.as_deref(), e.host.as_str(), e.port), (Some("deploy"), "web01", Some(2222)));
    /// assert_eq!(Endpoint::parse("[::1]:22").unwrap().host, "::1");
    /// assert_eq!(Endpoint::parse("::1").unwrap().port, None);
    /// ```
    pub fn parse(text: &str) -> Result<Endpoint, Error> {
        let bad = |why: &str| Error::Destination {
            text: text.to_string(),
            why: why.to_string(),
        };
        let (user, rest) = match text.rsplit_once('@') {
            Some((user, rest)) if !user.is_empty() => (Some(user.to_string()), rest),
            Some(_) => return Err(bad("the user before `@` is empty")),
            None => (None, text),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| bad("`[` without `]`"))?;
            match after {
                "" => (host, None),
                _ => {
                    let port = after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("junk after `]`"))?;
                    (host, Some(port))
                }
            }
        } else if rest.matches(':').count() == 1 {
            let (host, port) = rest.split_once(':').expect("one colon");
            (host, Some(port))
        } else {
            (rest, None)
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        if host.starts_with('-') {
            return Err(bad("a host cannot start with `-`"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(p.parse().map_err(|_| bad("the port is not a number"))?),
        };
        Ok(Endpoint {
            user,
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        match (self.host.contains(':'), self.port) {
            (true, Some(port)) => write!(f, "[{}]:{port}", self.host),
            (false, Some(port)) => write!(f, "{}:{port}", self.host),
            (_, None) => f.write_str(&self.host),
        }
    }
}

/// Reuse of one authenticated connection per host (`ControlMaster`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Control {
    dir: Option<PathBuf>,
    persist: Duration,
}

/// A remote interpreter reached with the system's `ssh`.
///
/// Every connection runs `ssh -T -o BatchMode=yes …` with `--` before the
/// destination: no terminal (the protocol needs a clean 8-bit pipe), never a
/// prompt (a password or passphrase prompt would hang on a pipe nobody types
/// into), and a host that cannot be mistaken for an option. Host keys are
/// checked strictly unless [`Ssh::host_key_checking`] says otherwise.
///
/// ```
/// use rmote_transport::{Become, HostKeyChecking, Ssh};
/// use std::time::Duration;
///
/// let web = Ssh::new("deploy@web01")
///     .port(2222)
///     .identity("/home/me/.ssh/id_ed25519")
///     .jump("ops@bastion.example.com:22")
///     .python("/usr/bin/python3")
///     .connect_timeout(Duration::from_secs(10))
///     .host_key_checking(HostKeyChecking::AcceptNew)
///     .control_master(Duration::from_secs(60))
///     .with_become(Become::sudo());
/// ```
#[derive(Debug, Clone)]
pub struct Ssh {
    destination: Endpoint,
    /// What could not be parsed (a destination or jump host), and why.
    parse_error: Option<(String, String)>,
    identity: Option<PathBuf>,
    python: String,
    options: Vec<(String, String)>,
    jumps: Vec<Hop>,
    connect_timeout: Option<Duration>,
    host_keys: HostKeyChecking,
    known_hosts: Option<PathBuf>,
    control: Option<Control>,
    become_: Option<Become>,
    program: OsString,
    config: Option<PathBuf>,
}

impl Ssh {
    /// A connection to `destination`: `host`, `user@host` or
    /// `user@host:port`. An unparsable destination is reported when
    /// connecting.
    pub fn new(destination: impl AsRef<str>) -> Ssh {
        let text = destination.as_ref();
        let (destination, parse_error) = match Endpoint::parse(text) {
            Ok(e) => (e, None),
            Err(e) => (
                Endpoint {
                    user: None,
                    host: text.to_string(),
                    port: None,
                },
                Some(unparsable(text, e)),
            ),
        };
        Ssh {
            destination,
            parse_error,
            identity: None,
            python: "python3".into(),
            options: Vec::new(),
            jumps: Vec::new(),
            connect_timeout: None,
            host_keys: HostKeyChecking::Strict,
            known_hosts: None,
            control: None,
            become_: None,
            program: "ssh".into(),
            config: None,
        }
    }

    /// The login user (overrides one given in the destination).
    pub fn user(mut self, user: impl Into<String>) -> Ssh {
        self.destination.user = Some(user.into());
        self
    }

    /// The port (overrides one given in the destination).
    pub fn port(mut self, port: u16) -> Ssh {
        self.destination.port = Some(port);
        self
    }

    /// The private key to authenticate with (and only it:
    /// `IdentitiesOnly=yes`, so the agent's other keys are not tried first).
    pub fn identity(mut self, path: impl Into<PathBuf>) -> Ssh {
        self.identity = Some(path.into());
        self
    }

    /// The interpreter on the remote (default `python3`, looked up in the
    /// remote `PATH`).
    pub fn python(mut self, python: impl Into<String>) -> Ssh {
        self.python = python.into();
        self
    }

    /// An ssh option, as `-o KEY=VALUE`. Options given here win over the ones
    /// rmote sets by default (except `BatchMode`, always on).
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Ssh {
        self.options.push((key.into(), value.into()));
        self
    }

    /// A jump host, `[user@]host[:port]`; call again for a chain (in the
    /// order they are crossed). Each hop gets this connection's identity
    /// (unless given its own with [`Ssh::jump_with_identity`]), host-key
    /// policy and timeout.
    pub fn jump(self, hop: impl AsRef<str>) -> Ssh {
        self.add_jump(hop.as_ref(), None)
    }

    /// A jump host that authenticates with its own private key (a bastion
    /// with other keys than the hosts behind it); otherwise as [`Ssh::jump`].
    ///
    /// ```
    /// use rmote_transport::Ssh;
    /// let ssh = Ssh::new("deploy@db01")
    ///     .identity("/home/me/.ssh/inner")
    ///     .jump_with_identity("me@bastion.example.com", "/home/me/.ssh/bastion");
    /// let argv = ssh.argv(&[]).unwrap();
    /// let proxy = argv
    ///     .iter()
    ///     .map(|a| a.to_string_lossy())
    ///     .find(|a| a.starts_with("ProxyCommand="))
    ///     .unwrap();
    /// assert!(proxy.contains("-i /home/me/.ssh/bastion"));
    /// assert!(!proxy.contains("inner"));
    /// ```
    pub fn jump_with_identity(self, hop: impl AsRef<str>, identity: impl Into<PathBuf>) -> Ssh {
        self.add_jump(hop.as_ref(), Some(identity.into()))
    }

    fn add_jump(mut self, hop: &str, identity: Option<PathBuf>) -> Ssh {
        match Endpoint::parse(hop) {
            Ok(endpoint) => self.jumps.push(Hop { endpoint, identity }),
            Err(e) => {
                self.parse_error.get_or_insert_with(|| unparsable(hop, e));
            }
        }
        self
    }

    /// How long ssh may take to establish the TCP connection
    /// (`ConnectTimeout`, whole seconds, at least 1).
    pub fn connect_timeout(mut self, limit: Duration) -> Ssh {
        self.connect_timeout = Some(limit);
        self
    }

    /// The host-key policy (default [`HostKeyChecking::Strict`]).
    pub fn host_key_checking(mut self, policy: HostKeyChecking) -> Ssh {
        self.host_keys = policy;
        self
    }

    /// A known-hosts file to use instead of the user's.
    pub fn known_hosts(mut self, path: impl Into<PathBuf>) -> Ssh {
        self.known_hosts = Some(path.into());
        self
    }

    /// Keeps the authenticated connection open for `persist` after the last
    /// session and reuses it (`ControlMaster=auto`), so connecting to the
    /// same host again skips the handshake. The control sockets live in a
    /// private directory (mode 0700) under `$XDG_RUNTIME_DIR` or `/tmp`.
    pub fn control_master(mut self, persist: Duration) -> Ssh {
        self.control = Some(Control { dir: None, persist });
        self
    }

    /// Like [`Ssh::control_master`], with the control sockets in `dir`.
    pub fn control_master_in(mut self, dir: impl Into<PathBuf>, persist: Duration) -> Ssh {
        self.control = Some(Control {
            dir: Some(dir.into()),
            persist,
        });
        self
    }

    /// Runs the remote interpreter as another user (`sudo -n`, `doas -n`).
    pub fn with_become(mut self, become_: Become) -> Ssh {
        self.become_ = Some(become_);
        self
    }

    /// The ssh client to run (default `ssh` from `PATH`).
    pub fn ssh_program(mut self, program: impl Into<OsString>) -> Ssh {
        self.program = program.into();
        self
    }

    /// An ssh config file to use instead of `~/.ssh/config` (`-F`).
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Ssh {
        self.config = Some(path.into());
        self
    }

    /// The destination.
    pub fn destination(&self) -> &Endpoint {
        &self.destination
    }

    /// The whole local command line for `python_args` (what [`Transport::spawn`]
    /// runs): useful to see exactly what rmote does.
    pub fn argv(&self, python_args: &[OsString]) -> Result<Vec<OsString>, Error> {
        if let Some((text, why)) = &self.parse_error {
            return Err(Error::Destination {
                text: text.clone(),
                why: why.clone(),
            });
        }
        let mut argv = vec![self.program.clone()];
        // No terminal: the protocol needs a clean 8-bit pipe.
        argv.push("-T".into());
        argv.extend(self.options_for(&self.destination, self.identity.as_deref())?);
        if let Some(proxy) = self.proxy_command(self.jumps.len())? {
            argv.push("-o".into());
            argv.push(format!("ProxyCommand={proxy}").into());
        }
        if let Some(control) = &self.control {
            let dir = match &control.dir {
                Some(dir) => dir.clone(),
                None => private_control_dir()?,
            };
            argv.push("-o".into());
            argv.push("ControlMaster=auto".into());
            argv.push("-o".into());
            let mut path = OsString::from("ControlPath=");
            path.push(dir.join("%C"));
            argv.push(path);
            argv.push("-o".into());
            argv.push(format!("ControlPersist={}", control.persist.as_secs().max(1)).into());
        }
        // `--`: the destination can never be read as an option.
        argv.push("--".into());
        argv.push(self.destination.host.clone().into());
        argv.push(self.remote_command(python_args).into());
        Ok(argv)
    }

    /// The command the remote login shell runs: one string, every word quoted.
    fn remote_command(&self, python_args: &[OsString]) -> String {
        let mut words: Vec<OsString> = Vec::new();
        if let Some(b) = &self.become_ {
            words.extend(b.argv());
        }
        words.push(self.python.clone().into());
        words.extend(python_args.iter().cloned());
        format!("exec {}", quote::join(&words))
    }

    /// Options for a connection to `to` (the destination or a hop) that
    /// authenticates with `identity`.
    fn options_for(&self, to: &Endpoint, identity: Option<&Path>) -> Result<Vec<OsString>, Error> {
        let mut argv: Vec<OsString> = Vec::new();
        let mut opt = |key: &str, value: &str| {
            argv.push("-o".into());
            argv.push(format!("{key}={value}").into());
        };
        // Never prompt: a prompt would hang on a pipe nobody types into.
        opt("BatchMode", "yes");
        // The caller's options come before rmote's defaults: ssh keeps the
        // first value it sees for each option.
        for (key, value) in &self.options {
            opt(key, value);
        }
        match self.host_keys {
            HostKeyChecking::Strict => opt("StrictHostKeyChecking", "yes"),
            HostKeyChecking::AcceptNew => opt("StrictHostKeyChecking", "accept-new"),
            HostKeyChecking::Off => {
                opt("StrictHostKeyChecking", "no");
                opt("UserKnownHostsFile", "/dev/null");
                opt("LogLevel", "ERROR");
            }
        }
        if let Some(path) = &self.known_hosts {
            opt("UserKnownHostsFile", &path.to_string_lossy());
        }
        if let Some(limit) = self.connect_timeout {
            opt("ConnectTimeout", &limit.as_secs().max(1).to_string());
        }
        // Notice a dead peer within a minute instead of waiting for TCP.
        opt("ServerAliveInterval", "15");
        opt("ServerAliveCountMax", "4");
        if identity.is_some() {
            opt("IdentitiesOnly", "yes");
        }
        if let Some(path) = identity {
            argv.push("-i".into());
            argv.push(path.into());
        }
        if let Some(path) = &self.config {
            argv.push("-F".into());
            argv.push(path.into());
        }
        if let Some(port) = to.port {
            argv.push("-p".into());
            argv.push(port.to_string().into());
        }
        if let Some(user) = &to.user {
            argv.push("-l".into());
            argv.push(user.into());
        }
        Ok(argv)
    }

    /// The `ProxyCommand` that reaches the host after the first `n` hops: an
    /// `ssh -W %h:%p` to hop `n`, itself behind the hops before it. Each
    /// level of nesting doubles `%`, since every ssh expands the tokens of
    /// its own `ProxyCommand` once.
    fn proxy_command(&self, n: usize) -> Result<Option<String>, Error> {
        if n == 0 {
            return Ok(None);
        }
        let hop = &self.jumps[n - 1];
        let identity = hop.identity.as_deref().or(self.identity.as_deref());
        let mut argv: Vec<OsString> = vec![self.program.clone()];
        argv.extend(self.options_for(&hop.endpoint, identity)?);
        if let Some(inner) = self.proxy_command(n - 1)? {
            argv.push("-o".into());
            argv.push(format!("ProxyCommand={}", inner.replace('%', "%%")).into());
        }
        argv.push("-W".into());
        argv.push("%h:%p".into());
        argv.push("--".into());
        argv.push(hop.endpoint.host.clone().into());
        Ok(Some(quote::join(&argv)))
    }
}

/// A jump host and the key it wants, when not the connection's.
#[derive(Debug, Clone)]
struct Hop {
    endpoint: Endpoint,
    identity: Option<PathBuf>,
}

/// The text that failed to parse and why, kept until `argv` reports it.
fn unparsable(text: &str, err: Error) -> (String, String) {
    match err {
        Error::Destination { why, .. } => (text.to_string(), why),
        other => (text.to_string(), other.to_string()),
    }
}

/// `$XDG_RUNTIME_DIR/rmote-ssh` or `/tmp/rmote-ssh-UID`, created 0700 and
/// checked to be ours (a socket path another user controls could be hijacked).
fn private_control_dir() -> Result<PathBuf, Error> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(base) if Path::new(&base).is_dir() => PathBuf::from(base).join("rmote-ssh"),
        _ => PathBuf::from(format!("/tmp/rmote-ssh-{uid}")),
    };
    let unsafe_dir = |why: &str| Error::ControlDir {
        path: dir.clone(),
        why: why.to_string(),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(unsafe_dir(&e.to_string())),
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| unsafe_dir(&e.to_string()))?;
    if !meta.is_dir() {
        return Err(unsafe_dir("not a directory"));
    }
    if meta.uid() != uid {
        return Err(unsafe_dir("owned by another user"));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(unsafe_dir("readable or writable by others"));
    }
    Ok(dir)
}

impl Transport for Ssh {
    fn spawn(&self, python_args: &[OsString]) -> Result<Process, Error> {
        let argv = self.argv(python_args)?;
        let mut cmd = tokio::process::Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = cmd.spawn().map_err(|source| Error::Spawn {
            program: argv[0].to_string_lossy().into_owned(),
            source,
        })?;
        Ok(Process::new(child, self.describe()))
    }

    fn describe(&self) -> String {
        let mut out = format!("{} on {}", self.python, self.destination);
        for hop in self.jumps.iter().rev() {
            out.push_str(&format!(" via {}", hop.endpoint));
        }
        if let Some(b) = &self.become_ {
            out.push_str(&format!(" via {b}"));
        }
        out
    }

    fn explain(&self, exit: &Exit) -> Option<Failure> {
        explain(exit, &self.destination, &self.python, self.become_.as_ref())
    }
}

/// Interprets how ssh (exit status 255 and its stderr) or the remote shell
/// (127: command not found) ended, in one place.
pub fn explain(
    exit: &Exit,
    destination: &Endpoint,
    python: &str,
    become_: Option<&Become>,
) -> Option<Failure> {
    let code = exit.status.and_then(|s| s.code());
    let stderr = &exit.stderr;
    let host = destination.host.clone();
    let dest = destination.to_string();
    if code == Some(255) {
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let find = |needle: &str| lines.iter().find(|l| l.contains(needle)).copied();
        if find("REMOTE HOST IDENTIFICATION HAS CHANGED").is_some()
            || find("Host key for").is_some_and(|l| l.contains("has changed"))
        {
            return Some(Failure::HostKeyChanged { host });
        }
        if let Some(line) = find("Permission denied (") {
            // "root@127.0.0.1: Permission denied (publickey)."
            let who = line
                .split_once(": Permission denied")
                .map_or(dest, |(who, _)| who.to_string());
            let methods = line
                .split_once('(')
                .and_then(|(_, rest)| rest.split_once(')'))
                .map_or(String::new(), |(m, _)| m.to_string());
            return Some(Failure::AuthenticationRefused {
                destination: who,
                methods,
            });
        }
        if find("Host key verification failed").is_some() || find("host key is known").is_some() {
            return Some(Failure::HostKeyUnknown { host });
        }
        if let Some(line) = find("Could not resolve hostname") {
            let name = line
                .split("hostname ")
                .nth(1)
                .and_then(|r| r.split(':').next())
                .unwrap_or(&host)
                .to_string();
            return Some(Failure::UnknownHost { host: name });
        }
        // "ssh: connect to host H port P: ..." names the hop that failed,
        // which is not the destination when jump hosts are involved.
        let who = |line: &str| {
            line.split_once("connect to host ")
                .and_then(|(_, rest)| rest.split_once(": "))
                .and_then(|(target, _)| target.split_once(" port "))
                .map_or(dest.clone(), |(h, p)| format!("{h}:{p}"))
        };
        if let Some(line) = find("Connection refused") {
            return Some(Failure::ConnectionRefused {
                destination: who(line),
            });
        }
        for needle in [
            "No route to host",
            "Connection timed out",
            "Operation timed out",
            "Network is unreachable",
            "timed out during banner exchange",
        ] {
            if let Some(line) = find(needle) {
                return Some(Failure::HostUnreachable {
                    destination: who(line),
                    detail: line.to_string(),
                });
            }
        }
        let detail = lines.last().map_or_else(
            || "exit status 255 and nothing on stderr".to_string(),
            |l| l.to_string(),
        );
        return Some(Failure::Ssh { detail });
    }
    if let Some(failure) = become_.and_then(|b| b.explain(exit)) {
        return Some(failure);
    }
    match code {
        Some(126 | 127) => Some(Failure::InterpreterNotFound {
            python: python.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(ssh: &Ssh) -> Vec<String> {
        ssh.argv(&["-S".into(), "-c".into(), "pass".into()])
            .unwrap()
            .into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_command_line_is_safe_by_construction() {
        let got = argv(&Ssh::new("deploy@web01:2222").identity("/k"));
        let joined = got.join(" ");
        assert!(joined.starts_with("ssh -T -o BatchMode=yes"), "{joined}");
        assert!(joined.contains("-o StrictHostKeyChecking=yes"), "{joined}");
        assert!(joined.contains("-o IdentitiesOnly=yes -i /k"), "{joined}");
        assert!(joined.contains("-p 2222 -l deploy -- web01"), "{joined}");
        assert_eq!(got.last().unwrap(), "exec python3 -S -c pass");
    }

    #[test]
    fn caller_options_come_before_defaults() {
        let got = argv(&Ssh::new("h").option("ServerAliveInterval", "5")).join(" ");
        let mine = got.find("ServerAliveInterval=5").unwrap();
        let default = got.find("ServerAliveInterval=15").unwrap();
        assert!(
            got.find("BatchMode=yes").unwrap() < mine && mine < default,
            "{got}"
        );
    }

    #[test]
    fn become_and_python_are_quoted_into_the_remote_command() {
        let got = argv(
            &Ssh::new("h")
                .python("/opt/my python/bin/python3")
                .with_become(Become::sudo()),
        );
        assert_eq!(
            got.last().unwrap(),
            "exec sudo -n -- '/opt/my python/bin/python3' -S -c pass"
        );
    }

    #[test]
    fn jump_chains_nest_proxy_commands() {
        let got = argv(&Ssh::new("dest").jump("a@j1:2201").jump("b@j2"));
        let proxy = got
            .iter()
            .find_map(|a| a.strip_prefix("ProxyCommand="))
            .unwrap();
        // The outer hop (j2) is reached through j1, whose tokens are escaped once.
        assert!(proxy.contains("-l b"), "{proxy}");
        assert!(proxy.ends_with("-W %h:%p -- j2"), "{proxy}");
        assert!(proxy.contains("ProxyCommand=ssh"), "{proxy}");
        assert!(proxy.contains("-W %%h:%%p -- j1"), "{proxy}");
        assert!(proxy.contains("-p 2201 -l a"), "{proxy}");
    }

    #[test]
    fn bad_destinations_are_refused() {
        for bad in ["", "@host", "-oProxyCommand=evil", "host:notaport", "[::1"] {
            assert!(Ssh::new(bad).argv(&[]).is_err(), "{bad}");
        }
        let err = Ssh::new("h").jump("-x").argv(&[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ssh destination `-x`: a host cannot start with `-`"
        );
        let err = Ssh::new("bad@:x").argv(&[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ssh destination `bad@:x`: the host is empty"
        );
    }

    fn exit(code: i32, stderr: &str) -> Exit {
        use std::os::unix::process::ExitStatusExt;
        Exit {
            status: Some(std::process::ExitStatus::from_raw(code << 8)),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn ssh_stderr_is_interpreted() {
        let dest = Endpoint::parse("root@10.0.0.1:22").unwrap();
        let check = |code, stderr: &str| explain(&exit(code, stderr), &dest, "python3", None);
        assert_eq!(
            check(
                255,
                "root@10.0.0.1: Permission denied (publickey,password)."
            ),
            Some(Failure::AuthenticationRefused {
                destination: "root@10.0.0.1".into(),
                methods: "publickey,password".into()
            })
        );
        assert_eq!(
            check(
                255,
                "ssh: connect to host 10.0.0.1 port 22: Connection refused"
            ),
            Some(Failure::ConnectionRefused {
                destination: "10.0.0.1:22".into()
            })
        );
        // Through a jump host, the refusing hop is named, not the destination.
        assert_eq!(
            check(
                255,
                "ssh: connect to host 10.9.9.9 port 2201: Connection refused\nConnection closed by UNKNOWN port 65535"
            ),
            Some(Failure::ConnectionRefused {
                destination: "10.9.9.9:2201".into()
            })
        );
        assert!(matches!(
            check(255, "ssh: Could not resolve hostname nosuch: Name or service not known"),
            Some(Failure::UnknownHost { host }) if host == "nosuch"
        ));
        assert!(matches!(
            check(255, "No ED25519 host key is known for [10.0.0.1]:22 and you have requested strict checking.\nHost key verification failed."),
            Some(Failure::HostKeyUnknown { .. })
        ));
        assert!(matches!(
            check(255, "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@\nHost key verification failed."),
            Some(Failure::HostKeyChanged { .. })
        ));
        assert!(matches!(
            check(
                255,
                "ssh: connect to host 10.0.0.1 port 22: No route to host"
            ),
            Some(Failure::HostUnreachable { .. })
        ));
        assert!(matches!(
            check(255, "kex_exchange_identification: read: Connection reset by peer"),
            Some(Failure::Ssh { detail }) if detail.contains("reset by peer")
        ));
        assert_eq!(
            check(127, "sh: 1: exec: /nonexistent: not found"),
            Some(Failure::InterpreterNotFound {
                python: "python3".into()
            })
        );
        assert_eq!(check(1, "anything"), None);
    }
}

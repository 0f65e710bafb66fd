//! The interpreter as a local child process, optionally behind a command
//! that passes stdin and stdout through (`chroot DIR`, `docker exec -i NAME`,
//! `kubectl exec -i POD --`, `nsenter …`), and optionally as another user
//! (`sudo -n`, `doas -n`).

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Stdio;

use crate::{Become, Error, Exit, Failure, Process, Transport};

/// A local interpreter, started as a child process.
///
/// ```
/// use rmote_transport::{Become, Local};
/// let python = Local::new().python("/usr/bin/python3.11").env("LC_ALL", "C");
/// let as_root = Local::new().with_become(Become::sudo());
/// let in_container = Local::docker("web-1");
/// let in_root = Local::chroot("/srv/roots/debian");
/// ```
#[derive(Debug, Clone)]
pub struct Local {
    wrapper: Vec<OsString>,
    become_: Option<Become>,
    python: OsString,
    env: Vec<(OsString, OsString)>,
    current_dir: Option<PathBuf>,
    label: Option<String>,
}

impl Local {
    /// `python3` from `PATH`, with no wrapper.
    pub fn new() -> Local {
        Local {
            wrapper: Vec::new(),
            become_: None,
            python: "python3".into(),
            env: Vec::new(),
            current_dir: None,
            label: None,
        }
    }

    /// Any command that runs its arguments with stdin and stdout passed
    /// through: the interpreter and its arguments are appended to `argv`.
    pub fn command<I, S>(argv: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Local::new().wrapper(argv)
    }

    /// `docker exec -i CONTAINER python3 …`.
    pub fn docker(container: impl Into<OsString>) -> Local {
        let container = container.into();
        let label = format!("docker container {}", container.to_string_lossy());
        Local::command(["docker".into(), "exec".into(), "-i".into(), container]).label(label)
    }

    /// `podman exec -i CONTAINER python3 …`.
    pub fn podman(container: impl Into<OsString>) -> Local {
        let container = container.into();
        let label = format!("podman container {}", container.to_string_lossy());
        Local::command(["podman".into(), "exec".into(), "-i".into(), container]).label(label)
    }

    /// `kubectl exec -i POD -- python3 …` (add `-c`, `-n` through
    /// [`Local::command`] when needed).
    pub fn kubectl(pod: impl Into<OsString>) -> Local {
        let pod = pod.into();
        let label = format!("kubernetes pod {}", pod.to_string_lossy());
        Local::command([
            "kubectl".into(),
            "exec".into(),
            "-i".into(),
            pod,
            OsString::from("--"),
        ])
        .label(label)
    }

    /// `chroot DIR python3 …` (needs root).
    pub fn chroot(root: impl Into<OsString>) -> Local {
        let root = root.into();
        let label = format!("chroot {}", root.to_string_lossy());
        Local::command([OsString::from("chroot"), root]).label(label)
    }

    /// `nsenter --target PID --all python3 …`: the namespaces of a running
    /// process (a container's, for instance; needs root).
    pub fn nsenter(pid: u32) -> Local {
        Local::command([
            "nsenter".into(),
            "--target".into(),
            OsString::from(pid.to_string()),
            "--all".into(),
        ])
        .label(format!("namespaces of pid {pid}"))
    }

    /// The interpreter to run (a name looked up in `PATH`, or a path).
    pub fn python(mut self, python: impl Into<OsString>) -> Local {
        self.python = python.into();
        self
    }

    /// Runs the interpreter through this command: the interpreter and its
    /// arguments are appended to it. The command must pass stdin and stdout
    /// through unchanged. It replaces the wrapper of a constructor such as
    /// [`Local::docker`], and the description that came with it.
    pub fn wrapper<I, S>(mut self, argv: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.wrapper = argv.into_iter().map(Into::into).collect();
        self.label = None;
        self
    }

    /// Runs the interpreter as another user (inside the wrapper, if any).
    pub fn with_become(mut self, become_: Become) -> Local {
        self.become_ = Some(become_);
        self
    }

    /// Sets an environment variable for the started command.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Local {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The working directory of the started command.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Local {
        self.current_dir = Some(dir.into());
        self
    }

    /// The configured interpreter.
    pub fn python_path(&self) -> &OsStr {
        &self.python
    }

    fn label(mut self, label: String) -> Local {
        self.label = Some(label);
        self
    }

    /// The full command line, interpreter arguments included.
    pub fn argv(&self, python_args: &[OsString]) -> Vec<OsString> {
        let mut argv = self.wrapper.clone();
        if let Some(b) = &self.become_ {
            argv.extend(b.argv());
        }
        argv.push(self.python.clone());
        argv.extend(python_args.iter().cloned());
        argv
    }
}

impl Default for Local {
    fn default() -> Self {
        Local::new()
    }
}

impl Transport for Local {
    fn spawn(&self, python_args: &[OsString]) -> Result<Process, Error> {
        let argv = self.argv(python_args);
        let program = &argv[0];
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(&argv[1..])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &self.current_dir {
            cmd.current_dir(dir);
        }
        let child = cmd.spawn().map_err(|source| Error::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        })?;
        Ok(Process::new(child, self.describe()))
    }

    /// `python3 (local)`, `python3 (local, through unshare)`,
    /// `python3 (docker container web-1)`, `python3 (chroot /srv/root) via
    /// sudo -u backup`.
    fn describe(&self) -> String {
        let python = self.python.to_string_lossy();
        let mut out = match (&self.label, self.wrapper.first()) {
            (Some(label), _) => format!("{python} ({label})"),
            (None, None) => format!("{python} (local)"),
            (None, Some(first)) => format!("{python} (local, through {})", first.to_string_lossy()),
        };
        if let Some(b) = &self.become_ {
            out.push_str(&format!(" via {b}"));
        }
        out
    }

    fn explain(&self, exit: &Exit) -> Option<Failure> {
        if let Some(failure) = self.become_.as_ref().and_then(|b| b.explain(exit)) {
            return Some(failure);
        }
        // Behind a wrapper, a missing interpreter is reported by the wrapper or
        // a shell with status 127 (or 126 when it is not executable).
        match exit.status.and_then(|s| s.code()) {
            Some(126 | 127) => Some(Failure::InterpreterNotFound {
                python: self.python.to_string_lossy().into_owned(),
            }),
            _ => None,
        }
    }
}

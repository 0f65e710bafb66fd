//! The interpreter as a local child process, optionally behind a wrapper
//! command (`sudo -n --`, `chroot DIR`, `docker exec -i NAME`).

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Stdio;

use crate::{Error, Exit, Process, Transport};

/// A local interpreter, started as a child process.
///
/// ```
/// use rmote_transport::Local;
/// let python = Local::new().python("/usr/bin/python3.11").env("LC_ALL", "C");
/// let through_sudo = Local::new().wrapper(["sudo", "-n", "--"]);
/// ```
#[derive(Debug, Clone)]
pub struct Local {
    wrapper: Vec<OsString>,
    python: OsString,
    env: Vec<(OsString, OsString)>,
    current_dir: Option<PathBuf>,
}

impl Local {
    /// `python3` from `PATH`, with no wrapper.
    pub fn new() -> Local {
        Local {
            wrapper: Vec::new(),
            python: "python3".into(),
            env: Vec::new(),
            current_dir: None,
        }
    }

    /// The interpreter to run (a name looked up in `PATH`, or a path).
    pub fn python(mut self, python: impl Into<OsString>) -> Local {
        self.python = python.into();
        self
    }

    /// Runs the interpreter through this command: the interpreter and its
    /// arguments are appended to it. The command must pass stdin and stdout
    /// through unchanged (`sudo -n --`, `chroot DIR`, `docker exec -i NAME`).
    pub fn wrapper<I, S>(mut self, argv: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.wrapper = argv.into_iter().map(Into::into).collect();
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
}

impl Default for Local {
    fn default() -> Self {
        Local::new()
    }
}

impl Transport for Local {
    fn spawn(&self, python_args: &[OsString]) -> Result<Process, Error> {
        let mut argv = self.wrapper.iter().chain(std::iter::once(&self.python));
        let program = argv.next().expect("the interpreter is always present");
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(argv)
            .args(python_args)
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

    fn describe(&self) -> String {
        let python = self.python.to_string_lossy();
        match self.wrapper.first() {
            None => format!("{python} (local)"),
            Some(first) => format!("{python} (local, through {})", first.to_string_lossy()),
        }
    }

    fn explain(&self, exit: &Exit) -> Option<String> {
        // Behind a wrapper, a missing interpreter is reported by the wrapper or
        // a shell with status 127 (or 126 when it is not executable).
        match exit.status.and_then(|s| s.code()) {
            Some(127) => Some(format!(
                "interpreter `{}` not found",
                self.python.to_string_lossy()
            )),
            Some(126) => Some(format!(
                "interpreter `{}` cannot be executed",
                self.python.to_string_lossy()
            )),
            _ => None,
        }
    }
}

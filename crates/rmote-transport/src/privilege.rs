//! Running the interpreter as another user through `sudo -n` or `doas -n`.
//!
//! Always non-interactive (`-n`): a password prompt would wait forever on a
//! pipe nobody types into, so a tool that wants a password fails at once with
//! [`Failure::BecomePasswordRequired`] instead.

use std::ffi::OsString;
use std::fmt;

use crate::{Exit, Failure};

/// A privilege tool to run the interpreter through.
///
/// ```
/// use rmote_transport::Become;
/// assert_eq!(Become::sudo().argv(), ["sudo", "-n", "--"]);
/// assert_eq!(Become::sudo().user("postgres").argv(), ["sudo", "-n", "-u", "postgres", "--"]);
/// assert_eq!(Become::doas().argv(), ["doas", "-n"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Become {
    tool: Tool,
    user: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Sudo,
    Doas,
}

impl Become {
    /// `sudo -n`, to root unless [`Become::user`] says otherwise.
    pub fn sudo() -> Become {
        Become {
            tool: Tool::Sudo,
            user: None,
        }
    }

    /// `doas -n`, to root unless [`Become::user`] says otherwise.
    pub fn doas() -> Become {
        Become {
            tool: Tool::Doas,
            user: None,
        }
    }

    /// The user to become (default root).
    pub fn user(mut self, user: impl Into<String>) -> Become {
        self.user = Some(user.into());
        self
    }

    /// The tool's name: `sudo` or `doas`.
    pub fn tool(&self) -> &'static str {
        match self.tool {
            Tool::Sudo => "sudo",
            Tool::Doas => "doas",
        }
    }

    /// The command prefix that runs what follows as the target user.
    pub fn argv(&self) -> Vec<OsString> {
        let mut argv: Vec<OsString> = vec![self.tool().into(), "-n".into()];
        if let Some(user) = &self.user {
            argv.push("-u".into());
            argv.push(user.into());
        }
        if self.tool == Tool::Sudo {
            // The end of sudo's options: the interpreter's arguments follow.
            argv.push("--".into());
        }
        argv
    }

    /// Recognizes the tool's own refusals in the remote's stderr.
    pub fn explain(&self, exit: &Exit) -> Option<Failure> {
        let code = exit.status.and_then(|s| s.code());
        let tool = self.tool().to_string();
        let said = |needle: &str| exit.stderr.to_lowercase().contains(needle);
        // sudo -n: "a password is required"; doas -n: "Authentication required".
        if said("password is required") || said("authentication required") {
            return Some(Failure::BecomePasswordRequired { tool });
        }
        if code == Some(127)
            && (said(&format!("{tool}: not found")) || said(&format!("{tool}: command not found")))
        {
            return Some(Failure::BecomeRefused {
                detail: format!("{tool} is not installed"),
                tool,
            });
        }
        if code != Some(1) {
            return None;
        }
        let lines = || exit.stderr.lines().map(str::trim);
        // sudo states some refusals without its name in front.
        let refusal = match self.tool {
            Tool::Sudo => lines().find(|l| SUDO_REFUSALS.iter().any(|r| l.contains(r))),
            Tool::Doas => None,
        };
        // Otherwise the reason is the tool's first line that is not a warning:
        // sudo can warn before it ("unable to resolve host") and add
        // follow-on lines after it ("error initializing audit plugin").
        let prefix = format!("{tool}: ");
        let detail = refusal.or_else(|| {
            lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .find(|l| !l.starts_with("unable to resolve host"))
        })?;
        Some(Failure::BecomeRefused {
            tool,
            detail: detail.to_string(),
        })
    }
}

/// What sudo prints, without its name in front, when the user may not run
/// the command (its `logging.c`).
const SUDO_REFUSALS: &[&str] = &[
    "is not in the sudoers file",
    "is not allowed to execute",
    "is not allowed to run sudo",
    "may not run sudo",
];

/// The tool and the target user as a command line names them: `sudo`,
/// `sudo -u postgres`, `doas -u backup`.
impl fmt::Display for Become {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tool())?;
        if let Some(user) = &self.user {
            write!(f, " -u {user}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    #[track_caller]
    fn check(become_: &Become, code: i32, stderr: &str, expected: Option<Failure>) {
        let exit = Exit {
            status: Some(ExitStatus::from_raw(code << 8)),
            stderr: stderr.into(),
        };
        assert_eq!(become_.explain(&exit), expected, "{stderr:?}");
    }

    fn password(tool: &str) -> Option<Failure> {
        Some(Failure::BecomePasswordRequired { tool: tool.into() })
    }

    fn refused(tool: &str, detail: &str) -> Option<Failure> {
        Some(Failure::BecomeRefused {
            tool: tool.into(),
            detail: detail.into(),
        })
    }

    #[test]
    fn argv_and_display() {
        let sudo = Become::sudo().user("postgres");
        assert_eq!(sudo.argv(), ["sudo", "-n", "-u", "postgres", "--"]);
        assert_eq!(sudo.to_string(), "sudo -u postgres");
        assert_eq!(Become::sudo().to_string(), "sudo");
        // doas stops at the first word that is not an option (OpenBSD's
        // getopt, OpenDoas's "+" optstring), so it needs no `--`.
        let doas = Become::doas().user("backup");
        assert_eq!(doas.argv(), ["doas", "-n", "-u", "backup"]);
        assert_eq!(doas.to_string(), "doas -u backup");
        assert_eq!(doas.tool(), "doas");
    }

    #[test]
    fn sudo_refusals_are_recognized() {
        let sudo = Become::sudo();
        // What sudo 1.9.13 really prints: `sudo -n` as a user without a
        // NOPASSWD rule, and `-u` with a user that does not exist.
        check(&sudo, 1, "sudo: a password is required", password("sudo"));
        check(
            &sudo,
            1,
            "sudo: unknown user nosuch\nsudo: error initializing audit plugin sudoers_audit",
            refused("sudo", "unknown user nosuch"),
        );
        check(
            &sudo,
            1,
            "sudo: unable to resolve host web01: Name or service not known\n\
             sudo: unknown user nosuch",
            refused("sudo", "unknown user nosuch"),
        );
        check(
            &sudo,
            1,
            "Sorry, user deploy is not allowed to execute '/usr/bin/python3 -S' as root on web01.",
            refused(
                "sudo",
                "Sorry, user deploy is not allowed to execute '/usr/bin/python3 -S' as root on web01.",
            ),
        );
        check(
            &sudo,
            127,
            "sh: 1: exec: sudo: not found",
            refused("sudo", "sudo is not installed"),
        );
        check(
            &sudo,
            127,
            "bash: sudo: command not found",
            refused("sudo", "sudo is not installed"),
        );
        // Not sudo's doing: the interpreter's own errors are left alone.
        check(&sudo, 2, "python3: unknown option -Z", None);
        check(&sudo, 1, "Traceback (most recent call last):", None);
    }

    // doas is not installed on the test machine, so its messages are checked
    // here only, as OpenBSD doas and OpenDoas print them (`errx(1, …)`).
    #[test]
    fn doas_refusals_are_recognized() {
        let doas = Become::doas();
        check(&doas, 1, "doas: Authentication required", password("doas"));
        check(
            &doas,
            1,
            "doas: Operation not permitted",
            refused("doas", "Operation not permitted"),
        );
        check(
            &doas,
            127,
            "sh: doas: not found",
            refused("doas", "doas is not installed"),
        );
        // sudo's wording means nothing coming from doas.
        check(&doas, 1, "user is not in the sudoers file", None);
    }
}

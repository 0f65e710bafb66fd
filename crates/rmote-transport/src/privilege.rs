//! Running the interpreter as another user through `sudo -n` or `doas -n`.
//!
//! Always non-interactive (`-n`): a password prompt would wait forever on a
//! pipe nobody types into, so a tool that wants a password fails at once with
//! [`Failure::BecomePasswordRequired`] instead.

use std::ffi::OsString;

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
        let own_line = exit
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with(&format!("{tool}:")))
            .map(str::to_string);
        match (code, own_line) {
            (Some(1), Some(line)) => Some(Failure::BecomeRefused { tool, detail: line }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn exit(code: i32, stderr: &str) -> Exit {
        Exit {
            status: Some(ExitStatus::from_raw(code << 8)),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn refusals_are_recognized() {
        let sudo = Become::sudo();
        assert_eq!(
            sudo.explain(&exit(1, "sudo: a password is required")),
            Some(Failure::BecomePasswordRequired {
                tool: "sudo".into()
            })
        );
        assert_eq!(
            Become::doas().explain(&exit(1, "doas: Authentication required")),
            Some(Failure::BecomePasswordRequired {
                tool: "doas".into()
            })
        );
        assert_eq!(
            sudo.explain(&exit(1, "sudo: unknown user nosuch")),
            Some(Failure::BecomeRefused {
                tool: "sudo".into(),
                detail: "sudo: unknown user nosuch".into()
            })
        );
        assert_eq!(
            sudo.explain(&exit(127, "sh: 1: exec: sudo: not found")),
            Some(Failure::BecomeRefused {
                tool: "sudo".into(),
                detail: "sudo is not installed".into()
            })
        );
        assert_eq!(sudo.explain(&exit(2, "python3: unknown option")), None);
    }
}

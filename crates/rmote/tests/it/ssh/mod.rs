//! SSH tests against a real `sshd` that this test binary starts itself on
//! 127.0.0.1 (see `sshd.rs`). They never skip: a missing prerequisite fails
//! them with a message saying which.

mod connect;
mod errors;
mod fanout;
mod jump;
mod sshd;

use rmote::{Call, Tool};

/// A tool that says who and where it runs.
pub static WHO: Tool = Tool::new(
    "Who",
    r#"
import os

class Who:
    @staticmethod
    def uid():
        return os.getuid()

    @staticmethod
    def ppid():
        return os.getppid()

    @staticmethod
    def env(name):
        return os.environ.get(name)
"#,
);

/// The remote process's uid.
pub fn uid() -> Call<u32> {
    Call::new(&WHO, "uid")
}

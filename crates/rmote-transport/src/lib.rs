//! Starting remote Python interpreters for rmote.
//!
//! A [`Transport`] turns "run this Python interpreter with these arguments"
//! into a local command: the interpreter itself ([`Local`]), or the
//! interpreter behind any command that passes stdin and stdout through
//! (`sudo -n`, `chroot DIR`, `docker exec -i NAME`). Spawning it gives a
//! [`Process`]: piped stdin and stdout for the protocol, a bounded tail of
//! stderr kept for error messages, killed when dropped, and shut down
//! gracefully with a bounded wait.
//!
//! This crate knows nothing of frames or tools; only it spawns processes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rmote_transport::Error> {
//! use rmote_transport::{Local, Transport};
//! use std::time::Duration;
//!
//! let local = Local::new().python("python3");
//! let mut process = local.spawn(&["-c".into(), "print('hi')".into()])?;
//! let status = process.shutdown(Duration::from_secs(5)).await;
//! println!("{} exited with {status:?}; stderr: {}", process.description(), process.stderr_tail());
//! # Ok(()) }
//! ```
//!
//! The public interface is:

mod error;
mod failure;
mod local;
mod privilege;
mod process;
pub mod quote;
mod ssh;

pub use error::Error;
pub use failure::Failure;
pub use local::Local;
pub use privilege::Become;
pub use process::{Exit, Process};
pub use quote::quote;
pub use ssh::{Endpoint, HostKeyChecking, Ssh};

use std::ffi::OsString;
use std::fmt::Debug;

/// A way to reach a Python interpreter.
pub trait Transport: Debug + Send + Sync {
    /// Starts the interpreter with `python_args` (everything after the
    /// interpreter path) and returns the running process.
    fn spawn(&self, python_args: &[OsString]) -> Result<Process, Error>;

    /// A short description for messages, such as `python3 (local)`.
    fn describe(&self) -> String;

    /// Explains why the interpreter ended before it was ready, when the
    /// transport can tell more than the bare exit status (a missing
    /// interpreter, refused authentication). `None` leaves the generic
    /// explanation.
    fn explain(&self, exit: &Exit) -> Option<Failure> {
        let _ = exit;
        None
    }
}

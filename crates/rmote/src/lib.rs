//! rmote drives remote machines through a bare Python interpreter.
//!
//! It starts `python3` (locally, or behind `sudo -n`, `chroot`, `docker exec
//! -i` …), writes a small compressed runtime to its stdin, and from then on
//! calls methods of *tools* — Python classes, standard library only, sent
//! once per connection — and gets typed Rust values back, many calls in
//! flight at once. Nothing needs to be installed on the remote, and nothing
//! the remote sends can make this side run code.
//!
//! ```no_run
//! use rmote::{Connection, Exec, FileSystem};
//!
//! # async fn demo() -> Result<(), rmote::Error> {
//! let conn = Connection::local().await?;
//! let (hostname, uname) = tokio::try_join!(
//!     conn.call(FileSystem::read_str("/etc/hostname")),
//!     conn.call(Exec::command(["uname", "-a"]).capture()),
//! )?;
//! println!("{} runs {}", hostname.trim(), uname.stdout_str().trim());
//! # Ok(()) }
//! ```
//!
//! This crate is a thin facade over the workspace's crates:
//! [`rmote_session`] (connections and calls), [`rmote_tools`] (the built-in
//! tools), [`rmote_transport`] (starting interpreters) and [`rmote_wire`]
//! (the protocol). Your own tool is a `.py` file and a few lines:
//!
//! ```
//! use rmote::{Call, Tool};
//!
//! static UPTIME: Tool = Tool::new("Uptime", r#"
//! class Uptime:
//!     @staticmethod
//!     def seconds():
//!         with open("/proc/uptime") as f:
//!             return float(f.read().split()[0])
//! "#);
//!
//! fn uptime() -> Call<f64> {
//!     Call::new(&UPTIME, "seconds")
//! }
//! # let _ = uptime();
//! ```
//!
//! The public interface is:

pub use rmote_session::{
    Become, Builder, Bytes, Call, Compression, Connection, Disconnect, Endpoint, Error, Exit,
    Failure, HostKeyChecking, Local, PythonVersion, RemoteError, RemoteException, RemoteInfo, Ssh,
    Tool, ToolRef, Transport, Value,
};
pub use rmote_session::{FanOut, Host, HostOutcome, Outcomes, Progress};
pub use rmote_tools::{
    Completed, Exec, FileSystem, Level, Logger, ProcessFailure, ProcessTimeout, Quit, Stat,
};

pub use rmote_session;
pub use rmote_tools;
pub use rmote_transport;
pub use rmote_wire;

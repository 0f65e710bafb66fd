//! rmote sessions: bootstrap a bare Python interpreter and make typed,
//! concurrent calls of tool methods on it.
//!
//! A [`Connection`] starts an interpreter through a transport (a local
//! subprocess by default), writes the compressed runtime to its stdin, waits
//! for the readiness handshake, and from then on sends [`Call`]s of
//! [`Tool`] methods and decodes their results with serde. Many calls can be
//! in flight at once; each tool's source is sent once per connection, in the
//! same write as its first call; a dropped call is cancelled on the remote;
//! a remote exception arrives as a structured [`RemoteError`]; remote
//! `logging` records arrive as `tracing` events; when the remote dies, every
//! pending and later call fails with one [`Error::Disconnected`].
//!
//! ```no_run
//! use rmote_session::{Call, Connection, Tool};
//!
//! static GREETER: Tool = Tool::new("Greeter", r#"
//! class Greeter:
//!     @staticmethod
//!     def hello(name):
//!         return "hello " + name
//! "#);
//!
//! # async fn demo() -> Result<(), rmote_session::Error> {
//! let conn = Connection::local().await?;
//! let (a, b) = tokio::try_join!(
//!     conn.call(Call::<String>::new(&GREETER, "hello").arg("ada")),
//!     conn.call(Call::<String>::new(&GREETER, "hello").arg("bob")),
//! )?;
//! assert_eq!((a.as_str(), b.as_str()), ("hello ada", "hello bob"));
//! println!("{} exited: {}", conn.remote(), conn.close().await);
//! # Ok(()) }
//! ```
//!
//! The internals follow the shape of quinn-proto: the protocol state
//! (`core`) is free of I/O and tested with plain data; one task (`driver`)
//! owns the pipes and pumps it; callers talk to that task over a channel.
//!
//! The public interface is:

mod bootstrap;
mod bundle;
mod connection;
mod core;
mod driver;
mod error;
mod fanout;
mod log;
mod outbox;
mod reader;
mod tool;

pub use connection::{Builder, Connection, RemoteInfo};
pub use error::{Disconnect, Error, RemoteError};
pub use fanout::{FanOut, Host, HostOutcome, Outcomes, Progress};
pub use tool::{Call, Tool, ToolRef};

pub use bytes::Bytes;
pub use rmote_transport::{
    Become, Endpoint, Exit, Failure, HostKeyChecking, Local, Ssh, Transport,
};
pub use rmote_wire::{Compression, PythonVersion, RemoteException, Value};

/// The protocol version this controller speaks (PROTOCOL.md).
pub const PROTOCOL_VERSION: u32 = 1;

/// The compressed runtime's size in bytes: what stage 2 puts on the wire.
pub fn runtime_bundle_len() -> usize {
    bootstrap::runtime().len()
}

/// The whole bootstrap with default settings, in bytes: the stage-1 program
/// on the command line plus the stage-2 runtime written to stdin.
pub fn bootstrap_len() -> usize {
    bootstrap::default_stage1().one_line().len() + bootstrap::runtime().len()
}

//! The built-in tools of rmote, as typed calls.
//!
//! | tool | what it manages |
//! | --- | --- |
//! | [`FileSystem`] | files: read, glob, `line_in_file`, atomic idempotent write, directory, symlink, absent, stat |
//! | [`Exec`] | commands (argv or shell), output capture, check, env, cwd, stdin, timeout |
//! | [`Service`] | systemd units: status, start/stop/restart/reload, enable/disable, converge (system or user scope) |
//! | [`User`] | users and groups, `authorized_keys`, sudoers drop-ins (validated with `visudo`) |
//! | [`Apt`], [`AptRepository`] | Debian packages (pins, latest, absent, converge), DEB822 sources and keys |
//! | [`Pacman`], [`PacmanRepository`] | Arch packages and `pacman.conf` repositories |
//! | [`Template`] | rendering `rmote-template` templates on the remote |
//! | [`Logger`] | the remote's log level and log records |
//! | [`Quit`] | ending the remote interpreter |
//!
//! Each tool is a small Python class (standard library only, CPython 3.6 and
//! later) that a connection sends to the remote the first time one of its
//! methods is called. On this side every method is an associated function
//! that returns a [`Call`] for [`Connection::call`]; methods with options
//! return a small builder that turns into a `Call` the same way:
//!
//! ```no_run
//! use rmote_session::Connection;
//! use rmote_tools::{Exec, FileSystem};
//!
//! # async fn demo() -> Result<(), rmote_session::Error> {
//! let conn = Connection::local().await?;
//! let changed = conn
//!     .call(FileSystem::write("/tmp/rmote-motd", "hello\n").mode(0o600))
//!     .await?;
//! println!("motd changed: {changed}");
//! let done = conn
//!     .call(Exec::shell("wc -c < /tmp/rmote-motd").capture())
//!     .await?;
//! assert_eq!(done.stdout_str().trim(), "6");
//! # Ok(()) }
//! ```
//!
//! Methods that change the remote report whether they did and change nothing
//! when it is already as asked, so running them twice is safe (a second run
//! runs no mutating command: every tool logs each command it runs to the
//! remote logger `rmote.<tool>`, forwarded as `tracing` events). A program a
//! tool needs that the remote lacks is a `NotImplementedError` ("… not
//! supported on this host"). Remote
//! exceptions arrive as [`rmote_session::Error::Remote`]: a missing file is
//! `io_kind() == Some(NotFound)`, a failed command can be read with
//! [`ProcessFailure::from_error`].
//!
//! The tools themselves are public too ([`FILESYSTEM`], [`EXEC`], [`SERVICE`],
//! [`USER`], [`APT`], [`APT_REPOSITORY`], [`PACMAN`], [`PACMAN_REPOSITORY`],
//! [`TEMPLATE`], [`LOGGER`], [`QUIT`]), for calling their methods with
//! [`Call::new`] directly.
//!
//! [`Connection::call`]: rmote_session::Connection::call
//! [`Call`]: rmote_session::Call
//! [`Call::new`]: rmote_session::Call::new
//!
//! The public interface is:

mod apt;
mod apt_repository;
mod exec;
mod filesystem;
mod logger;
mod pacman;
mod pacman_repository;
mod quit;
mod service;
mod template;
mod user;

pub use apt::{Apt, Package, PackageResult, State, APT};
pub use apt_repository::{AptRepository, AptSource, RepositoryResult, APT_REPOSITORY};
pub use exec::{Completed, Exec, ProcessFailure, ProcessTimeout, Run, EXEC};
pub use filesystem::{
    Absent, Directory, FileSystem, LineInFile, NameOrId, Stat, Write, FILESYSTEM,
};
pub use logger::{Level, Logger, LOGGER};
pub use pacman::{Pacman, PacmanPackage, PacmanResult, PacmanState, PacmanUpdate, PACMAN};
pub use pacman_repository::{
    PacmanRepository, PacmanRepositoryResult, RepositoryPresent, PACMAN_REPOSITORY,
};
pub use quit::{Quit, QUIT};
pub use service::{
    ActiveState, Converge, DaemonReload, EnabledState, Service, ServiceResult, UnitCall, SERVICE,
};
pub use template::{CacheInfo, RenderError, Template, TEMPLATE};
pub use user::{
    AuthorizedKey, GroupInfo, GroupPresent, Sudoer, User, UserAbsent, UserInfo, UserPresent, USER,
};

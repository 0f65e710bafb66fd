//! The one public error type of this crate, and the remote exception.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use rmote_transport::{Exit, Failure};
use rmote_wire::{RemoteException, Value};

/// Everything a connection or a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport could not start the interpreter (program missing, …).
    #[error("cannot start {remote}")]
    Spawn {
        /// What was being started.
        remote: String,
        /// Why it could not be started.
        #[source]
        source: rmote_transport::Error,
    },
    /// The interpreter ended (or failed) before it was ready.
    #[error("bootstrap of {remote} failed: {reason}")]
    Bootstrap {
        /// What was being started.
        remote: String,
        /// What went wrong, with the remote's stderr.
        reason: String,
    },
    /// The transport could not reach or start the interpreter, for a reason
    /// it recognized: refused authentication, an unknown or changed host key,
    /// a refused connection, a missing interpreter, a password prompt.
    #[error("{remote}: {failure}")]
    Unreachable {
        /// What was being started.
        remote: String,
        /// What went wrong.
        failure: Failure,
        /// The exit status and stderr that show it.
        exit: Exit,
    },
    /// The remote Python is older than the runtime supports.
    #[error("{remote} runs Python {found}; rmote needs Python 3.6 or newer")]
    PythonTooOld {
        /// What was being started.
        remote: String,
        /// The version found.
        found: String,
    },
    /// No readiness within the connect timeout.
    #[error("{remote} was not ready within {after:?}{}", stderr_suffix(.stderr))]
    ConnectTimeout {
        /// What was being started.
        remote: String,
        /// The connect timeout.
        after: Duration,
        /// The tail of the remote's stderr so far.
        stderr: String,
    },
    /// The remote is gone; every pending and later call fails with this.
    #[error("{0}")]
    Disconnected(Arc<Disconnect>),
    /// The remote raised an exception.
    #[error(transparent)]
    Remote(Box<RemoteError>),
    /// The arguments could not be encoded.
    #[error("cannot encode the arguments of {call}")]
    Encode {
        /// `Tool.method`.
        call: String,
        /// Why.
        #[source]
        source: rmote_wire::Error,
    },
    /// The result did not have the shape the Rust type expects.
    #[error("cannot decode the result of {call}")]
    Decode {
        /// `Tool.method`.
        call: String,
        /// Why.
        #[source]
        source: rmote_wire::Error,
    },
    /// The call did not complete within its deadline (it was cancelled).
    #[error("{call} did not complete within {after:?}")]
    Timeout {
        /// `Tool.method`.
        call: String,
        /// The deadline.
        after: Duration,
    },
    /// A host of a [`FanOut`](crate::FanOut) did not connect and finish its
    /// work within the fan-out's per-host deadline. Its work was dropped
    /// (cancelling its calls) and its interpreter ended.
    #[error("{host} did not finish within {after:?}")]
    HostDeadline {
        /// The host's name in the fan-out.
        host: String,
        /// The deadline.
        after: Duration,
    },
    /// The arguments of a call are larger than the connection accepts.
    #[error("the arguments of {call} are {len} bytes, over the limit of {max}")]
    TooLarge {
        /// `Tool.method`.
        call: String,
        /// Encoded size.
        len: usize,
        /// The connection's `max_message`.
        max: usize,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {stderr}")
    }
}

impl Error {
    /// The remote exception, when this is one.
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            Error::Remote(e) => Some(e),
            _ => None,
        }
    }

    /// The `std::io::ErrorKind` this error corresponds to, when one fits: a
    /// remote `FileNotFoundError` is `NotFound`, a timeout `TimedOut`, a lost
    /// remote `BrokenPipe`.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            Error::Remote(e) => e.io_kind(),
            Error::Timeout { .. } | Error::ConnectTimeout { .. } | Error::HostDeadline { .. } => {
                Some(io::ErrorKind::TimedOut)
            }
            Error::Disconnected(_) => Some(io::ErrorKind::BrokenPipe),
            Error::Spawn { source, .. } if source.is_not_found() => Some(io::ErrorKind::NotFound),
            Error::Unreachable { failure, .. } => Some(match failure {
                Failure::AuthenticationRefused { .. }
                | Failure::BecomePasswordRequired { .. }
                | Failure::BecomeRefused { .. } => io::ErrorKind::PermissionDenied,
                Failure::ConnectionRefused { .. } => io::ErrorKind::ConnectionRefused,
                Failure::HostUnreachable { .. } => io::ErrorKind::HostUnreachable,
                Failure::InterpreterNotFound { .. } | Failure::UnknownHost { .. } => {
                    io::ErrorKind::NotFound
                }
                _ => io::ErrorKind::Other,
            }),
            _ => None,
        }
    }

    /// Whether this is a remote exception that means "not found"
    /// (`FileNotFoundError`, or any `OSError` with `ENOENT`).
    pub fn is_not_found(&self) -> bool {
        self.remote()
            .is_some_and(|e| e.io_kind() == Some(io::ErrorKind::NotFound))
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        let kind = err.io_kind().unwrap_or(io::ErrorKind::Other);
        io::Error::new(kind, err)
    }
}

/// Why a connection ended, shared by every call that fails because of it.
#[derive(Debug, Clone)]
pub struct Disconnect {
    /// What the remote was (`python3 (local)`).
    pub remote: String,
    /// What was observed: `remote closed the connection`, a protocol error, …
    pub reason: String,
    /// The exit status and stderr tail.
    pub exit: Exit,
}

impl fmt::Display for Disconnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} disconnected: {} ({})",
            self.remote, self.reason, self.exit
        )
    }
}

/// An exception raised by a tool method on the remote.
#[derive(Debug, Clone)]
pub struct RemoteError {
    call: String,
    exception: RemoteException,
}

impl RemoteError {
    pub(crate) fn new(call: String, exception: RemoteException) -> RemoteError {
        RemoteError { call, exception }
    }

    /// `Tool.method` of the call that raised it.
    pub fn call(&self) -> &str {
        &self.call
    }

    /// The qualified class name, such as `builtins.FileNotFoundError`.
    pub fn type_name(&self) -> &str {
        &self.exception.type_name
    }

    /// The class name without its module, such as `FileNotFoundError`.
    pub fn short_type_name(&self) -> &str {
        short(&self.exception.type_name)
    }

    /// Whether the exception is an instance of the class `name`: either the
    /// qualified name (`subprocess.CalledProcessError`) or the bare class
    /// name (`OSError`) of the class or any of its bases.
    pub fn is_instance(&self, name: &str) -> bool {
        let matches = |qual: &str| qual == name || short(qual) == name;
        matches(&self.exception.type_name) || self.exception.mro.iter().any(|q| matches(q))
    }

    /// `str(exception)`.
    pub fn message(&self) -> &str {
        &self.exception.message
    }

    /// The numeric errno (the remote platform's numbering).
    pub fn errno(&self) -> Option<i64> {
        self.exception.errno
    }

    /// The symbolic errno, such as `ENOENT`.
    pub fn errno_name(&self) -> Option<&str> {
        self.exception.errno_name.as_deref()
    }

    /// The file an `OSError` names.
    pub fn filename(&self) -> Option<&str> {
        self.exception.filename.as_deref()
    }

    /// The formatted remote traceback.
    pub fn traceback(&self) -> &str {
        &self.exception.traceback
    }

    /// The exception's own encodable attributes (`returncode`, `stderr`, …).
    pub fn attrs(&self) -> &BTreeMap<String, Value> {
        &self.exception.attrs
    }

    /// The whole exception as it came over the wire.
    pub fn exception(&self) -> &RemoteException {
        &self.exception
    }

    /// The `std::io::ErrorKind` of an `OSError`, from its class or its
    /// symbolic errno (portable, unlike the number).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        use io::ErrorKind as K;
        let by_class = |name: &str| {
            Some(match name {
                "builtins.FileNotFoundError" => K::NotFound,
                "builtins.PermissionError" => K::PermissionDenied,
                "builtins.FileExistsError" => K::AlreadyExists,
                "builtins.IsADirectoryError" => K::IsADirectory,
                "builtins.NotADirectoryError" => K::NotADirectory,
                "builtins.TimeoutError" => K::TimedOut,
                "builtins.BrokenPipeError" => K::BrokenPipe,
                "builtins.ConnectionRefusedError" => K::ConnectionRefused,
                "builtins.ConnectionResetError" => K::ConnectionReset,
                "builtins.ConnectionAbortedError" => K::ConnectionAborted,
                "builtins.InterruptedError" => K::Interrupted,
                "builtins.BlockingIOError" => K::WouldBlock,
                _ => return None,
            })
        };
        let by_errno = |name: &str| {
            Some(match name {
                "ENOENT" => K::NotFound,
                "EACCES" | "EPERM" => K::PermissionDenied,
                "EEXIST" => K::AlreadyExists,
                "EISDIR" => K::IsADirectory,
                "ENOTDIR" => K::NotADirectory,
                "ENOTEMPTY" => K::DirectoryNotEmpty,
                "EROFS" => K::ReadOnlyFilesystem,
                "ENOSPC" => K::StorageFull,
                "EDQUOT" => K::QuotaExceeded,
                "EFBIG" => K::FileTooLarge,
                "EBUSY" => K::ResourceBusy,
                "ETXTBSY" => K::ExecutableFileBusy,
                "EXDEV" => K::CrossesDevices,
                "EMLINK" => K::TooManyLinks,
                "ENAMETOOLONG" => K::InvalidFilename,
                "E2BIG" => K::ArgumentListTooLong,
                "EINVAL" => K::InvalidInput,
                "ETIMEDOUT" => K::TimedOut,
                "EPIPE" => K::BrokenPipe,
                "EINTR" => K::Interrupted,
                "EAGAIN" => K::WouldBlock,
                "ECONNREFUSED" => K::ConnectionRefused,
                "ECONNRESET" => K::ConnectionReset,
                "ENOMEM" => K::OutOfMemory,
                "ESPIPE" => K::NotSeekable,
                "EDEADLK" => K::Deadlock,
                "ESTALE" => K::StaleNetworkFileHandle,
                "ENOTSUP" | "EOPNOTSUPP" | "ENOSYS" => K::Unsupported,
                _ => return None,
            })
        };
        std::iter::once(&self.exception.type_name)
            .chain(&self.exception.mro)
            .find_map(|c| by_class(c))
            .or_else(|| self.exception.errno_name.as_deref().and_then(by_errno))
    }
}

fn short(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} raised {}", self.call, self.short_type_name())?;
        if !self.exception.message.is_empty() {
            write!(f, ": {}", self.exception.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for RemoteError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn exc(type_name: &str, mro: &[&str], errno_name: Option<&str>) -> RemoteError {
        RemoteError::new(
            "FileSystem.read_str".into(),
            RemoteException {
                type_name: type_name.into(),
                mro: mro.iter().map(|s| s.to_string()).collect(),
                message: "boom".into(),
                errno: None,
                errno_name: errno_name.map(Into::into),
                filename: None,
                traceback: String::new(),
                attrs: BTreeMap::new(),
            },
        )
    }

    #[test]
    fn kinds_from_class_and_errno() {
        let e = exc(
            "builtins.FileNotFoundError",
            &[
                "builtins.FileNotFoundError",
                "builtins.OSError",
                "builtins.Exception",
            ],
            Some("ENOENT"),
        );
        assert_eq!(e.io_kind(), Some(io::ErrorKind::NotFound));
        assert!(e.is_instance("OSError"));
        assert!(e.is_instance("builtins.FileNotFoundError"));
        assert!(!e.is_instance("ValueError"));
        assert_eq!(
            e.to_string(),
            "FileSystem.read_str raised FileNotFoundError: boom"
        );

        let e = exc("builtins.OSError", &["builtins.OSError"], Some("ENOTEMPTY"));
        assert_eq!(e.io_kind(), Some(io::ErrorKind::DirectoryNotEmpty));

        let e = exc(
            "mytool.Custom",
            &["mytool.Custom", "builtins.PermissionError"],
            None,
        );
        assert_eq!(e.io_kind(), Some(io::ErrorKind::PermissionDenied));

        let e = exc("builtins.ValueError", &["builtins.ValueError"], None);
        assert_eq!(e.io_kind(), None);
    }
}

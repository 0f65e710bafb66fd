//! The one error type of this crate.

use std::io;

/// What can go wrong starting a remote interpreter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The local program could not be started.
    #[error("cannot start `{program}`")]
    Spawn {
        /// The program that was to be started.
        program: String,
        /// Why it could not be started.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// Whether the local program does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Spawn { source, .. } => source.kind() == io::ErrorKind::NotFound,
        }
    }
}

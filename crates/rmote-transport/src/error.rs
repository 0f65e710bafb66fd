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
    /// A destination or jump host that cannot be parsed.
    #[error("invalid ssh destination `{text}`: {why}")]
    Destination {
        /// What was given.
        text: String,
        /// What is wrong with it.
        why: String,
    },
    /// The private directory for ssh control sockets is unsafe or unusable.
    #[error("cannot use {path} for ssh control sockets: {why}")]
    ControlDir {
        /// The directory.
        path: std::path::PathBuf,
        /// What is wrong with it.
        why: String,
    },
}

impl Error {
    /// Whether the local program does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Spawn { source, .. } => source.kind() == io::ErrorKind::NotFound,
            _ => false,
        }
    }
}

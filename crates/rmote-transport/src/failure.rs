//! Why an interpreter could not be reached or started, as facts a person can
//! act on. Each transport turns the evidence (exit status, stderr) into one of
//! these in one place.

use std::fmt;

/// A failure to reach or start the remote interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The server refused every authentication method offered.
    AuthenticationRefused {
        /// `user@host`.
        destination: String,
        /// The methods the server offered, as ssh reported them.
        methods: String,
    },
    /// Nothing listens on the port.
    ConnectionRefused {
        /// `host` or `host:port`.
        destination: String,
    },
    /// The host could not be reached (no route, timeout, network down).
    HostUnreachable {
        /// `host` or `host:port`.
        destination: String,
        /// What ssh said.
        detail: String,
    },
    /// The host name does not resolve.
    UnknownHost {
        /// The name.
        host: String,
    },
    /// Strict host-key checking is on and the host's key is not known.
    HostKeyUnknown {
        /// The host.
        host: String,
    },
    /// The host's key differs from the one on record: possibly an attack.
    HostKeyChanged {
        /// The host.
        host: String,
    },
    /// The remote interpreter does not exist (or cannot be executed).
    InterpreterNotFound {
        /// The interpreter asked for.
        python: String,
    },
    /// The privilege tool (`sudo -n`, `doas -n`) needs a password, and
    /// rmote never types one.
    BecomePasswordRequired {
        /// `sudo` or `doas`.
        tool: String,
    },
    /// The privilege tool refused (user not allowed, tool missing).
    BecomeRefused {
        /// `sudo` or `doas`.
        tool: String,
        /// What it said.
        detail: String,
    },
    /// ssh failed for another reason (exit status 255).
    Ssh {
        /// ssh's last words on stderr.
        detail: String,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::AuthenticationRefused {
                destination,
                methods,
            } => write!(f, "authentication refused for {destination} ({methods})"),
            Failure::ConnectionRefused { destination } => {
                write!(f, "connection refused by {destination}")
            }
            Failure::HostUnreachable {
                destination,
                detail,
            } => write!(f, "{destination} is unreachable: {detail}"),
            Failure::UnknownHost { host } => write!(f, "host name {host} does not resolve"),
            Failure::HostKeyUnknown { host } => write!(
                f,
                "the host key of {host} is not known and strict checking is on \
                 (add it to known_hosts, or opt in to accept-new)"
            ),
            Failure::HostKeyChanged { host } => write!(
                f,
                "the host key of {host} has changed: refusing to connect \
                 (if the change is expected, update known_hosts)"
            ),
            Failure::InterpreterNotFound { python } => {
                write!(f, "interpreter `{python}` not found on the remote")
            }
            Failure::BecomePasswordRequired { tool } => write!(
                f,
                "{tool} asks for a password; rmote runs it non-interactively \
                 (allow NOPASSWD for this user, or connect as the target user)"
            ),
            Failure::BecomeRefused { tool, detail } => write!(f, "{tool} refused: {detail}"),
            Failure::Ssh { detail } => write!(f, "ssh failed: {detail}"),
        }
    }
}

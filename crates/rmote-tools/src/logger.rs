//! `Logger`: the remote root logger's level, and records emitted on it.

use std::fmt;

use rmote_session::{Call, Tool};
use serde::{Serialize, Serializer};

/// The `Logger` tool (`python/logger.py`), for calling its methods directly.
pub static LOGGER: Tool = Tool::new("Logger", include_str!("../python/logger.py"));

/// Sets the level of the remote's root logger and emits records on it.
///
/// Remote records reach the controller as `tracing` events with the target
/// `rmote::remote::<logger name>` (`rmote::remote::root` for the ones
/// [`Logger::log`] emits), where the usual `tracing` filters apply as well.
#[derive(Debug, Clone, Copy)]
pub struct Logger;

impl Logger {
    /// Sets the remote root logger's level: records below it are dropped on
    /// the remote, before they cost anything on the wire. It first logs
    /// "Setting log level to LEVEL" at `INFO` (visible only when the old
    /// level let `INFO` through).
    pub fn set_log_level(level: Level) -> Call<()> {
        Call::new(&LOGGER, "set_log_level").arg(&level)
    }

    /// Emits `message` at `level` on the remote root logger. `message` is a
    /// Python `%` format; its arguments follow as positional arguments of the
    /// call: `Logger::log(Level::Info, "%s files").arg(&3)`.
    pub fn log(level: Level, message: impl AsRef<str>) -> Call<()> {
        Call::new(&LOGGER, "log").arg(&level).arg(message.as_ref())
    }
}

/// A level of Python's `logging`, sent by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `NOTSET` (0): on the root logger, everything passes.
    NotSet,
    /// `DEBUG` (10).
    Debug,
    /// `INFO` (20).
    Info,
    /// `WARNING` (30).
    Warning,
    /// `ERROR` (40).
    Error,
    /// `CRITICAL` (50).
    Critical,
}

impl Level {
    /// The name Python uses (`WARNING`).
    pub fn name(self) -> &'static str {
        match self {
            Level::NotSet => "NOTSET",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// The number Python uses (`30`).
    pub fn number(self) -> u32 {
        match self {
            Level::NotSet => 0,
            Level::Debug => 10,
            Level::Info => 20,
            Level::Warning => 30,
            Level::Error => 40,
            Level::Critical => 50,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

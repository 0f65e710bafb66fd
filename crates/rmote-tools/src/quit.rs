//! `Quit`: end the remote interpreter.

use rmote_session::{Call, Tool};

/// The `Quit` tool (`python/quit.py`), for calling its methods directly.
pub static QUIT: Tool = Tool::new("Quit", include_str!("../python/quit.py"));

/// Ends the remote interpreter from the inside.
#[derive(Debug, Clone, Copy)]
pub struct Quit;

impl Quit {
    /// Exits the remote interpreter with status `code`. This call succeeds
    /// (the reply is sent before the exit); calls still running and every
    /// later call fail with [`Error::Disconnected`], whose exit status is
    /// `code`. Child processes started by [`Exec`](crate::Exec) are killed.
    ///
    /// [`Error::Disconnected`]: rmote_session::Error::Disconnected
    pub fn exit(code: u8) -> Call<()> {
        Call::new(&QUIT, "exit").arg(&code)
    }
}

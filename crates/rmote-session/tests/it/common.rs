//! Helpers shared by the integration tests.

use rmote_session::{Builder, Connection, Local};

/// The interpreter the tests run: `RMOTE_TEST_PYTHON`, or `python3`.
pub fn python() -> String {
    std::env::var("RMOTE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

pub fn builder() -> Builder {
    Connection::builder(Local::new().python(python()))
}

pub async fn connect() -> Connection {
    builder()
        .connect()
        .await
        .expect("connect to a local python3")
}

//! Integration tests of rmote-session against real `python3` processes.
//!
//! Every test starts real interpreters (`RMOTE_TEST_PYTHON`, default
//! `python3`); nothing is mocked. `conformance` repeats a representative set
//! on every CPython found on the machine.

mod bootstrap;
mod calls;
mod cancel;
mod common;
mod failures;
mod fanout;
mod logging;
mod values;

//! Integration tests of rmote-session against real `python3` processes.

mod basics;
mod common;

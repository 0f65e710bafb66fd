//! Integration tests of the built-in tools against real `python3` processes
//! (`RMOTE_TEST_PYTHON` picks the interpreter).

mod common;
mod exec;
mod filesystem;
mod logger;
mod quit;
mod roots;

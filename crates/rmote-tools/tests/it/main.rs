//! Integration tests of the built-in tools against real `python3` processes
//! (`RMOTE_TEST_PYTHON` picks the interpreter).

mod apt;
mod apt_support;
mod common;
mod exec;
mod filesystem;
mod logger;
mod pacman;
mod quit;
mod roots;
mod service;
mod template;
mod template_agreement;
mod tool_log;
mod user;

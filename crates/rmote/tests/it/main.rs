//! Integration tests of the facade crate: the conformance suite over every
//! CPython found, the command transports and privilege tools for real, and
//! the ssh tests against an `sshd` this binary starts itself.

mod commands;
mod conformance;
mod ssh;

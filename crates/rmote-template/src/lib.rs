//! rmote's Mako-like template language.
//!
//! (The crate guide is written as the crate takes shape.)
//!
//! The public interface is:

mod error;
mod span;

pub use error::{Error, ErrorKind};
pub use span::Span;

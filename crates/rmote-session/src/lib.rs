//! rmote-session

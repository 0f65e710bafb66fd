//! rmote

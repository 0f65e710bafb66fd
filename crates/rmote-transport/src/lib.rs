//! rmote-transport

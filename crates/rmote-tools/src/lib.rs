//! rmote-tools

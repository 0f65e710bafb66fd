//! rmote-template

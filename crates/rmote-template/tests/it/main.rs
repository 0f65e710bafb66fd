//! Integration tests of rmote-template: the parser through the public API,
//! the fixture directory, and the local renderer against CPython.

mod fixture;
mod fixtures;
mod json;
mod local;
mod local_gen;
mod local_props;
mod no_code;
mod parse;
mod pythons;

//! Integration tests of rmote-wire: scripted chunked input and round trips.

mod chunked;
mod roundtrip;

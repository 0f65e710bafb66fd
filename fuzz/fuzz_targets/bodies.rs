//! Arbitrary bytes decoded as every body the controller accepts from a
//! remote: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmote_wire::{Hello, LogRecord, RemoteException, Value};

fuzz_target!(|data: &[u8]| {
    let _ = rmote_wire::decode::<Value>(data);
    let _ = rmote_wire::decode::<Hello>(data);
    let _ = rmote_wire::decode::<RemoteException>(data);
    let _ = rmote_wire::decode::<LogRecord>(data);
    let _ = rmote_wire::decode::<(String, Vec<u8>, Option<i64>)>(data);
});

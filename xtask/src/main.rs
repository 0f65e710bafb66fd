//! Developer chores for the rmote workspace: `cargo xtask <command>`.
//!
//! - `bundle-bootstrap [--check]`: minify, compress and base64-encode the
//!   remote runtime into the artifact `rmote-session` embeds.

mod bundle;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bundle-bootstrap") => bundle::run(&args[1..]),
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: cargo xtask <command>\n\n\
     commands:\n  \
       bundle-bootstrap [--check]   rebuild (or check) the embedded remote runtime"
        .to_string()
}

/// The workspace root (the parent of this crate's directory).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

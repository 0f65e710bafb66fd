//! Developer chores for the rmote workspace: `cargo xtask <command>`.
//!
//! - `bundle-bootstrap [--check]`: minify, compress and base64-encode the
//!   remote runtime into the artifact `rmote-session` embeds.
//! - `bench ARGS…`: build the benchmark runner in release mode and run it
//!   (`--bench B1..B6|bytes --transport local --run N`, the peers' contract).
//! - `test [CARGO TEST ARGS…]`: set up what the tests need on this machine,
//!   then run the whole test suite.

mod bundle;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bundle-bootstrap") => bundle::run(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("test") => test::run(&args[1..]),
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
       bundle-bootstrap [--check]   rebuild (or check) the embedded remote runtime\n  \
       bench --bench B --transport T --run N\n                                 \
       build the benchmark runner (release) and run one workload\n  \
       test [ARGS...]               set up prerequisites and run every test"
        .to_string()
}

/// The workspace root (the parent of this crate's directory).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// Builds `rmote-bench` in release mode and runs it with `args`.
fn bench(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(&cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "--release", "--package", "rmote-bench"])
        .status()
        .map_err(|e| format!("{cargo}: {e}"))?;
    if !status.success() {
        return Err("building rmote-bench failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let runner = target.join("release").join("rmote-bench");
    let status = std::process::Command::new(&runner)
        .args(args)
        .status()
        .map_err(|e| format!("{}: {e}", runner.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rmote-bench {} failed ({status})", args.join(" ")))
    }
}

//! `rmote-bench`: the workloads of the peers' benchmark harness, measured on
//! rmote.
//!
//! ```text
//! rmote-bench --bench B1|B2|B3|B4|B5|B6|bytes --transport local --run N
//! ```
//!
//! Prints one JSON object per line on stdout, one per measured variant, and
//! nothing else there (diagnostics go to stderr). Settings come from the
//! harness's environment variables (`BENCH_REMOTE_PYTHON`, `BENCH_DATA_DIR`,
//! `PEERS` for the byte-counting proxy). `cargo xtask bench …` builds it in
//! release mode and runs it.

mod measure;
mod workloads;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Remote interpreters inherit the working directory: start from "/" so
    // nothing of ours can be imported from disk on the remote.
    let _ = std::env::set_current_dir("/");
    let args = match workloads::Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("rmote-bench: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(workloads::run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rmote-bench: {} {}: {message}", args.bench, args.transport);
            ExitCode::FAILURE
        }
    }
}

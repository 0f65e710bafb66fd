//! Process measurements: RSS of this process and of its descendants, and the
//! JSON lines of the runner contract.

use std::collections::HashMap;
use std::fmt::Write as _;

/// Current resident set size of this process in KiB (`VmRSS`).
pub fn rss_kib() -> u64 {
    status_field(std::process::id(), "VmRSS:").unwrap_or(0)
}

/// Peak resident set size of this process in KiB (`ru_maxrss`).
pub fn peak_rss_kib() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and nothing else.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_maxrss as u64
    }
}

/// `(count, summed RSS in KiB)` of every descendant of this process.
pub fn children_rss_kib() -> (u64, u64) {
    let mut parent_of = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if let Some(ppid) = status_field(pid, "PPid:") {
                parent_of.insert(pid, ppid as u32);
            }
        }
    }
    let me = std::process::id();
    let is_descendant = |mut pid: u32| {
        while let Some(&parent) = parent_of.get(&pid) {
            if parent == me {
                return true;
            }
            if parent <= 1 {
                return false;
            }
            pid = parent;
        }
        false
    };
    let mut count = 0;
    let mut total = 0;
    for &pid in parent_of.keys() {
        if is_descendant(pid) {
            if let Some(rss) = status_field(pid, "VmRSS:") {
                count += 1;
                total += rss;
            }
        }
    }
    (count, total)
}

fn status_field(pid: u32, name: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// A metric value in a JSON line.
pub enum Metric {
    /// A float, printed with full precision.
    F(f64),
    /// An integer.
    I(u64),
}

/// Prints one result line of the runner contract.
pub fn emit(variant: &str, bench: &str, transport: &str, run: u32, metrics: &[(&str, Metric)]) {
    emit_with(variant, bench, transport, run, metrics, None);
}

/// Prints a line for a workload this implementation does not run.
pub fn unsupported(variant: &str, bench: &str, transport: &str, run: u32, why: &str) {
    emit_with(variant, bench, transport, run, &[], Some(why));
}

fn emit_with(
    variant: &str,
    bench: &str,
    transport: &str,
    run: u32,
    metrics: &[(&str, Metric)],
    unsupported: Option<&str>,
) {
    let mut line = String::new();
    let _ = write!(
        line,
        "{{\"impl\": \"rmote-rs\", \"variant\": \"{variant}\", \"bench\": \"{bench}\", \
         \"transport\": \"{transport}\", \"run\": {run}, \"metrics\": {{"
    );
    for (i, (name, value)) in metrics.iter().enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        match value {
            Metric::F(v) => {
                let _ = write!(line, "\"{name}\": {v:?}");
            }
            Metric::I(v) => {
                let _ = write!(line, "\"{name}\": {v}");
            }
        }
    }
    line.push('}');
    if let Some(why) = unsupported {
        let _ = write!(line, ", \"unsupported\": \"{}\"", why.replace('"', "'"));
    }
    line.push('}');
    // A closed stdout (the harness gave up) is not worth a panic.
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

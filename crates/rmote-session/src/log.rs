//! Remote `logging` records as `tracing` events.
//!
//! Each record becomes an event whose target names the remote logger,
//! `rmote::remote::<logger>` (`rmote::remote::root`, `rmote::remote::myapp.db`),
//! so the usual filters apply (`RUST_LOG=rmote::remote=debug`). tracing's
//! macros need targets known at compile time, so a callsite is registered per
//! (logger, level) on first use; after `MAX_CALLSITES` distinct ones a remote
//! cannot make the controller register more, and records share one callsite
//! per level with target `rmote::remote` (the `logger` field still names it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use rmote_wire::LogRecord;
use tracing_core::callsite::{Callsite, Identifier};
use tracing_core::field::{FieldSet, Value};
use tracing_core::metadata::Kind;
use tracing_core::{Event, Interest, Level, LevelFilter, Metadata};

const FIELDS: &[&str] = &[
    "message", "logger", "remote", "call", "thread", "file", "line", "function", "exc",
];

const MAX_CALLSITES: usize = 1024;

/// Python level number → tracing level.
pub(crate) fn level_of(python: i64) -> Level {
    match python {
        i64::MIN..=9 => Level::TRACE,
        10..=19 => Level::DEBUG,
        20..=29 => Level::INFO,
        30..=39 => Level::WARN,
        _ => Level::ERROR,
    }
}

/// tracing's most verbose enabled level → the Python level to ask the remote
/// for, so records nobody would see are not even sent.
pub(crate) fn python_level_for(filter: LevelFilter) -> u32 {
    match filter.into_level() {
        None => 50,
        Some(Level::ERROR) => 40,
        Some(Level::WARN) => 30,
        Some(Level::INFO) => 20,
        Some(Level::DEBUG) => 10,
        Some(Level::TRACE) => 1,
    }
}

/// Emits `record` (from call `call`, 0 for none) as a tracing event.
pub(crate) fn forward(record: &LogRecord, call: u32, remote: &str) {
    let level = level_of(record.level);
    if level > LevelFilter::current() {
        return;
    }
    let site = callsite(&record.name, level);
    if site.interest.load(Ordering::Relaxed) == NEVER {
        return;
    }
    let meta = site.meta();
    let enabled = tracing_core::dispatcher::get_default(|d| d.enabled(meta));
    if !enabled {
        return;
    }
    let fields = meta.fields();
    let mut it = fields.iter();
    let mut next = || it.next().expect("FIELDS has nine names");
    let (f_msg, f_logger, f_remote, f_call, f_thread, f_file, f_line, f_func, f_exc) = (
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
    );
    let message = format_args!("{}", record.message);
    let values: [(&tracing_core::Field, Option<&dyn Value>); 9] = [
        (&f_msg, Some(&message)),
        (&f_logger, Some(&record.name.as_str())),
        (&f_remote, Some(&remote)),
        (&f_call, (call != 0).then_some(&call)),
        (&f_thread, record.thread.as_ref().map(|s| s as &dyn Value)),
        (&f_file, record.file.as_ref().map(|s| s as &dyn Value)),
        (&f_line, record.line.as_ref().map(|n| n as &dyn Value)),
        (&f_func, record.function.as_ref().map(|s| s as &dyn Value)),
        (&f_exc, record.exc.as_ref().map(|s| s as &dyn Value)),
    ];
    Event::dispatch(meta, &fields.value_set(&values));
}

const NEVER: u8 = 0;
const SOMETIMES: u8 = 1;
const ALWAYS: u8 = 2;

struct DynCallsite {
    meta: OnceLock<Metadata<'static>>,
    interest: AtomicU8,
}

impl DynCallsite {
    fn meta(&'static self) -> &'static Metadata<'static> {
        self.meta.get().expect("set before registration")
    }
}

impl Callsite for DynCallsite {
    fn set_interest(&self, interest: Interest) {
        let value = if interest.is_never() {
            NEVER
        } else if interest.is_always() {
            ALWAYS
        } else {
            SOMETIMES
        };
        self.interest.store(value, Ordering::Relaxed);
    }

    fn metadata(&self) -> &Metadata<'_> {
        self.meta.get().expect("set before registration")
    }
}

fn callsite(logger: &str, level: Level) -> &'static DynCallsite {
    static SITES: OnceLock<Mutex<HashMap<(String, Level), &'static DynCallsite>>> = OnceLock::new();
    let mut sites = SITES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(site) = sites.get(&(logger.to_string(), level)) {
        return site;
    }
    let (key, target) = if sites.len() < MAX_CALLSITES {
        (logger.to_string(), format!("rmote::remote::{logger}"))
    } else {
        (String::new(), "rmote::remote".to_string())
    };
    if let Some(site) = sites.get(&(key.clone(), level)) {
        return site;
    }
    let site = register(target, level);
    sites.insert((key, level), site);
    site
}

/// Leaks one callsite and its target: bounded by `MAX_CALLSITES`.
fn register(target: String, level: Level) -> &'static DynCallsite {
    let site: &'static DynCallsite = Box::leak(Box::new(DynCallsite {
        meta: OnceLock::new(),
        interest: AtomicU8::new(SOMETIMES),
    }));
    let target: &'static str = Box::leak(target.into_boxed_str());
    let _ = site.meta.set(Metadata::new(
        "remote log record",
        target,
        level,
        None,
        None,
        None,
        FieldSet::new(FIELDS, Identifier(site)),
        Kind::EVENT,
    ));
    tracing_core::callsite::register(site);
    site
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_both_ways() {
        assert_eq!(level_of(10), Level::DEBUG);
        assert_eq!(level_of(25), Level::INFO);
        assert_eq!(level_of(50), Level::ERROR);
        assert_eq!(level_of(5), Level::TRACE);
        assert_eq!(python_level_for(LevelFilter::INFO), 20);
        assert_eq!(python_level_for(LevelFilter::OFF), 50);
    }

    #[test]
    fn callsites_are_reused_and_bounded() {
        let a = callsite("some.logger", Level::INFO) as *const _;
        let b = callsite("some.logger", Level::INFO) as *const _;
        assert_eq!(a, b);
        for i in 0..MAX_CALLSITES + 10 {
            callsite(&format!("flood{i}"), Level::WARN);
        }
        let last = callsite("yet.another", Level::WARN);
        assert_eq!(last.meta().target(), "rmote::remote");
    }
}

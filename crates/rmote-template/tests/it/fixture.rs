//! The fixture directory `tests/fixtures`: loading its cases.
//!
//! Each case is `<name>.tmpl` (the template, exact bytes) with an optional
//! `<name>.json` (the context, a JSON object) and exactly one of
//! `<name>.out` (the expected output, exact bytes) or `<name>.err` (the
//! expected error as `Error` displays it, one line).
//!
//! A name ending in `_py` marks a case that needs full Python (imports,
//! `def`, `try`, `while`, `with`, classes, f-strings, …): the local
//! renderer may refuse it with `not supported locally`, but whatever it
//! renders must match. The remote renderer runs every case.
//!
//! This file is also compiled into the tests of rmote-tools (with
//! `#[path]`), which render every case remotely.

use std::path::{Path, PathBuf};

/// One case of the fixture directory.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The file name without `.tmpl`.
    pub name: String,
    /// The template.
    pub source: String,
    /// The context as JSON text, if the case has one.
    #[allow(dead_code)]
    pub context: Option<String>,
    /// What rendering must give.
    pub expected: Expected,
}

/// The expected result of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// The exact output.
    Output(String),
    /// The error's one-line display.
    Error(String),
}

impl Fixture {
    /// Whether the case needs full Python (its name ends in `_py`).
    #[allow(dead_code)]
    pub fn needs_python(&self) -> bool {
        self.name.ends_with("_py")
    }
}

/// The directory of rmote-template's fixtures.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rmote-template/tests/fixtures")
}

/// Every case of the fixture directory, sorted by name.
pub fn all() -> Vec<Fixture> {
    let dir = dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").file_name())
        .filter_map(|name| name.to_str()?.strip_suffix(".tmpl").map(str::to_string))
        .collect();
    names.sort();
    names.into_iter().map(|name| load(&dir, name)).collect()
}

fn load(dir: &Path, name: String) -> Fixture {
    let read = |ext: &str| -> Option<String> {
        let path = dir.join(format!("{name}.{ext}"));
        match std::fs::read(&path) {
            Ok(bytes) => Some(
                String::from_utf8(bytes)
                    .unwrap_or_else(|_| panic!("{} is not UTF-8", path.display())),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        }
    };
    let source = read("tmpl").expect("the template");
    let expected = match (read("out"), read("err")) {
        (Some(out), None) => Expected::Output(out),
        (None, Some(err)) => Expected::Error(err.trim_end_matches('\n').to_string()),
        _ => panic!("fixture {name} needs exactly one of {name}.out and {name}.err"),
    };
    Fixture {
        context: read("json"),
        source,
        expected,
        name,
    }
}

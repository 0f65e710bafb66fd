//! Test support shared by rmote's test suites (not published): which CPython
//! interpreters the tests run against.
//!
//! The tests use `python3` from `PATH`, every 3.x version pyenv installed
//! under `$PYENV_ROOT/versions` (default `/root/.pyenv`), and the
//! interpreters listed in `RMOTE_EXTRA_PYTHONS` (colon-separated paths; CI
//! adds 3.14 and 3.15 from a Debian root this way).
//!
//! ```
//! for python in rmote_testkit::all_pythons() {
//!     println!("testing against {}", python.display());
//! }
//! let python27 = rmote_testkit::pyenv_python("2.7.18");
//! assert!(python27.ends_with("versions/2.7.18/bin/python"));
//! ```

use std::path::PathBuf;

/// Where pyenv keeps its interpreters: `$PYENV_ROOT`, else `/root/.pyenv`
/// (the CI machine's, where no login shell sets the variable).
pub fn pyenv_root() -> PathBuf {
    std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.pyenv"))
}

/// The `python` of pyenv's `version` (`"3.9.18"`, `"2.7.18"`), whether or
/// not it is installed.
pub fn pyenv_python(version: &str) -> PathBuf {
    pyenv_root()
        .join("versions")
        .join(version)
        .join("bin/python")
}

/// Every interpreter to test against besides `python3`: pyenv's 3.x
/// versions in version order, then `RMOTE_EXTRA_PYTHONS` in its order.
pub fn other_pythons() -> Vec<PathBuf> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(pyenv_root().join("versions"))
        .map(|dir| {
            dir.flatten()
                .filter_map(|entry| {
                    let name = entry.file_name().into_string().ok()?;
                    let version = name
                        .strip_prefix("3.")?
                        .split('.')
                        .map(|n| n.parse().ok())
                        .collect::<Option<Vec<u32>>>()?;
                    let path = entry.path().join("bin/python3");
                    path.exists().then_some((version, path))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let mut pythons: Vec<PathBuf> = found.into_iter().map(|(_, path)| path).collect();
    if let Some(extra) = std::env::var_os("RMOTE_EXTRA_PYTHONS") {
        pythons.extend(std::env::split_paths(&extra).filter(|p| !p.as_os_str().is_empty()));
    }
    pythons
}

/// `python3` first, then [`other_pythons`].
pub fn all_pythons() -> Vec<PathBuf> {
    let mut pythons = vec![PathBuf::from("python3")];
    pythons.extend(other_pythons());
    pythons
}

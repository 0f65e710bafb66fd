//! `Pacman`: packages on Arch Linux.

use std::time::Duration;

use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize, Serializer};

/// The `Pacman` tool (`python/pacman.py`), for calling its methods directly.
pub static PACMAN: Tool = Tool::new("Pacman", include_str!("../python/pacman.py"));

/// Installs, upgrades and removes packages with `pacman`. Needs root.
///
/// Whether and at which version a package is installed is asked of
/// `pacman -Q` afresh for every decision: nothing is cached, so a call always
/// sees what the previous one did. Each command is logged on the remote's
/// `rmote.pacman` logger (INFO, `running: pacman …`), which the controller
/// sees as `tracing` events with target `rmote::remote::rmote.pacman`; a
/// package already in the asked-for state runs only queries.
///
/// A host without `pacman` fails every call with `NotImplementedError`
/// ("… not supported on this host"); a failing `pacman` with `RuntimeError`
/// carrying its exit status and output; an invalid name, version or state
/// with `ValueError`.
///
/// ```no_run
/// use std::time::Duration;
/// use rmote_session::Connection;
/// use rmote_tools::{Pacman, PacmanPackage, PacmanState};
///
/// # async fn demo(conn: &Connection) -> Result<(), rmote_session::Error> {
/// conn.call(Pacman::update().ttl(Duration::from_secs(3600))).await?;
/// let nginx = conn.call(Pacman::latest("nginx")).await?;
/// println!("nginx {} (changed: {})", nginx.version, nginx.changed);
/// let results = conn
///     .call(Pacman::converge([
///         PacmanPackage::new("git"),
///         PacmanPackage::new("nano").state(PacmanState::Absent),
///     ]))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Pacman;

impl Pacman {
    /// Refreshes the sync databases (`pacman -Sy`); see [`PacmanUpdate`].
    pub fn update() -> PacmanUpdate {
        PacmanUpdate { ttl: None }
    }

    /// Makes sure `name` is installed (any version); see
    /// [`Pacman::package`].
    pub fn present(name: impl AsRef<str>) -> Call<PacmanResult> {
        Pacman::package(PacmanPackage::new(name).state(PacmanState::Present))
    }

    /// Makes sure `name` is not installed (`pacman -R`, which refuses to
    /// remove a package others depend on).
    pub fn absent(name: impl AsRef<str>) -> Call<PacmanResult> {
        Pacman::package(PacmanPackage::new(name).state(PacmanState::Absent))
    }

    /// Makes sure `name` is installed at the newest version the sync
    /// databases offer (as of the last [`update`](Pacman::update)).
    pub fn latest(name: impl AsRef<str>) -> Call<PacmanResult> {
        Pacman::package(PacmanPackage::new(name).state(PacmanState::Latest))
    }

    /// Brings one package to its state ([`PacmanState::Present`] when it
    /// has none):
    ///
    /// - present: installed already (at the pinned version, when there is a
    ///   pin) means no change; otherwise `pacman -S --needed name` (or
    ///   `name=version`). A pin is honoured, never ignored: pacman installs it
    ///   when a configured repository offers exactly that version (a pin
    ///   without `-release` matches every release), upgrading or downgrading;
    ///   otherwise the call fails with pacman's "target not found";
    /// - latest: installed and not listed by `pacman -Qu` means no change;
    ///   otherwise `pacman -S --needed name`;
    /// - absent: not installed means no change; otherwise `pacman -R name`.
    ///
    /// A pin goes with the present state only; with another the call fails
    /// with `ValueError`. `changed` is whether the installed version changed.
    pub fn package(package: impl Into<PacmanPackage>) -> Call<PacmanResult> {
        Call::new(&PACMAN, "package").arg(&package.into())
    }

    /// Brings each package to its own state, in order, and returns their
    /// results in the same order. Every package is checked before anything
    /// is changed.
    pub fn converge<I, P>(packages: I) -> Call<Vec<PacmanResult>>
    where
        I: IntoIterator<Item = P>,
        P: Into<PacmanPackage>,
    {
        let mut call = Call::new(&PACMAN, "converge");
        for package in packages {
            call = call.arg(&package.into());
        }
        call
    }

    /// The installed version of `name` (`pacman -Q`), or `None` when it is
    /// not installed (a package that merely provides `name` does not count).
    pub fn query(name: impl AsRef<str>) -> Call<Option<String>> {
        Call::new(&PACMAN, "query").arg(name.as_ref())
    }
}

/// What a package should be: installed, installed at the newest version, or
/// not installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacmanState {
    /// Installed, at whatever version (or at the pinned one).
    Present,
    /// Not installed.
    Absent,
    /// Installed at the newest version the sync databases offer.
    Latest,
}

impl PacmanState {
    /// The number the Python tool uses (`PRESENT = 0`, `ABSENT = 1`,
    /// `LATEST = 2`).
    pub fn number(self) -> u8 {
        match self {
            PacmanState::Present => 0,
            PacmanState::Absent => 1,
            PacmanState::Latest => 2,
        }
    }
}

impl Serialize for PacmanState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

/// A package for [`Pacman::package`] and [`Pacman::converge`]: a name, an
/// optional version pin and an optional state of its own.
///
/// A `&str` or `String` converts into a package of that exact name (it is
/// not split at `=`: pin a version with [`version`](PacmanPackage::version)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PacmanPackage {
    name: String,
    version: Option<String>,
    state: Option<PacmanState>,
}

impl PacmanPackage {
    /// The package `name`, present at any version.
    pub fn new(name: impl AsRef<str>) -> PacmanPackage {
        PacmanPackage {
            name: name.as_ref().to_string(),
            version: None,
            state: None,
        }
    }

    /// Pins a version: `[epoch:]version[-release]`, e.g. `1.0-1` or `1.0`.
    pub fn version(mut self, version: impl AsRef<str>) -> PacmanPackage {
        self.version = Some(version.as_ref().to_string());
        self
    }

    /// The state this package should be in (default: present).
    pub fn state(mut self, state: PacmanState) -> PacmanPackage {
        self.state = Some(state);
        self
    }
}

impl From<&str> for PacmanPackage {
    fn from(name: &str) -> PacmanPackage {
        PacmanPackage::new(name)
    }
}

impl From<String> for PacmanPackage {
    fn from(name: String) -> PacmanPackage {
        PacmanPackage::new(name)
    }
}

/// What [`Pacman::package`] did to one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacmanResult {
    /// The package name.
    pub name: String,
    /// Whether the call installed, upgraded, downgraded or removed it.
    pub changed: bool,
    /// The installed version (`1.0-1`), empty when it is not installed.
    pub version: String,
}

/// Options of [`Pacman::update`]; converts into a `Call<bool>` (whether
/// `pacman -Sy` ran).
///
/// After a refresh the time is noted in `/var/lib/pacman/.rmote-update`;
/// with a [`ttl`](PacmanUpdate::ttl), a refresh younger than that is not
/// repeated. Without one, every call refreshes. Like the Python reference
/// this runs `pacman -Sy` alone; upgrade packages with [`Pacman::latest`].
#[derive(Debug, Clone)]
#[must_use = "a PacmanUpdate does nothing until it is passed to Connection::call"]
pub struct PacmanUpdate {
    ttl: Option<Duration>,
}

impl PacmanUpdate {
    /// Skips the refresh when the last one is younger than `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> PacmanUpdate {
        self.ttl = Some(ttl);
        self
    }
}

impl From<PacmanUpdate> for Call<bool> {
    fn from(b: PacmanUpdate) -> Call<bool> {
        let ttl = b.ttl.map_or(-1.0, |t| t.as_secs_f64());
        Call::new(&PACMAN, "update").arg(&ttl)
    }
}

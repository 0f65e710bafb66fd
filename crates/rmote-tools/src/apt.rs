//! `Apt`: Debian packages through `apt-get` and `dpkg`.

use std::fmt;
use std::time::Duration;

use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize, Serializer};

/// The `Apt` tool (`python/apt.py`), for calling its methods directly.
pub static APT: Tool = Tool::new("Apt", include_str!("../python/apt.py"));

/// Installs, upgrades and removes Debian packages with `apt-get`, on
/// Debian, Ubuntu and their derivatives. Needs root on the remote.
///
/// ```no_run
/// use rmote_session::Connection;
/// use rmote_tools::{Apt, Package, State};
///
/// # async fn demo(conn: Connection) -> Result<(), rmote_session::Error> {
/// conn.call(Apt::update(std::time::Duration::from_secs(3600))).await?;
/// let nginx = conn.call(Apt::present("nginx")).await?;
/// println!("nginx {:?}, changed: {}", nginx.version, nginx.changed);
/// let results = conn
///     .call(Apt::converge([
///         Package::new("curl"),
///         Package::new("tzdata").state(State::Latest),
///         Package::new("telnet").state(State::Absent),
///         Package::new("jq").version("1.6-2.1"),
///     ]))
///     .await?;
/// # let _ = results;
/// # Ok(()) }
/// ```
///
/// Every decision is taken on the package's state as `dpkg-query` reports
/// it right then (never on a snapshot taken earlier), and a package already
/// in the asked-for state runs no `apt-get` at all: a second identical call
/// reports `changed == false`. A package counts as installed when dpkg says
/// `installed` (or only has triggers pending).
///
/// The rules, by [`State`]:
///
/// - [`Present`](State::Present) without a version: installed at any
///   version is enough; otherwise `apt-get install name` (apt's candidate).
/// - `Present` with a [`version`](Package::version): exactly that version.
///   Any other installed version is replaced by `apt-get install
///   --allow-downgrades name=version`: a pin is what the caller asked for,
///   so an older pinned version is a downgrade, not an error.
/// - [`Latest`](State::Latest): installed and apt's candidate (from
///   `apt-cache policy`) is not newer (`dpkg --compare-versions`): nothing
///   to do; otherwise `apt-get install name`. A candidate pinned below the
///   installed version is not an upgrade, so nothing is downgraded.
/// - [`Absent`](State::Absent): `apt-get remove --purge name` when any of
///   the package's files are on disk. A package removed earlier without
///   purging (dpkg's `config-files`) already counts as absent.
///
/// A version combined with `Absent` or `Latest` is refused (`ValueError`),
/// as are names and versions that are not Debian's (`ValueError`, so
/// nothing that looks like an option ever reaches `apt-get`).
///
/// `apt-get` runs with the remote's own environment (proxy settings, locale
/// and `PATH` are kept) plus `DEBIAN_FRONTEND=noninteractive`,
/// `APT_LISTCHANGES_FRONTEND=none` and `UCF_FORCE_CONFFOLD=1`, with dpkg's
/// `--force-confdef --force-confold` (a locally changed configuration file
/// is kept), `-o DPkg::Lock::Timeout=60` (a concurrent apt run is waited
/// for) and the usual `sbin` and `bin` directories appended to `PATH` when
/// missing. Commands whose output is read (`dpkg-query`, `apt-cache`,
/// `apt-get update`) also get `LC_ALL=C`. Recommended packages follow the
/// remote's apt configuration.
///
/// Errors: a host without `apt-get`, `apt-cache`, `dpkg` or `dpkg-query`
/// fails with `NotImplementedError` ("not supported on this host"); a failed
/// command with a `RuntimeError` whose message holds apt's own output
/// (`E: Unable to locate package …`). Every command is logged on the remote
/// (logger `rmote.apt`, `running: …`), which reaches the controller as a
/// `tracing` event with target `rmote::remote::rmote.apt`.
#[derive(Debug, Clone, Copy)]
pub struct Apt;

impl Apt {
    /// Runs `apt-get update`; `true` when it ran.
    ///
    /// With a `ttl` it is skipped (`false`) when the previous successful
    /// update through this tool is younger than `ttl` and no file of apt's
    /// sources (`/etc/apt/sources.list`, `/etc/apt/sources.list.d/`) changed
    /// since; the time is kept in the stamp file
    /// `/var/lib/apt/lists/.rmote-update`. `None` (or a zero `ttl`) always
    /// runs. A source that cannot be fetched or whose signature does not
    /// verify fails the call with apt's message, also when apt itself would
    /// only warn and keep the old lists.
    pub fn update(ttl: impl Into<Option<Duration>>) -> Call<bool> {
        let call = Call::new(&APT, "update");
        match ttl.into() {
            Some(ttl) => call.arg(&ttl.as_secs_f64()),
            None => call,
        }
    }

    /// Brings one package to the state it carries (see [`Package`]).
    pub fn package(package: impl Into<Package>) -> Call<PackageResult> {
        Call::new(&APT, "package").arg(&package.into())
    }

    /// Makes sure the package is installed; `"name=version"` (or
    /// [`Package::version`]) asks for exactly that version.
    pub fn present(package: impl Into<Package>) -> Call<PackageResult> {
        Apt::package(package.into().state(State::Present))
    }

    /// Makes sure the package is not installed (purged when it was).
    pub fn absent(package: impl Into<Package>) -> Call<PackageResult> {
        Apt::package(package.into().state(State::Absent))
    }

    /// Makes sure the package is installed at apt's candidate version,
    /// upgrading it when a newer one is available.
    pub fn latest(package: impl Into<Package>) -> Call<PackageResult> {
        Apt::package(package.into().state(State::Latest))
    }

    /// Brings each package to its own state, in order; one result per
    /// package, in the same order. The first failure fails the call, and
    /// the packages before it keep their new state.
    pub fn converge<I, P>(packages: I) -> Call<Vec<PackageResult>>
    where
        I: IntoIterator<Item = P>,
        P: Into<Package>,
    {
        packages
            .into_iter()
            .fold(Call::new(&APT, "converge"), |call, p| call.arg(&p.into()))
    }
}

/// What a package should be: installed, installed at the newest version, or
/// not installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum State {
    /// Installed, at any version or at the one pinned.
    #[default]
    Present,
    /// Not installed.
    Absent,
    /// Installed at apt's candidate version.
    Latest,
}

impl State {
    /// The number the Python tool uses (`PRESENT = 0`, `ABSENT = 1`,
    /// `LATEST = 2`).
    pub fn number(self) -> u8 {
        match self {
            State::Present => 0,
            State::Absent => 1,
            State::Latest => 2,
        }
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

/// A package, with the state it should be in and optionally the exact
/// version wanted.
///
/// ```
/// use rmote_tools::{Package, State};
///
/// let pinned = Package::new("rmote-hello").version("1.0-1");
/// assert_eq!(pinned.to_string(), "rmote-hello=1.0-1");
/// assert_eq!(Package::from("rmote-hello=1.0-1"), pinned);
/// let gone = Package::new("telnet").state(State::Absent);
/// assert_eq!(gone.state, State::Absent);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Package {
    /// The package name, optionally with `:architecture`.
    pub name: String,
    /// The exact version wanted (only with [`State::Present`]).
    pub version: Option<String>,
    /// The state to bring it to (default [`State::Present`]).
    pub state: State,
}

impl Package {
    /// The package `name`, present at any version.
    pub fn new(name: impl Into<String>) -> Package {
        Package {
            name: name.into(),
            version: None,
            state: State::Present,
        }
    }

    /// Asks for exactly this version (as apt spells it, epoch included:
    /// `1:2.3-4`).
    pub fn version(mut self, version: impl Into<String>) -> Package {
        self.version = Some(version.into());
        self
    }

    /// The state to bring the package to.
    pub fn state(mut self, state: State) -> Package {
        self.state = state;
        self
    }
}

/// `"name"`, or `"name=version"` for a pinned version (split at the first
/// `=`), present.
impl From<&str> for Package {
    fn from(spec: &str) -> Package {
        match spec.split_once('=') {
            Some((name, version)) => Package::new(name).version(version),
            None => Package::new(spec),
        }
    }
}

impl From<String> for Package {
    fn from(spec: String) -> Package {
        Package::from(spec.as_str())
    }
}

impl From<&String> for Package {
    fn from(spec: &String) -> Package {
        Package::from(spec.as_str())
    }
}

impl From<&Package> for Package {
    fn from(package: &Package) -> Package {
        package.clone()
    }
}

/// `name=version`, or `name`, as `apt-get install` takes it.
impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{}={version}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What [`Apt`] did to one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageResult {
    /// The package name, as asked for.
    pub name: String,
    /// Whether anything was installed, upgraded, downgraded or removed.
    pub changed: bool,
    /// The version installed now; `None` when the package is not installed.
    pub version: Option<String>,
}

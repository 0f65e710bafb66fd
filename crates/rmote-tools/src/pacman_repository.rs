//! `PacmanRepository`: repository sections of `/etc/pacman.conf` and key
//! files in `/etc/pacman.d`.

use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize};

/// The `PacmanRepository` tool (`python/pacman_repository.py`), for calling
/// its methods directly.
pub static PACMAN_REPOSITORY: Tool = Tool::new(
    "PacmanRepository",
    include_str!("../python/pacman_repository.py"),
);

/// Adds, replaces and removes repository sections of `/etc/pacman.conf`,
/// and places key files in `/etc/pacman.d`. Needs root.
///
/// The file is edited, not regenerated. A section is its `[name]` header
/// and the lines up to its last directive before the next header: comments
/// and blank lines that follow it belong to what comes next and survive
/// both [`present`](PacmanRepository::present) and
/// [`absent`](PacmanRepository::absent). Sections are compared by their
/// directives (comments, spacing and where `SigLevel` stands do not count),
/// so a hand-written section that already says the same is left alone.
/// Writes are atomic and keep the file's mode and owner; each is logged on
/// the remote's `rmote.pacman_repository` logger (`writing …`).
///
/// Names become a section header or a file name: letters, digits and
/// `_.@+-`, not starting with `.`, no `..`; `options` and `local` are not
/// repositories, and `mirrorlist`, `gnupg` and `hooks` are pacman's own
/// files. Others fail with `ValueError`. A host without `/etc/pacman.conf`
/// fails with `NotImplementedError` ("… not supported on this host").
///
/// ```no_run
/// use rmote_session::Connection;
/// use rmote_tools::{Pacman, PacmanRepository};
///
/// # async fn demo(conn: &Connection) -> Result<(), rmote_session::Error> {
/// let repo = PacmanRepository::present("internal")
///     .server("https://pkgs.example.com/$repo/$arch")
///     .sig_level("Required DatabaseOptional");
/// if conn.call(repo).await?.changed {
///     conn.call(Pacman::update()).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PacmanRepository;

impl PacmanRepository {
    /// Makes `/etc/pacman.d/<name>` hold exactly `data` (root's, mode
    /// `0o644`, replaced atomically).
    ///
    /// This only places the file, as the Python reference does: pacman
    /// trusts a key once it is in its keyring (`pacman-key --add` and
    /// `--lsign-key`), which this call does not do.
    pub fn key(name: impl AsRef<str>, data: impl AsRef<[u8]>) -> Call<PacmanRepositoryResult> {
        Call::new(&PACMAN_REPOSITORY, "key")
            .arg(name.as_ref())
            .arg(serde_bytes::Bytes::new(data.as_ref()))
    }

    /// Makes `/etc/pacman.conf` have the section `[name]`; see
    /// [`RepositoryPresent`].
    pub fn present(name: impl AsRef<str>) -> RepositoryPresent {
        RepositoryPresent {
            name: name.as_ref().to_string(),
            servers: Vec::new(),
            sig_level: None,
        }
    }

    /// Removes the section `[name]` from `/etc/pacman.conf` (with the blank
    /// lines that set it apart, not the comments that follow it).
    pub fn absent(name: impl AsRef<str>) -> Call<PacmanRepositoryResult> {
        Call::new(&PACMAN_REPOSITORY, "absent").arg(name.as_ref())
    }
}

/// What a [`PacmanRepository`] call did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacmanRepositoryResult {
    /// The repository or key name.
    pub name: String,
    /// Whether a file changed.
    pub changed: bool,
}

/// Options of [`PacmanRepository::present`]; converts into a
/// `Call<PacmanRepositoryResult>`.
///
/// The section is
///
/// ```text
/// [name]
/// SigLevel = Optional TrustAll
/// Server = <each server, in order>
/// ```
///
/// A section `[name]` that differs is replaced where it stands; without one
/// the section is appended after a blank line. At least one
/// [`server`](RepositoryPresent::server) is needed (`ValueError` otherwise).
#[derive(Debug, Clone)]
#[must_use = "a RepositoryPresent does nothing until it is passed to Connection::call"]
pub struct RepositoryPresent {
    name: String,
    servers: Vec<String>,
    sig_level: Option<String>,
}

impl RepositoryPresent {
    /// Adds a server URL (`$repo` and `$arch` are pacman's to expand).
    pub fn server(mut self, url: impl AsRef<str>) -> RepositoryPresent {
        self.servers.push(url.as_ref().to_string());
        self
    }

    /// The `SigLevel` line (default `Optional TrustAll`; empty: no line, so
    /// the `[options]` level applies). Its words are checked, since one
    /// pacman does not know would break every pacman command.
    pub fn sig_level(mut self, level: impl AsRef<str>) -> RepositoryPresent {
        self.sig_level = Some(level.as_ref().to_string());
        self
    }
}

impl From<RepositoryPresent> for Call<PacmanRepositoryResult> {
    fn from(b: RepositoryPresent) -> Call<PacmanRepositoryResult> {
        let mut call = Call::new(&PACMAN_REPOSITORY, "present")
            .arg(&b.name)
            .kwarg("servers", &b.servers);
        if let Some(level) = &b.sig_level {
            call = call.kwarg("sig_level", level);
        }
        call
    }
}

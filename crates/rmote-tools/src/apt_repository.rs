//! `AptRepository`: apt's package sources and their signing keys.

use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize};

/// The `AptRepository` tool (`python/apt_repository.py`), for calling its
/// methods directly.
pub static APT_REPOSITORY: Tool =
    Tool::new("AptRepository", include_str!("../python/apt_repository.py"));

/// Adds and removes apt package sources (DEB822 `.sources` files under
/// `/etc/apt/sources.list.d/`) and the keys that sign them (under
/// `/etc/apt/keyrings/`). Needs root on the remote.
///
/// ```no_run
/// use rmote_session::Connection;
/// use rmote_tools::{Apt, AptRepository};
///
/// # async fn demo(conn: Connection, key: Vec<u8>) -> Result<(), rmote_session::Error> {
/// conn.call(AptRepository::key("local.asc", &key)).await?;
/// let added = conn
///     .call(
///         AptRepository::present("local")
///             .uri("file:///srv/repo")
///             .suite("stable")
///             .component("main")
///             .signed_by("/etc/apt/keyrings/local.asc"),
///     )
///     .await?;
/// if added.changed {
///     conn.call(Apt::update(None)).await?;
/// }
/// # Ok(()) }
/// ```
///
/// Every method compares before it writes: a file that already holds the
/// asked-for bytes (mode `0o644`, owned by root) is left alone and the
/// result says `changed == false`. Files are replaced atomically (a
/// temporary file in the same directory, renamed over the old one), so apt
/// never reads half a file. Each write or removal is logged on the remote
/// (logger `rmote.apt_repository`: `writing …`, `removing …`).
///
/// Names become file names and are checked (`ValueError` otherwise):
/// letters, digits, `_`, `-` and `.`, not starting with `.`, at most 200
/// characters. These are the characters apt accepts in a file name under
/// `sources.list.d` (it silently skips other files), and they keep a name
/// from leaving its directory.
///
/// A host without `/etc/apt` fails with `NotImplementedError` ("not
/// supported on this host").
#[derive(Debug, Clone, Copy)]
pub struct AptRepository;

impl AptRepository {
    /// Makes `/etc/apt/keyrings/<name>` hold the public key `data` (the
    /// directory is created when missing). apt tells keyrings apart by
    /// extension, so the name must fit the data: `.asc` for an
    /// ASCII-armored key (`gpg --export --armor`), `.gpg` or `.pgp` for a
    /// binary one; a mismatch is refused (`ValueError`) rather than left to
    /// fail later as `NO_PUBKEY`.
    pub fn key(name: impl AsRef<str>, data: impl AsRef<[u8]>) -> Call<RepositoryResult> {
        Call::new(&APT_REPOSITORY, "key")
            .arg(name.as_ref())
            .arg(serde_bytes::Bytes::new(data.as_ref()))
    }

    /// Makes `/etc/apt/sources.list.d/<name>.sources` describe a repository;
    /// see [`AptSource`] for its fields.
    pub fn present(name: impl AsRef<str>) -> AptSource {
        AptSource {
            name: name.as_ref().to_string(),
            types: vec!["deb".to_string()],
            uris: Vec::new(),
            suites: Vec::new(),
            components: Vec::new(),
            signed_by: None,
        }
    }

    /// Removes `/etc/apt/sources.list.d/<name>.sources` when it exists (its
    /// key stays).
    pub fn absent(name: impl AsRef<str>) -> Call<RepositoryResult> {
        Call::new(&APT_REPOSITORY, "absent").arg(name.as_ref())
    }
}

/// A DEB822 source for [`AptRepository::present`]; converts into a
/// `Call<RepositoryResult>`.
///
/// The file holds one stanza: `Types`, `URIs`, `Suites`, `Components` (when
/// there are any) and `Signed-By` (when given), items separated by spaces,
/// after a comment line saying rmote wrote it. At least one URI and one
/// suite are needed. A suite ending in `/` is a flat repository's path and
/// takes no components; any other suite needs at least one. Every item must
/// be one word (no spaces or line breaks) and `Signed-By` one line;
/// `ValueError` otherwise, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an AptSource does nothing until it is passed to Connection::call"]
pub struct AptSource {
    name: String,
    types: Vec<String>,
    uris: Vec<String>,
    suites: Vec<String>,
    components: Vec<String>,
    signed_by: Option<String>,
}

impl AptSource {
    /// The kinds of archive: `deb`, `deb-src` (default: `deb` only).
    pub fn types<I, S>(mut self, types: I) -> AptSource
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.types = types.into_iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Adds a URI (`https://deb.example.org/debian`, `file:///srv/repo`).
    pub fn uri(mut self, uri: impl AsRef<str>) -> AptSource {
        self.uris.push(uri.as_ref().to_string());
        self
    }

    /// Adds several URIs.
    pub fn uris<I, S>(self, uris: I) -> AptSource
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        uris.into_iter().fold(self, AptSource::uri)
    }

    /// Adds a suite (`bookworm`, `stable`, or `./` for a flat repository).
    pub fn suite(mut self, suite: impl AsRef<str>) -> AptSource {
        self.suites.push(suite.as_ref().to_string());
        self
    }

    /// Adds several suites.
    pub fn suites<I, S>(self, suites: I) -> AptSource
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        suites.into_iter().fold(self, AptSource::suite)
    }

    /// Adds a component (`main`).
    pub fn component(mut self, component: impl AsRef<str>) -> AptSource {
        self.components.push(component.as_ref().to_string());
        self
    }

    /// Adds several components.
    pub fn components<I, S>(self, components: I) -> AptSource
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        components.into_iter().fold(self, AptSource::component)
    }

    /// The keyring that signs the repository (`/etc/apt/keyrings/local.asc`,
    /// see [`AptRepository::key`]) or key fingerprints. Without it apt
    /// checks the signature against its global trusted keys.
    pub fn signed_by(mut self, keyring: impl AsRef<str>) -> AptSource {
        self.signed_by = Some(keyring.as_ref().to_string());
        self
    }
}

impl From<AptSource> for Call<RepositoryResult> {
    fn from(s: AptSource) -> Call<RepositoryResult> {
        let mut call = Call::new(&APT_REPOSITORY, "present")
            .arg(&s.name)
            .kwarg("types", &s.types)
            .kwarg("uris", &s.uris)
            .kwarg("suites", &s.suites)
            .kwarg("components", &s.components);
        if let Some(keyring) = &s.signed_by {
            call = call.kwarg("signed_by", keyring);
        }
        call
    }
}

/// What [`AptRepository`] did to one key or source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryResult {
    /// The name asked for.
    pub name: String,
    /// Whether a file was written, fixed or removed.
    pub changed: bool,
}

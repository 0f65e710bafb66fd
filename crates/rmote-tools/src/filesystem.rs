//! `FileSystem`: files, directories and symbolic links on the remote.

use bytes::Bytes;
use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize};

/// The `FileSystem` tool (`python/filesystem.py`), for calling its methods
/// directly.
pub static FILESYSTEM: Tool = Tool::new("FileSystem", include_str!("../python/filesystem.py"));

/// Reads, writes and inspects files, directories and symbolic links on the
/// remote.
///
/// Paths are the remote's, relative ones to its working directory. Errors
/// are the remote's `OSError`s: a missing file is `io_kind() ==
/// Some(NotFound)`, a directory where a file is expected `IsADirectory`, and
/// so on.
///
/// Methods that change something return whether they did and leave the
/// remote untouched when it is already as asked. Files are replaced
/// atomically: the new content is written to a temporary file in the same
/// directory, given its mode and owner, and renamed over the old one, so a
/// reader sees the old file or the new one, never a part. Writing to a
/// symbolic link replaces the file it points to, not the link. The rename
/// gives the file a new inode: hard links to the old one keep the old
/// content, and extended attributes and ACLs are not carried over.
#[derive(Debug, Clone, Copy)]
pub struct FileSystem;

impl FileSystem {
    /// The contents of a file, as a slice of the message it arrived in (no
    /// copy; `Bytes` derefs to `[u8]`, and `Vec::from` makes it a `Vec`).
    pub fn read_bytes(path: impl AsRef<str>) -> Call<Bytes> {
        Call::bytes(&FILESYSTEM, "read_bytes").arg(path.as_ref())
    }

    /// The contents of a file as UTF-8 text, whatever the remote's locale.
    /// Other content fails with a `UnicodeDecodeError` that names the file.
    pub fn read_str(path: impl AsRef<str>) -> Call<String> {
        Call::new(&FILESYSTEM, "read_str").arg(path.as_ref())
    }

    /// The paths under the directory `path` that match `pattern` (Python's
    /// `pathlib` patterns: `*.conf`, `**/*.py`, where `**` recurses), sorted.
    /// A missing directory has no matches.
    pub fn glob(path: impl AsRef<str>, pattern: impl AsRef<str>) -> Call<Vec<String>> {
        Call::new(&FILESYSTEM, "glob")
            .arg(path.as_ref())
            .arg(pattern.as_ref())
    }

    /// Makes sure the text file `path` contains the line `line`; the result
    /// is a unified diff of the change, empty when there was none. See
    /// [`LineInFile`] for the options and the rules.
    pub fn line_in_file(path: impl AsRef<str>, line: impl AsRef<str>) -> LineInFile {
        LineInFile {
            path: path.as_ref().to_string(),
            line: line.as_ref().to_string(),
            regexp: None,
            strip: true,
            create: false,
            all: false,
        }
    }

    /// Makes the file `path` hold exactly `content` (text or bytes); `true`
    /// when it changed. See [`Write`] for mode and ownership.
    pub fn write(path: impl AsRef<str>, content: impl AsRef<[u8]>) -> Write {
        let call = Call::new(&FILESYSTEM, "write")
            .arg(path.as_ref())
            .arg(serde_bytes::Bytes::new(content.as_ref()));
        Write {
            call,
            owner: Ownership::default(),
            mode: None,
        }
    }

    /// Makes `path` a directory, creating missing parents; `true` when
    /// anything was created or changed. See [`Directory`].
    pub fn directory(path: impl AsRef<str>) -> Directory {
        Directory {
            path: path.as_ref().to_string(),
            owner: Ownership::default(),
            mode: None,
        }
    }

    /// Makes `path` a symbolic link to `target` (stored as given, so a
    /// relative target is relative to the link's directory); `true` when it
    /// changed. A link that points elsewhere is replaced atomically; anything
    /// that is not a link fails with `FileExistsError` and is left alone.
    pub fn symlink(path: impl AsRef<str>, target: impl AsRef<str>) -> Call<bool> {
        Call::new(&FILESYSTEM, "symlink")
            .arg(path.as_ref())
            .arg(target.as_ref())
    }

    /// Makes sure nothing exists at `path`; `true` when something was
    /// removed. See [`Absent`].
    pub fn absent(path: impl AsRef<str>) -> Absent {
        Absent {
            path: path.as_ref().to_string(),
            recursive: false,
        }
    }

    /// What is at `path`, without following a symbolic link. A missing path
    /// is not an error: it gives `exists == false`.
    pub fn stat(path: impl AsRef<str>) -> Call<Stat> {
        Call::new(&FILESYSTEM, "stat").arg(path.as_ref())
    }
}

/// The result of [`FileSystem::stat`]: the `lstat` of a path.
///
/// For a missing path `exists` is false, the numbers are zero, the flags
/// false and `link_target` is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// The path as it was asked for.
    pub path: String,
    /// Whether anything is there (a dangling symbolic link counts).
    pub exists: bool,
    /// Size in bytes (of the link itself for a symbolic link).
    pub size: u64,
    /// Permission bits, setuid, setgid and sticky included (`0o4755`), without
    /// the file type.
    pub mode: u32,
    /// Owner's user id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Last modification, in seconds since the Unix epoch.
    pub mtime: f64,
    /// A regular file.
    pub is_file: bool,
    /// A directory.
    pub is_dir: bool,
    /// A symbolic link.
    pub is_symlink: bool,
    /// Where a symbolic link points, as stored in it.
    pub link_target: Option<String>,
}

/// A user or group, by name or by numeric id.
///
/// A name is looked up on the remote; one that does not exist fails the call
/// with a `LookupError`. A string of digits that names no account is taken as
/// an id, as `chown` does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum NameOrId {
    /// An account name (`root`, `www-data`).
    Name(String),
    /// A numeric id.
    Id(u32),
}

impl From<&str> for NameOrId {
    fn from(name: &str) -> NameOrId {
        NameOrId::Name(name.to_string())
    }
}

impl From<String> for NameOrId {
    fn from(name: String) -> NameOrId {
        NameOrId::Name(name)
    }
}

impl From<u32> for NameOrId {
    fn from(id: u32) -> NameOrId {
        NameOrId::Id(id)
    }
}

/// Options of [`FileSystem::line_in_file`]; converts into a `Call<String>`
/// (the diff).
///
/// The file is read as UTF-8 and split into lines at `\n`, `\r\n` and `\r`.
/// Then:
///
/// - with a [`regexp`](LineInFile::regexp), the first line it matches
///   (`re.search`), or every one with [`all`](LineInFile::all), is replaced
///   by `line`; when none matches, `line` is appended unless the file already
///   has it;
/// - without one, `line` is appended unless the file already has it.
///
/// "Has it" compares lines with surrounding whitespace stripped, unless
/// [`strip(false)`](LineInFile::strip). When the lines come out the same the
/// file is not touched and the diff is empty. Otherwise the file is rewritten
/// atomically with its mode and owner, lines joined by `\n` (a CRLF file comes
/// back with LF line ends), with a final line break only when it had one:
/// a file created for the line `hello` holds exactly `hello`.
///
/// A missing file fails with `FileNotFoundError` unless
/// [`create(true)`](LineInFile::create) (new files get mode `0o644`). A `line`
/// containing a line break fails with `ValueError`: it could never be found
/// again, so every call would append it once more.
#[derive(Debug, Clone)]
#[must_use = "a LineInFile does nothing until it is passed to Connection::call"]
pub struct LineInFile {
    path: String,
    line: String,
    regexp: Option<String>,
    strip: bool,
    create: bool,
    all: bool,
}

impl LineInFile {
    /// Replaces the line(s) this Python regular expression matches instead of
    /// only appending.
    pub fn regexp(mut self, pattern: impl AsRef<str>) -> LineInFile {
        self.regexp = Some(pattern.as_ref().to_string());
        self
    }

    /// Whether surrounding whitespace is ignored when looking for the line
    /// (default `true`).
    pub fn strip(mut self, strip: bool) -> LineInFile {
        self.strip = strip;
        self
    }

    /// Whether a missing file is created (default `false`).
    pub fn create(mut self, create: bool) -> LineInFile {
        self.create = create;
        self
    }

    /// Replaces every line the regexp matches, not only the first.
    pub fn all(mut self) -> LineInFile {
        self.all = true;
        self
    }
}

impl From<LineInFile> for Call<String> {
    fn from(b: LineInFile) -> Call<String> {
        let mut call = Call::new(&FILESYSTEM, "line_in_file")
            .arg(&b.path)
            .kwarg("line", &b.line);
        if let Some(regexp) = &b.regexp {
            call = call.kwarg("regexp", regexp);
        }
        if !b.strip {
            call = call.kwarg("strip", &false);
        }
        if b.create {
            call = call.kwarg("create", &true);
        }
        if b.all {
            call = call.kwarg("match", &1);
        }
        call
    }
}

/// Options of [`FileSystem::write`]; converts into a `Call<bool>`.
///
/// A new file gets mode `0o644` unless [`mode`](Write::mode) says otherwise,
/// and the remote process's user and group unless given. An existing file
/// keeps its mode, owner and group except where they are given. Content,
/// mode and ownership are each compared first: when they already match
/// nothing is written (the file keeps its inode and mtime) and the result is
/// `false`; when only mode or ownership differ they are changed in place.
/// The parent directory must exist.
#[must_use = "a Write does nothing until it is passed to Connection::call"]
pub struct Write {
    call: Call<bool>,
    owner: Ownership,
    mode: Option<u32>,
}

impl Write {
    /// The permission bits (`0o600`; setuid and friends allowed).
    pub fn mode(mut self, mode: u32) -> Write {
        self.mode = Some(mode);
        self
    }

    /// The owner, by name or uid.
    pub fn owner(mut self, owner: impl Into<NameOrId>) -> Write {
        self.owner.user = Some(owner.into());
        self
    }

    /// The group, by name or gid.
    pub fn group(mut self, group: impl Into<NameOrId>) -> Write {
        self.owner.group = Some(group.into());
        self
    }
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("mode", &self.mode)
            .field("owner", &self.owner.user)
            .field("group", &self.owner.group)
            .finish_non_exhaustive()
    }
}

impl From<Write> for Call<bool> {
    fn from(b: Write) -> Call<bool> {
        b.owner.apply(with_mode(b.call, b.mode))
    }
}

/// Options of [`FileSystem::directory`]; converts into a `Call<bool>`.
///
/// Every directory the call creates gets the [`mode`](Directory::mode)
/// (default `0o755`, whatever the remote's umask) and the owner and group
/// when given. An existing directory (or a symbolic link to one) has its
/// mode, owner and group corrected where they are given and differ. A path
/// that exists and is not a directory fails with `FileExistsError`.
#[derive(Debug, Clone)]
#[must_use = "a Directory does nothing until it is passed to Connection::call"]
pub struct Directory {
    path: String,
    owner: Ownership,
    mode: Option<u32>,
}

impl Directory {
    /// The permission bits (`0o750`).
    pub fn mode(mut self, mode: u32) -> Directory {
        self.mode = Some(mode);
        self
    }

    /// The owner, by name or uid.
    pub fn owner(mut self, owner: impl Into<NameOrId>) -> Directory {
        self.owner.user = Some(owner.into());
        self
    }

    /// The group, by name or gid.
    pub fn group(mut self, group: impl Into<NameOrId>) -> Directory {
        self.owner.group = Some(group.into());
        self
    }
}

impl From<Directory> for Call<bool> {
    fn from(b: Directory) -> Call<bool> {
        let call = Call::new(&FILESYSTEM, "directory").arg(&b.path);
        b.owner.apply(with_mode(call, b.mode))
    }
}

/// Options of [`FileSystem::absent`]; converts into a `Call<bool>`.
///
/// Removes a file, a symbolic link (never what it points to) or an empty
/// directory. A directory with contents fails with `OSError` `ENOTEMPTY`
/// (`io_kind() == Some(DirectoryNotEmpty)`) unless
/// [`recursive`](Absent::recursive).
#[derive(Debug, Clone)]
#[must_use = "an Absent does nothing until it is passed to Connection::call"]
pub struct Absent {
    path: String,
    recursive: bool,
}

impl Absent {
    /// Removes a directory with everything in it.
    pub fn recursive(mut self) -> Absent {
        self.recursive = true;
        self
    }
}

impl From<Absent> for Call<bool> {
    fn from(b: Absent) -> Call<bool> {
        let call = Call::new(&FILESYSTEM, "absent").arg(&b.path);
        if b.recursive {
            call.kwarg("recursive", &true)
        } else {
            call
        }
    }
}

/// The owner and group options shared by [`Write`] and [`Directory`].
#[derive(Debug, Clone, Default)]
struct Ownership {
    user: Option<NameOrId>,
    group: Option<NameOrId>,
}

impl Ownership {
    fn apply(&self, mut call: Call<bool>) -> Call<bool> {
        if let Some(user) = &self.user {
            call = call.kwarg("owner", user);
        }
        if let Some(group) = &self.group {
            call = call.kwarg("group", group);
        }
        call
    }
}

fn with_mode(call: Call<bool>, mode: Option<u32>) -> Call<bool> {
    match mode {
        Some(mode) => call.kwarg("mode", &mode),
        None => call,
    }
}

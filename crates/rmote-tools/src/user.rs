//! `User`: local users and groups, their SSH keys and sudo rules.

use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize};

use crate::NameOrId;

/// The `User` tool (`python/user.py`), for calling its methods directly.
pub static USER: Tool = Tool::new("User", include_str!("../python/user.py"));

/// Manages local users and groups with the shadow utilities (`useradd`,
/// `usermod`, `userdel`, `groupadd`, `groupmod`, `groupdel`), and their
/// `authorized_keys` and sudo drop-ins. Linux; the calls need root.
///
/// Every method that changes something looks first and returns whether it
/// changed anything: a second identical call runs no command and writes no
/// file. Each command and each file written is logged on the remote's
/// `rmote.user` logger (INFO, `running: usermod …`, `writing …`), which the
/// controller sees as `tracing` events with target `rmote::remote::rmote.user`.
///
/// A host without the program a method needs fails the call with
/// `NotImplementedError` ("… is not installed, so this is not supported on
/// this host"); a failing command with `RuntimeError` carrying its exit
/// status and output; a group or user that does not exist where one is
/// required with `LookupError`; an invalid name or value with `ValueError`.
///
/// ```no_run
/// use rmote_session::Connection;
/// use rmote_tools::User;
///
/// # async fn demo(conn: &Connection) -> Result<(), rmote_session::Error> {
/// conn.call(User::group_present("deploy").gid(1500)).await?;
/// let deploy = conn
///     .call(User::present("deploy").uid(1500).gid(1500).groups(["adm"]).shell("/bin/sh"))
///     .await?;
/// assert_eq!(deploy.home, "/home/deploy");
/// conn.call(User::authorized_key("deploy", "ssh-ed25519 AAAA… ci")).await?;
/// conn.call(User::sudoer("deploy")).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct User;

impl User {
    /// Makes sure the user `name` exists with the given attributes; see
    /// [`UserPresent`].
    pub fn present(name: impl AsRef<str>) -> UserPresent {
        UserPresent {
            name: name.as_ref().to_string(),
            uid: None,
            gid: None,
            comment: None,
            home: None,
            shell: None,
            groups: None,
            append_groups: true,
            system: false,
            create_home: true,
        }
    }

    /// Makes sure no user `name` exists (`userdel`); `true` when one was
    /// removed. See [`UserAbsent`].
    pub fn absent(name: impl AsRef<str>) -> UserAbsent {
        UserAbsent {
            name: name.as_ref().to_string(),
            remove_home: false,
        }
    }

    /// The user `name` as it is now (`changed` is `false`), or `None` when
    /// there is no such user. Changes nothing.
    pub fn lookup(name: impl AsRef<str>) -> Call<Option<UserInfo>> {
        Call::new(&USER, "lookup").arg(name.as_ref())
    }

    /// Makes sure the group `name` exists; see [`GroupPresent`].
    pub fn group_present(name: impl AsRef<str>) -> GroupPresent {
        GroupPresent {
            name: name.as_ref().to_string(),
            gid: None,
            system: false,
        }
    }

    /// Makes sure no group `name` exists (`groupdel`, which refuses to remove
    /// a user's primary group); `true` when one was removed.
    pub fn group_absent(name: impl AsRef<str>) -> Call<bool> {
        Call::new(&USER, "group_absent").arg(name.as_ref())
    }

    /// The group `name` as it is now (`changed` is `false`), or `None` when
    /// there is no such group. Changes nothing.
    pub fn lookup_group(name: impl AsRef<str>) -> Call<Option<GroupInfo>> {
        Call::new(&USER, "lookup_group").arg(name.as_ref())
    }

    /// Makes sure the public key `key` (one line, surrounding whitespace
    /// ignored) is in the user's `~/.ssh/authorized_keys`; see
    /// [`AuthorizedKey`].
    pub fn authorized_key(name: impl AsRef<str>, key: impl AsRef<str>) -> AuthorizedKey {
        AuthorizedKey {
            name: name.as_ref().to_string(),
            key: key.as_ref().to_string(),
            exclusive: false,
        }
    }

    /// Makes sure `/etc/sudoers.d/<name>` lets the user `name` run anything
    /// as anyone; see [`Sudoer`].
    pub fn sudoer(name: impl AsRef<str>) -> Sudoer {
        Sudoer {
            name: name.as_ref().to_string(),
            nopasswd: true,
            absent: false,
        }
    }
}

/// A user as `/etc/passwd` and `/etc/group` describe it: the result of
/// [`User::present`] and [`User::lookup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The login name.
    pub name: String,
    /// The user id.
    pub uid: u32,
    /// The primary group's id.
    pub gid: u32,
    /// The GECOS field (usually the full name).
    pub comment: String,
    /// The home directory.
    pub home: String,
    /// The login shell.
    pub shell: String,
    /// The supplementary groups (those that list the user as a member),
    /// sorted.
    pub groups: Vec<String>,
    /// Whether the call created or modified the user.
    pub changed: bool,
}

/// A group: the result of [`User::group_present`] and [`User::lookup_group`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// The group name.
    pub name: String,
    /// The group id.
    pub gid: u32,
    /// The users `/etc/group` lists as members, sorted (users whose primary
    /// group this is are not listed there).
    pub members: Vec<String>,
    /// Whether the call created or modified the group.
    pub changed: bool,
}

/// Options of [`User::present`]; converts into a `Call<UserInfo>`.
///
/// A missing user is created with `useradd` and every option given (a home
/// directory is created unless [`create_home(false)`](UserPresent::create_home)
/// or [`system`](UserPresent::system)). When no primary group is given and a
/// group named like the user exists, that group becomes the primary one
/// (`useradd` would refuse to create it again).
///
/// An existing user is compared attribute by attribute, and `usermod` runs
/// only with the attributes that differ: uid (`--uid`; `usermod` also
/// re-owns the files in the home directory), primary group (`--gid`),
/// comment, home (`--home --move-home`), shell, and supplementary groups
/// (with [`append_groups`](UserPresent::append_groups), the default, the
/// missing ones are added and others kept; without, the user ends up in
/// exactly those groups). So a uid or gid that differs is corrected, not
/// ignored; `usermod` refuses while the user has running processes, and the
/// call then fails with its message. `system` and `create_home` apply only
/// when the user is created.
///
/// Unset options leave the attribute alone, except the shell, which
/// defaults to `/bin/bash` as in the Python reference; an empty comment or
/// shell also means "leave it alone".
#[derive(Debug, Clone)]
#[must_use = "a UserPresent does nothing until it is passed to Connection::call"]
pub struct UserPresent {
    name: String,
    uid: Option<u32>,
    gid: Option<NameOrId>,
    comment: Option<String>,
    home: Option<String>,
    shell: Option<String>,
    groups: Option<Vec<String>>,
    append_groups: bool,
    system: bool,
    create_home: bool,
}

impl UserPresent {
    /// The user id.
    pub fn uid(mut self, uid: u32) -> UserPresent {
        self.uid = Some(uid);
        self
    }

    /// The primary group, by gid or by name; it must exist (a `LookupError`
    /// otherwise).
    pub fn gid(mut self, group: impl Into<NameOrId>) -> UserPresent {
        self.gid = Some(group.into());
        self
    }

    /// The GECOS comment (usually the full name); no `:` or line break.
    pub fn comment(mut self, comment: impl AsRef<str>) -> UserPresent {
        self.comment = Some(comment.as_ref().to_string());
        self
    }

    /// The home directory (absolute). A user whose home differs has it
    /// moved there.
    pub fn home(mut self, home: impl AsRef<str>) -> UserPresent {
        self.home = Some(home.as_ref().to_string());
        self
    }

    /// The login shell (default `/bin/bash`).
    pub fn shell(mut self, shell: impl AsRef<str>) -> UserPresent {
        self.shell = Some(shell.as_ref().to_string());
        self
    }

    /// Supplementary groups; each must exist (a `LookupError` otherwise).
    pub fn groups<I, S>(mut self, groups: I) -> UserPresent
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.groups = Some(groups.into_iter().map(|g| g.as_ref().to_string()).collect());
        self
    }

    /// Whether [`groups`](UserPresent::groups) are added to the user's
    /// others (`true`, the default) or replace them (`false`: an empty list
    /// then removes the user from every supplementary group).
    pub fn append_groups(mut self, append: bool) -> UserPresent {
        self.append_groups = append;
        self
    }

    /// Creates a system account (`useradd --system`: an id below
    /// `UID_MIN`, no home directory). Only used when creating.
    pub fn system(mut self, system: bool) -> UserPresent {
        self.system = system;
        self
    }

    /// Whether `useradd` creates the home directory (default `true`; never
    /// for a system account). Only used when creating.
    pub fn create_home(mut self, create: bool) -> UserPresent {
        self.create_home = create;
        self
    }
}

impl From<UserPresent> for Call<UserInfo> {
    fn from(b: UserPresent) -> Call<UserInfo> {
        let mut call = Call::new(&USER, "present").arg(&b.name);
        if let Some(uid) = b.uid {
            call = call.kwarg("uid", &uid);
        }
        if let Some(gid) = &b.gid {
            call = call.kwarg("gid", gid);
        }
        if let Some(comment) = &b.comment {
            call = call.kwarg("comment", comment);
        }
        if let Some(home) = &b.home {
            call = call.kwarg("home", home);
        }
        if let Some(shell) = &b.shell {
            call = call.kwarg("shell", shell);
        }
        if let Some(groups) = &b.groups {
            call = call.kwarg("groups", groups);
        }
        if !b.append_groups {
            call = call.kwarg("append_groups", &false);
        }
        if b.system {
            call = call.kwarg("system", &true);
        }
        if !b.create_home {
            call = call.kwarg("create_home", &false);
        }
        call
    }
}

/// Options of [`User::absent`]; converts into a `Call<bool>`.
#[derive(Debug, Clone)]
#[must_use = "a UserAbsent does nothing until it is passed to Connection::call"]
pub struct UserAbsent {
    name: String,
    remove_home: bool,
}

impl UserAbsent {
    /// Also removes the home directory and mail spool (`userdel --remove`).
    pub fn remove_home(mut self) -> UserAbsent {
        self.remove_home = true;
        self
    }
}

impl From<UserAbsent> for Call<bool> {
    fn from(b: UserAbsent) -> Call<bool> {
        let call = Call::new(&USER, "absent").arg(&b.name);
        if b.remove_home {
            call.kwarg("remove_home", &true)
        } else {
            call
        }
    }
}

/// Options of [`User::group_present`]; converts into a `Call<GroupInfo>`.
///
/// A missing group is created with `groupadd`. An existing group whose gid
/// differs from [`gid`](GroupPresent::gid) gets it with `groupmod --gid`
/// (files owned by the old gid keep it); otherwise nothing changes.
#[derive(Debug, Clone)]
#[must_use = "a GroupPresent does nothing until it is passed to Connection::call"]
pub struct GroupPresent {
    name: String,
    gid: Option<u32>,
    system: bool,
}

impl GroupPresent {
    /// The group id.
    pub fn gid(mut self, gid: u32) -> GroupPresent {
        self.gid = Some(gid);
        self
    }

    /// Creates a system group (`groupadd --system`). Only used when
    /// creating.
    pub fn system(mut self, system: bool) -> GroupPresent {
        self.system = system;
        self
    }
}

impl From<GroupPresent> for Call<GroupInfo> {
    fn from(b: GroupPresent) -> Call<GroupInfo> {
        let mut call = Call::new(&USER, "group_present").arg(&b.name);
        if let Some(gid) = b.gid {
            call = call.kwarg("gid", &gid);
        }
        if b.system {
            call = call.kwarg("system", &true);
        }
        call
    }
}

/// Options of [`User::authorized_key`]; converts into a `Call<bool>`
/// (whether anything changed).
///
/// `~/.ssh` is created if missing; it and `authorized_keys` end up owned by
/// the user (and their primary group) with modes `0o700` and `0o600`. Without
/// [`exclusive`](AuthorizedKey::exclusive) the key is appended unless a line
/// of the file already equals it (surrounding whitespace ignored), a line
/// break being added first when the file's last line lacks one; with it the
/// file holds exactly the key. The file is replaced atomically. A key with a
/// line break inside fails with `ValueError`, a missing user with
/// `LookupError`, a missing home directory with `FileNotFoundError`; a
/// `~/.ssh` or `authorized_keys` that is a symbolic link is refused (the
/// user could point it at any file, and the call runs as root).
#[derive(Debug, Clone)]
#[must_use = "an AuthorizedKey does nothing until it is passed to Connection::call"]
pub struct AuthorizedKey {
    name: String,
    key: String,
    exclusive: bool,
}

impl AuthorizedKey {
    /// Makes the key the only one in the file.
    pub fn exclusive(mut self) -> AuthorizedKey {
        self.exclusive = true;
        self
    }
}

impl From<AuthorizedKey> for Call<bool> {
    fn from(b: AuthorizedKey) -> Call<bool> {
        let call = Call::new(&USER, "authorized_key").arg(&b.name).arg(&b.key);
        if b.exclusive {
            call.kwarg("exclusive", &true)
        } else {
            call
        }
    }
}

/// Options of [`User::sudoer`]; converts into a `Call<bool>` (whether
/// anything changed).
///
/// The drop-in `/etc/sudoers.d/<name>` holds the one rule
/// `<name> ALL=(ALL) NOPASSWD: ALL` (or `<name> ALL=(ALL) ALL` with
/// [`nopasswd(false)`](Sudoer::nopasswd)), owned by root with mode `0o440`,
/// in `/etc/sudoers.d` (created root's, mode `0o750`, if missing). A new or
/// different rule is written to a temporary file in that directory (whose
/// name sudo ignores), checked with `visudo -c -f`, and renamed into place
/// only when visudo accepts it: a rule visudo rejects fails the call with
/// `RuntimeError` and visudo's message, and nothing is installed. Without
/// visudo the call fails with `NotImplementedError`.
///
/// The name is the user's and the file's: it must be letters, digits, `_`
/// and `-` (sudo silently skips drop-ins whose name has a `.` or ends in
/// `~`, and `/` would leave the directory), and not an upper-case word,
/// which sudo reads as an alias (`ALL` would mean every user). Other names
/// fail with `ValueError`. The user need not exist.
#[derive(Debug, Clone)]
#[must_use = "a Sudoer does nothing until it is passed to Connection::call"]
pub struct Sudoer {
    name: String,
    nopasswd: bool,
    absent: bool,
}

impl Sudoer {
    /// Whether sudo asks no password (default `true`).
    pub fn nopasswd(mut self, nopasswd: bool) -> Sudoer {
        self.nopasswd = nopasswd;
        self
    }

    /// Removes the drop-in instead; `true` when there was one.
    pub fn absent(mut self) -> Sudoer {
        self.absent = true;
        self
    }
}

impl From<Sudoer> for Call<bool> {
    fn from(b: Sudoer) -> Call<bool> {
        let mut call = Call::new(&USER, "sudoer").arg(&b.name);
        if !b.nopasswd {
            call = call.kwarg("nopasswd", &false);
        }
        if b.absent {
            call = call.kwarg("absent", &true);
        }
        call
    }
}

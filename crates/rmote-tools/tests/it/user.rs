//! User: users, groups, SSH keys and sudo rules, for real, with this
//! machine's shadow utilities and visudo inside a throwaway overlay of it
//! (`Root::host()`), checked through the root's `/etc/passwd`, `/etc/group`
//! and `/etc/shadow` and through the tool.
//!
//! Every test has its own root and its own names: the names are also the
//! tags that pick a test's log lines out of those of tests running at the
//! same time.

use std::os::unix::fs::MetadataExt;

use rmote_session::Connection;
use rmote_tools::{FileSystem, User, UserInfo};

use crate::common::remote_type;
use crate::roots::Root;
use crate::tool_log::{connect, logged, twice};

/// Whether a `rmote.user` log line changed the system: a shadow utility
/// run, or a file or directory written, removed or re-owned.
fn mutating(line: &str) -> bool {
    const PROGRAMS: [&str; 6] = [
        "useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel",
    ];
    if let Some(argv) = line.strip_prefix("running: ") {
        let program = argv.split(' ').next().unwrap_or_default();
        return PROGRAMS.iter().any(|p| program.ends_with(&format!("/{p}")));
    }
    ["writing ", "removing ", "creating ", "changing "]
        .iter()
        .any(|p| line.starts_with(p))
}

/// The line of `name` in one of the root's colon-separated account files.
fn entry(root: &Root, file: &str, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(root.file(file)).expect("the account file");
    text.lines()
        .find(|l| l.split(':').next() == Some(name))
        .map(str::to_string)
}

#[track_caller]
fn passwd(root: &Root, name: &str) -> String {
    entry(root, "/etc/passwd", name).unwrap_or_else(|| panic!("{name} is not in /etc/passwd"))
}

/// The members `/etc/group` lists for `group`.
fn members(root: &Root, group: &str) -> Vec<String> {
    let line = entry(root, "/etc/group", group).expect("the group exists");
    let list = line.rsplit(':').next().unwrap_or_default();
    list.split(',')
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect()
}

async fn exists(conn: &Connection, path: &str) -> bool {
    conn.call(FileSystem::stat(path)).await.unwrap().exists
}

async fn lookup(conn: &Connection, name: &str) -> UserInfo {
    conn.call(User::lookup(name))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the tool does not find {name}"))
}

#[tokio::test]
async fn a_user_is_created_with_every_option_and_a_second_run_changes_nothing() {
    let root = Root::host();
    let conn = connect(&root).await;

    let (group, lines) = twice(
        &conn,
        "user",
        "rmtfull-grp",
        || User::group_present("rmtfull-grp").gid(4711),
        mutating,
    )
    .await;
    assert_eq!((group.name.as_str(), group.gid), ("rmtfull-grp", 4711));
    assert!(
        lines[0].ends_with("groupadd --gid 4711 rmtfull-grp"),
        "{lines:?}"
    );
    assert_eq!(
        entry(&root, "/etc/group", "rmtfull-grp").unwrap(),
        "rmtfull-grp:x:4711:"
    );
    twice(
        &conn,
        "user",
        "rmtfull-sys",
        || User::group_present("rmtfull-sys").system(true),
        mutating,
    )
    .await;
    let sys = conn
        .call(User::lookup_group("rmtfull-sys"))
        .await
        .unwrap()
        .unwrap();
    assert!(sys.gid < 1000, "a system group: {sys:?}");

    // Every option at once; comment and groups are where the reference ran
    // usermod on every call.
    let full = User::present("rmtfull")
        .uid(4712)
        .gid(4711)
        .comment("Full Options,Room 1")
        .home("/srv/rmtfull")
        .shell("/bin/sh")
        .groups(["adm", "rmtfull-sys"])
        .create_home(true);
    let (user, lines) = twice(&conn, "user", "rmtfull", || full.clone(), mutating).await;
    assert_eq!(
        lines,
        [
            "running: /usr/sbin/useradd --uid 4712 --gid 4711 --comment Full Options,Room 1 \
          --home-dir /srv/rmtfull --shell /bin/sh --groups adm,rmtfull-sys --create-home rmtfull"
        ]
    );
    let expected = UserInfo {
        name: "rmtfull".into(),
        uid: 4712,
        gid: 4711,
        comment: "Full Options,Room 1".into(),
        home: "/srv/rmtfull".into(),
        shell: "/bin/sh".into(),
        groups: vec!["adm".into(), "rmtfull-sys".into()],
        changed: true,
    };
    assert_eq!(user, expected);
    assert_eq!(
        lookup(&conn, "rmtfull").await,
        UserInfo {
            changed: false,
            ..expected
        }
    );

    // What the shadow utilities wrote, read from the root's files.
    assert_eq!(
        passwd(&root, "rmtfull"),
        "rmtfull:x:4712:4711:Full Options,Room 1:/srv/rmtfull:/bin/sh"
    );
    assert!(members(&root, "adm").contains(&"rmtfull".to_string()));
    assert_eq!(members(&root, "rmtfull-sys"), ["rmtfull"]);
    let shadow = entry(&root, "/etc/shadow", "rmtfull").expect("a shadow entry");
    assert!(
        shadow.starts_with("rmtfull:!"),
        "a locked password: {shadow}"
    );
    let home = std::fs::metadata(root.file("/srv/rmtfull")).expect("the home directory");
    assert!(home.is_dir());
    assert_eq!((home.uid(), home.gid()), (4712, 4711));

    // A system account: a low uid and no home directory.
    let (sys_user, _) = twice(
        &conn,
        "user",
        "rmtfull-daemon",
        || {
            User::present("rmtfull-daemon")
                .system(true)
                .shell("/usr/sbin/nologin")
        },
        mutating,
    )
    .await;
    assert!(sys_user.uid < 1000, "{sys_user:?}");
    assert!(!exists(&conn, &sys_user.home).await);

    // No home when asked for none; the shell defaults to /bin/bash.
    let (plain, _) = twice(
        &conn,
        "user",
        "rmtfull-nohome",
        || User::present("rmtfull-nohome").create_home(false),
        mutating,
    )
    .await;
    assert_eq!(plain.shell, "/bin/bash");
    assert_eq!(plain.home, "/home/rmtfull-nohome");
    assert!(!exists(&conn, "/home/rmtfull-nohome").await);
}

#[tokio::test]
async fn each_attribute_of_an_existing_user_is_corrected_and_only_when_it_differs() {
    let root = Root::host();
    let conn = connect(&root).await;
    for group in ["rmtmod-a", "rmtmod-b", "rmtmod-prim"] {
        conn.call(User::group_present(group)).await.unwrap();
    }
    let created = conn.call(User::present("rmtmod")).await.unwrap();
    assert!(created.changed);
    assert_eq!(created.home, "/home/rmtmod");
    assert_eq!(created.shell, "/bin/bash");
    assert!(created.groups.is_empty());
    conn.call(FileSystem::write("/home/rmtmod/notes", "kept\n"))
        .await
        .unwrap();

    // Each attribute on its own: usermod runs with that option only, then
    // the same call again runs nothing.
    let prim_gid = conn
        .call(User::lookup_group("rmtmod-prim"))
        .await
        .unwrap()
        .unwrap()
        .gid;
    let cases: Vec<(rmote_tools::UserPresent, &str)> = vec![
        (User::present("rmtmod").uid(4801), "--uid 4801 rmtmod"),
        (User::present("rmtmod").gid("rmtmod-prim"), "--gid "),
        (
            User::present("rmtmod").comment("Mod User"),
            "--comment Mod User rmtmod",
        ),
        (
            User::present("rmtmod").home("/srv/rmtmod"),
            "--home /srv/rmtmod --move-home rmtmod",
        ),
        (
            User::present("rmtmod").groups(["rmtmod-a", "rmtmod-b"]),
            "--append --groups rmtmod-a,rmtmod-b rmtmod",
        ),
        // Last: the calls above leave the shell to its default, /bin/bash.
        (
            User::present("rmtmod").shell("/bin/sh"),
            "--shell /bin/sh rmtmod",
        ),
    ];
    for (call, option) in cases {
        let (user, lines) = twice(&conn, "user", "rmtmod", || call.clone(), mutating).await;
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("running: /usr/sbin/usermod "),
            "{lines:?}"
        );
        assert!(lines[0].contains(option), "{option:?} not in {lines:?}");
        assert!(user.changed);
    }
    let user = lookup(&conn, "rmtmod").await;
    assert_eq!(
        (
            user.uid,
            user.gid,
            user.comment.as_str(),
            user.shell.as_str()
        ),
        (4801, prim_gid, "Mod User", "/bin/sh")
    );
    assert_eq!(
        passwd(&root, "rmtmod"),
        format!("rmtmod:x:4801:{prim_gid}:Mod User:/srv/rmtmod:/bin/sh")
    );
    // The home moved with its content, owned by the new uid.
    assert_eq!(
        conn.call(FileSystem::read_str("/srv/rmtmod/notes"))
            .await
            .unwrap(),
        "kept\n"
    );
    assert!(!exists(&conn, "/home/rmtmod").await);
    assert_eq!(
        conn.call(FileSystem::stat("/srv/rmtmod"))
            .await
            .unwrap()
            .uid,
        4801
    );

    // Appending: a subset of the current groups changes nothing.
    let (subset, lines) = logged(
        "user",
        "rmtmod",
        conn.call(
            User::present("rmtmod")
                .groups(["rmtmod-b"])
                .shell("/bin/sh"),
        ),
    )
    .await;
    assert!(!subset.unwrap().changed);
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(members(&root, "rmtmod-a"), ["rmtmod"]);

    // Replacing: exactly these groups, then none at all.
    let (only_b, _) = twice(
        &conn,
        "user",
        "rmtmod",
        || {
            User::present("rmtmod")
                .groups(["rmtmod-b"])
                .append_groups(false)
                .shell("/bin/sh")
        },
        mutating,
    )
    .await;
    assert_eq!(only_b.groups, ["rmtmod-b"]);
    assert!(members(&root, "rmtmod-a").is_empty());
    let (none, lines) = twice(
        &conn,
        "user",
        "rmtmod",
        || {
            User::present("rmtmod")
                .groups(Vec::<String>::new())
                .append_groups(false)
                .shell("/bin/sh")
        },
        mutating,
    )
    .await;
    assert!(none.groups.is_empty(), "{none:?}");
    assert!(lines[0].ends_with("usermod --groups  rmtmod"), "{lines:?}");
    assert!(members(&root, "rmtmod-b").is_empty());

    // Without a shell option the reference's default, /bin/bash, applies.
    let (bash, _) = twice(
        &conn,
        "user",
        "rmtmod",
        || User::present("rmtmod"),
        mutating,
    )
    .await;
    assert_eq!(bash.shell, "/bin/bash");
}

#[tokio::test]
async fn users_and_groups_are_removed_and_group_ids_corrected() {
    let root = Root::host();
    let conn = connect(&root).await;

    conn.call(User::present("rmtdel")).await.unwrap();
    conn.call(FileSystem::write("/home/rmtdel/file", "x"))
        .await
        .unwrap();
    let (_, lines) = twice(&conn, "user", "rmtdel", || User::absent("rmtdel"), mutating).await;
    assert!(lines[0].ends_with("/userdel rmtdel"), "{lines:?}");
    assert!(entry(&root, "/etc/passwd", "rmtdel").is_none());
    assert!(entry(&root, "/etc/shadow", "rmtdel").is_none());
    assert!(exists(&conn, "/home/rmtdel/file").await, "the home is kept");
    assert!(conn.call(User::lookup("rmtdel")).await.unwrap().is_none());

    conn.call(User::present("rmtdelh")).await.unwrap();
    let (_, lines) = twice(
        &conn,
        "user",
        "rmtdelh",
        || User::absent("rmtdelh").remove_home(),
        mutating,
    )
    .await;
    assert!(lines[0].ends_with("/userdel --remove rmtdelh"), "{lines:?}");
    assert!(!exists(&conn, "/home/rmtdelh").await);

    // A gid that differs is corrected with groupmod.
    conn.call(User::group_present("rmtgrp").gid(4901))
        .await
        .unwrap();
    let (group, lines) = twice(
        &conn,
        "user",
        "rmtgrp",
        || User::group_present("rmtgrp").gid(4902),
        mutating,
    )
    .await;
    assert_eq!(group.gid, 4902);
    assert!(
        lines[0].ends_with("/groupmod --gid 4902 rmtgrp"),
        "{lines:?}"
    );
    assert_eq!(
        entry(&root, "/etc/group", "rmtgrp").unwrap(),
        "rmtgrp:x:4902:"
    );
    // Without a gid an existing group is left as it is.
    let same = conn.call(User::group_present("rmtgrp")).await.unwrap();
    assert!(!same.changed);

    // A user's primary group cannot go; groupdel says why.
    conn.call(User::present("rmtgrpuser").gid("rmtgrp"))
        .await
        .unwrap();
    let err = conn.call(User::group_absent("rmtgrp")).await.unwrap_err();
    assert_eq!(remote_type(&err), "RuntimeError");
    let message = err.remote().unwrap().message();
    assert!(
        message.starts_with("groupdel 'rmtgrp' failed (exit status 8):"),
        "{message}"
    );
    assert!(message.contains("primary group"), "{message}");
    conn.call(User::absent("rmtgrpuser")).await.unwrap();
    twice(
        &conn,
        "user",
        "rmtgrp",
        || User::group_absent("rmtgrp"),
        mutating,
    )
    .await;
    assert!(entry(&root, "/etc/group", "rmtgrp").is_none());

    // A user whose name is taken by a group gets that group as primary one.
    conn.call(User::group_present("rmtsame").gid(4950))
        .await
        .unwrap();
    let user = conn.call(User::present("rmtsame")).await.unwrap();
    assert_eq!(user.gid, 4950);
}

#[tokio::test]
async fn authorized_keys_are_added_once_with_the_right_modes() {
    let root = Root::host();
    let conn = connect(&root).await;
    let user = conn.call(User::present("rmtkey")).await.unwrap();
    let key_a = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA rmtkey-a@test";
    let key_b = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB rmtkey-b@test";
    let path = "/home/rmtkey/.ssh/authorized_keys";

    let (_, lines) = twice(
        &conn,
        "user",
        "rmtkey",
        || User::authorized_key("rmtkey", format!("  {key_a}\n")),
        mutating,
    )
    .await;
    assert_eq!(
        lines,
        [
            "creating /home/rmtkey/.ssh".to_string(),
            format!("writing {path}")
        ]
    );
    let dir = conn
        .call(FileSystem::stat("/home/rmtkey/.ssh"))
        .await
        .unwrap();
    assert_eq!((dir.mode, dir.uid, dir.gid), (0o700, user.uid, user.gid));
    let file = conn.call(FileSystem::stat(path)).await.unwrap();
    assert_eq!((file.mode, file.uid, file.gid), (0o600, user.uid, user.gid));
    let on_disk = std::fs::metadata(root.file(path)).unwrap();
    assert_eq!((on_disk.mode() & 0o7777, on_disk.uid()), (0o600, user.uid));
    let read =
        |conn: Connection| async move { conn.call(FileSystem::read_str(path)).await.unwrap() };
    assert_eq!(read(conn.clone()).await, format!("{key_a}\n"));

    // A second key is appended.
    twice(
        &conn,
        "user",
        "rmtkey",
        || User::authorized_key("rmtkey", key_b),
        mutating,
    )
    .await;
    assert_eq!(read(conn.clone()).await, format!("{key_a}\n{key_b}\n"));

    // A file whose last line lacks its line break gets one before the key.
    conn.call(
        FileSystem::write(path, format!("# by hand\n{key_b}"))
            .owner(user.uid)
            .group(user.gid)
            .mode(0o600),
    )
    .await
    .unwrap();
    twice(
        &conn,
        "user",
        "rmtkey",
        || User::authorized_key("rmtkey", key_a),
        mutating,
    )
    .await;
    assert_eq!(
        read(conn.clone()).await,
        format!("# by hand\n{key_b}\n{key_a}\n")
    );

    // Exclusive: the key and nothing else.
    twice(
        &conn,
        "user",
        "rmtkey",
        || User::authorized_key("rmtkey", key_b).exclusive(),
        mutating,
    )
    .await;
    assert_eq!(read(conn.clone()).await, format!("{key_b}\n"));

    // Loose modes and owners are corrected even when the key is there.
    conn.call(
        FileSystem::write(path, format!("{key_b}\n"))
            .mode(0o644)
            .owner(0),
    )
    .await
    .unwrap();
    let (_, lines) = twice(
        &conn,
        "user",
        "rmtkey",
        || User::authorized_key("rmtkey", key_b),
        mutating,
    )
    .await;
    assert!(
        lines.iter().all(|l| l.starts_with("changing ")),
        "{lines:?}"
    );
    let file = conn.call(FileSystem::stat(path)).await.unwrap();
    assert_eq!((file.mode, file.uid), (0o600, user.uid));

    // Refusals.
    for bad in ["", "  \n", "ssh-ed25519 AAAA one\nssh-ed25519 AAAA two"] {
        let err = conn
            .call(User::authorized_key("rmtkey", bad))
            .await
            .unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{bad:?}");
    }
    let err = conn
        .call(User::authorized_key("rmtkey-nobody", key_a))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "LookupError");
    conn.call(User::present("rmtkeyless").create_home(false))
        .await
        .unwrap();
    let err = conn
        .call(User::authorized_key("rmtkeyless", key_a))
        .await
        .unwrap_err();
    assert_eq!(
        err.remote().unwrap().io_kind(),
        Some(std::io::ErrorKind::NotFound)
    );
    // A link the user planted is not followed (the tool runs as root).
    conn.call(FileSystem::absent(path)).await.unwrap();
    conn.call(FileSystem::symlink(path, "/etc/shadow"))
        .await
        .unwrap();
    let err = conn
        .call(User::authorized_key("rmtkey", key_a))
        .await
        .unwrap_err();
    assert_eq!(err.remote().unwrap().errno_name(), Some("ELOOP"), "{err:?}");
    let shadow = conn
        .call(FileSystem::read_str("/etc/shadow"))
        .await
        .unwrap();
    assert!(!shadow.contains(key_a));
}

#[tokio::test]
async fn sudoers_rules_are_checked_by_visudo_before_they_are_installed() {
    let root = Root::host();
    let conn = connect(&root).await;
    conn.call(User::present("rmtsudo")).await.unwrap();
    let path = "/etc/sudoers.d/rmtsudo";

    let (_, lines) = twice(
        &conn,
        "user",
        "rmtsudo",
        || User::sudoer("rmtsudo"),
        mutating,
    )
    .await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/visudo -c -f /etc/sudoers.d/.rmtsudo.")),
        "the rule was checked: {lines:?}"
    );
    assert_eq!(lines.last().unwrap(), &format!("writing {path}"));
    let text = std::fs::read_to_string(root.file(path)).unwrap();
    assert_eq!(text, "rmtsudo ALL=(ALL) NOPASSWD: ALL\n");
    let meta = std::fs::metadata(root.file(path)).unwrap();
    assert_eq!(
        (meta.mode() & 0o7777, meta.uid(), meta.gid()),
        (0o440, 0, 0)
    );
    let dir = std::fs::metadata(root.file("/etc/sudoers.d")).unwrap();
    assert_eq!((dir.mode() & 0o7777, dir.uid()), (0o750, 0));
    // sudo itself reads the rule.
    let listed = conn
        .call(rmote_tools::Exec::command(["sudo", "-n", "-l", "-U", "rmtsudo"]).capture())
        .await
        .unwrap();
    assert!(
        listed.stdout_str().contains("(ALL) NOPASSWD: ALL"),
        "{}",
        listed.stdout_str()
    );

    // With a password, then removed.
    twice(
        &conn,
        "user",
        "rmtsudo",
        || User::sudoer("rmtsudo").nopasswd(false),
        mutating,
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(root.file(path)).unwrap(),
        "rmtsudo ALL=(ALL) ALL\n"
    );
    let (_, lines) = twice(
        &conn,
        "user",
        "rmtsudo",
        || User::sudoer("rmtsudo").absent(),
        mutating,
    )
    .await;
    assert_eq!(lines, [format!("removing {path}")]);
    assert!(!exists(&conn, path).await);

    // "Defaults" passes the name check (a valid user and file name) but the
    // rule `Defaults ALL=(ALL) NOPASSWD: ALL` is a sudoers syntax error:
    // visudo rejects it, and nothing is left in the directory.
    let err = conn.call(User::sudoer("Defaults")).await.unwrap_err();
    assert_eq!(remote_type(&err), "RuntimeError");
    let message = err.remote().unwrap().message();
    assert!(
        message.starts_with("visudo rejected the sudoers rule 'Defaults ALL=(ALL) NOPASSWD: ALL'"),
        "{message}"
    );
    assert!(message.contains("syntax error"), "{message}");
    let left = conn
        .call(FileSystem::glob("/etc/sudoers.d", "*"))
        .await
        .unwrap();
    assert_eq!(
        left,
        ["/etc/sudoers.d/README"],
        "nothing installed, no temp file"
    );
    let hidden = conn
        .call(FileSystem::glob("/etc/sudoers.d", ".*"))
        .await
        .unwrap();
    assert!(hidden.is_empty(), "{hidden:?}");

    // Names sudo would skip or misread, or that leave the directory.
    for bad in [
        "rmt.sudo",
        "rmtsudo~",
        "../rmtsudo",
        "rmt/sudo",
        "",
        "-rmt",
        "rmt sudo",
        "ALL",
        "ADMINS",
        "rmt\nsudo",
    ] {
        let (result, lines) = logged("user", "sudo", conn.call(User::sudoer(bad))).await;
        let err = result.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{bad:?}");
        assert!(lines.is_empty(), "{bad:?}: {lines:?}");
    }
}

#[tokio::test]
async fn a_host_without_the_programs_is_not_supported() {
    let root = Root::host();
    let conn = connect(&root).await;
    for program in ["useradd", "visudo"] {
        assert!(conn
            .call(FileSystem::absent(format!("/usr/sbin/{program}")))
            .await
            .unwrap());
    }
    let err = conn.call(User::present("rmtnone")).await.unwrap_err();
    assert_eq!(remote_type(&err), "NotImplementedError");
    let message = err.remote().unwrap().message();
    assert!(message.contains("not supported on this host"), "{message}");
    assert!(message.contains("useradd"), "{message}");

    let err = conn.call(User::sudoer("rmtnone")).await.unwrap_err();
    assert_eq!(remote_type(&err), "NotImplementedError");
    assert!(err.remote().unwrap().message().contains("visudo"));
    // Removing a rule needs no visudo.
    assert!(!conn.call(User::sudoer("rmtnone").absent()).await.unwrap());
    // Bad arguments are refused before any program is looked for.
    let err = conn
        .call(User::present("rmtnone").gid("rmt-no-such-group"))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "LookupError");
    let err = conn
        .call(User::present("rmtnone").groups(["adm", "rmt-missing"]))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "LookupError");
    assert!(err.remote().unwrap().message().contains("rmt-missing"));
    for bad in ["", "-rmt", "rmt:x", "rmt/x"] {
        let err = conn.call(User::present(bad)).await.unwrap_err();
        assert_eq!(remote_type(&err), "ValueError", "{bad:?}");
    }
}

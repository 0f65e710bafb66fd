//! FileSystem: reading, globbing, idempotent and atomic changes, stat.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use rmote_session::{Call, Connection, Tool, Value};
use rmote_tools::{FileSystem, LineInFile, FILESYSTEM};

use crate::common::{connect, connect_umask_077, local, remote_type, s};

fn ino(path: &Path) -> u64 {
    fs::symlink_metadata(path).unwrap().ino()
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Inode and mtime: what must not change when a call changes nothing.
fn identity(path: &Path) -> (u64, i64, i64) {
    let m = fs::symlink_metadata(path).unwrap();
    (m.ino(), m.mtime(), m.mtime_nsec())
}

fn running_as_root() -> bool {
    let dir = tempfile::tempdir().unwrap();
    fs::metadata(dir.path()).unwrap().uid() == 0
}

#[tokio::test]
async fn read_bytes_and_read_str() {
    let dir = tempfile::tempdir().unwrap();
    let conn = connect().await;

    let binary: Vec<u8> = (0..=255u8).cycle().take(3 * 1024 * 1024 + 7).collect();
    fs::write(dir.path().join("bin"), &binary).unwrap();
    let got = conn
        .call(FileSystem::read_bytes(s(&dir.path().join("bin"))))
        .await
        .unwrap();
    assert_eq!(got.len(), binary.len());
    assert!(got == binary, "read_bytes must return the exact bytes");

    let text = "h\u{e9}llo \u{2713}\r\nline two\n";
    fs::write(dir.path().join("text"), text).unwrap();
    let got = conn
        .call(FileSystem::read_str(s(&dir.path().join("text"))))
        .await
        .unwrap();
    assert_eq!(got, text, "newlines and non-ASCII text come back unchanged");

    let err = conn
        .call(FileSystem::read_str(s(&dir.path().join("bin"))))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "UnicodeDecodeError");
    assert!(err.to_string().contains("is not UTF-8 text"), "{err}");
    assert!(
        err.to_string().contains(s(&dir.path().join("bin"))),
        "{err}"
    );

    let missing = dir.path().join("missing");
    let err = conn
        .call(FileSystem::read_bytes(s(&missing)))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err:?}");
    assert_eq!(err.remote().unwrap().filename(), Some(s(&missing)));
    let err = conn
        .call(FileSystem::read_str(s(&missing)))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = conn
        .call(FileSystem::read_str(s(dir.path())))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::IsADirectory), "{err:?}");
}

#[tokio::test]
async fn read_str_is_utf8_whatever_the_remote_locale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utf8");
    fs::write(&path, "gr\u{fc}\u{df}e \u{1f600}").unwrap();
    // Python 3.6 in the C locale reads text files as ASCII by default.
    let conn = crate::common::builder(local().env("LC_ALL", "C").env("LANG", "C"))
        .connect()
        .await
        .unwrap();
    let got = conn.call(FileSystem::read_str(s(&path))).await.unwrap();
    assert_eq!(got, "gr\u{fc}\u{df}e \u{1f600}");
}

#[tokio::test]
async fn glob_is_sorted_and_recurses() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    for name in ["b.conf", "a.conf", "c.txt", ".hidden.conf"] {
        fs::write(base.join(name), "").unwrap();
    }
    fs::create_dir_all(base.join("sub/deeper")).unwrap();
    fs::write(base.join("sub/z.conf"), "").unwrap();
    fs::write(base.join("sub/deeper/y.conf"), "").unwrap();
    let conn = connect().await;

    let got = conn
        .call(FileSystem::glob(s(base), "*.conf"))
        .await
        .unwrap();
    let want: Vec<String> = [".hidden.conf", "a.conf", "b.conf"]
        .iter()
        .map(|n| s(&base.join(n)).to_string())
        .collect();
    assert_eq!(got, want);

    let got = conn
        .call(FileSystem::glob(s(base), "**/*.conf"))
        .await
        .unwrap();
    let want: Vec<String> = [
        ".hidden.conf",
        "a.conf",
        "b.conf",
        "sub/deeper/y.conf",
        "sub/z.conf",
    ]
    .iter()
    .map(|n| s(&base.join(n)).to_string())
    .collect();
    assert_eq!(got, want);

    let got = conn
        .call(FileSystem::glob(s(&base.join("nope")), "*"))
        .await
        .unwrap();
    assert!(got.is_empty());
}

#[tokio::test]
async fn write_creates_then_does_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    // A umask of 077 would make a plain open() create 0o600 files.
    let conn = connect_umask_077().await;

    assert!(conn
        .call(FileSystem::write(s(&path), "one\n"))
        .await
        .unwrap());
    assert_eq!(fs::read(&path).unwrap(), b"one\n");
    assert_eq!(mode(&path), 0o644, "new files get 0o644 whatever the umask");
    let before = identity(&path);
    assert!(!conn
        .call(FileSystem::write(s(&path), "one\n"))
        .await
        .unwrap());
    assert_eq!(identity(&path), before, "a no-op must not rewrite the file");

    // Bytes, and a real change: a new inode (temporary file renamed over the
    // old one), the mode kept.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let old_ino = ino(&path);
    let bytes: &[u8] = b"\xff\x00two";
    assert!(conn.call(FileSystem::write(s(&path), bytes)).await.unwrap());
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert_ne!(ino(&path), old_ino, "the write must go through a rename");
    assert_eq!(mode(&path), 0o640, "an existing file keeps its mode");
    assert!(!conn.call(FileSystem::write(s(&path), bytes)).await.unwrap());

    // Same content, other mode: changed in place.
    let before = ino(&path);
    assert!(conn
        .call(FileSystem::write(s(&path), bytes).mode(0o600))
        .await
        .unwrap());
    assert_eq!(mode(&path), 0o600);
    assert_eq!(ino(&path), before, "a mode change alone does not rewrite");
    assert!(!conn
        .call(FileSystem::write(s(&path), bytes).mode(0o600))
        .await
        .unwrap());

    // A new file with special bits.
    let suid = dir.path().join("suid");
    assert!(conn
        .call(FileSystem::write(s(&suid), "#!/bin/sh\n").mode(0o4755))
        .await
        .unwrap());
    assert_eq!(mode(&suid), 0o4755);

    // Nothing but the file is left in the directory: no temporary files.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["f", "suid"]);
}

#[tokio::test]
async fn write_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let conn = connect().await;

    // Through a symbolic link: the file it points to changes, the link stays.
    let real = dir.path().join("real");
    let link = dir.path().join("link");
    fs::write(&real, "old").unwrap();
    symlink("real", &link).unwrap();
    assert!(conn.call(FileSystem::write(s(&link), "new")).await.unwrap());
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    assert!(!conn.call(FileSystem::write(s(&link), "new")).await.unwrap());

    let err = conn
        .call(FileSystem::write(s(dir.path()), "x"))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::IsADirectory), "{err:?}");

    let err = conn
        .call(FileSystem::write(s(&dir.path().join("no/such/dir/f")), "x"))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err:?}");

    let err = conn
        .call(FileSystem::write(s(&dir.path().join("f")), "x").owner("rmote-no-such-user"))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "LookupError");
    assert!(err.to_string().contains("rmote-no-such-user"), "{err}");
    assert!(
        !dir.path().join("f").exists(),
        "a failed call creates nothing"
    );

    let err = conn
        .call(FileSystem::write(s(&dir.path().join("f")), "x").mode(0o10000))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "ValueError");
}

#[tokio::test]
async fn write_and_directory_set_ownership() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("owned");
    let conn = connect().await;
    let me = fs::metadata(dir.path()).unwrap();

    // Our own ids, by number: nothing to change.
    fs::write(&path, "x").unwrap();
    assert!(!conn
        .call(
            FileSystem::write(s(&path), "x")
                .owner(me.uid())
                .group(me.gid())
        )
        .await
        .unwrap());

    if !running_as_root() {
        eprintln!("not root: changing ownership is not tested");
        return;
    }
    // By number, to ids that need not exist.
    assert!(conn
        .call(FileSystem::write(s(&path), "x").owner(4242).group(4343))
        .await
        .unwrap());
    let m = fs::metadata(&path).unwrap();
    assert_eq!((m.uid(), m.gid()), (4242, 4343));
    assert!(!conn
        .call(FileSystem::write(s(&path), "x").owner(4242).group(4343))
        .await
        .unwrap());
    // A rewrite keeps the owner and group it was not told to change.
    assert!(conn
        .call(FileSystem::write(s(&path), "y").mode(0o4750))
        .await
        .unwrap());
    let m = fs::metadata(&path).unwrap();
    assert_eq!((m.uid(), m.gid(), mode(&path)), (4242, 4343, 0o4750));
    // By name, and a numeric string.
    assert!(conn
        .call(FileSystem::write(s(&path), "y").owner("root").group("4444"))
        .await
        .unwrap());
    let m = fs::metadata(&path).unwrap();
    assert_eq!((m.uid(), m.gid()), (0, 4444));
    assert_eq!(mode(&path), 0o4750, "setuid survives a change of owner");

    let sub = dir.path().join("a/b");
    assert!(conn
        .call(FileSystem::directory(s(&sub)).owner(4242).group("root"))
        .await
        .unwrap());
    for d in [dir.path().join("a"), sub.clone()] {
        let m = fs::metadata(&d).unwrap();
        assert_eq!((m.uid(), m.gid()), (4242, 0), "{}", d.display());
    }
    assert!(!conn
        .call(FileSystem::directory(s(&sub)).owner(4242).group(0))
        .await
        .unwrap());
    assert!(conn
        .call(FileSystem::directory(s(&sub)).owner("root"))
        .await
        .unwrap());
    assert_eq!(fs::metadata(&sub).unwrap().uid(), 0);
}

#[tokio::test]
async fn directory_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("x");
    let leaf = top.join("y/z");
    let conn = connect_umask_077().await;

    assert!(conn.call(FileSystem::directory(s(&leaf))).await.unwrap());
    for d in [&top, &top.join("y"), &leaf] {
        assert!(d.is_dir());
        assert_eq!(
            mode(d),
            0o755,
            "{} gets 0o755 whatever the umask",
            d.display()
        );
    }
    let before = identity(&leaf);
    assert!(!conn.call(FileSystem::directory(s(&leaf))).await.unwrap());
    assert_eq!(identity(&leaf), before);

    assert!(conn
        .call(FileSystem::directory(s(&leaf)).mode(0o700))
        .await
        .unwrap());
    assert_eq!(mode(&leaf), 0o700);
    assert_eq!(mode(&top), 0o755, "only the directory asked for changes");
    assert!(!conn
        .call(FileSystem::directory(s(&leaf)).mode(0o700))
        .await
        .unwrap());
    // Without a mode, an existing directory keeps its own.
    assert!(!conn.call(FileSystem::directory(s(&leaf))).await.unwrap());
    assert_eq!(mode(&leaf), 0o700);

    let new = dir.path().join("sticky");
    assert!(conn
        .call(FileSystem::directory(s(&new)).mode(0o1777))
        .await
        .unwrap());
    assert_eq!(mode(&new), 0o1777);

    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = conn
        .call(FileSystem::directory(s(&file)))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::AlreadyExists), "{err:?}");
    assert!(err.to_string().contains("not a directory"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
    let err = conn
        .call(FileSystem::directory(s(&file.join("below"))))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::NotADirectory), "{err:?}");
}

#[tokio::test]
async fn symlink_creates_replaces_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("link");
    let conn = connect().await;

    assert!(conn
        .call(FileSystem::symlink(s(&link), "target-a"))
        .await
        .unwrap());
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("target-a"));
    let before = identity(&link);
    assert!(!conn
        .call(FileSystem::symlink(s(&link), "target-a"))
        .await
        .unwrap());
    assert_eq!(identity(&link), before);

    assert!(conn
        .call(FileSystem::symlink(s(&link), "/etc"))
        .await
        .unwrap());
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("/etc"));
    assert!(!conn
        .call(FileSystem::symlink(s(&link), "/etc"))
        .await
        .unwrap());

    let file = dir.path().join("file");
    fs::write(&file, "keep").unwrap();
    let err = conn
        .call(FileSystem::symlink(s(&file), "/etc"))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::AlreadyExists), "{err:?}");
    assert!(err.to_string().contains("not a symbolic link"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "keep");
    let err = conn
        .call(FileSystem::symlink(s(dir.path()), "/etc"))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::AlreadyExists), "{err:?}");

    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["file", "link"],
        "no temporary links are left behind"
    );
}

#[tokio::test]
async fn absent_removes_once() {
    let dir = tempfile::tempdir().unwrap();
    let conn = connect().await;

    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    assert!(conn.call(FileSystem::absent(s(&file))).await.unwrap());
    assert!(!file.exists());
    assert!(!conn.call(FileSystem::absent(s(&file))).await.unwrap());

    // A link to a directory: the link goes, the directory stays.
    let target = dir.path().join("target");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside"), "x").unwrap();
    let link = dir.path().join("link");
    symlink(&target, &link).unwrap();
    assert!(conn.call(FileSystem::absent(s(&link))).await.unwrap());
    assert!(fs::symlink_metadata(&link).is_err());
    assert!(target.join("inside").exists());
    // A dangling link.
    symlink("nowhere", &link).unwrap();
    assert!(conn.call(FileSystem::absent(s(&link))).await.unwrap());
    assert!(fs::symlink_metadata(&link).is_err());

    let err = conn.call(FileSystem::absent(s(&target))).await.unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::DirectoryNotEmpty), "{err:?}");
    assert_eq!(err.remote().unwrap().errno_name(), Some("ENOTEMPTY"));
    assert!(err.to_string().contains("recursive"), "{err}");
    assert!(target.join("inside").exists());
    assert!(conn
        .call(FileSystem::absent(s(&target)).recursive())
        .await
        .unwrap());
    assert!(!target.exists());
    assert!(!conn
        .call(FileSystem::absent(s(&target)).recursive())
        .await
        .unwrap());

    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(conn.call(FileSystem::absent(s(&empty))).await.unwrap());
    assert!(!empty.exists());
}

#[tokio::test]
async fn stat_uses_lstat() {
    let dir = tempfile::tempdir().unwrap();
    let conn = connect().await;

    let file = dir.path().join("file");
    fs::write(&file, "12345").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o4751)).unwrap();
    let st = conn.call(FileSystem::stat(s(&file))).await.unwrap();
    let m = fs::metadata(&file).unwrap();
    assert_eq!(st.path, s(&file));
    assert!(st.exists && st.is_file && !st.is_dir && !st.is_symlink);
    assert_eq!(st.size, 5);
    assert_eq!(st.mode, 0o4751);
    assert_eq!((st.uid, st.gid), (m.uid(), m.gid()));
    let mtime = m.mtime() as f64 + m.mtime_nsec() as f64 / 1e9;
    assert!((st.mtime - mtime).abs() < 1e-3, "{} vs {mtime}", st.mtime);
    assert_eq!(st.link_target, None);

    let st = conn.call(FileSystem::stat(s(dir.path()))).await.unwrap();
    assert!(st.exists && st.is_dir && !st.is_file);

    let link = dir.path().join("link");
    symlink("file", &link).unwrap();
    let st = conn.call(FileSystem::stat(s(&link))).await.unwrap();
    assert!(st.exists && st.is_symlink && !st.is_file);
    assert_eq!(st.link_target.as_deref(), Some("file"));
    assert_eq!(st.size, 4, "the size of the link, not of the file");

    for missing in [dir.path().join("missing"), file.join("below")] {
        let st = conn.call(FileSystem::stat(s(&missing))).await.unwrap();
        assert!(!st.exists, "{st:?}");
        assert!(!st.is_file && !st.is_dir && !st.is_symlink);
        assert_eq!((st.size, st.mode, st.uid, st.gid), (0, 0, 0, 0));
        assert_eq!(st.mtime, 0.0);
        assert_eq!(st.link_target, None);
    }
}

/// Runs `line_in_file` on a file holding `before` (`None`: no file) and
/// checks the file's content afterwards and whether the call reported a
/// change; then checks that a second identical call changes nothing.
async fn line_case(
    conn: &Connection,
    before: Option<&str>,
    call: impl Fn(&str) -> LineInFile,
    after: &str,
    changed: bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file");
    if let Some(before) = before {
        fs::write(&path, before).unwrap();
    }
    let diff = conn.call(call(s(&path))).await.unwrap();
    let got = fs::read_to_string(&path).unwrap();
    assert_eq!(got, after, "content after line_in_file on {before:?}");
    assert_eq!(!diff.is_empty(), changed, "diff for {before:?}: {diff:?}");
    let id = identity(&path);
    let again = conn.call(call(s(&path))).await.unwrap();
    assert_eq!(again, "", "second call on {before:?}");
    assert_eq!(identity(&path), id, "the second call must not rewrite");
}

#[tokio::test]
async fn line_in_file_without_regexp() {
    let conn = connect().await;
    let add_c = |p: &str| FileSystem::line_in_file(p, "c");

    line_case(&conn, Some("a\nb\n"), add_c, "a\nb\nc\n", true).await;
    line_case(&conn, Some("a\nb"), add_c, "a\nb\nc", true).await;
    line_case(&conn, Some("a\nc\nb\n"), add_c, "a\nc\nb\n", false).await;
    line_case(&conn, Some(""), add_c, "c", true).await;
    // Stripped comparison by default, exact with strip(false).
    line_case(&conn, Some("a\n  c \t\n"), add_c, "a\n  c \t\n", false).await;
    line_case(
        &conn,
        Some("a\n  c \t\n"),
        |p| FileSystem::line_in_file(p, "c").strip(false),
        "a\n  c \t\nc\n",
        true,
    )
    .await;
    // CRLF files: untouched when the line is there, LF once rewritten.
    line_case(&conn, Some("a\r\nc\r\n"), add_c, "a\r\nc\r\n", false).await;
    line_case(&conn, Some("a\r\nb\r\n"), add_c, "a\nb\nc\n", true).await;
    line_case(&conn, Some("old mac\rb\r"), add_c, "old mac\nb\nc\n", true).await;
    // Only real line breaks split lines: a form feed or U+2028 stays.
    line_case(
        &conn,
        Some("a\x0cb\u{2028}x\n"),
        add_c,
        "a\x0cb\u{2028}x\nc\n",
        true,
    )
    .await;
    // Non-ASCII content.
    line_case(
        &conn,
        Some("gr\u{fc}\u{df}e\n"),
        |p| FileSystem::line_in_file(p, "\u{e9}t\u{e9}"),
        "gr\u{fc}\u{df}e\n\u{e9}t\u{e9}\n",
        true,
    )
    .await;
}

#[tokio::test]
async fn line_in_file_with_regexp() {
    let conn = connect().await;
    let text = "x=1\ny=2\nx=3\n";

    line_case(
        &conn,
        Some(text),
        |p| FileSystem::line_in_file(p, "x=9").regexp("^x="),
        "x=9\ny=2\nx=3\n",
        true,
    )
    .await;
    line_case(
        &conn,
        Some(text),
        |p| FileSystem::line_in_file(p, "x=9").regexp("^x=").all(),
        "x=9\ny=2\nx=9\n",
        true,
    )
    .await;
    // No match: appended...
    line_case(
        &conn,
        Some(text),
        |p| FileSystem::line_in_file(p, "z=0").regexp("^z="),
        "x=1\ny=2\nx=3\nz=0\n",
        true,
    )
    .await;
    // ...unless the line is already there (0.3.1 appended it every time).
    line_case(
        &conn,
        Some(text),
        |p| FileSystem::line_in_file(p, "y=2").regexp("^nomatch"),
        text,
        false,
    )
    .await;
    // The first match already is the line: nothing to do.
    line_case(
        &conn,
        Some(text),
        |p| FileSystem::line_in_file(p, "x=1").regexp("^x="),
        text,
        false,
    )
    .await;
    // re.search, not re.match.
    line_case(
        &conn,
        Some("# port 22\nPort 22\n"),
        |p| FileSystem::line_in_file(p, "Port 2222").regexp("^Port\\s"),
        "# port 22\nPort 2222\n",
        true,
    )
    .await;
}

#[tokio::test]
async fn line_in_file_diff_create_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf");
    let conn = connect_umask_077().await;

    let err = conn
        .call(FileSystem::line_in_file(s(&path), "hello"))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err:?}");
    assert!(!path.exists());

    let diff = conn
        .call(FileSystem::line_in_file(s(&path), "hello").create(true))
        .await
        .unwrap();
    assert_eq!(
        fs::read(&path).unwrap(),
        b"hello",
        "no newline, as the reference"
    );
    assert_eq!(mode(&path), 0o644);
    let p = s(&path);
    assert_eq!(diff, format!("--- {p}\n+++ {p}\n@@ -0,0 +1 @@\n+hello\n"));

    fs::write(&path, "1\n2\n3\n4\n5\n6\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let old_ino = ino(&path);
    let diff = conn
        .call(FileSystem::line_in_file(s(&path), "five").regexp("^5$"))
        .await
        .unwrap();
    assert_eq!(
        diff,
        format!("--- {p}\n+++ {p}\n@@ -2,5 +2,5 @@\n 2\n 3\n 4\n-5\n+five\n 6\n")
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "1\n2\n3\n4\nfive\n6\n");
    assert_ne!(ino(&path), old_ino, "rewritten through a rename");
    assert_eq!(mode(&path), 0o600, "the mode is kept");

    let err = conn
        .call(FileSystem::line_in_file(s(&path), "two\nlines"))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "ValueError");
    let err = conn
        .call(FileSystem::line_in_file(s(dir.path()), "x"))
        .await
        .unwrap_err();
    assert_eq!(err.io_kind(), Some(ErrorKind::IsADirectory), "{err:?}");
    fs::write(&path, b"\xff\xfe\n").unwrap();
    let err = conn
        .call(FileSystem::line_in_file(s(&path), "x"))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "UnicodeDecodeError");
    assert_eq!(fs::read(&path).unwrap(), b"\xff\xfe\n");
}

#[tokio::test]
async fn the_tool_can_be_called_dynamically() {
    let dir = tempfile::tempdir().unwrap();
    let conn = connect().await;
    let st = conn
        .call(Call::dynamic(&FILESYSTEM, "stat").arg(s(dir.path())))
        .await
        .unwrap();
    let is_dir = st
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_str() == Some("is_dir"))
        .map(|(_, v)| v.clone());
    assert_eq!(is_dir, Some(Value::Boolean(true)));
    // The keyword-only `match` of the reference, by value.
    let path = dir.path().join("f");
    fs::write(&path, "k=1\nk=2\n").unwrap();
    let diff: String = conn
        .call(
            Call::new(&FILESYSTEM, "line_in_file")
                .arg(s(&path))
                .kwarg("line", "k=0")
                .kwarg("regexp", "^k=")
                .kwarg("match", &1),
        )
        .await
        .unwrap();
    assert!(!diff.is_empty());
    assert_eq!(fs::read_to_string(&path).unwrap(), "k=0\nk=0\n");
}

static MODULES: Tool = Tool::new(
    "Modules",
    r#"
import sys

class Modules:
    @staticmethod
    def loaded():
        return sorted(sys.modules)
"#,
);

#[tokio::test]
async fn plain_file_work_imports_no_heavy_module() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let conn = connect().await;
    conn.call(FileSystem::write(s(&path), "x\n")).await.unwrap();
    conn.call(FileSystem::read_str(s(&path))).await.unwrap();
    conn.call(FileSystem::stat(s(&path))).await.unwrap();
    conn.call(FileSystem::absent(s(&path))).await.unwrap();
    let loaded: Vec<String> = conn.call(Call::new(&MODULES, "loaded")).await.unwrap();
    for heavy in [
        "difflib",
        "subprocess",
        "shutil",
        "pathlib",
        "tempfile",
        "pwd",
        "grp",
    ] {
        assert!(
            !loaded.iter().any(|m| m == heavy),
            "{heavy} was imported: {loaded:?}"
        );
    }
}

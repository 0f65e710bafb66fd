//! Connects to a local `python3` (or the interpreter named by `RMOTE_PYTHON`),
//! reads a file, runs a command, fires several calls at once, and prints
//! what came back.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::time::Instant;

use futures_util::future::try_join_all;
use rmote::{Connection, Exec, FileSystem, Local};

#[tokio::main]
async fn main() -> Result<(), rmote::Error> {
    let python = std::env::var("RMOTE_PYTHON").unwrap_or_else(|_| "python3".into());
    let started = Instant::now();
    let conn = Connection::builder(Local::new().python(&python))
        .connect()
        .await?;
    let info = conn.remote_info();
    println!(
        "connected to Python {} on {} ({} {}), pid {}, in {:.1} ms",
        info.python,
        info.hostname,
        info.platform,
        info.machine,
        info.pid,
        started.elapsed().as_secs_f64() * 1e3
    );

    // One file, one command.
    let hostname = conn.call(FileSystem::read_str("/etc/hostname")).await;
    match hostname {
        Ok(text) => println!("/etc/hostname: {}", text.trim()),
        Err(err) if err.is_not_found() => println!("/etc/hostname: (none on this machine)"),
        Err(err) => return Err(err),
    }
    let uname = conn.call(Exec::command(["uname", "-a"]).capture()).await?;
    println!("uname -a: {}", uname.stdout_str().trim());

    // Several calls in flight at once on the one connection.
    let started = Instant::now();
    let (os_release, files, disk) = tokio::try_join!(
        conn.call(FileSystem::read_str("/etc/os-release")),
        conn.call(FileSystem::glob("/etc", "*.conf")),
        conn.call(Exec::shell("df -h / | tail -1").capture()),
    )?;
    let pretty = os_release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .unwrap_or("?")
        .trim_matches('"');
    println!("os: {pretty}");
    println!(
        "/etc/*.conf: {} files, first {:?}",
        files.len(),
        files.first()
    );
    println!("disk: {}", disk.stdout_str().trim());

    let stats = try_join_all(
        ["/etc/passwd", "/etc/hosts", "/tmp", "/nonexistent"]
            .iter()
            .map(|path| conn.call(FileSystem::stat(*path))),
    )
    .await?;
    for stat in &stats {
        println!(
            "  {:<14} exists={:<5} dir={:<5} size={:>6} mode={:o}",
            stat.path, stat.exists, stat.is_dir, stat.size, stat.mode
        );
    }
    println!(
        "{} concurrent calls took {:.1} ms",
        3 + stats.len(),
        started.elapsed().as_secs_f64() * 1e3
    );

    // A remote exception is a structured error.
    let err = conn
        .call(FileSystem::read_str("/nonexistent/file"))
        .await
        .unwrap_err();
    println!("as expected: {err}");

    let exit = conn.close().await;
    println!("remote closed: {exit}");
    Ok(())
}

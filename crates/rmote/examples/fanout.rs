//! Runs a command on many hosts at once and prints one line per host as the
//! results arrive, then a summary.
//!
//! ```text
//! cargo run --example fanout                            # four local interpreters
//! cargo run --example fanout -- web01 deploy@db01:2222  # over ssh
//! ```
//!
//! Each argument is an ssh destination, `[user@]host[:port]`. With none, it
//! starts four local interpreters (`local-1` … `local-4`), so it runs
//! anywhere. By default every host runs `uname -sr` and `uptime`; the
//! environment changes that and more:
//!
//! - `RMOTE_COMMAND`: a shell command to run instead
//! - `RMOTE_CONCURRENCY`: how many hosts at once (default 32)
//! - `RMOTE_DEADLINE`: seconds each host may take (default 30)
//! - `RMOTE_PYTHON`: the interpreter on the hosts (default `python3`)
//! - `RMOTE_SSH_IDENTITY`: the private key ssh uses
//! - `RMOTE_SSH_HOST_KEYS`: `strict` (the default), `accept-new` or `off`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmote::{Builder, Connection, Error, Exec, FanOut, HostKeyChecking, Local, Ssh};

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(why) => {
            eprintln!("fanout: {why}");
            return ExitCode::from(2);
        }
    };
    let destinations: Vec<String> = std::env::args().skip(1).collect();
    let targets: Vec<(String, Builder)> = if destinations.is_empty() {
        (1..=4)
            .map(|i| {
                let local = Local::new().python(&settings.python);
                (format!("local-{i}"), Connection::builder(local))
            })
            .collect()
    } else {
        destinations
            .into_iter()
            .map(|dest| {
                let builder = Connection::builder(settings.ssh(&dest));
                (dest, builder)
            })
            .collect()
    };
    let hosts = targets.len();
    let width = targets
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let width = width.max("HOST".len());

    let started = Instant::now();
    let command = Arc::new(settings.command);
    let mut outcomes = FanOut::new(targets)
        .concurrency(settings.concurrency)
        .deadline(settings.deadline)
        .run(move |conn, _host| {
            let command = command.clone();
            async move { work(&conn, command.as_deref()).await }
        });

    println!("{:<width$}  {:<5}  {:>7}  OUTPUT", "HOST", "", "MS");
    let mut failed = 0;
    while let Some(done) = outcomes.next().await {
        let (status, text) = match &done.result {
            Ok(line) => ("ok", line.clone()),
            Err(err) => {
                failed += 1;
                ("error", one_line(&chain(err)))
            }
        };
        println!(
            "{:<width$}  {status:<5}  {:>7}  {text}",
            done.host,
            done.elapsed.as_millis()
        );
    }
    println!(
        "{hosts} host{}: {} ok, {failed} failed, in {} ms (concurrency {})",
        if hosts == 1 { "" } else { "s" },
        hosts - failed,
        started.elapsed().as_millis(),
        settings.concurrency
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What each host does: the command from `RMOTE_COMMAND`, or `uname -sr`
/// and `uptime` at once. Returns the first line of output (of each).
async fn work(conn: &Connection, command: Option<&str>) -> Result<String, Error> {
    if let Some(expression) = command {
        let done = conn.call(Exec::shell(expression).capture()).await?;
        return Ok(first_line(&done.stdout_str()));
    }
    let (uname, uptime) = tokio::try_join!(
        conn.call(Exec::command(["uname", "-sr"]).capture()),
        conn.call(Exec::command(["uptime"]).capture()),
    )?;
    Ok(format!(
        "{} | {}",
        first_line(&uname.stdout_str()),
        first_line(&uptime.stdout_str())
    ))
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// An error and its causes, joined with `: `.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Errors can span lines (a remote's stderr); a table row cannot.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Settings {
    command: Option<String>,
    concurrency: usize,
    deadline: Duration,
    python: String,
    identity: Option<String>,
    host_keys: HostKeyChecking,
}

impl Settings {
    fn from_env() -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let number = |name: &str, default: u64| match var(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .map_err(|_| format!("{name} must be a whole number, not {text:?}")),
        };
        let host_keys = match var("RMOTE_SSH_HOST_KEYS").as_deref() {
            None | Some("strict") => HostKeyChecking::Strict,
            Some("accept-new") => HostKeyChecking::AcceptNew,
            Some("off") => HostKeyChecking::Off,
            Some(other) => {
                return Err(format!(
                    "RMOTE_SSH_HOST_KEYS must be strict, accept-new or off, not {other:?}"
                ))
            }
        };
        Ok(Settings {
            command: var("RMOTE_COMMAND"),
            concurrency: number("RMOTE_CONCURRENCY", 32)? as usize,
            deadline: Duration::from_secs(number("RMOTE_DEADLINE", 30)?),
            python: var("RMOTE_PYTHON").unwrap_or_else(|| "python3".into()),
            identity: var("RMOTE_SSH_IDENTITY"),
            host_keys,
        })
    }

    fn ssh(&self, destination: &str) -> Ssh {
        let ssh = Ssh::new(destination)
            .python(&self.python)
            .host_key_checking(self.host_keys);
        match &self.identity {
            Some(key) => ssh.identity(key),
            None => ssh,
        }
    }
}

//! The workloads B1–B6 and `bytes`, with the timing boundaries the harness
//! defines (one fresh process per invocation).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::future::{join_all, try_join_all};
use rmote_session::{Call, Connection, HostKeyChecking, Local, Ssh, Tool};
use rmote_tools::FileSystem;

use crate::measure::{self, emit, unsupported, Metric};

/// The 16-character ASCII string B2 and B3 echo.
const ECHO: &str = "hello-rmote-echo";
const WARMUP: usize = 100;
const SEQUENTIAL: usize = 2000;
const CONCURRENT: usize = 10_000;
const BULK: usize = 64 * 1024 * 1024;
const WARM_BULK: usize = 1024 * 1024;
const FANOUT: usize = 50;

/// The benchmark's own tool: shipped over the pipe like any other.
static BENCH: Tool = Tool::new(
    "Bench",
    r#"
class Bench:
    @staticmethod
    def one():
        return 1

    @staticmethod
    def echo(value):
        return value

    @staticmethod
    async def echo_async(value):
        return value
"#,
);

/// The command line of the runner contract.
pub struct Args {
    pub bench: String,
    pub transport: String,
    pub run: u32,
}

impl Args {
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut bench, mut transport, mut run) = (None, None, 1);
        while let Some(flag) = args.next() {
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--bench" => bench = Some(value),
                "--transport" => transport = Some(value),
                "--run" => run = value.parse().map_err(|_| format!("bad --run {value}"))?,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(Args {
            bench: bench.ok_or("--bench is required")?,
            transport: transport.ok_or("--transport is required")?,
            run,
        })
    }
}

pub async fn run(args: &Args) -> Result<(), String> {
    if args.transport != "local" && args.transport != "ssh" {
        return Err(format!("unknown transport {}", args.transport));
    }
    if args.bench == "bytes" && args.transport != "local" {
        unsupported(
            "default",
            "bytes",
            &args.transport,
            args.run,
            "measured over local only",
        );
        return Ok(());
    }
    let _ = TRANSPORT.set(args.transport.clone());
    match args.bench.as_str() {
        "B1" => b1(args).await,
        "B2" => b2(args).await,
        "B3" => b3(args).await,
        "B4" => b4(args).await,
        "B5" => b5(args).await,
        "B6" => b6(args).await,
        "bytes" => bytes(args).await,
        "template" => template(args).await,
        other => Err(format!("unknown benchmark {other}")),
    }
}

fn remote_python() -> String {
    std::env::var("BENCH_REMOTE_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

fn data_dir() -> PathBuf {
    std::env::var_os("BENCH_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/tmp/bench-data".into())
}

/// The transport of this run (`--transport`).
static TRANSPORT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A connection over this run's transport. Over ssh: the harness's loopback
/// sshd, with the same options its peers get (`StrictHostKeyChecking=no`,
/// `UserKnownHostsFile=/dev/null`, `LogLevel=ERROR`, `BatchMode=yes`,
/// `IdentitiesOnly=yes`); rmote adds `-T` and `ServerAliveInterval=15`,
/// `ServerAliveCountMax=4`, and no compression.
async fn connect() -> Result<Connection, String> {
    if TRANSPORT.get().map(String::as_str) == Some("ssh") {
        let env =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        let port = env("BENCH_SSH_PORT", "2222")
            .parse()
            .map_err(|_| "BENCH_SSH_PORT is not a port".to_string())?;
        let ssh = Ssh::new(format!(
            "{}@{}",
            env("BENCH_SSH_USER", "root"),
            env("BENCH_SSH_HOST", "127.0.0.1")
        ))
        .port(port)
        .identity(env("BENCH_SSH_KEY", "/tmp/bench-ssh/id_ed25519"))
        .host_key_checking(HostKeyChecking::Off)
        .python(remote_python());
        return Connection::builder(ssh)
            .connect()
            .await
            .map_err(|e| error_chain(&e));
    }
    connect_with(Local::new().python(remote_python())).await
}

async fn connect_with(local: Local) -> Result<Connection, String> {
    Connection::builder(local)
        .connect()
        .await
        .map_err(|e| error_chain(&e))
}

async fn one(conn: &Connection) -> Result<(), String> {
    let got: u32 = conn
        .call(Call::new(&BENCH, "one"))
        .await
        .map_err(|e| error_chain(&e))?;
    check(got == 1, "one() did not return 1")
}

async fn echo(conn: &Connection, method: &'static str) -> Result<(), String> {
    let got: String = conn
        .call(Call::new(&BENCH, method).arg(ECHO))
        .await
        .map_err(|e| error_chain(&e))?;
    check(got == ECHO, "echo returned something else")
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

const VARIANTS: [(&str, &str); 2] = [("default", "echo"), ("async", "echo_async")];

async fn b1(args: &Args) -> Result<(), String> {
    let t0 = Instant::now();
    let conn = connect().await?;
    one(&conn).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    conn.close().await;
    emit(
        "default",
        "B1",
        &args.transport,
        args.run,
        &[
            ("connect_s", Metric::F(connect_s)),
            ("import_s", Metric::F(0.0)),
        ],
    );
    Ok(())
}

async fn b2(args: &Args) -> Result<(), String> {
    let conn = connect().await?;
    for (variant, method) in VARIANTS {
        for _ in 0..WARMUP {
            echo(&conn, method).await?;
        }
        let t0 = Instant::now();
        for _ in 0..SEQUENTIAL {
            echo(&conn, method).await?;
        }
        let us = t0.elapsed().as_secs_f64() / SEQUENTIAL as f64 * 1e6;
        emit(
            variant,
            "B2",
            &args.transport,
            args.run,
            &[("us_per_call", Metric::F(us))],
        );
    }
    conn.close().await;
    Ok(())
}

async fn b3(args: &Args) -> Result<(), String> {
    let conn = connect().await?;
    for (variant, method) in VARIANTS {
        for _ in 0..WARMUP {
            echo(&conn, method).await?;
        }
        let t0 = Instant::now();
        let results: Vec<String> = try_join_all(
            (0..CONCURRENT).map(|_| conn.call(Call::<String>::new(&BENCH, method).arg(ECHO))),
        )
        .await
        .map_err(|e| error_chain(&e))?;
        let seconds = t0.elapsed().as_secs_f64();
        check(
            results.len() == CONCURRENT && results.iter().all(|r| r == ECHO),
            "a B3 result was wrong",
        )?;
        emit(
            variant,
            "B3",
            &args.transport,
            args.run,
            &[("calls_per_s", Metric::F(CONCURRENT as f64 / seconds))],
        );
    }
    conn.close().await;
    Ok(())
}

async fn b4(args: &Args) -> Result<(), String> {
    let dir = data_dir();
    let (src, warm) = ensure_data(&dir)?;
    let expected = std::fs::read(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let conn = connect().await?;

    // Untimed warm-up: ships FileSystem, touches both directions.
    let warm_data = read(&conn, &warm).await?;
    let target = write_target(&dir, "warm");
    write(&conn, &target, &warm_data).await?;
    check_written(&target, &warm_data)?;

    let t0 = Instant::now();
    let data = read(&conn, &src).await?;
    let read_s = t0.elapsed().as_secs_f64();
    check(data == expected, "B4 read returned different bytes")?;
    drop(data);

    let target = write_target(&dir, "bulk");
    let t0 = Instant::now();
    write(&conn, &target, &expected).await?;
    let write_s = t0.elapsed().as_secs_f64();
    check_written(&target, &expected)?;
    conn.close().await;

    let mib = BULK as f64 / (1024.0 * 1024.0);
    emit(
        "default",
        "B4",
        &args.transport,
        args.run,
        &[
            ("read_MiBps", Metric::F(mib / read_s)),
            ("write_MiBps", Metric::F(mib / write_s)),
            ("read_s", Metric::F(read_s)),
            ("write_s", Metric::F(write_s)),
        ],
    );
    Ok(())
}

async fn read(conn: &Connection, path: &Path) -> Result<rmote_session::Bytes, String> {
    conn.call(FileSystem::read_bytes(path.to_string_lossy()))
        .await
        .map_err(|e| error_chain(&e))
}

async fn write(conn: &Connection, path: &Path, data: &[u8]) -> Result<(), String> {
    let changed: bool = conn
        .call(FileSystem::write(path.to_string_lossy(), data))
        .await
        .map_err(|e| error_chain(&e))?;
    check(changed, "write() reported no change for a new file")
}

fn write_target(dir: &Path, tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    dir.join(format!(
        "dst-rmote-rs-{tag}-{}-{nanos}.bin",
        std::process::id()
    ))
}

fn check_written(path: &Path, expected: &[u8]) -> Result<(), String> {
    let got = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let _ = std::fs::remove_file(path);
    check(got == expected, "B4 write left different bytes on disk")
}

/// The harness's data files (made by the harness; made here the same way,
/// with the controller's python3, when missing).
fn ensure_data(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let src = dir.join("src-64MiB.bin");
    let warm = dir.join("src-1MiB.bin");
    for (path, size) in [(&src, BULK), (&warm, WARM_BULK)] {
        if std::fs::metadata(path).is_ok_and(|m| m.len() as usize == size) {
            continue;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let script = format!(
            "import random,os;p={path:?};t=p+'.tmp';open(t,'wb').write(random.Random({size}).randbytes({size}));os.replace(t,p)",
            path = path.to_string_lossy()
        );
        let status = std::process::Command::new("python3")
            .args(["-c", &script])
            .status()
            .map_err(|e| format!("python3 (to create the data files): {e}"))?;
        check(status.success(), "creating the data files failed")?;
    }
    Ok((src, warm))
}

async fn b5(args: &Args) -> Result<(), String> {
    let t0 = Instant::now();
    let results = join_all((0..FANOUT).map(|_| async {
        let conn = connect().await?;
        one(&conn).await?;
        Ok::<_, String>(conn)
    }))
    .await;
    let wall_s = t0.elapsed().as_secs_f64();
    let (children, children_kib) = measure::children_rss_kib();
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for result in results {
        match result {
            Ok(conn) => ok.push(conn),
            Err(e) => failed.push(e),
        }
    }
    for e in failed.iter().take(3) {
        eprintln!("rmote-bench: B5 connection failed: {e}");
    }
    let n_ok = ok.len() as u64;
    join_all(ok.iter().map(|c| c.close())).await;
    emit(
        "default",
        "B5",
        &args.transport,
        args.run,
        &[
            ("wall_s", Metric::F(wall_s)),
            ("peak_rss_kib", Metric::I(measure::peak_rss_kib())),
            ("children", Metric::I(children)),
            ("children_rss_kib", Metric::I(children_kib)),
            ("ok", Metric::I(n_ok)),
            ("failed", Metric::I(failed.len() as u64)),
        ],
    );
    Ok(())
}

async fn b6(args: &Args) -> Result<(), String> {
    let conn = connect().await?;
    one(&conn).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss = measure::rss_kib();
    let (children, children_kib) = measure::children_rss_kib();
    conn.close().await;
    emit(
        "default",
        "B6",
        &args.transport,
        args.run,
        &[
            ("rss_kib", Metric::I(rss)),
            ("children", Metric::I(children)),
            ("children_rss_kib", Metric::I(children_kib)),
        ],
    );
    Ok(())
}

/// Bytes before the first result, counted by the harness's proxy
/// (`$PEERS/bytes_proxy.py`) between the controller and the interpreter.
async fn bytes(args: &Args) -> Result<(), String> {
    let Some(peers) = std::env::var_os("PEERS") else {
        unsupported(
            "default",
            "bytes",
            &args.transport,
            args.run,
            "needs $PEERS (the harness's peers folder) for bytes_proxy.py",
        );
        return Ok(());
    };
    let proxy = Path::new(&peers).join("bytes_proxy.py");
    let controller_python = std::env::var("PY").unwrap_or_else(|_| "python3".into());
    let count_file =
        std::env::temp_dir().join(format!("rmote-rs-bytes-{}.txt", std::process::id()));
    let local = Local::new()
        .wrapper([
            controller_python.as_str(),
            &proxy.to_string_lossy(),
            &count_file.to_string_lossy(),
            "--",
        ])
        .python(remote_python());
    let conn = connect_with(local).await?;
    one(&conn).await?;
    // The proxy rewrites its file right after forwarding a chunk.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let counts = std::fs::read_to_string(&count_file)
        .map_err(|e| format!("{}: {e}", count_file.display()))?;
    let _ = std::fs::remove_file(&count_file);
    let mut numbers = counts
        .split_whitespace()
        .map(|n| n.parse::<u64>().unwrap_or(0));
    let (up, down) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    conn.close().await;
    let bootstrap = rmote_session::bootstrap_len() as u64;
    emit(
        "default",
        "bytes",
        &args.transport,
        args.run,
        &[
            ("bootstrap_bytes", Metric::I(bootstrap)),
            ("wire_up_bytes", Metric::I(up)),
            ("wire_down_bytes", Metric::I(down)),
        ],
    );
    Ok(())
}

/// A 1,000-line config template: 100 server blocks of ten lines, each with
/// interpolations, a conditional and a loop, as a load balancer config is.
fn config_template() -> String {
    let mut t = String::from("## generated by rmote-bench\n");
    for i in 0..100 {
        t.push_str(&format!(
            "server {{\n\
             \x20   listen ${{port + {i}}};\n\
             \x20   server_name ${{names[{i} % len(names)]}}.${{domain}};\n\
             \x20   root /srv/${{names[{i} % len(names)].lower()}}/{i};\n\
             % if {i} % 2 == 0:\n\
             \x20   ssl_certificate /etc/ssl/${{domain}}-{i}.pem;\n\
             % endif\n\
             % for u in upstreams:\n\
             \x20   # upstream ${{u['host']}}:${{u['port']}} weight=${{u['weight'] * {i} % 7 + 1}}\n\
             % endfor\n\
             }}\n"
        ));
    }
    t
}

async fn template(args: &Args) -> Result<(), String> {
    use rmote_template::{Compiled, LocalTemplate, Template as Parsed};
    let source = config_template();
    let lines = source.lines().count();
    let context = serde_json_like_context();

    let t0 = Instant::now();
    let parsed = Parsed::parse(&source).map_err(|e| format!("{e:#}"))?;
    let parse_s = t0.elapsed().as_secs_f64();
    let local = LocalTemplate::new(&parsed).map_err(|e| format!("{e:#}"))?;
    let local_prepare_s = t0.elapsed().as_secs_f64();
    const ROUNDS: u32 = 20;
    let t0 = Instant::now();
    let mut local_out = String::new();
    for _ in 0..ROUNDS {
        local_out = local.render(&context).map_err(|e| format!("{e:#}"))?;
    }
    let local_render_s = t0.elapsed().as_secs_f64() / f64::from(ROUNDS);

    let conn = connect().await?;
    let t0 = Instant::now();
    let compiled = Compiled::new(source.clone()).map_err(|e| format!("{e:#}"))?;
    let remote_out = rmote_tools::Template::render_on(&conn, &compiled, &context)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let remote_first_s = t0.elapsed().as_secs_f64();
    check(
        remote_out == local_out,
        "local and remote renderings differ",
    )?;
    let t0 = Instant::now();
    for _ in 0..ROUNDS {
        rmote_tools::Template::render_on(&conn, &compiled, &context)
            .await
            .map_err(|e| format!("{e:#}"))?;
    }
    let remote_cached_s = t0.elapsed().as_secs_f64() / f64::from(ROUNDS);
    conn.close().await;
    emit(
        "default",
        "template",
        &args.transport,
        args.run,
        &[
            ("template_lines", Metric::I(lines as u64)),
            ("output_lines", Metric::I(local_out.lines().count() as u64)),
            ("parse_ms", Metric::F(parse_s * 1e3)),
            ("local_prepare_ms", Metric::F(local_prepare_s * 1e3)),
            ("local_render_ms", Metric::F(local_render_s * 1e3)),
            ("remote_first_ms", Metric::F(remote_first_s * 1e3)),
            ("remote_cached_ms", Metric::F(remote_cached_s * 1e3)),
        ],
    );
    Ok(())
}

fn serde_json_like_context() -> std::collections::BTreeMap<&'static str, rmote_session::Value> {
    use rmote_session::Value;
    let upstream = |host: &str, port: i64, weight: i64| {
        Value::Map(vec![
            ("host".into(), host.into()),
            ("port".into(), port.into()),
            ("weight".into(), weight.into()),
        ])
    };
    std::collections::BTreeMap::from([
        ("port", Value::from(8000)),
        ("domain", Value::from("example.com")),
        (
            "names",
            Value::Array(
                ["Alpha", "Beta", "Gamma", "Delta"]
                    .map(Value::from)
                    .to_vec(),
            ),
        ),
        (
            "upstreams",
            Value::Array(vec![
                upstream("10.0.0.1", 9000, 3),
                upstream("10.0.0.2", 9000, 5),
                upstream("10.0.0.3", 9001, 2),
            ]),
        ),
    ])
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

//! Service against a real systemd: each test boots its own Debian machine
//! with `systemd-nspawn --boot` (see `service/machine.rs`) and drives its
//! manager with the tool, through the machine's own `python3` and
//! `systemctl`. Idempotence is proven from the commands the tool logs: a
//! second run changes nothing and runs no mutating `systemctl` verb.
//!
//! The tests that need no manager (no systemctl at all, systemctl with no
//! manager behind it, bad names) run in plain roots.

mod machine;

use std::time::Duration;

use rmote_session::{Call, Connection, Error};
use rmote_tools::{ActiveState, EnabledState, FileSystem, Service, ServiceResult, SERVICE};

use crate::common::{connect, eventually, processes_with_argv, remote_type};
use crate::roots::Root;
use crate::tool_log::{logged, twice, Changed};
use machine::Machine;

impl Changed for ServiceResult {
    fn changed(&self) -> bool {
        self.changed
    }
}

/// A service that runs until it is stopped, installable.
const SIMPLE: &str = "[Unit]\nDescription=rmote test service\n\
    [Service]\nExecStart=/bin/sleep infinity\n\
    [Install]\nWantedBy=multi-user.target\n";

/// No `[Install]` section: `systemctl is-enabled` says "static".
const STATIC: &str = "[Unit]\nDescription=rmote static test service\n\
    [Service]\nExecStart=/bin/sleep infinity\n";

/// Done as soon as it has run: inactive again right after its start.
const ONESHOT: &str = "[Service]\nType=oneshot\nExecStart=/bin/true\n";

/// Takes ten minutes to start.
const SLOW: &str = "[Service]\nExecStartPre=/bin/sleep 600\nExecStart=/bin/sleep infinity\n";

/// Fails its start.
const FAILING: &str = "[Service]\nType=oneshot\nExecStart=/bin/false\n";

/// A service whose reloads leave a line each in `/run/<unit>.reloads`.
fn reloadable(unit: &str) -> String {
    format!(
        "[Service]\nExecStart=/bin/sleep infinity\n\
         ExecReload=/bin/sh -c 'echo reloaded >> /run/{unit}.reloads'\n\
         [Install]\nWantedBy=multi-user.target\n"
    )
}

/// Whether a logged command changes a unit (the queries are `is-active` and
/// `is-enabled`).
fn mutating(line: &str) -> bool {
    const VERBS: [&str; 7] = [
        "start",
        "stop",
        "restart",
        "reload",
        "enable",
        "disable",
        "daemon-reload",
    ];
    line.split_whitespace().any(|w| VERBS.contains(&w))
}

/// Writes the unit file `/etc/systemd/system/<unit>` and reloads the
/// manager.
async fn install(conn: &Connection, unit: &str, body: &str) {
    let path = format!("/etc/systemd/system/{unit}");
    conn.call(FileSystem::write(&path, body)).await.unwrap();
    conn.call(Service::daemon_reload()).await.unwrap();
}

/// `systemctl show -p PROPERTY --value unit`, read without the tool.
fn show(m: &Machine, unit: &str, property: &str) -> String {
    m.sh(&format!("systemctl show -p {property} --value {unit}"))
        .trim()
        .to_string()
}

#[track_caller]
fn check(r: &ServiceResult, unit: &str, started: bool, enabled: EnabledState) {
    assert_eq!(r.name, unit, "{r:?}");
    assert_eq!(r.started, started, "{r:?}");
    assert_eq!(
        r.active_state,
        if started {
            ActiveState::Active
        } else {
            ActiveState::Inactive
        },
        "{r:?}"
    );
    assert_eq!(r.enabled, enabled == EnabledState::Enabled, "{r:?}");
    assert_eq!(r.enabled_state, enabled, "{r:?}");
}

/// The remote exception of a call that must fail: its type and message.
#[track_caller]
fn failure(err: Error) -> (String, String) {
    let remote = err.remote().unwrap_or_else(|| panic!("{err:?}"));
    (
        remote.short_type_name().to_string(),
        remote.message().to_string(),
    )
}

#[tokio::test]
async fn start_and_stop_act_once_and_report_what_systemd_says() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-startstop.service";
    install(&conn, unit, SIMPLE).await;

    let (status, lines) = logged("service", unit, conn.call(Service::status(unit))).await;
    check(&status.unwrap(), unit, false, EnabledState::Disabled);
    assert!(
        !lines.is_empty() && !lines.iter().any(|l| mutating(l)),
        "{lines:?}"
    );

    let (started, lines) = twice(&conn, "service", unit, || Service::start(unit), mutating).await;
    check(&started, unit, true, EnabledState::Disabled);
    assert_eq!(
        lines,
        [
            format!("running: systemctl --no-ask-password is-active {unit}"),
            format!("running: systemctl --no-ask-password start {unit}"),
            format!("running: systemctl --no-ask-password is-active {unit}"),
            format!("running: systemctl --no-ask-password is-enabled {unit}"),
        ]
    );
    // Really running, under systemd.
    let pid = show(&m, unit, "MainPID");
    assert_ne!(pid, "0");
    assert_eq!(m.sh(&format!("cat /proc/{pid}/comm")).trim(), "sleep");

    let (stopped, _) = twice(&conn, "service", unit, || Service::stop(unit), mutating).await;
    check(&stopped, unit, false, EnabledState::Disabled);
    assert_eq!(show(&m, unit, "MainPID"), "0");
    assert_eq!(show(&m, unit, "ActiveState"), "inactive");
}

#[tokio::test]
async fn enable_and_disable_act_once_on_the_install_symlinks() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-enable.service";
    install(&conn, unit, SIMPLE).await;
    let link = format!("/etc/systemd/system/multi-user.target.wants/{unit}");

    let (enabled, _) = twice(&conn, "service", unit, || Service::enable(unit), mutating).await;
    check(&enabled, unit, false, EnabledState::Enabled);
    let stat = conn.call(FileSystem::stat(&link)).await.unwrap();
    assert!(stat.is_symlink, "{stat:?}");
    assert_eq!(show(&m, unit, "UnitFileState"), "enabled");

    let (disabled, _) = twice(&conn, "service", unit, || Service::disable(unit), mutating).await;
    check(&disabled, unit, false, EnabledState::Disabled);
    assert!(!conn.call(FileSystem::stat(&link)).await.unwrap().exists);

    // Enabled until the next boot only: a plain `systemctl disable` would
    // leave it so; the tool disables it with --runtime.
    m.sh(&format!("systemctl enable --runtime {unit}"));
    let now = conn.call(Service::status(unit)).await.unwrap();
    assert!(now.enabled, "{now:?}");
    assert_eq!(now.enabled_state, EnabledState::EnabledRuntime);
    let (disabled, lines) =
        twice(&conn, "service", unit, || Service::disable(unit), mutating).await;
    check(&disabled, unit, false, EnabledState::Disabled);
    assert!(
        lines.contains(&format!(
            "running: systemctl --no-ask-password disable --runtime {unit}"
        )),
        "{lines:?}"
    );
}

#[tokio::test]
async fn static_masked_and_missing_units_are_reported_as_they_are() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-static.service";
    install(&conn, unit, STATIC).await;

    // `systemctl is-enabled` exits 0 for a static unit; it is not enabled.
    let status = conn.call(Service::status(unit)).await.unwrap();
    check(&status, unit, false, EnabledState::Static);
    assert!(!status.changed);
    // Enabling it cannot work: a clear error, and nothing ran.
    let (err, lines) = logged("service", unit, conn.call(Service::enable(unit))).await;
    let (kind, message) = failure(err.unwrap_err());
    assert_eq!(kind, "ValueError");
    assert!(message.contains("\"static\""), "{message}");
    assert!(message.contains("[Install]"), "{message}");
    assert!(!lines.iter().any(|l| mutating(l)), "{lines:?}");
    // It is not enabled, so disabling it has nothing to do.
    let (disabled, lines) = logged("service", unit, conn.call(Service::disable(unit))).await;
    check(&disabled.unwrap(), unit, false, EnabledState::Static);
    assert!(!lines.iter().any(|l| mutating(l)), "{lines:?}");
    // A static unit still starts and stops; converge leaves it static.
    let (started, _) = twice(
        &conn,
        "service",
        unit,
        || Service::converge(unit).enabled(false),
        mutating,
    )
    .await;
    check(&started, unit, true, EnabledState::Static);

    // A masked unit: enabling it is refused before anything runs, which in
    // converge also shows that enablement comes before the start.
    let masked = "rmote-masked.service";
    m.sh(&format!("systemctl mask {masked}"));
    let status = conn.call(Service::status(masked)).await.unwrap();
    check(&status, masked, false, EnabledState::Masked);
    let (err, lines) = logged("service", masked, conn.call(Service::converge(masked))).await;
    let (kind, message) = failure(err.unwrap_err());
    assert_eq!(kind, "ValueError");
    assert!(message.contains("masked"), "{message}");
    assert!(!lines.iter().any(|l| mutating(l)), "{lines:?}");
    // Starting it is systemd's refusal.
    let err = conn.call(Service::start(masked)).await.unwrap_err();
    let (kind, message) = failure(err);
    assert_eq!(kind, "RuntimeError");
    assert!(
        message.starts_with(&format!("systemctl start {masked} failed")),
        "{message}"
    );
    assert!(message.contains("masked"), "{message}");

    // An indirect unit: enabling it would enable only what its Also= names.
    let indirect = "rmote-indirect.service";
    let body = format!("[Service]\nExecStart=/bin/sleep infinity\n[Install]\nAlso={masked}\n");
    install(&conn, indirect, &body).await;
    let (err, lines) = logged("service", indirect, conn.call(Service::enable(indirect))).await;
    let (kind, message) = failure(err.unwrap_err());
    assert_eq!(kind, "ValueError");
    assert!(message.contains("\"indirect\""), "{message}");
    assert!(!lines.iter().any(|l| mutating(l)), "{lines:?}");

    // No such unit: its state says so, and starting it is systemd's error.
    let missing = "rmote-missing.service";
    let status = conn.call(Service::status(missing)).await.unwrap();
    check(&status, missing, false, EnabledState::NotFound);
    let err = conn.call(Service::start(missing)).await.unwrap_err();
    let (kind, message) = failure(err);
    assert_eq!(kind, "RuntimeError");
    assert!(message.contains("not found"), "{message}");
    let err = conn.call(Service::enable(missing)).await.unwrap_err();
    assert_eq!(remote_type(&err), "RuntimeError");
}

#[tokio::test]
async fn restart_and_reload_always_act_and_report_the_state_after() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-reload.service";
    install(&conn, unit, &reloadable(unit)).await;

    // Restart starts a stopped unit; every restart is a new process.
    let first = conn.call(Service::restart(unit)).await.unwrap();
    assert!(first.changed);
    check(&first, unit, true, EnabledState::Disabled);
    let pid = show(&m, unit, "MainPID");
    let again = conn.call(Service::restart(unit)).await.unwrap();
    assert!(again.changed);
    check(&again, unit, true, EnabledState::Disabled);
    assert_ne!(show(&m, unit, "MainPID"), pid);

    // Each reload runs ExecReload= once; the process stays.
    let pid = show(&m, unit, "MainPID");
    for _ in 0..2 {
        let reloaded = conn.call(Service::reload(unit)).await.unwrap();
        assert!(reloaded.changed);
        check(&reloaded, unit, true, EnabledState::Disabled);
    }
    let log = format!("/run/{unit}.reloads");
    let reloads = conn.call(FileSystem::read_str(&log)).await.unwrap();
    assert_eq!(reloads, "reloaded\nreloaded\n");
    assert_eq!(show(&m, unit, "MainPID"), pid);

    // systemd refuses to reload an inactive unit, or one without
    // ExecReload=; the call fails with its message.
    conn.call(Service::stop(unit)).await.unwrap();
    let (kind, message) = failure(conn.call(Service::reload(unit)).await.unwrap_err());
    assert_eq!(kind, "RuntimeError");
    assert!(message.contains("not active"), "{message}");
    let plain = "rmote-plain.service";
    install(&conn, plain, SIMPLE).await;
    conn.call(Service::start(plain)).await.unwrap();
    let (kind, message) = failure(conn.call(Service::reload(plain)).await.unwrap_err());
    assert_eq!(kind, "RuntimeError");
    assert!(message.contains("not applicable"), "{message}");

    // The state after an action is read, not assumed: a one-shot unit is
    // inactive again once its start has returned.
    let oneshot = "rmote-oneshot.service";
    install(&conn, oneshot, ONESHOT).await;
    let done = conn.call(Service::start(oneshot)).await.unwrap();
    assert!(done.changed);
    check(&done, oneshot, false, EnabledState::Static);
    let done = conn.call(Service::restart(oneshot)).await.unwrap();
    assert!(done.changed && !done.started, "{done:?}");

    // A start that fails is systemd's error; the unit is then "failed".
    let failing = "rmote-failing.service";
    install(&conn, failing, FAILING).await;
    let (kind, message) = failure(conn.call(Service::start(failing)).await.unwrap_err());
    assert_eq!(kind, "RuntimeError");
    assert!(
        message.starts_with(&format!(
            "systemctl start {failing} failed (exit status 1):\n"
        )),
        "{message}"
    );
    let status = conn.call(Service::status(failing)).await.unwrap();
    assert_eq!(status.active_state, ActiveState::Failed);
    assert!(!status.started);
    // A failed unit is not running: stop has nothing to do.
    let stopped = conn.call(Service::stop(failing)).await.unwrap();
    assert!(!stopped.changed);
}

#[tokio::test]
async fn a_dropped_call_kills_its_systemctl_and_systemd_carries_on() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-slow.service";
    install(&conn, unit, SLOW).await;
    let argv = ["systemctl", "--no-ask-password", "start", unit];
    {
        let call = conn.call(Service::start(unit));
        tokio::pin!(call);
        tokio::select! {
            done = &mut call => panic!("a start that takes ten minutes returned: {done:?}"),
            // systemctl waits for the job it asked for.
            seen = eventually(Duration::from_secs(20), || {
                !processes_with_argv(&argv).is_empty() && show(&m, unit, "ActiveState") == "activating"
            }) => assert!(seen, "systemctl start never ran"),
        }
        // Dropped here: the call is cancelled.
    }
    assert!(
        eventually(Duration::from_secs(10), || processes_with_argv(&argv)
            .is_empty())
        .await,
        "systemctl start survived its call"
    );
    // The job belongs to systemd, which goes on with it.
    let status = conn.call(Service::status(unit)).await.unwrap();
    assert_eq!(status.active_state, ActiveState::Activating, "{status:?}");
    assert!(!status.started);
    // A unit on its way up is not "stopped": stop runs, and cancels the job
    // (systemd counts the killed ExecStartPre= as a failure).
    let stopped = conn.call(Service::stop(unit)).await.unwrap();
    assert!(stopped.changed && !stopped.started, "{stopped:?}");
    assert_eq!(stopped.active_state, ActiveState::Failed, "{stopped:?}");
    let again = conn.call(Service::stop(unit)).await.unwrap();
    assert!(!again.changed, "{again:?}");
}

#[tokio::test]
async fn converge_enables_then_starts_and_runs_nothing_the_second_time() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-converge.service";
    install(&conn, unit, SIMPLE).await;

    let (up, lines) = twice(&conn, "service", unit, || Service::converge(unit), mutating).await;
    check(&up, unit, true, EnabledState::Enabled);
    let verbs: Vec<&str> = lines
        .iter()
        .filter(|l| mutating(l))
        .map(|l| l.split_whitespace().nth(3).unwrap())
        .collect();
    assert_eq!(verbs, ["enable", "start"], "{lines:?}");
    assert_eq!(show(&m, unit, "ActiveState"), "active");
    assert_eq!(show(&m, unit, "UnitFileState"), "enabled");

    // Only what differs is done.
    let (half, lines) = twice(
        &conn,
        "service",
        unit,
        || Service::converge(unit).started(false),
        mutating,
    )
    .await;
    check(&half, unit, false, EnabledState::Enabled);
    let verbs: Vec<&String> = lines.iter().filter(|l| mutating(l)).collect();
    assert_eq!(
        verbs,
        [&format!("running: systemctl --no-ask-password stop {unit}")]
    );

    let (down, _) = twice(
        &conn,
        "service",
        unit,
        || Service::converge(unit).started(false).enabled(false),
        mutating,
    )
    .await;
    check(&down, unit, false, EnabledState::Disabled);
    assert_eq!(show(&m, unit, "UnitFileState"), "disabled");

    let (again, _) = twice(
        &conn,
        "service",
        unit,
        || Service::converge(unit).started(true).enabled(true),
        mutating,
    )
    .await;
    check(&again, unit, true, EnabledState::Enabled);
}

#[tokio::test]
async fn daemon_reload_makes_the_manager_read_changed_unit_files() {
    let m = Machine::boot();
    let conn = m.connect().await;
    let unit = "rmote-edited.service";
    install(&conn, unit, SIMPLE).await;
    // Only a loaded unit is compared with its file: keep it loaded.
    conn.call(Service::start(unit)).await.unwrap();
    assert_eq!(show(&m, unit, "Description"), "rmote test service");

    let edited = SIMPLE.replace("rmote test service", "rmote edited service");
    let path = format!("/etc/systemd/system/{unit}");
    conn.call(FileSystem::write(&path, &edited)).await.unwrap();
    assert_eq!(show(&m, unit, "NeedDaemonReload"), "yes");
    conn.call(Service::daemon_reload()).await.unwrap();
    assert_eq!(show(&m, unit, "NeedDaemonReload"), "no");
    assert_eq!(show(&m, unit, "Description"), "rmote edited service");
}

#[tokio::test]
async fn the_user_scope_drives_a_user_manager() {
    let m = Machine::boot();
    // root's own manager, as a login would start it.
    m.sh("systemctl start user@0.service");
    let conn = m
        .connect_with(m.transport().env("XDG_RUNTIME_DIR", "/run/user/0"))
        .await;
    let unit = "rmote-mine.service";
    let dir = "/root/.config/systemd/user";
    conn.call(FileSystem::directory(dir)).await.unwrap();
    let body = SIMPLE.replace("multi-user.target", "default.target");
    conn.call(FileSystem::write(format!("{dir}/{unit}"), &body))
        .await
        .unwrap();
    conn.call(Service::daemon_reload().user()).await.unwrap();

    let (up, lines) = twice(
        &conn,
        "service",
        unit,
        || Service::converge(unit).user(),
        mutating,
    )
    .await;
    check(&up, unit, true, EnabledState::Enabled);
    assert!(
        lines.contains(&format!(
            "running: systemctl --no-ask-password --user start {unit}"
        )),
        "{lines:?}"
    );
    // It runs under the user manager, not the system's.
    let user = m.sh(&format!(
        "XDG_RUNTIME_DIR=/run/user/0 systemctl --user show -p ActiveState --value {unit}"
    ));
    assert_eq!(user.trim(), "active");
    assert_eq!(show(&m, unit, "LoadState"), "not-found");

    let (down, _) = twice(
        &conn,
        "service",
        unit,
        || Service::stop(unit).user(),
        mutating,
    )
    .await;
    check(&down, unit, false, EnabledState::Enabled);
    let status = conn.call(Service::status(unit).user()).await.unwrap();
    assert_eq!(
        status,
        ServiceResult {
            changed: false,
            ..down
        }
    );
}

#[tokio::test]
async fn without_systemctl_the_tool_is_not_supported() {
    // The minimal Debian root has no systemd at all.
    let root = Root::debian(&[]);
    let conn = root.connect().await;
    let err = conn.call(Service::status("ssh.service")).await.unwrap_err();
    let (kind, message) = failure(err);
    assert_eq!(kind, "NotImplementedError");
    assert!(
        message.starts_with("Service needs the systemctl program of systemd"),
        "{message}"
    );
    let err = conn.call(Service::daemon_reload()).await.unwrap_err();
    assert_eq!(remote_type(&err), "NotImplementedError");
}

#[tokio::test]
async fn without_a_running_manager_systemctl_refusal_is_reported() {
    // systemctl is there, but nothing booted with systemd: a chroot.
    let root = Root::debian(machine::PACKAGES);
    let conn = root.connect().await;
    for call in [Service::status("ssh"), Service::start("ssh")] {
        let (kind, message) = failure(conn.call(call).await.unwrap_err());
        assert_eq!(kind, "NotImplementedError");
        assert!(
            message.starts_with("Service needs a running systemd manager"),
            "{message}"
        );
        assert!(
            message.contains("(systemctl is-active ssh: System has not been booted"),
            "{message}"
        );
    }
    let (kind, _) = failure(conn.call(Service::daemon_reload()).await.unwrap_err());
    assert_eq!(kind, "NotImplementedError");
    // No user manager either: systemctl's own message.
    let (kind, message) = failure(conn.call(Service::status("ssh").user()).await.unwrap_err());
    assert_eq!(kind, "RuntimeError");
    assert!(message.contains("Failed to connect to bus"), "{message}");
    // Nothing was enabled in the root on the way.
    assert!(!root.changes().join("etc/systemd").exists());
}

#[tokio::test]
async fn names_that_are_not_one_unit_are_refused() {
    // Checked before systemctl is looked for: any interpreter will do.
    let conn = connect().await;
    for bad in [
        "",
        "-l",
        "--all",
        "/etc/systemd/system/x.service",
        "../x",
        "ss*",
        "a b",
        "x\n",
    ] {
        let err = conn.call(Service::status(bad)).await.unwrap_err();
        let (kind, message) = failure(err);
        assert_eq!(kind, "ValueError", "{bad:?}");
        assert!(message.starts_with("not a unit name"), "{message}");
    }
    let err = conn
        .call(Call::<ServiceResult>::new(&SERVICE, "status").arg(&7))
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "TypeError");
    let err = conn
        .call(
            Call::<ServiceResult>::new(&SERVICE, "converge")
                .arg("x")
                .kwarg("started", "yes"),
        )
        .await
        .unwrap_err();
    assert_eq!(remote_type(&err), "TypeError");
}

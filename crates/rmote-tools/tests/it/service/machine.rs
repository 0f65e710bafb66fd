//! A throwaway Debian machine booted with `systemd-nspawn --boot`: a real
//! systemd (PID 1 of its own namespaces) for the Service tests, entered with
//! `nsenter`.
//!
//! The machine boots from a [`Root`] (the cached debootstrap root with
//! [`PACKAGES`], under the test's own upper layer) mounted in a private mount
//! namespace, with private networking, a private `/run/systemd` for nspawn's
//! own state and no registration with a host manager, so nothing of it
//! reaches this machine. Its only traces while it runs are a cgroup of its
//! own (`rmote-test-…`) and its processes. It is torn down when the
//! `Machine` is dropped, or when the test process dies: the script that
//! started it waits on a pipe from the test, and when that pipe closes it
//! kills the container, removes the cgroup and deletes the layers.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rmote_session::{Connection, Local};

use crate::common::builder;
use crate::roots::Root;

/// What the machine's root has besides python3: systemd and its D-Bus, and
/// the PAM module that gives a login (root's, for the user manager) its
/// `XDG_RUNTIME_DIR`.
pub const PACKAGES: &[&str] = &["systemd", "dbus", "libpam-systemd"];

/// Mounts the root and boots it; arguments: lower upper work merged cgroup
/// machine log. Prints nspawn's pid, then waits until its stdin closes and
/// tears everything down.
const BOOT: &str = r#"
set -e
lower=$1; upper=$2; work=$3; merged=$4; cg=$5; machine=$6; log=$7
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$merged"
# nspawn keeps its locks and its mount propagation directory under
# /run/systemd/nspawn: a private tmpfs keeps them off this machine.
mount -t tmpfs tmpfs /run/systemd
# With no systemd on this machine to give it a scope, nspawn (--keep-unit)
# splits its own cgroup into payload/ and supervisor/: give it one of its
# own, below ours in each hierarchy systemd uses (hybrid, unified or legacy).
sd=/sys/fs/cgroup/systemd$(sed -n 's/^[0-9]*:name=systemd://p' /proc/self/cgroup)
v2=$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ -d /sys/fs/cgroup/unified ]; then
  homes="$sd /sys/fs/cgroup/unified$v2"
elif [ -e /sys/fs/cgroup/cgroup.controllers ]; then
  homes="/sys/fs/cgroup$v2"
else
  homes="$sd"
fi
for h in $homes; do
  mkdir "$h/$cg"
  echo $$ > "$h/$cg/cgroup.procs"
done
systemd-nspawn --quiet --boot --register=no --keep-unit --private-network \
  --settings=no --link-journal=no --resolv-conf=off --timezone=off \
  --console=pipe --machine="$machine" --directory="$merged" \
  </dev/null >"$log" 2>&1 &
nspawn=$!
echo "$nspawn"
set +e
# The test closes this pipe when it drops the machine, or dies.
read -r _
# Killing the namespace's init kills every process in it.
kill -KILL $(cat /proc/$nspawn/task/$nspawn/children 2>/dev/null) 2>/dev/null
wait "$nspawn"
for h in $homes; do
  echo $$ > "$h/cgroup.procs"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    find "$h/$cg" -depth -type d -exec rmdir {} + 2>/dev/null
    [ -d "$h/$cg" ] || break
    sleep 0.2
  done
done
# The layers too, in case the test died and cannot remove them.
umount "$merged" && rm -rf "${upper%/upper}"
"#;

/// A booted systemd machine.
pub struct Machine {
    name: String,
    init: u32,
    boot: Child,
    hold: Option<ChildStdin>,
    log: PathBuf,
    // Last: the root's layers are removed after the machine is down.
    _root: Root,
}

impl Machine {
    /// Boots a fresh machine and waits until its manager has finished
    /// starting up (`systemctl is-system-running --wait`).
    pub fn boot() -> Machine {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("rmote-svc-{}-{n}", std::process::id());

        let root = Root::debian(PACKAGES);
        let [lower, upper, work, merged] = root.layers();
        let log = upper.parent().expect("the root's state").join("boot.log");
        let mut boot = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--fork"])
            .args(["sh", "-c", BOOT, "sh"])
            .args([&lower, &upper, &work, &merged])
            .arg(format!("rmote-test-{name}"))
            .arg(&name)
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("unshare");
        let hold = boot.stdin.take();
        let mut line = String::new();
        let read = BufReader::new(boot.stdout.take().expect("a pipe")).read_line(&mut line);
        let mut machine = Machine {
            name,
            init: 0,
            boot,
            hold,
            log,
            _root: root,
        };
        let nspawn = match (read, line.trim().parse::<u32>()) {
            (Ok(_), Ok(pid)) => pid,
            _ => panic!(
                "could not start systemd-nspawn (output {line:?}); {}",
                machine.diagnosis()
            ),
        };
        machine.init = machine.wait_for_init(nspawn);
        machine.wait_until_running();
        machine
    }

    /// The transport that runs the machine's own `python3` in all of its
    /// namespaces (mount, pid, network, …): for the tools, a host managed by
    /// that systemd.
    pub fn transport(&self) -> Local {
        Local::nsenter(self.init).python("python3")
    }

    /// A connection into the machine whose log records reach the test
    /// subscriber.
    pub async fn connect(&self) -> Connection {
        self.connect_with(self.transport()).await
    }

    /// A connection through `transport` (made from [`Machine::transport`]).
    pub async fn connect_with(&self, transport: Local) -> Connection {
        builder(transport)
            .connect_timeout(Duration::from_secs(60))
            .connect()
            .await
            .unwrap_or_else(|e| panic!("cannot start python3 in {}: {e:#}", self.name))
    }

    /// Runs `sh -c script` inside the machine; its stdout, or a panic with
    /// its output. For setting up what the tool is not meant to do itself.
    #[track_caller]
    pub fn sh(&self, script: &str) -> String {
        let out = Command::new("nsenter")
            .args(["--target", &self.init.to_string(), "--all"])
            .args(["sh", "-c", script])
            .output()
            .expect("nsenter");
        assert!(
            out.status.success(),
            "{script:?} failed in {} ({}): {}{}",
            self.name,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// nspawn forks the container's init (it may go through a helper child
    /// first): its child running `systemd`.
    fn wait_for_init(&mut self, nspawn: u32) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let children =
                std::fs::read_to_string(format!("/proc/{nspawn}/task/{nspawn}/children"))
                    .unwrap_or_default();
            for pid in children.split_whitespace().filter_map(|p| p.parse().ok()) {
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"));
                if comm.is_ok_and(|c| c.trim() == "systemd") {
                    return pid;
                }
            }
            if matches!(self.boot.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "systemd did not start in {} (nspawn pid {nspawn}); {}",
            self.name,
            self.diagnosis()
        );
    }

    fn wait_until_running(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut last = String::new();
        while Instant::now() < deadline {
            // Fails at once while the manager's socket is not up yet; then
            // waits for the boot to finish.
            let out = Command::new("timeout")
                .args(["60", "nsenter", "--target", &self.init.to_string(), "--all"])
                .args(["systemctl", "is-system-running", "--wait"])
                .output()
                .expect("nsenter");
            let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
            match state.as_str() {
                "running" => return,
                "degraded" => {
                    let failed = self.sh("systemctl --failed --no-legend --plain");
                    panic!("{} booted degraded; failed units:\n{failed}", self.name);
                }
                _ => last = format!("{state} {}", String::from_utf8_lossy(&out.stderr)),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} did not finish booting: {last}; {}",
            self.name,
            self.diagnosis()
        );
    }

    fn diagnosis(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("systemd-nspawn said:\n{log}")
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        // Closing the pipe tells the boot script to kill the container and
        // clean up after it.
        drop(self.hold.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if !matches!(self.boot.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{}: the boot script did not end; killing it", self.name);
        let _ = self.boot.kill();
        let _ = self.boot.wait();
    }
}

//! `Service`: systemd units, through `systemctl`.

use std::fmt;

use rmote_session::{Call, Tool};
use serde::{Deserialize, Serialize};

/// The `Service` tool (`python/service.py`), for calling its methods
/// directly.
pub static SERVICE: Tool = Tool::new("Service", include_str!("../python/service.py"));

/// Queries, starts, stops, enables and disables systemd units on the remote
/// with `systemctl` (as root for the system manager, the default; as the
/// remote's user for its own manager with [`UnitCall::user`]).
///
/// Every method answers with the unit's [`ServiceResult`], read from systemd
/// after any action rather than assumed, so a service that dies right after
/// its start shows `started == false`:
///
/// ```no_run
/// use rmote_session::Connection;
/// use rmote_tools::Service;
///
/// # async fn demo(conn: Connection) -> Result<(), rmote_session::Error> {
/// let nginx = conn.call(Service::converge("nginx").enabled(true).started(true)).await?;
/// assert!(nginx.started && nginx.enabled);
/// let timer = conn.call(Service::status("apt-daily.timer")).await?;
/// println!("{}: {} and {}", timer.name, timer.active_state, timer.enabled_state);
/// # Ok(()) }
/// ```
///
/// `start`, `stop`, `enable`, `disable` and `converge` run nothing when the
/// unit is already as asked (`changed == false`); `restart` and `reload`
/// always act. Only the states `enabled` and `enabled-runtime` of
/// `systemctl is-enabled` count as enabled: a `static` unit (no `[Install]`
/// section) is reported as such, not as enabled. Enabling a unit that cannot
/// be enabled (`static`, `indirect`, `generated`, `transient`, `masked`, an
/// alias name) fails with a `ValueError` before anything runs; an enable
/// that still leaves the unit in another state fails with a `RuntimeError`.
/// Disabling leaves anything that is not enabled alone, and undoes
/// `enabled-runtime` with `--runtime`.
///
/// A failed `systemctl` command is a `RuntimeError` with its message. A host
/// without `systemctl`, or one not booted with systemd, fails with a
/// `NotImplementedError` ("Service needs …"): match it with
/// `err.remote().is_some_and(|r| r.is_instance("NotImplementedError"))`. Unit
/// names are single units: paths, glob patterns, blanks and a leading `-`
/// are refused with a `ValueError`. Every command the tool runs is logged as
/// `running: systemctl …` (a `tracing` event with the target
/// `rmote::remote::rmote.service`).
#[derive(Debug, Clone, Copy)]
pub struct Service;

impl Service {
    /// The unit's state; changes nothing.
    pub fn status(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("status", name)
    }

    /// Starts the unit unless it is active (or reloading). One that is still
    /// activating is started too: the call then waits for systemd's start
    /// job to finish.
    pub fn start(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("start", name)
    }

    /// Stops the unit unless it is inactive or failed (one that is still
    /// activating is stopped too, which cancels its start).
    pub fn stop(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("stop", name)
    }

    /// Restarts the unit (starting it if it was stopped); always `changed`.
    pub fn restart(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("restart", name)
    }

    /// Asks the unit to reload its configuration (`ExecReload=`); always
    /// `changed`. systemd refuses to reload an inactive unit or one that
    /// cannot reload, which fails the call.
    pub fn reload(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("reload", name)
    }

    /// Enables the unit unless it is enabled; see [`Service`] for the units
    /// that cannot be.
    pub fn enable(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("enable", name)
    }

    /// Disables the unit if it is enabled.
    pub fn disable(name: impl AsRef<str>) -> UnitCall {
        UnitCall::new("disable", name)
    }

    /// Makes the manager reload its unit files (`systemctl daemon-reload`).
    pub fn daemon_reload() -> DaemonReload {
        DaemonReload { user: false }
    }

    /// Brings the unit to a wanted state: enabled or disabled first, then
    /// started or stopped. Both default to `true`, as in the Python tool.
    /// `changed` is true when anything ran.
    pub fn converge(name: impl AsRef<str>) -> Converge {
        Converge {
            unit: UnitCall::new("converge", name),
            started: true,
            enabled: true,
        }
    }
}

/// A [`Service`] method on one unit; converts into a `Call<ServiceResult>`.
#[derive(Debug, Clone)]
#[must_use = "a UnitCall does nothing until it is passed to Connection::call"]
pub struct UnitCall {
    method: &'static str,
    name: String,
    user: bool,
}

impl UnitCall {
    fn new(method: &'static str, name: impl AsRef<str>) -> UnitCall {
        UnitCall {
            method,
            name: name.as_ref().to_string(),
            user: false,
        }
    }

    /// Works on the remote user's own service manager (`systemctl --user`)
    /// instead of the system's.
    pub fn user(mut self) -> UnitCall {
        self.user = true;
        self
    }
}

impl From<UnitCall> for Call<ServiceResult> {
    fn from(u: UnitCall) -> Call<ServiceResult> {
        let call = Call::new(&SERVICE, u.method).arg(&u.name);
        if u.user {
            call.kwarg("user", &true)
        } else {
            call
        }
    }
}

/// Options of [`Service::converge`]; converts into a `Call<ServiceResult>`.
#[derive(Debug, Clone)]
#[must_use = "a Converge does nothing until it is passed to Connection::call"]
pub struct Converge {
    unit: UnitCall,
    started: bool,
    enabled: bool,
}

impl Converge {
    /// Whether the unit should be running (default `true`).
    pub fn started(mut self, started: bool) -> Converge {
        self.started = started;
        self
    }

    /// Whether the unit should be enabled (default `true`).
    pub fn enabled(mut self, enabled: bool) -> Converge {
        self.enabled = enabled;
        self
    }

    /// Works on the remote user's own service manager (`systemctl --user`).
    pub fn user(mut self) -> Converge {
        self.unit = self.unit.user();
        self
    }
}

impl From<Converge> for Call<ServiceResult> {
    fn from(c: Converge) -> Call<ServiceResult> {
        Call::from(c.unit)
            .kwarg("started", &c.started)
            .kwarg("enabled", &c.enabled)
    }
}

/// [`Service::daemon_reload`]; converts into a `Call<()>`.
#[derive(Debug, Clone)]
#[must_use = "a DaemonReload does nothing until it is passed to Connection::call"]
pub struct DaemonReload {
    user: bool,
}

impl DaemonReload {
    /// Reloads the remote user's own service manager (`systemctl --user`).
    pub fn user(mut self) -> DaemonReload {
        self.user = true;
        self
    }
}

impl From<DaemonReload> for Call<()> {
    fn from(d: DaemonReload) -> Call<()> {
        let call = Call::new(&SERVICE, "daemon_reload");
        if d.user {
            call.kwarg("user", &true)
        } else {
            call
        }
    }
}

/// A unit's state, as a [`Service`] method left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceResult {
    /// The unit as it was named (`nginx`, not `nginx.service`).
    pub name: String,
    /// Whether the unit is running: `active_state` is `active` or
    /// `reloading`.
    pub started: bool,
    /// What `systemctl is-active` says.
    pub active_state: ActiveState,
    /// Whether the unit is enabled: `enabled_state` is `enabled` or
    /// `enabled-runtime`.
    pub enabled: bool,
    /// What `systemctl is-enabled` says.
    pub enabled_state: EnabledState,
    /// Whether the call ran an action on the unit.
    pub changed: bool,
}

/// The activity of a unit, as `systemctl is-active` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ActiveState {
    /// Running (or, for a one-shot with `RemainAfterExit=`, done).
    Active,
    /// Running and reloading its configuration.
    Reloading,
    /// Not running.
    Inactive,
    /// Not running after a failure (exit status, signal, timeout…).
    Failed,
    /// Starting.
    Activating,
    /// Stopping.
    Deactivating,
    /// Being cleaned up (`systemctl clean`).
    Maintenance,
    /// A word this version of rmote does not know.
    Other(String),
}

/// What `systemctl is-enabled` says about a unit's installation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum EnabledState {
    /// Enabled through symlinks in `/etc` (permanently).
    Enabled,
    /// Enabled through symlinks in `/run` (until the next boot).
    EnabledRuntime,
    /// The unit file is linked into the unit path from elsewhere.
    Linked,
    /// Linked until the next boot.
    LinkedRuntime,
    /// The name is an alias of another unit.
    Alias,
    /// Masked: it cannot be started at all.
    Masked,
    /// Masked until the next boot.
    MaskedRuntime,
    /// No `[Install]` section: started only as another unit's dependency.
    Static,
    /// Enabling it enables other units (`Also=`), not this one.
    Indirect,
    /// Installable, and not enabled.
    Disabled,
    /// Made by a generator at boot.
    Generated,
    /// Created at run time, with no unit file.
    Transient,
    /// The unit file is invalid.
    Bad,
    /// No unit file of that name.
    NotFound,
    /// A word this version of rmote does not know.
    Other(String),
}

/// Both state enums: the systemctl word of each variant, and back.
macro_rules! words {
    ($ty:ident { $($variant:ident = $word:literal,)* }) => {
        impl $ty {
            /// The word systemctl prints for this state.
            pub fn as_str(&self) -> &str {
                match self {
                    $($ty::$variant => $word,)*
                    $ty::Other(word) => word,
                }
            }
        }

        impl From<String> for $ty {
            fn from(word: String) -> $ty {
                match word.as_str() {
                    $($word => $ty::$variant,)*
                    _ => $ty::Other(word),
                }
            }
        }

        impl From<$ty> for String {
            fn from(state: $ty) -> String {
                match state {
                    $ty::Other(word) => word,
                    known => known.as_str().to_string(),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

words!(ActiveState {
    Active = "active",
    Reloading = "reloading",
    Inactive = "inactive",
    Failed = "failed",
    Activating = "activating",
    Deactivating = "deactivating",
    Maintenance = "maintenance",
});

words!(EnabledState {
    Enabled = "enabled",
    EnabledRuntime = "enabled-runtime",
    Linked = "linked",
    LinkedRuntime = "linked-runtime",
    Alias = "alias",
    Masked = "masked",
    MaskedRuntime = "masked-runtime",
    Static = "static",
    Indirect = "indirect",
    Disabled = "disabled",
    Generated = "generated",
    Transient = "transient",
    Bad = "bad",
    NotFound = "not-found",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check<T>(word: &str, expected: T)
    where
        T: From<String> + Into<String> + fmt::Display + PartialEq + fmt::Debug + Clone,
    {
        let state = T::from(word.to_string());
        assert_eq!(state, expected);
        assert_eq!(state.to_string(), word);
        assert_eq!(Into::<String>::into(state), word);
    }

    #[test]
    fn states_are_systemctl_words() {
        check("active", ActiveState::Active);
        check("deactivating", ActiveState::Deactivating);
        check("refreshing", ActiveState::Other("refreshing".into()));
        check("enabled-runtime", EnabledState::EnabledRuntime);
        check("static", EnabledState::Static);
        check("not-found", EnabledState::NotFound);
        check("masked-runtime", EnabledState::MaskedRuntime);
        check("", EnabledState::Other(String::new()));
    }
}

# Service, a built-in rmote tool: query, start, stop, enable and disable
# systemd units through systemctl.
#
# Standard library only, CPython 3.6 and later; subprocess and logging are
# imported by the first call, not when the tool is loaded.
#
# Every method returns the unit's state as a dict with the fields of the Rust
# ServiceResult: name, started, active_state, enabled, enabled_state and
# changed. The state is always read from systemd, never assumed: after an
# action the unit is queried again, so a service that died right after its
# start reports started=False.
#
#  * started is what `systemctl is-active` says: true for "active" and
#    "reloading"; active_state is its word ("inactive", "failed",
#    "activating", ...).
#  * enabled is true only when `systemctl is-enabled` says "enabled" or
#    "enabled-runtime"; enabled_state is its word, "not-found" for a unit
#    without a unit file. (is-enabled also exits 0 for static, indirect,
#    alias, generated and transient units, which are not enabled: the exit
#    status is not used.)
#
# enable on a unit that cannot be enabled (static, indirect, generated,
# transient, masked, an alias name) raises ValueError without running
# anything, and an enable that still leaves the unit not enabled raises
# RuntimeError. disable leaves every unit that is not enabled alone; it
# undoes an "enabled-runtime" with --runtime.
#
# user=True works on the calling user's own manager (systemctl --user),
# which needs XDG_RUNTIME_DIR (or DBUS_SESSION_BUS_ADDRESS) to find it.
#
# Every command runs through one helper: an argument list (no shell) under
# LC_ALL=C, each command logged on the logger rmote.service as
# "running: systemctl ...", the child in a process group of its own that the
# runtime kills when the call is cancelled or the runtime ends.
import os

_RUNNING = ('active', 'reloading')
# Nothing runs and nothing is on its way: stop has nothing to do. A unit
# that is activating or deactivating is neither, so start and stop both run
# (and wait for the job systemd has under way).
_STOPPED = ('inactive', 'failed', 'maintenance')
_ENABLED = ('enabled', 'enabled-runtime')
# States `systemctl enable` cannot turn into "enabled", with the reason.
_CANNOT_ENABLE = {
    'static': 'it has no [Install] section and is started only as a dependency of other units',
    'generated': 'it was made by a generator at boot, not installed',
    'transient': 'it was created at run time and has no unit file',
    'masked': 'it is masked (unmask it first)',
    'masked-runtime': 'it is masked until the next boot (unmask it first)',
    'alias': 'this name is an alias: enable the unit it points to',
    'indirect': 'its [Install] section only names other units (Also=), or it is a template '
                'without a default instance: enable those units, or an instance',
}


class Service(object):

    @staticmethod
    def status(name, user=False):
        unit = _Unit(name, user)
        return unit.result(False)

    @staticmethod
    def start(name, user=False):
        unit = _Unit(name, user)
        if unit.started():
            return unit.result(False)
        unit.run('start')
        return unit.result(True)

    @staticmethod
    def stop(name, user=False):
        unit = _Unit(name, user)
        if unit.stopped():
            return unit.result(False)
        unit.run('stop')
        return unit.result(True)

    @staticmethod
    def restart(name, user=False):
        unit = _Unit(name, user)
        unit.run('restart')
        return unit.result(True)

    @staticmethod
    def reload(name, user=False):
        unit = _Unit(name, user)
        unit.run('reload')
        return unit.result(True)

    @staticmethod
    def enable(name, user=False):
        unit = _Unit(name, user)
        return unit.result(unit.set_enabled(True))

    @staticmethod
    def disable(name, user=False):
        unit = _Unit(name, user)
        return unit.result(unit.set_enabled(False))

    @staticmethod
    def daemon_reload(user=False):
        _check_scope(user)
        rc, out, err = _systemctl(['daemon-reload'], user)
        if rc != 0:
            raise _failure(['daemon-reload'], rc, err or out)

    @staticmethod
    def converge(name, started=True, enabled=True, user=False):
        for flag, what in ((started, 'started'), (enabled, 'enabled')):
            if not isinstance(flag, bool):
                raise TypeError('%s must be a bool, not %s' % (what, type(flag).__name__))
        unit = _Unit(name, user)
        # Enablement first, then the running state, as the reference does.
        changed = unit.set_enabled(enabled)
        if started and not unit.started():
            unit.run('start')
            changed = True
        elif not started and not unit.stopped():
            unit.run('stop')
            changed = True
        return unit.result(changed)


class _Unit(object):
    # One unit in one scope; caches what it read until an action runs.

    def __init__(self, name, user):
        if not isinstance(name, str):
            raise TypeError('a unit name must be str, not %s' % type(name).__name__)
        if not name or name.startswith('-') or '/' in name or any(
                c in name for c in '*?[]') or any(c.isspace() or c == '\0' for c in name):
            raise ValueError(
                'not a unit name: %r (one unit, e.g. "nginx" or "nginx.service"; no '
                'paths, patterns, blanks or leading "-")' % (name,))
        _check_scope(user)
        self.name = name
        self.user = user
        self._active = None
        self._enabled = None

    def active_state(self):
        if self._active is None:
            rc, out, err = _systemctl(['is-active', self.name], self.user)
            word = _first_word(out)
            # 0 for active or reloading, 3 (4 for a missing unit in some
            # versions) for any other state; anything else, or no state
            # printed, means systemctl could not ask systemd.
            if not word or rc not in (0, 3, 4):
                raise _failure(['is-active', self.name], rc, err or out)
            self._active = word
        return self._active

    def started(self):
        return self.active_state() in _RUNNING

    def stopped(self):
        return self.active_state() in _STOPPED

    def enabled_state(self):
        if self._enabled is None:
            rc, out, err = _systemctl(['is-enabled', self.name], self.user)
            word = _first_word(out)
            if not word:
                # systemd before 254 prints nothing for a unit without a
                # unit file, only "No such file or directory" on stderr;
                # later versions print "not-found" (and exit 4).
                if 'No such file or directory' in err:
                    word = 'not-found'
                else:
                    raise _failure(['is-enabled', self.name], rc, err)
            self._enabled = word
        return self._enabled

    def set_enabled(self, enabled):
        # Enables or disables the unit; whether anything ran.
        state = self.enabled_state()
        if (state in _ENABLED) == enabled:
            return False
        if not enabled:
            self.run('disable', '--runtime' if state == 'enabled-runtime' else None)
            after = self.enabled_state()
            if after == 'enabled-runtime':
                # Enabled both in /etc and in /run: the second goes too.
                self.run('disable', '--runtime')
                after = self.enabled_state()
            if after in _ENABLED:
                raise RuntimeError(
                    'systemctl disable %s ran, but the unit is still %s' % (self.name, after))
            return True
        if state in _CANNOT_ENABLE:
            raise ValueError('cannot enable %s: systemctl is-enabled says "%s": %s'
                             % (self.name, state, _CANNOT_ENABLE[state]))
        out = self.run('enable')
        after = self.enabled_state()
        if after not in _ENABLED:
            raise RuntimeError(
                'systemctl enable %s ran, but the unit is "%s" afterwards, not enabled%s'
                % (self.name, after, ':\n' + out if out else ''))
        return True

    def run(self, verb, option=None):
        # Runs a mutating verb on the unit, then forgets the cached state.
        args = [verb] + ([option] if option else []) + [self.name]
        rc, out, err = _systemctl(args, self.user)
        self._active = None
        self._enabled = None
        if rc != 0:
            raise _failure(args, rc, err or out)
        return (out + err).strip()

    def result(self, changed):
        active = self.active_state()
        enabled = self.enabled_state()
        return {
            'name': self.name,
            'started': active in _RUNNING,
            'active_state': active,
            'enabled': enabled in _ENABLED,
            'enabled_state': enabled,
            'changed': changed,
        }


def _systemctl(args, user):
    # Runs systemctl with `args`, logged; (exit status, stdout, stderr) as text.
    import rmote_runtime
    # No password prompt on a terminal nobody watches; English messages (the
    # caller reads them, and one is parsed above), no pager, no colours.
    argv = ['systemctl', '--no-ask-password'] + (['--user'] if user else []) + args
    env = dict(os.environ)
    env.update(LC_ALL='C', SYSTEMD_PAGER='', SYSTEMD_COLORS='0')
    try:
        return rmote_runtime.run(argv, 'rmote.service', env=env)
    except FileNotFoundError:
        raise NotImplementedError(
            'Service needs the systemctl program of systemd, and this host has none '
            '(not found in PATH=%s)' % os.environ.get('PATH', '')) from None


def _check_scope(user):
    if not isinstance(user, bool):
        raise TypeError('user must be a bool, not %s' % type(user).__name__)


def _first_word(text):
    words = text.split()
    return words[0] if words else ''


def _failure(args, rc, message):
    # The exception for a systemctl command that failed.
    command = 'systemctl ' + ' '.join(args)
    message = message.strip()
    if 'has not been booted with systemd' in message:
        return NotImplementedError(
            'Service needs a running systemd manager, and this host was not booted with '
            'systemd (%s: %s)' % (command, message.replace('\n', ' ')))
    return RuntimeError('%s failed (exit status %d):\n%s' % (command, rc, message))

# Apt, a built-in rmote tool: Debian packages through apt-get and dpkg.
# Debian, Ubuntu and their derivatives; needs root.
#
# Standard library only, CPython 3.6 and later; subprocess, re, time and
# logging are imported by the methods, not when the tool is loaded.
#
# Decisions are taken on fresh facts: every call asks dpkg-query for the
# package's state right before deciding, and again after changing it, so no
# snapshot can go stale between calls (or between the packages of one
# converge). Each command is logged (logger "rmote.apt", INFO, "running:
# ...") before it starts; the controller sees the records as tracing events,
# which is how the tests prove that a second run changes nothing.
#
# The commands run with the remote's own environment (proxies, locale,
# PATH), plus what a non-interactive run needs: DEBIAN_FRONTEND=noninteractive
# so debconf never asks, APT_LISTCHANGES_FRONTEND=none so no changelog pager
# starts, UCF_FORCE_CONFFOLD=1 and dpkg's --force-confdef --force-confold so
# a locally changed configuration file is kept, and the usual sbin and bin
# directories appended to PATH when missing, so that apt-get and dpkg are
# found from a sparse PATH (apt then gives dpkg a PATH of its own,
# DPkg::Path). Commands whose output is parsed also get LC_ALL=C, so that a
# translation cannot change what is read.
import os

PRESENT = 0
ABSENT = 1
LATEST = 2

STAMP = '/var/lib/apt/lists/.rmote-update'

# What apt reads its sources from: a change there makes the stamp stale.
_SOURCES = ('/etc/apt/sources.list', '/etc/apt/sources.list.d')

_SYSTEM_BIN = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')

_STATES = {'present': PRESENT, 'absent': ABSENT, 'latest': LATEST}

# dpkg states in which the package is installed and configured (pending
# triggers do not make it less installed).
_INSTALLED = ('installed', 'triggers-pending', 'triggers-awaited')

# dpkg states in which none of the package's files are on disk.
_GONE = ('not-installed', 'config-files')

# Lines an older apt-get update prints (with exit status 0) when a source
# could not be fetched or verified; newer ones fail with
# APT::Update::Error-Mode=any.
_UPDATE_FAILURES = ('W: Failed to fetch', 'W: GPG error', 'W: Some index files failed',
                    'W: An error occurred during the signature verification')


class Apt(object):

    @staticmethod
    def update(ttl=-1):
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError('ttl must be a number of seconds, not %r' % (ttl,))
        env = _environment()
        _require(env)
        if ttl >= 0 and _fresh(ttl):
            return False
        argv = _apt_get('-o', 'APT::Update::Error-Mode=any', 'update')
        rc, out, err = _run(argv, _parsing(env))
        failed = [line for line in err.splitlines() if line.startswith(_UPDATE_FAILURES)]
        if rc != 0 or failed:
            # The lists may be stale now: the next update with a ttl runs.
            try:
                os.unlink(STAMP)
            except OSError:
                pass
            raise RuntimeError('apt-get update failed (exit status %d):\n%s'
                               % (rc, _output(out, err)))
        _touch(STAMP)
        return True

    @staticmethod
    def package(package, state=None):
        name, version, state = _package(package, state)
        env = _environment()
        _require(env)
        return _converge_one(name, version, state, env)

    @staticmethod
    def converge(*packages):
        wanted = [_package(p, None) for p in packages]
        env = _environment()
        _require(env)
        return [_converge_one(name, version, state, env) for name, version, state in wanted]


def _converge_one(name, version, state, env):
    # One package brought to its state; the result as a dict with the Rust
    # PackageResult's field names.
    status, current = _status(name, env)
    installed = status in _INSTALLED
    if state == ABSENT:
        if status is None or status in _GONE:
            return _result(name, False, None)
        _change(['remove', '--purge', name], name, env)
        status, current = _status(name, env)
        if status is not None and status not in _GONE:
            raise RuntimeError('apt-get remove --purge %s succeeded but the package is still %s'
                               % (name, status))
        return _result(name, True, None)
    if state == PRESENT:
        if installed and (version is None or current == version):
            return _result(name, False, current)
        if version is None:
            _change(['install', name], name, env)
        else:
            # An explicit pin is the version wanted, older or not.
            _change(['install', '--allow-downgrades', '%s=%s' % (name, version)], name, env)
    else:
        if installed and not _upgradable(name, current, env):
            return _result(name, False, current)
        _change(['install', name], name, env)
    status, after = _status(name, env)
    if status not in _INSTALLED:
        raise RuntimeError('apt-get install %s succeeded but the package is %s'
                           % (name, status or 'unknown to dpkg'))
    if version is not None and after != version:
        raise RuntimeError('apt-get install %s=%s succeeded but version %s is installed'
                           % (name, version, after))
    return _result(name, not installed or after != current, after)


def _result(name, changed, version):
    return {'name': name, 'changed': changed, 'version': version}


def _package(value, state):
    # (name, version or None, state) from 'name', 'name=version' or a dict
    # with name, version and state; an explicit state wins over the
    # package's own, which defaults to PRESENT.
    if isinstance(value, str):
        name, sep, version = value.partition('=')
        own = PRESENT
        if not sep:
            version = None
    elif isinstance(value, dict):
        unknown = sorted(set(value) - set(('name', 'version', 'state')))
        if unknown:
            raise TypeError('unknown package fields: %s' % ', '.join(map(str, unknown)))
        name = value.get('name')
        version = value.get('version')
        own = _state(value.get('state', PRESENT))
        if not isinstance(name, str):
            raise TypeError('a package name must be str, not %s' % type(name).__name__)
        if version is not None and not isinstance(version, str):
            raise TypeError('a package version must be str, not %s' % type(version).__name__)
    else:
        raise TypeError('a package is a str ("name" or "name=version") or a dict, not %s'
                        % type(value).__name__)
    import re
    if not re.match(r'[a-z0-9][a-z0-9+.-]+(:[a-z0-9][a-z0-9-]*)?\Z', name):
        raise ValueError('invalid package name %r: Debian names are lower-case letters, '
                         'digits and + - . (at least two), optionally :architecture' % (name,))
    if version is not None and not re.match(r'[0-9A-Za-z][0-9A-Za-z.+~:-]*\Z', version):
        raise ValueError('invalid version %r for package %s' % (version, name))
    state = own if state is None else _state(state)
    if version is not None and state != PRESENT:
        raise ValueError('a version (%s=%s) can only be asked for with the state PRESENT'
                         % (name, version))
    return name, version, state


def _state(value):
    if isinstance(value, str) and value.lower() in _STATES:
        return _STATES[value.lower()]
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1, 2):
        return value
    raise ValueError('invalid package state %r: 0 (PRESENT), 1 (ABSENT) or 2 (LATEST)'
                     % (value,))


def _status(name, env):
    # (dpkg state, version) of an installed or known package, (None, None)
    # when dpkg has never heard of it.
    # One "status|version," per architecture; no newline in the format keeps
    # the logged command on one line.
    rc, out, err = _run(['dpkg-query', '--show', '--showformat=${Status}|${Version},', name],
                        _parsing(env))
    if rc != 0:
        if 'no packages found' in err:
            return None, None
        raise RuntimeError('dpkg-query --show %s failed (exit status %d):\n%s'
                           % (name, rc, _output(out, err)))
    found = []
    for entry in out.split(','):
        status, _, version = entry.strip().partition('|')
        words = status.split()
        if words:
            found.append((words[-1], version or None))
    if not found:
        return None, None
    # A Multi-Arch: same package has a line per architecture: installed if
    # any is.
    for status, version in found:
        if status in _INSTALLED:
            return status, version
    return found[0]


def _upgradable(name, current, env):
    # Whether apt's candidate for an installed package is newer than
    # `current` (a candidate pinned below it is not an upgrade).
    rc, out, err = _run(['apt-cache', 'policy', name], _parsing(env))
    if rc != 0:
        raise RuntimeError('apt-cache policy %s failed (exit status %d):\n%s'
                           % (name, rc, _output(out, err)))
    candidate = None
    for line in out.splitlines():
        key, _, value = line.strip().partition(':')
        if key == 'Candidate':
            candidate = value.strip()
            break
    if not candidate or candidate == '(none)' or candidate == current:
        return False
    rc, out, err = _run(['dpkg', '--compare-versions', candidate, 'gt', current or '0'],
                        _parsing(env))
    if rc not in (0, 1):
        raise RuntimeError('dpkg --compare-versions %s gt %s failed (exit status %d):\n%s'
                           % (candidate, current, rc, _output(out, err)))
    return rc == 0


def _change(args, name, env):
    options = []
    if args[0] == 'install':
        options = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold']
    rc, out, err = _run(_apt_get(*(options + args)), env)
    if rc != 0:
        raise RuntimeError('apt-get %s %s failed (exit status %d):\n%s'
                           % (args[0], name, rc, _output(out, err)))


def _apt_get(*args):
    # Waits up to a minute for another apt or dpkg (unattended-upgrades at
    # boot) instead of failing at once on the lock; older apt ignores the
    # option.
    return ['apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=60'] + list(args)


def _environment():
    env = dict(os.environ)
    path = [d for d in env.get('PATH', '').split(os.pathsep) if d]
    path += [d for d in _SYSTEM_BIN if d not in path]
    env['PATH'] = os.pathsep.join(path)
    env['DEBIAN_FRONTEND'] = 'noninteractive'
    env['APT_LISTCHANGES_FRONTEND'] = 'none'
    env['UCF_FORCE_CONFFOLD'] = '1'
    return env


def _parsing(env):
    env = dict(env)
    env['LC_ALL'] = 'C'
    return env


def _require(env):
    missing = [p for p in ('apt-get', 'apt-cache', 'dpkg', 'dpkg-query') if not _which(p, env)]
    if missing:
        raise NotImplementedError(
            'Apt needs apt-get and dpkg, and this host has no %s: not a Debian-like '
            'system, so Apt is not supported on this host' % ' or '.join(missing))


def _which(program, env):
    for d in env['PATH'].split(os.pathsep):
        path = os.path.join(d, program)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _fresh(ttl):
    # Whether the last successful update is younger than ttl seconds and
    # no source was added, changed or removed since.
    import time
    try:
        stamp = os.stat(STAMP).st_mtime
    except OSError:
        return False
    age = time.time() - stamp
    if age < 0 or age >= ttl:
        return False
    for path in _SOURCES:
        try:
            if os.stat(path).st_mtime > stamp:
                return False
            names = os.listdir(path) if os.path.isdir(path) else ()
        except OSError:
            continue
        for name in names:
            try:
                if os.stat(os.path.join(path, name)).st_mtime > stamp:
                    return False
            except OSError:
                continue
    return True


def _touch(path):
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, 'O_CLOEXEC', 0), 0o644))
    os.utime(path, None)


def _output(out, err):
    text = '\n'.join(s.strip() for s in (err, out) if s.strip())
    return text or '(no output)'


def _run(argv, env):
    # Runs argv (no shell) with its output captured, logged as
    # `running: …`; (status, stdout, stderr) as text.
    import rmote_runtime
    return rmote_runtime.run(argv, 'rmote.apt', env=env)

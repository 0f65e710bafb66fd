# Pacman, a built-in rmote tool: packages on Arch Linux (and anything else
# that has pacman), installed, upgraded and removed through pacman. Needs
# root.
#
# Standard library only, CPython 3.6 and later; subprocess, re, time and
# logging are imported by the methods, not when the tool is loaded.
#
# The state of a package is asked of pacman afresh for every decision
# (pacman -Q), so nothing is cached between calls. Every command is logged
# (logger "rmote.pacman", INFO, "running: ...") before it starts; the
# controller sees the records as tracing events, which is how the tests
# prove that a second identical call ran no -S or -R.
import os

PRESENT = 0
ABSENT = 1
LATEST = 2

_STATE_NAMES = {'present': PRESENT, 'absent': ABSENT, 'latest': LATEST}

_STAMP = '/var/lib/pacman/.rmote-update'

_SYSTEM_BIN = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')


class Pacman(object):

    @staticmethod
    def update(ttl=-1):
        import time
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError('ttl must be a number of seconds, not %s' % type(ttl).__name__)
        pacman = _pacman()
        if ttl >= 0:
            try:
                age = time.time() - os.stat(_STAMP).st_mtime
            except FileNotFoundError:
                age = None
            if age is not None and 0 <= age < ttl:
                return False
        _check([pacman, '--noconfirm', '-Sy'], 'pacman -Sy failed')
        with open(_STAMP, 'a'):
            pass
        os.utime(_STAMP, None)
        return True

    @staticmethod
    def package(package, state=None):
        return _apply(*_parse(package, state))

    @staticmethod
    def converge(*packages):
        # Everything is checked before anything is changed.
        parsed = [_parse(p, None) for p in packages]
        return [_apply(*p) for p in parsed]

    @staticmethod
    def query(name):
        _check_name(name)
        return _query(_pacman(), name)


def _parse(package, state):
    # (name, version or None, state): the explicit state wins, then the
    # package's own, then PRESENT.
    own = None
    if isinstance(package, str):
        name, sep, version = package.partition('=')
        if not sep:
            version = None
    elif isinstance(package, dict):
        unknown = set(package) - set(('name', 'version', 'state'))
        if unknown:
            raise ValueError('unknown package fields: %s' % ', '.join(sorted(unknown)))
        name = package.get('name')
        version = package.get('version')
        own = package.get('state')
    else:
        raise TypeError('a package must be a str (name or name=version) or a dict, not %s'
                        % type(package).__name__)
    _check_name(name)
    if version is not None:
        _check_version(name, version)
    if state is None:
        state = own
    state = PRESENT if state is None else _state(state)
    if version is not None and state != PRESENT:
        raise ValueError(
            'the version pin %s=%s goes only with PRESENT, not %s: LATEST takes the newest '
            'version and ABSENT removes any' % (name, version, _state_name(state)))
    return name, version, state


def _apply(name, version, state):
    pacman = _pacman()
    current = _query(pacman, name)
    if state == ABSENT:
        if current is None:
            return _result(name, False, '')
        _check([pacman, '--noconfirm', '-R', name], 'pacman -R %r failed' % name)
        return _result(name, True, '')
    if state == PRESENT:
        if current is not None and (version is None or _same_version(current, version)):
            return _result(name, False, current)
        target = name if version is None else '%s=%s' % (name, version)
        _install(pacman, target, version is not None)
    else:
        if current is not None and name not in _upgradable(pacman):
            return _result(name, False, current)
        _install(pacman, name, False)
    now = _query(pacman, name)
    if now is None or (version is not None and not _same_version(now, version)):
        raise RuntimeError('pacman -S %r succeeded, yet %s is installed at version %s'
                           % (name if version is None else '%s=%s' % (name, version),
                              name, now or '(none)'))
    return _result(name, now != current, now)


def _install(pacman, target, pinned):
    # --needed: a package already at the version asked for is skipped, not
    # reinstalled.
    rc, out, err = _run([pacman, '--noconfirm', '-S', '--needed', target])
    if rc != 0:
        hint = ''
        if pinned and 'target not found' in err:
            hint = ('\n(pacman installs a pinned version only when a configured repository '
                    'offers exactly that version)')
        raise RuntimeError('pacman -S %r failed (exit status %d):\n%s%s'
                           % (target, rc, _output(out, err), hint))


def _query(pacman, name):
    # The installed version of exactly this package, or None. pacman -Q also
    # answers for a name that an installed package provides (sh -> bash);
    # that package is not this one.
    rc, out, err = _run([pacman, '-Q', name])
    if rc == 0:
        fields = out.split()
        if len(fields) >= 2 and fields[0] == name:
            return fields[1]
        return None
    if rc == 1 and 'was not found' in err:
        return None
    raise RuntimeError('pacman -Q %r failed (exit status %d):\n%s' % (name, rc, _output(out, err)))


def _upgradable(pacman):
    # Names of installed packages a newer version of which the sync
    # databases offer (as of the last update).
    rc, out, err = _run([pacman, '-Qu'])
    if rc not in (0, 1) or (rc == 1 and err.strip()):
        raise RuntimeError('pacman -Qu failed (exit status %d):\n%s' % (rc, _output(out, err)))
    return _parse_upgradable(out)


def _parse_upgradable(text):
    # Lines "name old -> new". Those marked "[ignored]" (IgnorePkg) are left
    # out: pacman -S would not upgrade them, so asking again and again would
    # change nothing.
    names = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or line.startswith((' ', ':', 'warning', 'error')):
            continue
        if fields[-1] != '[ignored]':
            names.append(fields[0])
    return names


def _same_version(installed, pin):
    # pacman's own rule for name=version: a pin without a release (-1)
    # matches every release, a missing epoch is epoch 0.
    def split(v):
        epoch, sep, rest = v.partition(':')
        if not sep:
            epoch, rest = '0', v
        version, sep, release = rest.rpartition('-')
        if not sep:
            version, release = rest, None
        return epoch, version, release
    e1, v1, r1 = split(installed)
    e2, v2, r2 = split(pin)
    return e1 == e2 and v1 == v2 and (r2 is None or r1 == r2)


def _result(name, changed, version):
    return {'name': name, 'changed': changed, 'version': version}


def _state(state):
    if isinstance(state, str) and state.lower() in _STATE_NAMES:
        return _STATE_NAMES[state.lower()]
    if not isinstance(state, bool) and state in (PRESENT, ABSENT, LATEST):
        return state
    raise ValueError('invalid package state %r: 0 (PRESENT), 1 (ABSENT) or 2 (LATEST)' % (state,))


def _state_name(state):
    return {PRESENT: 'PRESENT', ABSENT: 'ABSENT', LATEST: 'LATEST'}[state]


def _check_name(name):
    # pacman's package names: letters, digits and @._+-, not starting with
    # a hyphen (an option) or a dot.
    import re
    if not isinstance(name, str):
        raise TypeError('a package name must be str, not %s' % type(name).__name__)
    if not re.match(r'[A-Za-z0-9@_+][A-Za-z0-9@._+-]*\Z', name):
        raise ValueError('invalid package name %r' % (name,))


def _check_version(name, version):
    import re
    if not isinstance(version, str):
        raise TypeError('a version must be str, not %s' % type(version).__name__)
    if not re.match(r'([0-9]+:)?[A-Za-z0-9._+~]+(-[0-9]+(\.[0-9]+)?)?\Z', version):
        raise ValueError('invalid version %r for %s: [epoch:]version[-release]'
                         % (version, name))


def _pacman():
    dirs = os.environ.get('PATH', '').split(os.pathsep) + list(_SYSTEM_BIN)
    for d in dirs:
        if d:
            path = os.path.join(d, 'pacman')
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    raise NotImplementedError(
        'Pacman needs the pacman package manager (Arch Linux); it is not installed, so this is '
        'not supported on this host')


def _run(argv):
    # Runs argv (no shell) with its output captured, logged, in the C locale
    # so that it reads the same everywhere; (status, stdout, stderr) as text.
    import rmote_runtime
    env = dict(os.environ)
    env['LC_ALL'] = 'C'
    return rmote_runtime.run(argv, 'rmote.pacman', env=env)


def _check(argv, what):
    rc, out, err = _run(argv)
    if rc != 0:
        raise RuntimeError('%s (exit status %d):\n%s' % (what, rc, _output(out, err)))


def _output(out, err):
    return '\n'.join(s.strip() for s in (err, out) if s.strip()) or '(no output)'

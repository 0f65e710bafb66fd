# User, a built-in rmote tool: local users and groups, their SSH keys and
# their sudo rules, through the shadow utilities (useradd, usermod, userdel,
# groupadd, groupmod, groupdel) and sudo's visudo. Linux; needs root.
#
# Standard library only, CPython 3.6 and later; pwd, grp, subprocess and
# logging are imported by the methods, not when the tool is loaded.
#
# Every method that changes something compares first and returns whether it
# changed anything, so a second identical call runs no command and writes no
# file. Each command is logged (logger "rmote.user", INFO, "running: ...")
# before it starts, and so is each file written or removed ("writing ...",
# "removing ..."): the controller sees them as tracing events, which is how
# the tests prove that a second run changed nothing.
#
# Files are replaced atomically: a temporary file in the same directory gets
# its content, owner and mode, then os.replace moves it over the old one.
import errno
import os
import stat as _st

import rmote_runtime

_LOGGER = 'rmote.user'

# Where programs are looked up besides PATH: a root shell has the sbin
# directories on its PATH, a login shell of an ordinary user may not.
_SYSTEM_BIN = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')

_SUDOERS_D = '/etc/sudoers.d'


class User(object):

    @staticmethod
    def present(name, uid=None, gid=None, comment='', home=None, shell='/bin/bash',
                groups=None, append_groups=True, system=False, create_home=True):
        import pwd
        _check_account_name(name, 'user')
        uid = _optional_id(uid, 'uid')
        gid = _resolve_gid(gid)
        comment = _optional_text(comment, 'comment')
        home = _optional_text(home, 'home')
        if home is not None and not home.startswith('/'):
            raise ValueError('home must be an absolute path, not %r' % (home,))
        shell = _optional_text(shell, 'shell')
        groups = _group_list(groups)
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            pw = None
        if pw is None:
            argv = [_program('useradd')]
            if uid is not None:
                argv += ['--uid', str(uid)]
            if gid is None:
                # useradd refuses to create the user's own group when a group
                # of that name exists already; that group is then the one.
                gid = _group_gid(name)
            if gid is not None:
                argv += ['--gid', str(gid)]
            if comment:
                argv += ['--comment', comment]
            if home is not None:
                argv += ['--home-dir', home]
            if shell:
                argv += ['--shell', shell]
            if groups:
                argv += ['--groups', ','.join(groups)]
            if system:
                argv.append('--system')
            argv.append('--create-home' if create_home and not system else '--no-create-home')
            argv.append(name)
            _check('useradd', name, argv)
            return _user_info(name, True)
        args = []
        if uid is not None and pw.pw_uid != uid:
            args += ['--uid', str(uid)]
        if gid is not None and pw.pw_gid != gid:
            args += ['--gid', str(gid)]
        if comment and pw.pw_gecos != comment:
            args += ['--comment', comment]
        if home is not None and pw.pw_dir != home:
            args += ['--home', home, '--move-home']
        if shell and pw.pw_shell != shell:
            args += ['--shell', shell]
        if groups is not None:
            current = set(_supplementary_groups(name))
            if append_groups:
                missing = [g for g in groups if g not in current]
                if missing:
                    args += ['--append', '--groups', ','.join(missing)]
            elif set(groups) != current:
                args += ['--groups', ','.join(groups)]
        if not args:
            return _user_info(name, False)
        _check('usermod', name, [_program('usermod')] + args + [name])
        return _user_info(name, True)

    @staticmethod
    def absent(name, remove_home=False):
        _check_account_name(name, 'user')
        if _lookup_user(name) is None:
            return False
        argv = [_program('userdel')]
        if remove_home:
            argv.append('--remove')
        argv.append(name)
        _check('userdel', name, argv)
        return True

    @staticmethod
    def lookup(name):
        _check_account_name(name, 'user')
        if _lookup_user(name) is None:
            return None
        return _user_info(name, False)

    @staticmethod
    def group_present(name, gid=None, system=False):
        _check_account_name(name, 'group')
        gid = _optional_id(gid, 'gid')
        current = _group_gid(name)
        if current is None:
            argv = [_program('groupadd')]
            if gid is not None:
                argv += ['--gid', str(gid)]
            if system:
                argv.append('--system')
            argv.append(name)
            _check('groupadd', name, argv)
            return _group_info(name, True)
        if gid is not None and current != gid:
            _check('groupmod', name, [_program('groupmod'), '--gid', str(gid), name])
            return _group_info(name, True)
        return _group_info(name, False)

    @staticmethod
    def group_absent(name):
        _check_account_name(name, 'group')
        if _group_gid(name) is None:
            return False
        _check('groupdel', name, [_program('groupdel'), name])
        return True

    @staticmethod
    def lookup_group(name):
        _check_account_name(name, 'group')
        if _group_gid(name) is None:
            return None
        return _group_info(name, False)

    @staticmethod
    def authorized_key(name, key, exclusive=False):
        import pwd
        _check_account_name(name, 'user')
        if not isinstance(key, str):
            raise TypeError('key must be str, not %s' % type(key).__name__)
        key = key.strip()
        if not key:
            raise ValueError('the key is empty')
        if '\n' in key or '\r' in key or '\0' in key:
            raise ValueError('a key must be one line; this one has a line break or NUL in it')
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            raise LookupError('no user named %r on this host' % (name,))
        uid, gid = pw.pw_uid, pw.pw_gid
        if not os.path.isdir(pw.pw_dir):
            raise FileNotFoundError(
                errno.ENOENT, 'The home directory of %s does not exist' % name, pw.pw_dir)
        ssh_dir = os.path.join(pw.pw_dir, '.ssh')
        changed = False
        st = rmote_runtime.lstat(ssh_dir)
        if st is None:
            _log('creating %s', ssh_dir)
            os.mkdir(ssh_dir, 0o700)
            os.chown(ssh_dir, uid, gid)
            os.chmod(ssh_dir, 0o700)
            changed = True
        else:
            _refuse_link(st, ssh_dir)
            if not _st.S_ISDIR(st.st_mode):
                raise FileExistsError(errno.EEXIST, 'Exists and is not a directory', ssh_dir)
            changed = rmote_runtime.fix_file(ssh_dir, st, 0o700, uid, gid, logger=_LOGGER)
        path = os.path.join(ssh_dir, 'authorized_keys')
        st = rmote_runtime.lstat(path)
        if st is None:
            old = None
        else:
            _refuse_link(st, path)
            if not _st.S_ISREG(st.st_mode):
                raise FileExistsError(errno.EEXIST, 'Exists and is not a regular file', path)
            with open(path, 'rb') as f:
                old = f.read().decode('utf-8', 'surrogateescape')
        text = old or ''
        if exclusive:
            new = key + '\n'
        elif any(line.strip() == key for line in text.split('\n')):
            new = text
        else:
            # A last line without its line break gets one first, or the key
            # would be glued to it.
            if text and not text.endswith('\n'):
                text += '\n'
            new = text + key + '\n'
        if old is not None and new == old:
            return rmote_runtime.fix_file(path, st, 0o600, uid, gid, logger=_LOGGER) or changed
        _replace_file(path, new.encode('utf-8', 'surrogateescape'), 0o600, uid, gid)
        return True

    @staticmethod
    def sudoer(name, nopasswd=True, absent=False):
        _check_sudoer_name(name)
        path = os.path.join(_SUDOERS_D, name)
        st = rmote_runtime.lstat(path)
        if absent:
            if st is None:
                return False
            _log('removing %s', path)
            os.unlink(path)
            return True
        rule = ('%s ALL=(ALL) %sALL\n' % (name, 'NOPASSWD: ' if nopasswd else '')).encode('utf-8')
        visudo = _program('visudo', 'User.sudoer needs visudo (from sudo) to check the rule')
        changed = _sudoers_directory()
        if st is not None:
            if _st.S_ISDIR(st.st_mode) or _st.S_ISLNK(st.st_mode):
                raise FileExistsError(
                    errno.EEXIST, 'Exists and is not a regular file; refusing to replace it',
                    path)
            with open(path, 'rb') as f:
                same = f.read() == rule
            if same:
                return rmote_runtime.fix_file(path, st, 0o440, 0, 0, logger=_LOGGER) or changed
        # The temporary name holds dots, so sudo skips it should it read the
        # directory before the rename.
        tmp = rmote_runtime.temp_file(path, rule, 0o440, 0, 0, fsync=True)
        try:
            rc, out, err = _run([visudo, '-c', '-f', tmp])
            if rc != 0:
                raise RuntimeError(
                    'visudo rejected the sudoers rule %r; nothing was installed:\n%s'
                    % (rule.decode('utf-8').strip(), _output(out, err).replace(tmp, '<rule>')))
            _log('writing %s', path)
            os.replace(tmp, path)
        except BaseException:
            rmote_runtime.discard(tmp)
            raise
        _warn_without_includedir()
        return True


def _log(message, *args):
    import logging
    logging.getLogger(_LOGGER).info(message, *args)


def _run(argv):
    # Runs argv (no shell) with its output captured, logged; (status,
    # stdout, stderr) with the output as text.
    return rmote_runtime.run(argv, _LOGGER)


def _check(command, name, argv):
    rc, out, err = _run(argv)
    if rc != 0:
        raise RuntimeError('%s %r failed (exit status %d):\n%s'
                           % (command, name, rc, _output(out, err)))


def _output(out, err):
    return '\n'.join(s.strip() for s in (err, out) if s.strip()) or '(no output)'


def _program(name, why=None):
    # The absolute path of a program; NotImplementedError when this host
    # does not have it, which is what "not supported here" looks like.
    dirs = os.environ.get('PATH', '').split(os.pathsep) + list(_SYSTEM_BIN)
    for d in dirs:
        if not d:
            continue
        path = os.path.join(d, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise NotImplementedError(
        '%s; %s is not installed, so this is not supported on this host'
        % (why or 'User needs %s of the shadow utilities' % name, name))


def _check_account_name(name, kind):
    # What the shadow utilities would misread rather than refuse: a name
    # that is empty, looks like an option, or would break /etc/passwd.
    if not isinstance(name, str):
        raise TypeError('a %s name must be str, not %s' % (kind, type(name).__name__))
    if not name or name.startswith('-') or name in ('.', '..') or any(
            c in name for c in ':,/\n\r\t\0 '):
        raise ValueError('invalid %s name %r' % (kind, name))


def _check_sudoer_name(name):
    # The name is both a sudoers user and the drop-in's file name. sudo skips
    # drop-ins whose name has a dot or ends in "~", so those would be
    # silently dead; "ALL" would grant every user, and an upper-case word is
    # read as an alias, not as a user.
    import re
    if not isinstance(name, str):
        raise TypeError('a sudoer name must be str, not %s' % type(name).__name__)
    if not re.match(r'[A-Za-z0-9_][A-Za-z0-9_-]*\Z', name):
        raise ValueError(
            'invalid sudoer name %r: it names the file in %s, which sudo ignores when it '
            'holds a dot or ends in "~"; use letters, digits, "_" and "-"' % (name, _SUDOERS_D))
    if re.match(r'[A-Z][A-Z0-9_]*\Z', name):
        raise ValueError('invalid sudoer name %r: sudo reads an upper-case word as an alias '
                         '(ALL: every user), not as a user name' % (name,))


def _optional_id(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('%s must be a non-negative int, not %r' % (what, value))
    return value


def _optional_text(value, what):
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError('%s must be str, not %s' % (what, type(value).__name__))
    if any(c in value for c in ':\n\r\0'):
        raise ValueError('%s must not contain ":", a line break or NUL: %r' % (what, value))
    return value


def _resolve_gid(gid):
    # A primary group given by number or by name, as a number; the group
    # must exist (useradd and usermod would refuse it anyway).
    import grp
    if gid is None:
        return None
    if isinstance(gid, str):
        _check_account_name(gid, 'group')
        try:
            return grp.getgrnam(gid).gr_gid
        except KeyError:
            raise LookupError('no group named %r on this host' % (gid,))
    gid = _optional_id(gid, 'gid')
    try:
        grp.getgrgid(gid)
    except KeyError:
        raise LookupError('no group with gid %d on this host' % gid)
    return gid


def _group_list(groups):
    # Supplementary groups: one str is one group, never its characters.
    import grp
    if groups is None:
        return None
    if isinstance(groups, str):
        groups = [groups]
    result = []
    for g in groups:
        _check_account_name(g, 'group')
        if g not in result:
            result.append(g)
    missing = []
    for g in result:
        try:
            grp.getgrnam(g)
        except KeyError:
            missing.append(g)
    if missing:
        raise LookupError('no such group on this host: %s' % ', '.join(missing))
    return result


def _lookup_user(name):
    import pwd
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _group_gid(name):
    import grp
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def _supplementary_groups(name):
    import grp
    return sorted(set(g.gr_name for g in grp.getgrall() if name in g.gr_mem))


def _user_info(name, changed):
    import pwd
    pw = pwd.getpwnam(name)
    return {
        'name': pw.pw_name,
        'uid': pw.pw_uid,
        'gid': pw.pw_gid,
        'comment': pw.pw_gecos,
        'home': pw.pw_dir,
        'shell': pw.pw_shell,
        'groups': _supplementary_groups(name),
        'changed': changed,
    }


def _group_info(name, changed):
    import grp
    g = grp.getgrnam(name)
    return {'name': g.gr_name, 'gid': g.gr_gid, 'members': sorted(g.gr_mem), 'changed': changed}


def _refuse_link(st, path):
    # Root following a link the user controls could read or overwrite any
    # file on the host.
    if _st.S_ISLNK(st.st_mode):
        raise OSError(errno.ELOOP, 'Is a symbolic link; refusing to follow it', path)


def _sudoers_directory():
    # /etc/sudoers.d, root's and mode 0750; whether it had to change.
    st = rmote_runtime.lstat(_SUDOERS_D)
    if st is None:
        _log('creating %s', _SUDOERS_D)
        os.mkdir(_SUDOERS_D, 0o750)
        os.chown(_SUDOERS_D, 0, 0)
        os.chmod(_SUDOERS_D, 0o750)
        return True
    if not _st.S_ISDIR(os.stat(_SUDOERS_D).st_mode):
        raise FileExistsError(errno.EEXIST, 'Exists and is not a directory', _SUDOERS_D)
    return rmote_runtime.fix_file(_SUDOERS_D, os.stat(_SUDOERS_D), 0o750, 0, 0, logger=_LOGGER)


def _warn_without_includedir():
    # A drop-in is dead unless /etc/sudoers reads the directory.
    import re
    import logging
    try:
        with open('/etc/sudoers', 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        return
    if not re.search(r'^[ \t]*[@#]includedir[ \t]+/etc/sudoers\.d/?[ \t]*$', text, re.M):
        logging.getLogger(_LOGGER).warning(
            '/etc/sudoers does not include %s: its rules have no effect', _SUDOERS_D)


def _replace_file(path, data, mode, uid, gid):
    _log('writing %s', path)
    rmote_runtime.replace_file(path, data, mode, uid, gid, fsync=True)

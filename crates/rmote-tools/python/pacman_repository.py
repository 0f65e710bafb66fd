# PacmanRepository, a built-in rmote tool: repository sections of
# /etc/pacman.conf and key files in /etc/pacman.d. Needs root.
#
# Standard library only, CPython 3.6 and later; re and logging are imported
# by the methods, not when the tool is loaded.
#
# A section is "[name]" up to the next section header, without the blank
# lines and comments that follow its last directive: those belong to what
# comes next, and are kept when the section is replaced or removed. Sections
# are compared by their directives (comments, spacing and the place of
# SigLevel aside), so a hand-written section that says the same thing is
# left alone. Files are replaced atomically (a temporary file in the same
# directory, given the old file's owner and mode, then os.replace), and each
# write is logged (logger "rmote.pacman_repository", INFO, "writing ...").
import errno
import os
import stat as _st

import rmote_runtime

_LOGGER = 'rmote.pacman_repository'

_CONF = '/etc/pacman.conf'
_KEYS = '/etc/pacman.d'

# Names pacman itself uses in /etc/pacman.d, and section names that are not
# repositories.
_RESERVED_FILES = ('mirrorlist', 'gnupg', 'hooks')
_RESERVED_SECTIONS = ('options', 'local')

_SIG_WORDS = ('Never', 'Optional', 'Required', 'TrustedOnly', 'TrustAll')


class PacmanRepository(object):

    @staticmethod
    def key(name, data):
        _check_file_name(name)
        if isinstance(data, str):
            data = data.encode('utf-8')
        elif isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
        else:
            raise TypeError('key data must be bytes or str, not %s' % type(data).__name__)
        _conf_path()
        changed = False
        if not os.path.isdir(_KEYS):
            _log('creating %s', _KEYS)
            os.makedirs(_KEYS, 0o755)
            os.chmod(_KEYS, 0o755)
            changed = True
        path = os.path.join(_KEYS, name)
        st = rmote_runtime.lstat(path)
        if st is not None:
            if not _st.S_ISREG(st.st_mode):
                raise FileExistsError(
                    errno.EEXIST, 'Exists and is not a regular file; refusing to replace it',
                    path)
            with open(path, 'rb') as f:
                same = f.read() == data
            if same:
                fixed = rmote_runtime.fix_file(path, st, 0o644, 0, 0, _LOGGER)
                return _result(name, fixed or changed)
        _replace_file(path, data, 0o644, 0, 0)
        return _result(name, True)

    @staticmethod
    def present(name, servers, sig_level='Optional TrustAll'):
        _check_section_name(name)
        servers = _servers(servers)
        sig_level = _sig_level(sig_level)
        section = ['[%s]' % name]
        if sig_level:
            section.append('SigLevel = %s' % sig_level)
        section += ['Server = %s' % s for s in servers]
        path = _conf_path()
        lines, ends, st = _read(path)
        found = _find(lines, name)
        if found is None:
            while lines and not lines[-1].strip():
                lines.pop()
            new = lines + ([''] if lines else []) + section
            ends = True
        else:
            start, end = found
            if _directives(lines[start + 1:end]) == _directives(section[1:]):
                return _result(name, False)
            new = lines[:start] + section + lines[end:]
        _write(path, new, ends, st, name)
        return _result(name, True)

    @staticmethod
    def absent(name):
        _check_section_name(name)
        path = _conf_path()
        lines, ends, st = _read(path)
        found = _find(lines, name)
        if found is None:
            return _result(name, False)
        start, end = found
        rest = lines[end:]
        head = lines[:start]
        # The blank lines that separated the section from what came before
        # go with it when a blank line (or the end) follows.
        if not rest or not rest[0].strip():
            while head and not head[-1].strip():
                head.pop()
        _write(path, head + rest, ends, st, name)
        return _result(name, True)


def _log(message, *args):
    import logging
    logging.getLogger(_LOGGER).info(message, *args)


def _result(name, changed):
    return {'name': name, 'changed': changed}


def _conf_path():
    if not os.path.exists(_CONF):
        raise NotImplementedError(
            'PacmanRepository needs pacman, and %s does not exist, so this is not supported on '
            'this host' % _CONF)
    # Write through a symbolic link, not over it.
    return os.path.realpath(_CONF)


def _check_file_name(name):
    # The name of a file in /etc/pacman.d: no way out of the directory, and
    # not one of pacman's own files there.
    import re
    if not isinstance(name, str):
        raise TypeError('a key name must be str, not %s' % type(name).__name__)
    if not re.match(r'[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*\Z', name) or '..' in name:
        raise ValueError('invalid key name %r: use letters, digits and _.@+- (it names a file '
                         'in %s)' % (name, _KEYS))
    if name in _RESERVED_FILES:
        raise ValueError('invalid key name %r: pacman uses %s/%s itself' % (name, _KEYS, name))


def _check_section_name(name):
    import re
    if not isinstance(name, str):
        raise TypeError('a repository name must be str, not %s' % type(name).__name__)
    if not re.match(r'[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*\Z', name) or '..' in name:
        raise ValueError('invalid repository name %r: use letters, digits and _.@+-' % (name,))
    if name in _RESERVED_SECTIONS:
        raise ValueError('invalid repository name %r: pacman reserves it' % (name,))


def _servers(servers):
    # One str is one server, never its characters.
    if isinstance(servers, str):
        servers = [servers]
    servers = list(servers)
    if not servers:
        raise ValueError('a repository needs at least one server')
    for s in servers:
        if not isinstance(s, str):
            raise TypeError('a server must be str, not %s' % type(s).__name__)
        if not s or any(c.isspace() for c in s) or '#' in s:
            raise ValueError('invalid server %r: a URL without spaces or "#"' % (s,))
    return servers


def _sig_level(level):
    # An unknown word would make pacman refuse the whole file.
    if not isinstance(level, str):
        raise TypeError('sig_level must be str, not %s' % type(level).__name__)
    words = level.split()
    for w in words:
        bare = w[len('Package'):] if w.startswith('Package') else (
            w[len('Database'):] if w.startswith('Database') else w)
        if bare not in _SIG_WORDS:
            raise ValueError('invalid SigLevel %r: %r is not one of %s, optionally prefixed with '
                             'Package or Database' % (level, w, ', '.join(_SIG_WORDS)))
    return ' '.join(words)


def _content(line):
    # A line as pacman reads it: without its comment and surrounding space.
    return line.split('#', 1)[0].strip()


def _find(lines, name):
    # (start, end) of the section [name]: its header line up to its last
    # directive, inclusive start and exclusive end; None when absent.
    header = '[%s]' % name
    starts = [i for i, line in enumerate(lines) if _content(line) == header]
    if not starts:
        return None
    if len(starts) > 1:
        raise ValueError('%s has %d sections [%s]; merge them by hand first'
                         % (_CONF, len(starts), name))
    start = starts[0]
    end = start + 1
    while end < len(lines) and not _content(lines[end]).startswith('['):
        end += 1
    while end > start + 1 and not _content(lines[end - 1]):
        end -= 1
    return start, end


def _directives(lines):
    # The section's directives as (key, value) pairs, SigLevel first, for
    # comparison: spacing and comments do not count, the order of servers
    # does.
    found = []
    for line in lines:
        text = _content(line)
        if not text:
            continue
        key, sep, value = text.partition('=')
        found.append((key.strip(), value.strip() if sep else None))
    return sorted(found, key=lambda d: d[0] != 'SigLevel')


def _read(path):
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'surrogateescape')
    st = os.stat(path)
    text = text.replace('\r\n', '\n')
    ends = text.endswith('\n')
    lines = text.split('\n')
    if ends:
        lines.pop()
    if lines == ['']:
        lines = []
    return lines, ends, st


def _write(path, lines, ends, st, name):
    text = '\n'.join(lines) + ('\n' if ends and lines else '')
    _replace_file(path, text.encode('utf-8', 'surrogateescape'), _st.S_IMODE(st.st_mode),
                  st.st_uid, st.st_gid, ' for [%s]' % name)


def _replace_file(path, data, mode, uid, gid, why=''):
    _log('writing %s%s', path, why)
    rmote_runtime.replace_file(path, data, mode, uid, gid, fsync=True)

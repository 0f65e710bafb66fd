# AptRepository, a built-in rmote tool: apt's package sources (DEB822
# .sources files) and the keys that sign them. Debian, Ubuntu and their
# derivatives; needs root.
#
# Standard library only, CPython 3.6 and later; re and logging are imported
# by the methods, not when the tool is loaded.
#
# Every method compares first and returns whether it changed anything, so a
# second identical call writes nothing. Each file written or removed is
# logged (logger "rmote.apt_repository", INFO, "writing ..." or
# "removing ..."), which is how the tests prove that a second run changed
# nothing. Files are replaced atomically: a temporary file in the same
# directory gets the content, mode 0644 (and owner root when running as
# root), then os.replace moves it over the old one.
#
# Names become file names, so they are checked: letters, digits, '_', '-'
# and '.', not starting with '.', the characters apt accepts in the name of
# a file under sources.list.d (it silently skips any other).
import errno
import os
import stat as _st

import rmote_runtime

KEYRINGS = '/etc/apt/keyrings'
SOURCES_D = '/etc/apt/sources.list.d'

_ARMOR = b'-----BEGIN PGP PUBLIC KEY BLOCK-----'


class AptRepository(object):

    @staticmethod
    def key(name, data):
        _require()
        _check_name(name, 'key')
        if isinstance(data, str):
            data = data.encode('utf-8')
        elif isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        elif not isinstance(data, bytes):
            raise TypeError('key data must be bytes, not %s' % type(data).__name__)
        # apt reads a keyring by its extension: an armored key in a .gpg
        # file (or the reverse) fails later with a confusing NO_PUBKEY.
        armored = data.lstrip().startswith(_ARMOR)
        if name.endswith('.asc'):
            if not armored:
                raise ValueError('key %r: a .asc keyring must hold an ASCII-armored key '
                                 '(-----BEGIN PGP PUBLIC KEY BLOCK-----)' % (name,))
        elif name.endswith(('.gpg', '.pgp')):
            if armored or not data:
                raise ValueError('key %r: a .gpg or .pgp keyring must hold a binary key '
                                 '(use a .asc name for an armored one)' % (name,))
        else:
            raise ValueError('key %r: the name must end in .asc (an armored key), .gpg or '
                             '.pgp (a binary one), as apt tells keyrings apart by extension'
                             % (name,))
        if not os.path.isdir(KEYRINGS):
            _log('creating %s', KEYRINGS)
            os.makedirs(KEYRINGS, 0o755, exist_ok=True)
            os.chmod(KEYRINGS, 0o755)
        changed = _put(os.path.join(KEYRINGS, name), data)
        return {'name': name, 'changed': changed}

    @staticmethod
    def present(name, *, types=('deb',), uris, suites, components=(), signed_by=''):
        _require()
        _check_name(name, 'repository')
        types = _items(types, 'types')
        uris = _items(uris, 'uris')
        suites = _items(suites, 'suites')
        components = _items(components, 'components', allow_empty=True)
        for t in types:
            if t not in ('deb', 'deb-src'):
                raise ValueError("types: %r is neither 'deb' nor 'deb-src'" % (t,))
        # A suite ending in '/' is a flat repository's path, which takes no
        # components; any other suite needs at least one.
        flat = [s.endswith('/') for s in suites]
        if all(flat):
            if components:
                raise ValueError('components must be empty for a flat repository (suites %s)'
                                 % ' '.join(suites))
        elif any(flat):
            raise ValueError('suites mix flat paths (ending in /) and distributions: %s'
                             % ' '.join(suites))
        elif not components:
            raise ValueError('components are needed for the suites %s' % ' '.join(suites))
        if not isinstance(signed_by, str):
            raise TypeError('signed_by must be str, not %s' % type(signed_by).__name__)
        if '\n' in signed_by or '\r' in signed_by:
            raise ValueError('signed_by must be one line: %r' % (signed_by,))
        lines = ['# Written by rmote (AptRepository.present); changes here are overwritten.',
                 'Types: ' + ' '.join(types),
                 'URIs: ' + ' '.join(uris),
                 'Suites: ' + ' '.join(suites)]
        if components:
            lines.append('Components: ' + ' '.join(components))
        if signed_by.strip():
            lines.append('Signed-By: ' + signed_by.strip())
        data = ('\n'.join(lines) + '\n').encode('utf-8')
        if not os.path.isdir(SOURCES_D):
            _log('creating %s', SOURCES_D)
            os.makedirs(SOURCES_D, 0o755, exist_ok=True)
            os.chmod(SOURCES_D, 0o755)
        changed = _put(os.path.join(SOURCES_D, name + '.sources'), data)
        return {'name': name, 'changed': changed}

    @staticmethod
    def absent(name):
        _require()
        _check_name(name, 'repository')
        path = os.path.join(SOURCES_D, name + '.sources')
        try:
            os.lstat(path)
        except FileNotFoundError:
            return {'name': name, 'changed': False}
        _log('removing %s', path)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return {'name': name, 'changed': False}
        return {'name': name, 'changed': True}


def _require():
    if not os.path.isdir('/etc/apt'):
        raise NotImplementedError(
            'AptRepository needs apt, and this host has no /etc/apt: not a Debian-like '
            'system, so AptRepository is not supported on this host')


def _check_name(name, kind):
    import re
    if not isinstance(name, str):
        raise TypeError('a %s name must be str, not %s' % (kind, type(name).__name__))
    if not re.match(r'[A-Za-z0-9_-][A-Za-z0-9_.-]*\Z', name) or len(name) > 200:
        raise ValueError('invalid %s name %r: use letters, digits, _ - and . (not first), '
                         'at most 200; apt ignores files with other names' % (kind, name))


def _items(value, what, allow_empty=False):
    # A list of words from a str (one item, never split into characters) or
    # a list or tuple of str.
    if isinstance(value, str):
        value = [value]
    elif not isinstance(value, (list, tuple)):
        raise TypeError('%s must be a str or a list of str, not %s' % (what, type(value).__name__))
    items = []
    for item in value:
        if not isinstance(item, str):
            raise TypeError('%s must be str, not %s' % (what, type(item).__name__))
        if not item or any(c.isspace() for c in item):
            raise ValueError('%s: %r must be one non-empty word (no spaces or line breaks)'
                             % (what, item))
        items.append(item)
    if not items and not allow_empty:
        raise ValueError('%s must name at least one item' % what)
    return items


def _put(path, data):
    # Makes the file at path hold data with mode 0644 (owner root:root when
    # running as root); whether anything changed.
    owner = 0 if os.geteuid() == 0 else None
    st = rmote_runtime.lstat(path)
    if st is not None and _st.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, 'Is a directory', path)
    if st is not None and _st.S_ISREG(st.st_mode) and st.st_size == len(data):
        with open(path, 'rb') as f:
            same = f.read(len(data) + 1) == data
        if same:
            return rmote_runtime.fix_file(path, st, 0o644, owner, owner, 'rmote.apt_repository')
    _log('writing %s', path)
    rmote_runtime.replace_file(path, data, 0o644, owner, owner)
    return True


def _log(message, *args):
    import logging
    logging.getLogger('rmote.apt_repository').info(message, *args)

# FileSystem, a built-in rmote tool: read, write and inspect files,
# directories and symbolic links on the remote.
#
# Standard library only, CPython 3.6 and later. The top level imports only
# modules the interpreter has loaded already; re, difflib, pathlib, pwd, grp
# and shutil are imported by the methods that need them.
#
# Every method that changes something returns whether it did, and changes
# nothing when the remote is already in the asked-for state. Files are
# replaced atomically: the new content goes to a temporary file in the same
# directory, which gets its mode and owner before os.replace moves it over
# the old one, so a reader sees the old or the new file and never a mix.
import errno
import os
import stat as _st

import rmote_runtime

FIRST = 0
ALL = 1


class FileSystem(object):

    @staticmethod
    def read_bytes(path):
        with open(path, 'rb') as f:
            return f.read()

    @staticmethod
    def read_str(path):
        with open(path, 'rb') as f:
            data = f.read()
        return _decode(data, path)

    @staticmethod
    def glob(path, pattern):
        import pathlib
        return sorted(set(str(p) for p in pathlib.Path(path).glob(pattern)))

    @staticmethod
    def line_in_file(path, line, regexp=None, strip=True, create=False, match=FIRST):
        if not isinstance(line, str):
            raise TypeError('line must be str, not %s' % type(line).__name__)
        if '\n' in line or '\r' in line:
            raise ValueError('line must not contain a line break: %r' % (line,))
        if match not in (FIRST, ALL):
            raise ValueError('match must be 0 (FIRST) or 1 (ALL), not %r' % (match,))
        target = os.path.realpath(path)
        st = rmote_runtime.lstat(target)
        if st is None:
            if not create:
                raise FileNotFoundError(
                    errno.ENOENT, 'No such file (pass create=True to create it)', path)
            text = ''
        elif _st.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, 'Is a directory', path)
        else:
            with open(target, 'rb') as f:
                text = _decode(f.read(), path)
        old, ends = _split_lines(text)
        new = list(old)
        found = False
        if regexp is not None:
            import re
            rx = re.compile(regexp)
            for i, current in enumerate(new):
                if rx.search(current):
                    found = True
                    new[i] = line
                    if match == FIRST:
                        break
        if not found and not _has_line(new, line, strip):
            new.append(line)
        if new == old:
            return ''
        data = ('\n'.join(new) + ('\n' if ends else '')).encode('utf-8')
        if st is None:
            rmote_runtime.replace_file(target, data, 0o644, None, None)
        else:
            rmote_runtime.replace_file(target, data, _st.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
        import difflib
        label = str(path)
        diff = difflib.unified_diff(
            [s + '\n' for s in old], [s + '\n' for s in new], label, label)
        return ''.join(diff)

    @staticmethod
    def write(path, content, mode=None, owner=None, group=None):
        if isinstance(content, str):
            data = content.encode('utf-8')
        elif isinstance(content, (bytes, bytearray, memoryview)):
            data = bytes(content)
        else:
            raise TypeError('content must be str or bytes, not %s' % type(content).__name__)
        _check_mode(mode)
        uid = _uid(owner)
        gid = _gid(group)
        # Write through a symbolic link, as an in-place write would, instead
        # of replacing the link itself with a file.
        target = os.path.realpath(path)
        st = rmote_runtime.lstat(target)
        if st is None:
            rmote_runtime.replace_file(target, data, 0o644 if mode is None else mode, uid, gid)
            return True
        if _st.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, 'Is a directory', path)
        if not _st.S_ISREG(st.st_mode):
            raise FileExistsError(
                errno.EEXIST, 'Exists and is not a regular file; refusing to replace it', path)
        want_mode = _st.S_IMODE(st.st_mode) if mode is None else mode
        if st.st_size == len(data) and _same_content(target, data):
            return rmote_runtime.fix_file(target, st, want_mode, uid, gid)
        rmote_runtime.replace_file(target, data, want_mode,
                      st.st_uid if uid is None else uid, st.st_gid if gid is None else gid)
        return True

    @staticmethod
    def directory(path, mode=None, owner=None, group=None):
        _check_mode(mode)
        uid = _uid(owner)
        gid = _gid(group)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        if st is not None:
            if not _st.S_ISDIR(st.st_mode):
                raise FileExistsError(errno.EEXIST, 'Exists and is not a directory', path)
            return rmote_runtime.fix_file(path, st, mode, uid, gid)
        missing = []
        head = os.path.abspath(path)
        while not os.path.exists(head):
            missing.append(head)
            parent = os.path.dirname(head)
            if parent == head:
                break
            head = parent
        for d in reversed(missing):
            try:
                # Private until it has its owner and mode.
                os.mkdir(d, 0o700)
            except FileExistsError:
                if os.path.isdir(d):
                    continue
                raise
            if uid is not None or gid is not None:
                os.chown(d, -1 if uid is None else uid, -1 if gid is None else gid)
            os.chmod(d, 0o755 if mode is None else mode)
        return True

    @staticmethod
    def symlink(path, target):
        if not isinstance(target, str) or not target:
            raise ValueError('the link target must be a non-empty str')
        st = rmote_runtime.lstat(path)
        if st is None:
            os.symlink(target, path)
            return True
        if not _st.S_ISLNK(st.st_mode):
            raise FileExistsError(
                errno.EEXIST, 'Exists and is not a symbolic link; refusing to replace it', path)
        if os.readlink(path) == target:
            return False
        while True:
            tmp = rmote_runtime.temp_name(path)
            try:
                os.symlink(target, tmp)
                break
            except FileExistsError:
                continue
        try:
            os.replace(tmp, path)
        except BaseException:
            rmote_runtime.discard(tmp)
            raise
        return True

    @staticmethod
    def absent(path, recursive=False):
        st = rmote_runtime.lstat(path)
        if st is None:
            return False
        try:
            if not _st.S_ISDIR(st.st_mode):
                os.unlink(path)
            elif recursive:
                if os.path.realpath(path) == '/':
                    raise ValueError('refusing to remove the root directory')
                import shutil
                shutil.rmtree(path)
            else:
                try:
                    os.rmdir(path)
                except OSError as e:
                    if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                        raise
                    raise OSError(
                        errno.ENOTEMPTY,
                        'Directory not empty (pass recursive=True to remove it with its contents)',
                        path)
        except FileNotFoundError:
            # Removed by someone else in the meantime: absent all the same.
            return False
        return True

    @staticmethod
    def stat(path):
        st = rmote_runtime.lstat(path)
        if st is None:
            return {
                'path': path, 'exists': False, 'size': 0, 'mode': 0, 'uid': 0, 'gid': 0,
                'mtime': 0.0, 'is_file': False, 'is_dir': False, 'is_symlink': False,
                'link_target': None,
            }
        link = _st.S_ISLNK(st.st_mode)
        return {
            'path': path,
            'exists': True,
            'size': st.st_size,
            'mode': _st.S_IMODE(st.st_mode),
            'uid': st.st_uid,
            'gid': st.st_gid,
            'mtime': st.st_mtime,
            'is_file': _st.S_ISREG(st.st_mode),
            'is_dir': _st.S_ISDIR(st.st_mode),
            'is_symlink': link,
            'link_target': os.readlink(path) if link else None,
        }


def _decode(data, path):
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as e:
        raise UnicodeDecodeError(
            e.encoding, e.object, e.start, e.end, '%s; %s is not UTF-8 text' % (e.reason, path))


def _split_lines(text):
    # Lines with universal newlines (\n, \r\n and \r end a line, as in text
    # mode), and whether the text ended with a line break. Other characters
    # that str.splitlines also breaks on (\f, \v, \x1c-\x1e, \x85, \u2028,
    # \u2029) stay inside their line, so rewriting a file keeps them.
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    if not text:
        return [], False
    lines = text.split('\n')
    ends = text.endswith('\n')
    if ends:
        lines.pop()
    return lines, ends


def _has_line(lines, line, strip):
    if strip:
        want = line.strip()
        return any(s.strip() == want for s in lines)
    return line in lines


def _same_content(path, data):
    with open(path, 'rb') as f:
        return f.read(len(data) + 1) == data


def _check_mode(mode):
    if mode is None:
        return
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o7777:
        raise ValueError('mode must be an int between 0 and 0o7777, not %r' % (mode,))


def _uid(owner):
    if owner is None:
        return None
    return _account(owner, 'user', lambda name: __import__('pwd').getpwnam(name).pw_uid)


def _gid(group):
    if group is None:
        return None
    return _account(group, 'group', lambda name: __import__('grp').getgrnam(name).gr_gid)


def _account(value, kind, lookup):
    # A user or group given as a name or a numeric id; a name is looked up
    # first, as chown(1) does, so an all-digit name still works.
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError('a %s id cannot be negative: %d' % (kind, value))
        return value
    if not isinstance(value, str):
        raise TypeError('a %s must be a name or an id, not %s' % (kind, type(value).__name__))
    try:
        return lookup(value)
    except KeyError:
        if value and all('0' <= c <= '9' for c in value):
            return int(value)
        raise LookupError('no %s named %r on this host' % (kind, value))

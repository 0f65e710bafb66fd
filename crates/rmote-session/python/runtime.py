# The rmote remote runtime (docs/PROTOCOL.md is the normative text).
#
# Stage 1 executes this module with one global, RMOTE, holding the settings.
# It must run on every CPython from 3.6 on, with the standard library only,
# and it stays lean: importing asyncio, logging or traceback costs tens of
# milliseconds and megabytes, so each is imported only when first needed.
# Full-line comments and blank lines are stripped by `cargo xtask
# bundle-bootstrap`; keep docstrings out so they cost nothing on the wire.
import sys
import os
import zlib
import _thread
from _struct import Struct, error as _StructError

__name__ = 'rmote_runtime'
PROTOCOL = 1
CFG = RMOTE
MAX_FRAME = CFG.get('max_frame', 262144)
MAX_MESSAGE = CFG.get('max_message', 268435456)
COMPRESS = CFG.get('compress', 4096)
MAX_THREADS = max(1, CFG.get('max_threads', 256))
HELLO, SYNC, CALL, CANCEL, OK, ERR, LOG = 1, 2, 3, 4, 5, 6, 7
F_ZLIB, F_MORE = 1, 2
HDR = Struct('>IBBI')
BIG = 65536

from _collections import deque as _deque
try:
    from _queue import SimpleQueue as _Queue, Empty as _Empty
except ImportError:
    from queue import Queue as _Queue, Empty as _Empty
try:
    from _contextvars import ContextVar
    _CUR = ContextVar('rmote_call', default=0)
except ImportError:
    class _Cur(_thread._local):
        v = 0

        def get(self):
            return self.v

        def set(self, v):
            old, self.v = self.v, v
            return old

        def reset(self, old):
            self.v = old
    _CUR = _Cur()


_lazy_lock = _thread.RLock()


def _lazy(names, src):
    # The bundle moves rarely needed code (errors, asyncio, logging, large
    # messages) into strings compiled on first use: start-up compiles less.
    # Each name stands in for the real definition until then.
    g = globals()

    def stand_in(name):
        def stub(*args, **kwargs):
            with _lazy_lock:
                if g[name] is stub:
                    exec(src, g)
            return g[name](*args, **kwargs)
        return stub
    for name in names:
        g[name] = stand_in(name)


class ProtocolError(Exception):
    pass


class MessageTooLarge(ValueError):
    pass


class EncodeError(TypeError):
    def __init__(self, msg):
        TypeError.__init__(self, msg)
        self.path = []

    def __str__(self):
        where = ''.join(self.path)
        return self.args[0] + (' at result' + where if where else '')


# ---------------------------------------------------------------- msgpack


_pk = {c: Struct('>' + c).pack for c in 'BHIbhiqQd'}
_pB, _pH, _pI, _pb, _ph, _pi, _pq, _pQ, _pd = (
    _pk['B'], _pk['H'], _pk['I'], _pk['b'], _pk['h'], _pk['i'], _pk['q'], _pk['Q'], _pk['d'])


def _pack_len(out, n, fix, fixmax, c16, c32):
    if n <= fixmax:
        out.append(fix | n)
    elif n < 65536:
        out.append(c16)
        out += _pH(n)
    else:
        out.append(c32)
        out += _pI(n)


def _pack(o, out, parts):
    t = type(o)
    if t is str:
        b = o.encode('utf-8')
        n = len(b)
        if n < 32:
            out.append(0xa0 | n)
        elif n < 256:
            out.append(0xd9)
            out.append(n)
        elif n < 65536:
            out.append(0xda)
            out += _pH(n)
        else:
            out.append(0xdb)
            out += _pI(n)
        out += b
    elif t is int:
        if 0 <= o < 128:
            out.append(o)
        elif -32 <= o < 0:
            out.append(o & 0xff)
        elif o < 0:
            if o >= -128:
                out.append(0xd0)
                out += _pb(o)
            elif o >= -32768:
                out.append(0xd1)
                out += _ph(o)
            elif o >= -2147483648:
                out.append(0xd2)
                out += _pi(o)
            elif o >= -9223372036854775808:
                out.append(0xd3)
                out += _pq(o)
            else:
                raise EncodeError('integer %d does not fit in 64 bits' % o)
        elif o < 256:
            out.append(0xcc)
            out.append(o)
        elif o < 65536:
            out.append(0xcd)
            out += _pH(o)
        elif o < 4294967296:
            out.append(0xce)
            out += _pI(o)
        elif o < 18446744073709551616:
            out.append(0xcf)
            out += _pQ(o)
        else:
            raise EncodeError('integer %d does not fit in 64 bits' % o)
    elif o is None:
        out.append(0xc0)
    elif o is True:
        out.append(0xc3)
    elif o is False:
        out.append(0xc2)
    elif t is float:
        out.append(0xcb)
        out += _pd(o)
    elif t is list or t is tuple:
        _pack_len(out, len(o), 0x90, 15, 0xdc, 0xdd)
        i = 0
        try:
            for i, v in enumerate(o):
                _pack(v, out, parts)
        except EncodeError as e:
            e.path.insert(0, '[%d]' % i)
            raise
    elif t is dict:
        _pack_len(out, len(o), 0x80, 15, 0xde, 0xdf)
        k = None
        try:
            for k, v in o.items():
                _pack(k, out, parts)
                _pack(v, out, parts)
        except EncodeError as e:
            e.path.insert(0, '[%r]' % (k,))
            raise
    elif t is bytes or t is bytearray or t is memoryview:
        if t is memoryview:
            o = o.cast('B') if o.c_contiguous else o.tobytes()
        n = len(o)
        if n < 256:
            out.append(0xc4)
            out.append(n)
        elif n < 65536:
            out.append(0xc5)
            out += _pH(n)
        else:
            out.append(0xc6)
            out += _pI(n)
        if n >= BIG:
            # Large payloads travel as their own part: no copy into `out`.
            parts.append(bytes(out))
            del out[:]
            parts.append(o)
        else:
            out += o
    else:
        _pack(_convert(o), out, parts)


#@lazy
def _convert(o):
    enum = sys.modules.get('enum')
    if enum is not None and isinstance(o, enum.Enum):
        return o.value
    t = type(o)
    if isinstance(o, bool):
        return bool(o)
    if isinstance(o, int):
        return int(o)
    if isinstance(o, float):
        return float(o)
    if isinstance(o, str):
        return str(o)
    if isinstance(o, tuple) and hasattr(t, '_fields'):
        return dict(zip(t._fields, o))
    if isinstance(o, (list, tuple)):
        return list(o)
    if isinstance(o, dict):
        return dict(o)
    if isinstance(o, (set, frozenset)):
        try:
            return sorted(o)
        except TypeError:
            return list(o)
    if isinstance(o, (bytes, bytearray)):
        return bytes(o)
    if hasattr(t, '__dataclass_fields__') and not isinstance(o, type):
        dc = sys.modules.get('dataclasses')
        if dc is not None:
            return dict((f.name, getattr(o, f.name)) for f in dc.fields(o))
    if hasattr(t, '__fspath__'):
        return os.fspath(o)
    if hasattr(t, 'keys') and hasattr(t, '__getitem__'):
        return dict((k, o[k]) for k in o.keys())
    raise EncodeError('cannot encode a value of type %s' % _qual(t))
#@end


def encode(o):
    out = bytearray()
    parts = []
    try:
        _pack(o, out, parts)
    except RecursionError:
        raise EncodeError('cannot encode a value nested too deeply (or containing itself)')
    parts.append(out)
    return parts


_size = {0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8}
_unpk = dict((c, Struct('>' + f).unpack_from) for c, f in zip(
    (0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3), 'fdBHIQbhiq'))
_U16 = Struct('>H').unpack_from
_U32 = Struct('>I').unpack_from


def _unpack(b, p):
    # One value at offset p of b (bytes, or a _Rope): (value, next offset).
    c = b[p]
    p += 1
    if c < 0x80:
        return c, p
    if c >= 0xe0:
        return c - 256, p
    if 0xa0 <= c < 0xc0:
        q = p + (c & 0x1f)
        if q > len(b):
            raise ProtocolError('truncated msgpack body')
        return str(b[p:q], 'utf-8'), q
    if c < 0xa0:
        if c < 0x90:
            return _unpack_map(b, p, c & 0x0f)
        out = []
        for _ in range(c & 0x0f):
            v, p = _unpack(b, p)
            out.append(v)
        return out, p
    if c == 0xc0:
        return None, p
    if c == 0xc2:
        return False, p
    if c == 0xc3:
        return True, p
    if c in _unpk:
        q = p + _size[c]
        if q > len(b):
            raise ProtocolError('truncated msgpack body')
        return _unpk[c](b[p:q])[0], q
    if c == 0xd9 or c == 0xc4:
        n = b[p]
        p += 1
    elif c == 0xda or c == 0xc5 or c == 0xdc or c == 0xde:
        n = _U16(b[p:p + 2])[0]
        p += 2
    elif c == 0xdb or c == 0xc6 or c == 0xdd or c == 0xdf:
        n = _U32(b[p:p + 4])[0]
        p += 4
    else:
        raise ProtocolError('msgpack type 0x%02x (extension types) is not supported' % c)
    if c >= 0xdc:
        if c >= 0xde:
            return _unpack_map(b, p, n)
        out = []
        for _ in range(n):
            v, p = _unpack(b, p)
            out.append(v)
        return out, p
    q = p + n
    if q > len(b):
        raise ProtocolError('truncated msgpack body')
    if c >= 0xd9:
        return str(b[p:q], 'utf-8'), q
    return bytes(b[p:q]), q


def _unpack_map(b, p, n):
    d = {}
    for _ in range(n):
        k, p = _unpack(b, p)
        d[k], p = _unpack(b, p)
    return d, p


def decode(b):
    try:
        v, p = _unpack(b, 0)
    except IndexError:
        raise ProtocolError('truncated msgpack body')
    except _StructError:
        raise ProtocolError('truncated msgpack body')
    if p != len(b):
        raise ProtocolError('trailing bytes after msgpack body')
    return v


# ---------------------------------------------------------------- output

_wlock = _thread.allocate_lock()
_wqueue = []
_wbulk = []
_wbusy = [False]
_wowner = [None]


def _write_all(parts):
    i = 0
    n_parts = len(parts)
    while i < n_parts:
        try:
            n = os.writev(WFD, parts[i:i + 512])
        except BlockingIOError:
            import select
            select.select([], [WFD], [])
            continue
        while n:
            size = len(parts[i])
            if n >= size:
                n -= size
                i += 1
            else:
                parts[i] = memoryview(parts[i])[n:]
                n = 0


def _flush(parts, bulk):
    # Whoever finds the writer idle writes for everybody: replies produced
    # while it writes are batched into its next writev. After each frame of a
    # bulk message the small replies go first, so one large transfer never
    # holds up the others for longer than a frame.
    with _wlock:
        if parts:
            _wqueue.extend(parts)
        if bulk is not None:
            _wbulk.append(bulk)
        if _wbusy[0]:
            return
        _wbusy[0] = True
        _wowner[0] = _thread.get_ident()
    try:
        while True:
            with _wlock:
                batch = _wqueue[:]
                del _wqueue[:]
                while not batch and _wbulk:
                    frame = next(_wbulk[0], None)
                    if frame is None:
                        del _wbulk[0]
                    else:
                        _wbulk.append(_wbulk.pop(0))
                        batch = frame
                if not batch:
                    _wbusy[0] = False
                    _wowner[0] = None
                    return
            _write_all(batch)
    except OSError:
        # The controller is gone: nothing left to do.
        _exit(0)


#@lazy
def _fragments(kind, fid, flags, parts, total):
    flags |= F_MORE
    sent = 0
    i = 0
    off = 0
    while sent < total:
        n = min(MAX_FRAME, total - sent)
        sent += n
        frame = [HDR.pack(n, kind, flags if sent < total else flags & ~F_MORE, fid)]
        while n:
            p = parts[i]
            avail = len(p) - off
            if avail <= n:
                frame.append(p if off == 0 else memoryview(p)[off:])
                n -= avail
                i += 1
                off = 0
            else:
                frame.append(memoryview(p)[off:off + n])
                off += n
                n = 0
        yield frame


def _sample(parts, n):
    out = b''
    for p in parts:
        out += bytes(p[:n - len(out)])
        if len(out) >= n:
            break
    return out
#@end


def send(kind, fid, parts):
    total = 0
    for p in parts:
        total += len(p)
    flags = 0
    if COMPRESS and total >= COMPRESS:
        if total <= BIG or _pays(_sample(parts, 16384), 1):
            raw = b''.join(parts)
            packed = zlib.compress(raw, 1 if total > BIG else 6)
            if len(packed) < total - total // 8:
                parts = [packed]
                total = len(packed)
                flags = F_ZLIB
    if total <= MAX_FRAME:
        parts.insert(0, HDR.pack(total, kind, flags, fid))
        _flush(parts, None)
    else:
        _flush(None, _fragments(kind, fid, flags, parts, total))


#@lazy
def _pays(data, level):
    return len(zlib.compress(data, level)) < len(data) - len(data) // 8
#@end


# ---------------------------------------------------------------- calls


class _Call(object):
    __slots__ = ('cancelled', 'callbacks', 'task')

    def __init__(self):
        self.cancelled = False
        self.callbacks = []
        self.task = None


_calls = {}
_children = set()
_children_lock = _thread.RLock()
_cancel_lock = _thread.allocate_lock()
_quitting = [False]


def call_id():
    return _CUR.get()


def cancelled():
    st = _calls.get(_CUR.get())
    return st is not None and st.cancelled


def on_cancel(fn):
    st = _calls.get(_CUR.get())
    if st is None:
        return
    with _cancel_lock:
        now = st.cancelled
        if not now:
            st.callbacks.append(fn)
    if now:
        fn()


class spawning(object):
    # Hold this while starting a child process and adopting it, so that the
    # runtime cannot exit in between and leave the child running.
    def __enter__(self):
        _children_lock.acquire()
        if _quitting[0]:
            _children_lock.release()
            raise RuntimeError('the runtime is exiting')
        return self

    def __exit__(self, *exc):
        _children_lock.release()


def adopt(proc):
    # `proc.kill()` runs when the call is cancelled or the runtime exits.
    with _children_lock:
        _children.add(proc)
    on_cancel(proc.kill)


def release(proc):
    with _children_lock:
        _children.discard(proc)


#@lazy
class _Group(object):
    # A child's process group, killed when its call is cancelled or the
    # runtime exits (grandchildren included).
    def __init__(self, pid):
        self.pid = pid
        self.done = False

    def kill(self):
        if self.done:
            return
        import signal
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass


class child(object):
    # `with rmote_runtime.child(argv, **popen_args) as p:` starts argv (never
    # through a shell) in a session of its own, under the runtime's lock, and
    # adopts its process group: a cancelled call, an exiting runtime or an
    # exception in the block kills the whole group.
    def __init__(self, argv, **popen_args):
        self.argv = argv
        self.popen_args = popen_args

    def __enter__(self):
        import subprocess
        with spawning():
            self.proc = subprocess.Popen(self.argv, start_new_session=True, **self.popen_args)
            self.group = _Group(self.proc.pid)
            adopt(self.group)
        # For a caller that must stop the child itself (a timeout).
        self.proc.kill_group = self.group.kill
        return self.proc

    def __exit__(self, kind, value, tb):
        if kind is not None:
            self.group.kill()
            self.proc.wait()
        self.group.done = True
        release(self.group)


def run(argv, logger=None, stdin=None, env=None, cwd=None, text=True):
    # Runs argv to completion with its output captured: (status, stdout,
    # stderr), as text unless `text` is false. With `logger`, the command is
    # logged first ('running: …'), which is how tools show what they do.
    import subprocess
    if logger:
        _tool_log(logger, 'running: %s', ' '.join(argv))
    if isinstance(stdin, str):
        stdin = stdin.encode('utf-8')
    with child(argv, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd) as p:
        out, err = p.communicate(stdin)
    if text:
        out = out.decode('utf-8', 'replace')
        err = err.decode('utf-8', 'replace')
    return p.returncode, out, err


def discard(path):
    # Removes `path` if it can: clean-up that must not hide the real error.
    try:
        os.unlink(path)
    except OSError:
        pass


def lstat(path):
    # The stat of `path` itself (a link is not followed), None when nothing
    # is there.
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def fix_file(path, st, mode, uid=None, gid=None, logger=None):
    # Gives the existing `path` (whose stat is `st`) its owner and mode where
    # they differ (None: leave as it is), logging each change on `logger`;
    # whether anything changed.
    changed = False
    if (uid is not None and uid != st.st_uid) or (gid is not None and gid != st.st_gid):
        if logger:
            _tool_log(logger, 'changing the owner of %s to %s:%s', path, uid, gid)
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
        changed = True
        # chown may have cleared the setuid and setgid bits.
        st = os.stat(path)
    if mode is not None and (st.st_mode & 0o7777) != mode:
        if logger:
            _tool_log(logger, 'changing the mode of %s to %o', path, mode)
        os.chmod(path, mode)
        changed = True
    return changed


def _tool_log(logger, message, *args):
    import logging
    logging.getLogger(logger).info(message, *args)


def temp_name(path):
    # A hidden, unpredictable name next to `path` (same directory, so that
    # os.replace stays on one file system).
    directory, name = os.path.split(path)
    return os.path.join(directory, '.%s.%s.rmote-tmp' % (name[:200], os.urandom(6).hex()))


def temp_file(path, data, mode, uid=None, gid=None, fsync=False):
    # A new file next to `path` (a hidden name no tool or daemon reads)
    # holding `data`, given its owner (where given) and then its mode (chown
    # clears setuid bits); returns its name.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0)
    while True:
        tmp = temp_name(path)
        try:
            fd = os.open(tmp, flags, 0o600)
            break
        except FileExistsError:
            continue
    try:
        with open(fd, 'wb') as f:
            f.write(data)
            f.flush()
            st = os.fstat(fd)
            if (uid is not None and uid != st.st_uid) or (gid is not None and gid != st.st_gid):
                os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
            os.fchmod(fd, mode)
            if fsync:
                os.fsync(fd)
    except BaseException:
        discard(tmp)
        raise
    return tmp


def replace_file(path, data, mode, uid=None, gid=None, fsync=False):
    # Makes `path` hold `data` atomically: a reader sees the old file or the
    # new one, never a mix (a temporary file, then rename).
    tmp = temp_file(path, data, mode, uid, gid, fsync)
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise
#@end


def _reply(fid, value):
    st = _calls.pop(fid, None)
    if st is not None and st.cancelled:
        return
    try:
        parts = encode(value)
        size = 0
        for p in parts:
            size += len(p)
        if size > MAX_MESSAGE:
            raise MessageTooLarge('a result of %d bytes exceeds the limit of %d bytes' % (
                size, MAX_MESSAGE))
    except Exception as e:
        send(ERR, fid, encode(_exc_body(e, False)))
        return
    send(OK, fid, parts)


def _reply_exc(fid, e):
    st = _calls.pop(fid, None)
    if st is not None and st.cancelled:
        return
    send(ERR, fid, encode(_exc_body(e, True)))


def _run(fid, fn, args, kwargs):
    if _quitting[0]:
        return
    token = _CUR.set(fid)
    try:
        result = fn(*args, **kwargs)
        if _is_coro(result):
            _start_async(fid, result)
            return
    except SystemExit as e:
        _reply(fid, None)
        _exit(e.code if isinstance(e.code, int) else 1, 2.0)
    except BaseException as e:
        _reply_exc(fid, e)
    else:
        _reply(fid, result)
    finally:
        _CUR.reset(token)


def _is_coro(o):
    return type(o).__name__ == 'coroutine' and hasattr(o, 'send')


class _Pool(object):
    # Up to CORE threads start on demand. More start only when queued calls
    # are stuck: a monitor, alive while calls wait, adds threads (doubling,
    # up to one per waiting call) whenever a whole tick passes with no call
    # completing. Blocking calls so never wait long for each other, while
    # quick calls share a few threads (fewer GIL hand-offs, less memory).
    # The tick is longer than the interpreter's GIL switch interval, so a
    # busy reader thread alone does not look like stuck calls.
    # The hot path takes no lock: an idle worker leaves a token in a deque
    # (atomic under the GIL) and a submitter claims one. A token can outlive
    # its worker's idleness (it picked up a queued call instead); the
    # monitor covers that case too. Idle threads retire.
    CORE = 2
    TICK = 0.02

    def __init__(self):
        self.q = _Queue()
        self.tokens = _deque()
        self.lock = _thread.allocate_lock()
        self.count = 0
        self.done = 0
        self.watching = False

    def submit(self, job):
        try:
            self.tokens.pop()
        except IndexError:
            with self.lock:
                if self.count < self.CORE:
                    self.count += 1
                    _thread.start_new_thread(self.work, (job,))
                    return
            self.q.put(job)
            self.watch_soon()
            return
        self.q.put(job)
        if not self.watching and self.q.qsize() > 1:
            self.watch_soon()

    def watch_soon(self):
        with self.lock:
            if self.watching:
                return
            self.watching = True
        _thread.start_new_thread(self.watch, ())

    def watch(self):
        import time
        last = -1
        while True:
            time.sleep(self.TICK)
            if self.q.empty():
                with self.lock:
                    self.watching = False
                # A call queued just now by a submitter that still saw the
                # monitor running must not be left unwatched.
                if self.q.empty():
                    return
                with self.lock:
                    if self.watching:
                        return
                    self.watching = True
                continue
            done = self.done
            if done == last:
                with self.lock:
                    grow = min(self.q.qsize(), MAX_THREADS - self.count, max(4, self.count))
                    self.count += grow
                for _ in range(grow):
                    _thread.start_new_thread(self.work, (None,))
            last = done

    def work(self, job):
        q = self.q
        while True:
            if job is not None:
                _run(*job)
                self.done += 1
                self.tokens.append(1)
            try:
                job = q.get(timeout=30)
            except _Empty:
                try:
                    self.tokens.pop()
                except IndexError:
                    # Every idle token is claimed: a call is on its way.
                    job = None
                    continue
                with self.lock:
                    self.count -= 1
                return


_pool = _Pool()
_loop = []
_loop_lock = _thread.allocate_lock()


#@lazy
def _get_loop():
    with _loop_lock:
        if not _loop:
            import asyncio
            loop = asyncio.new_event_loop()
            ready = _thread.allocate_lock()
            ready.acquire()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.release)
                loop.run_forever()
            _thread.start_new_thread(run, ())
            ready.acquire()
            _loop.append(loop)
    return _loop[0]


_starting = []
_start_scheduled = [False]


def _start_async(fid, coro):
    # Coroutines are handed to the loop in batches: one wake-up of the loop
    # thread starts every call queued since the last one.
    loop = _get_loop()
    with _loop_lock:
        _starting.append((fid, coro))
        if _start_scheduled[0]:
            return
        _start_scheduled[0] = True
    loop.call_soon_threadsafe(_start_batch, loop)


def _start_batch(loop):
    with _loop_lock:
        batch = _starting[:]
        del _starting[:]
        _start_scheduled[0] = False
    for fid, coro in batch:
        st = _calls.get(fid)
        if st is None or st.cancelled:
            coro.close()
            _calls.pop(fid, None)
            continue
        token = _CUR.set(fid)
        try:
            st.task = _new_task(loop, _await(fid, coro))
        finally:
            _CUR.reset(token)


def _new_task(loop, coro):
    # Python 3.12+ can run a task's first step at once: a call that never
    # awaits anything completes without another turn of the loop.
    if _EAGER[0]:
        try:
            import asyncio
            return asyncio.Task(coro, loop=loop, eager_start=True)
        except TypeError:
            _EAGER[0] = False
    return loop.create_task(coro)


_EAGER = [sys.version_info >= (3, 12)]


async def _await(fid, coro):
    import asyncio
    try:
        result = await coro
    except asyncio.CancelledError:
        _calls.pop(fid, None)
        return
    except SystemExit as e:
        _reply(fid, None)
        _exit(e.code if isinstance(e.code, int) else 1, 2.0)
    except BaseException as e:
        _reply_exc(fid, e)
    else:
        _reply(fid, result)
#@end


# ---------------------------------------------------------------- tools

_tools = {}
_methods = {}
_sources = {}


def _sync(key, name, source):
    if key in _tools:
        return
    modname = 'rmote.tools.' + key
    filename = '<rmote tool %s>' % key
    mod = type(sys)(modname)
    mod.__file__ = filename
    sys.modules[modname] = mod
    _sources[filename] = source
    try:
        exec(compile(source, filename, 'exec'), mod.__dict__)
        cls = mod.__dict__.get(name)
        if not isinstance(cls, type):
            raise LookupError('the source of tool %s defines no class %s' % (key, name))
        _tools[key] = cls
    except BaseException as e:
        _tools[key] = e
    _hook_logging()


def _resolve(key, method):
    entry = _methods.get((key, method))
    if entry is not None:
        return entry
    cls = _tools.get(key)
    if cls is None:
        raise LookupError('tool %s was never sent to this remote' % key)
    if isinstance(cls, BaseException):
        raise cls
    if method.startswith('_'):
        raise AttributeError('%s.%s is private' % (cls.__name__, method))
    raw = None
    for klass in cls.__mro__:
        if method in klass.__dict__:
            raw = klass.__dict__[method]
            break
    if raw is None:
        raise AttributeError('tool %s has no method %s' % (cls.__name__, method))
    fresh = not isinstance(raw, (staticmethod, classmethod)) and callable(raw)
    fn = getattr(cls, method)
    if not callable(fn):
        raise TypeError('%s.%s is not a method' % (cls.__name__, method))
    code = getattr(getattr(raw, '__func__', raw), '__code__', None)
    is_async = code is not None and bool(code.co_flags & 0x80)
    entry = (cls, fn, fresh, is_async)
    _methods[(key, method)] = entry
    return entry


def _call(fid, body):
    if _quitting[0]:
        return
    try:
        key, method, args, kwargs = decode(body)
        cls, fn, fresh, is_async = _resolve(key, method)
        if fresh:
            fn = getattr(cls(), method)
    except BaseException as e:
        _calls[fid] = _Call()
        _reply_exc(fid, e)
        return
    _calls[fid] = _Call()
    if is_async:
        token = _CUR.set(fid)
        try:
            coro = fn(*args, **kwargs)
        except BaseException as e:
            _reply_exc(fid, e)
            return
        finally:
            _CUR.reset(token)
        _start_async(fid, coro)
    else:
        _pool.submit((fid, fn, args, kwargs))


#@lazy
def _cancel(fid):
    st = _calls.get(fid)
    if st is None:
        return
    with _cancel_lock:
        if st.cancelled:
            return
        st.cancelled = True
        callbacks = st.callbacks[:]
    for fn in callbacks:
        try:
            fn()
        except Exception:
            pass
    if _loop:
        # Through the loop, so that a task being started right now is seen.
        _loop[0].call_soon_threadsafe(_cancel_task, st)


def _cancel_task(st):
    if st.task is not None:
        st.task.cancel()
#@end


# ---------------------------------------------------------------- errors


#@lazy
def _qual(t):
    mod = getattr(t, '__module__', None) or '?'
    return mod + '.' + getattr(t, '__qualname__', t.__name__)


def _safe_str(o):
    try:
        return str(o)
    except Exception:
        return '<unprintable %s>' % type(o).__name__


def _exc_body(e, with_tb):
    t = type(e)
    errno = getattr(e, 'errno', None)
    if not isinstance(errno, int):
        errno = None
    filename = getattr(e, 'filename', None)
    attrs = {}
    for k, v in list(getattr(e, '__dict__', {}).items()):
        if k.startswith('_'):
            continue
        try:
            encode(v)
        except Exception:
            v = _safe_str(v)
        attrs[str(k)] = v
    tb = ''
    if with_tb:
        tb = _format_tb(e)
    import errno as errno_mod
    return {
        'type': _qual(t),
        'mro': [_qual(c) for c in t.__mro__ if c is not object],
        'message': _safe_str(e),
        'errno': errno,
        'errno_name': errno_mod.errorcode.get(errno) if errno is not None else None,
        'filename': None if filename is None else _safe_str(filename),
        'traceback': tb,
        'attrs': attrs,
    }


def _format_tb(e):
    try:
        import linecache
        import traceback
        for fn, src in list(_sources.items()):
            linecache.cache[fn] = (len(src), None, src.splitlines(True), fn)
        tb = e.__traceback__
        # Drop the runtime's own frames from the top of the traceback.
        while tb is not None and tb.tb_frame.f_globals.get('__name__') == 'rmote_runtime':
            tb = tb.tb_next
        return ''.join(traceback.format_exception(type(e), e, tb))
    except Exception:
        return ''
#@end


# ---------------------------------------------------------------- logging

_log_level = [CFG.get('log_level', 30)]
_log_hooked = [False]


#@lazy
def _record(name, level, message, exc, fn=None, line=None, func=None, created=None):
    import time
    send(LOG, _CUR.get(), encode({
        'name': name, 'level': level, 'message': message,
        'created': created if created is not None else time.time(),
        'thread': _thread_name(), 'file': fn, 'line': line, 'function': func, 'exc': exc,
    }))


def _thread_name():
    th = sys.modules.get('threading')
    if th is None:
        return None
    try:
        return th.current_thread().name
    except Exception:
        return None


def _hook_logging():
    if _log_hooked[0] or 'logging' not in sys.modules:
        return
    _log_hooked[0] = True
    import logging

    class Forward(logging.Handler):
        def emit(self, r):
            try:
                exc = None
                if r.exc_info:
                    exc = logging.Formatter().formatException(r.exc_info)
                elif r.exc_text:
                    exc = r.exc_text
                _record(r.name, r.levelno, r.getMessage(), exc, r.pathname, r.lineno,
                        r.funcName, r.created)
            except Exception:
                pass
    root = logging.getLogger()
    root.addHandler(Forward())
    root.setLevel(_log_level[0])
#@end


class _LoggingImport(object):
    # Importing logging costs milliseconds and megabytes, so the runtime does
    # not; this finder installs the forwarding handler right after a tool
    # first imports it, before any record can be lost.
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != 'logging':
            return None
        sys.meta_path.remove(cls)
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, 'find_spec', None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        spec.loader = _HookedLoader(spec.loader)
        return spec


#@lazy
class _HookedLoader(object):
    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        self.real.exec_module(module)
        sys.modules[module.__name__] = module
        _hook_logging()

    def __getattr__(self, name):
        return getattr(self.real, name)
#@end


def log_level():
    lg = sys.modules.get('logging')
    if lg is not None and _log_hooked[0]:
        return lg.getLogger().level
    return _log_level[0]


class _Lines(object):
    # Replaces sys.stdout and sys.stderr: each complete line becomes a LOG
    # record of logger `stdout` (INFO) or `stderr` (WARNING).
    encoding = 'utf-8'
    errors = 'strict'

    def __init__(self, name, level):
        self.name = name
        self.level = level
        self.buf = ''
        self.lock = _thread.allocate_lock()

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError('write() argument must be str, not %s' % type(s).__name__)
        with self.lock:
            self.buf += s
            if '\n' not in self.buf:
                return len(s)
            lines = self.buf.split('\n')
            self.buf = lines.pop()
        for line in lines:
            self.emit(line)
        return len(s)

    def emit(self, line):
        if self.level >= log_level():
            _record(self.name, self.level, line, None)

    def flush(self):
        with self.lock:
            line, self.buf = self.buf, ''
        if line:
            self.emit(line)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def isatty(self):
        return False

    def fileno(self):
        return 1 if self.name == 'stdout' else 2

    def writable(self):
        return True


# ---------------------------------------------------------------- main loop


def _exit(code, drain=0.0):
    # Ends the process: no new call starts, children are killed, and (when
    # `drain` is given) replies already queued are written first.
    _quitting[0] = True
    locked = _children_lock.acquire(True, 2.0)
    for p in list(_children):
        try:
            p.kill()
        except Exception:
            pass
    if drain and _wowner[0] != _thread.get_ident():
        import time
        deadline = time.time() + drain
        while _wbusy[0] and time.time() < deadline:
            time.sleep(0.001)
    if locked:
        _children_lock.release()
    os._exit(code)


#@lazy
def _fatal(msg):
    try:
        os.write(2, ('rmote: fatal: %s\n' % msg).encode('utf-8', 'replace'))
    finally:
        _exit(92)
#@end


def _dispatch(kind, fid, body):
    if kind == CALL:
        _call(fid, body)
    elif kind == CANCEL:
        _cancel(fid)
    elif kind == SYNC:
        try:
            key, name, source = decode(body)
        except Exception as e:
            send(ERR, 0, encode(_exc_body(e, True)))
            return
        _sync(key, name, source)
    else:
        err = ProtocolError('unexpected frame kind %d' % kind)
        send(ERR, fid, encode(_exc_body(err, False)))


#@lazy
class _Rope(object):
    # A large message as the list of chunks it was read in, so that it is
    # never joined: decoding slices it, and only a slice that crosses chunks
    # is copied (once, into the bytes the tool receives).
    __slots__ = ('chunks', 'starts', 'size')

    def __init__(self, chunks):
        self.chunks = chunks
        self.starts = []
        size = 0
        for c in chunks:
            self.starts.append(size)
            size += len(c)
        self.size = size

    def __len__(self):
        return self.size

    def _find(self, i):
        import bisect
        return bisect.bisect_right(self.starts, i) - 1

    def __getitem__(self, i):
        if not isinstance(i, slice):
            k = self._find(i)
            return self.chunks[k][i - self.starts[k]]
        start, stop = i.start, min(i.stop, self.size)
        if start >= stop:
            return b''
        k = self._find(start)
        out = []
        while start < stop:
            c = self.chunks[k]
            lo = start - self.starts[k]
            hi = min(len(c), stop - self.starts[k])
            out.append(memoryview(c)[lo:hi])
            start += hi - lo
            k += 1
        return out[0].tobytes() if len(out) == 1 else b''.join(out)

    def join(self):
        return b''.join(self.chunks)
#@end


def _read_loop():
    buf = b''
    pos = 0
    partial = {}
    held = [0]
    unpack = HDR.unpack_from
    read = os.read
    while True:
        avail = len(buf) - pos
        if avail >= 10:
            n, kind, flags, fid = unpack(buf, pos)
            if n > MAX_FRAME:
                _fatal('frame of %d bytes exceeds the limit of %d bytes' % (n, MAX_FRAME))
            if flags & ~3:
                _fatal('frame header has reserved flag bits set (0x%02x)' % flags)
            if avail >= 10 + n:
                body = buf[pos + 10:pos + 10 + n]
                pos += 10 + n
                _frame(kind, flags, fid, [body], n, partial, held)
                continue
            if n >= BIG:
                # The rest of a large frame is read as it comes: no copies.
                chunks = [memoryview(buf)[pos + 10:]]
                need = n - (avail - 10)
                buf = b''
                pos = 0
                while need:
                    c = read(RFD, min(need, 1048576))
                    if not c:
                        return
                    chunks.append(c)
                    need -= len(c)
                _frame(kind, flags, fid, chunks, n, partial, held)
                continue
        chunk = read(RFD, 65536)
        if not chunk:
            return
        buf = buf[pos:] + chunk if pos < len(buf) else chunk
        pos = 0


def _frame(kind, flags, fid, chunks, n, partial, held):
    key = (kind, fid)
    if flags & F_MORE or key in partial:
        entry = partial.get(key)
        if entry is None:
            entry = partial[key] = [flags & F_ZLIB, []]
        elif entry[0] != flags & F_ZLIB:
            _fatal('fragments of one message disagree on compression')
        held[0] += n
        if held[0] > MAX_MESSAGE:
            _fatal('message of at least %d bytes exceeds the limit of %d bytes' % (
                held[0], MAX_MESSAGE))
        entry[1].extend(chunks)
        if flags & F_MORE:
            return
        del partial[key]
        chunks = entry[1]
        for c in chunks:
            held[0] -= len(c)
    if len(chunks) == 1:
        body = chunks[0]
    elif flags & F_ZLIB:
        body = b''.join(chunks)
    else:
        body = _Rope(chunks)
    if flags & F_ZLIB:
        d = zlib.decompressobj()
        try:
            body = d.decompress(body, MAX_MESSAGE)
        except zlib.error:
            _fatal('compressed message body is corrupt')
        if d.unconsumed_tail:
            _fatal('message exceeds the limit of %d bytes once decompressed' % MAX_MESSAGE)
    try:
        _dispatch(kind, fid, body)
    except Exception as e:
        try:
            send(ERR, fid, encode(_exc_body(e, True)))
        except Exception:
            pass


def _hello():
    u = os.uname()
    v = sys.version_info
    return encode({
        'protocol': PROTOCOL,
        'python': [v[0], v[1], v[2], v[3], v[4]],
        'implementation': sys.implementation.name,
        'platform': sys.platform,
        'machine': u.machine,
        'hostname': u.nodename,
        'pid': os.getpid(),
        'executable': sys.executable or '',
    })


def _setup():
    global RFD, WFD
    # `-c` puts the working directory first on sys.path: a planted asyncio.py
    # there must not be imported by the runtime's lazy imports.
    if sys.path and sys.path[0] in ('', '.', os.getcwd()):
        del sys.path[0]
    RFD = os.dup(0)
    WFD = os.dup(1)
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        # A minimal root without /dev: stdin reads EOF from a closed pipe,
        # and what children print goes to stderr (the controller's tail).
        r, w = os.pipe()
        os.close(w)
        os.dup2(r, 0)
        os.close(r)
        os.dup2(2, 1)
    try:
        import fcntl
        for fd in (RFD, WFD):
            fcntl.fcntl(fd, 1031, 1048576)
    except Exception:
        pass
    if 'logging' in sys.modules:
        _hook_logging()
    else:
        sys.meta_path.insert(0, _LoggingImport)
    sys.stdout = _Lines('stdout', 20)
    sys.stderr = _Lines('stderr', 30)
    me = type(sys)('rmote_runtime')
    for name in ('call_id', 'cancelled', 'on_cancel', 'spawning', 'adopt', 'release', 'child',
                 'run', 'discard', 'lstat', 'fix_file', 'temp_name', 'temp_file',
                 'replace_file', 'encode',
                 'decode', 'log_level', 'PROTOCOL'):
        setattr(me, name, globals()[name])
    sys.modules['rmote_runtime'] = me


def _main():
    _setup()
    hello = _hello()
    hello.insert(0, ('rmote-ready %s\n' % CFG['nonce']).encode('ascii'))
    hello.insert(1, HDR.pack(sum(len(p) for p in hello[1:]), HELLO, 0, 0))
    _flush(hello, None)
    try:
        _read_loop()
    except BaseException as e:
        _fatal('%s: %s' % (type(e).__name__, e))
    _exit(0)


_main()

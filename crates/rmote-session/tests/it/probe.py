# A tool for the session tests: each method exercises one behaviour of the
# runtime. Standard library only; runs on CPython 3.6 and newer.
import os
import sys
import time
import threading

_barriers = {}
_lock = threading.Lock()


class Probe:
    @staticmethod
    def echo(value):
        return value

    @staticmethod
    def one():
        return 1

    @staticmethod
    async def aecho(value):
        return value

    @staticmethod
    def args(*args, **kwargs):
        return {'args': list(args), 'kwargs': kwargs}

    @staticmethod
    def types(value):
        return type(value).__name__

    @staticmethod
    def unencodable():
        return {'fine': 1, 'bad': [1, object()]}

    @staticmethod
    def crash(code, message=''):
        if message:
            os.write(2, message.encode() + b'\n')
        os._exit(code)

    @staticmethod
    def child_writes_stdout():
        os.system('echo garbage from a child; printf "\\000\\000\\000\\005junk"')
        return 'ok'

    @staticmethod
    def prints(text):
        print(text)
        print('partial', end='')
        sys.stdout.flush()
        return 'ok'

    @staticmethod
    def sleep(seconds):
        time.sleep(seconds)
        return seconds

    @staticmethod
    def sleep_until_cancelled(marker, seconds):
        import rmote_runtime
        rmote_runtime.on_cancel(lambda: open(marker, 'w').write('cancelled'))
        open(marker + '.started', 'w').close()
        deadline = time.time() + seconds
        while time.time() < deadline and not rmote_runtime.cancelled():
            time.sleep(0.01)
        return 'finished'

    @staticmethod
    async def asleep(marker, seconds):
        import asyncio
        open(marker + '.started', 'w').close()
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            with open(marker, 'w') as f:
                f.write('cancelled')
            raise
        return 'finished'

    @staticmethod
    def barrier(n):
        with _lock:
            b = _barriers.setdefault(n, threading.Barrier(n))
        b.wait(timeout=20)
        return True

    @staticmethod
    def fail(kind, message):
        exc = {'value': ValueError, 'key': KeyError, 'runtime': RuntimeError}[kind]
        raise exc(message)

    @staticmethod
    def open_missing(path):
        with open(path) as f:
            return f.read()

    @staticmethod
    def chained():
        try:
            {}['missing']
        except KeyError as e:
            raise RuntimeError('wrapped') from e

    @staticmethod
    def called_process_error():
        import subprocess
        raise subprocess.CalledProcessError(3, ['false'], b'out', b'err')

    @staticmethod
    def log(name, level, message, with_exc=False):
        import logging
        logger = logging.getLogger(name)
        if with_exc:
            try:
                1 / 0
            except ZeroDivisionError:
                logger.log(level, message, exc_info=True)
        else:
            logger.log(level, message)
        return True

    @staticmethod
    def set_level(level):
        import logging
        logging.getLogger().setLevel(level)
        return True

    @staticmethod
    def write_raw(data):
        # Misbehave as a hostile remote would: write straight to the protocol
        # pipe, found in the runtime's globals one frame up.
        fd = sys._getframe(1).f_globals['WFD']
        os.write(fd, data)
        return 'written'

    @staticmethod
    def corrupt_reply():
        # A reply to this very call that claims zlib but is not.
        import rmote_runtime
        import struct
        fd = sys._getframe(1).f_globals['WFD']
        os.write(fd, struct.pack('>IBBI', 4, 5, 1, rmote_runtime.call_id()) + b'\x01\x02\x03\x04')
        return 'the real reply, dropped'

    @staticmethod
    def pid():
        return os.getpid()

    @staticmethod
    def thread_name():
        return threading.current_thread().name

    @staticmethod
    def counter_cls():
        return Probe.__name__

    def instance_counter(self):
        self.count = getattr(self, 'count', 0) + 1
        return self.count

    @classmethod
    def who(cls):
        return cls.__name__

    @staticmethod
    def _private():
        return 'never'

    not_callable = 42

    @staticmethod
    def records():
        import dataclasses
        import enum

        class Color(enum.Enum):
            RED = 'red'
            GREEN = 'green'

        class Level(enum.IntEnum):
            LOW = 1
            HIGH = 2

        @dataclasses.dataclass
        class Inner:
            name: str
            data: bytes

        @dataclasses.dataclass
        class Outer:
            id: int
            color: Color
            level: Level
            inner: Inner
            tags: list
            extra: dict
            maybe: object = None
            pair: tuple = (1, 'two')

        return Outer(7, Color.GREEN, Level.HIGH, Inner('n', b'\x00\xff'), ['a', 'b'],
                     {'k': 1.5}, None)

    @staticmethod
    def namedtuple():
        import collections
        Point = collections.namedtuple('Point', 'x y')
        return Point(1, 2)

    @staticmethod
    def misc():
        import pathlib
        return {'set': {3, 1, 2}, 'frozen': frozenset(['b', 'a']), 'path': pathlib.Path('/tmp/x'),
                'bytearray': bytearray(b'ab'), 'memoryview': memoryview(b'cd'),
                'big': 2 ** 64 - 1, 'neg': -2 ** 63, 'float': 0.5}

    @staticmethod
    def huge_int():
        return 2 ** 64

    @staticmethod
    def big(n, compressible):
        if compressible:
            return (b'abc' * (n // 3 + 1))[:n]
        return os.urandom(n)

    @staticmethod
    def length(data):
        return len(data)


class Derived(Probe):
    pass

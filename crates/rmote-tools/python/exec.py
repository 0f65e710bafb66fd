# Exec, a built-in rmote tool: run programs on the remote, directly or
# through /bin/sh.
#
# Standard library only, CPython 3.6 and later; subprocess is imported by the
# first call, not when the tool is loaded.
#
# Each child starts in a session (and process group) of its own, and the
# whole group is registered with the runtime: cancelling the call, its
# timeout, or the end of the runtime kills the child and everything it
# started, a shell's pipeline included. Without capture_output the child's
# stdout is the runtime's /dev/null and its stderr the runtime's stderr, so
# neither can reach the protocol stream.
import os


class Exec(object):

    @staticmethod
    def command(*args, check=True, env=None, extra_env=None, cwd=None, stdin=None,
                capture_output=False, timeout=None):
        return _run(list(args), check, env, extra_env, cwd, stdin, capture_output, timeout)

    @staticmethod
    def shell(expression, check=True, env=None, extra_env=None, cwd=None, stdin=None,
              capture_output=False, timeout=None):
        if not isinstance(expression, str):
            raise TypeError('the shell expression must be str, not %s' % type(expression).__name__)
        return _run(['/bin/sh', '-c', expression], check, env, extra_env, cwd, stdin,
                    capture_output, timeout)


def _run(argv, check, env, extra_env, cwd, stdin, capture_output, timeout):
    import subprocess
    import rmote_runtime
    if not argv:
        raise ValueError('a command needs at least the program to run')
    for a in argv:
        if not isinstance(a, str):
            raise TypeError('command arguments must be str, not %s' % type(a).__name__)
    environ = None if env is None else _environment(env, {})
    if extra_env:
        environ = _environment(extra_env, dict(os.environ) if environ is None else environ)
    if stdin is None:
        data = None
        stdin_fd = subprocess.DEVNULL
    elif isinstance(stdin, str):
        data = stdin.encode('utf-8')
        stdin_fd = subprocess.PIPE
    elif isinstance(stdin, (bytes, bytearray, memoryview)):
        data = bytes(stdin)
        stdin_fd = subprocess.PIPE
    else:
        raise TypeError('stdin must be str or bytes, not %s' % type(stdin).__name__)
    out = subprocess.PIPE if capture_output else None
    # The child runs in a process group of its own that the runtime kills if
    # the call is cancelled or the runtime exits.
    with rmote_runtime.child(argv, stdin=stdin_fd, stdout=out, stderr=out, env=environ,
                             cwd=cwd) as p:
        try:
            stdout, stderr = p.communicate(data, timeout)
        except subprocess.TimeoutExpired:
            p.kill_group()
            stdout, stderr = p.communicate()
            raise subprocess.TimeoutExpired(argv, timeout, stdout, stderr) from None
    if check and p.returncode:
        raise subprocess.CalledProcessError(p.returncode, argv, stdout, stderr)
    return {'args': argv, 'returncode': p.returncode, 'stdout': stdout, 'stderr': stderr}


def _environment(changes, base):
    # `base` updated with `changes`; a value of None removes the variable.
    if not isinstance(changes, dict):
        raise TypeError('an environment must be a dict, not %s' % type(changes).__name__)
    for k, v in changes.items():
        if not isinstance(k, str) or not (v is None or isinstance(v, str)):
            raise TypeError('environment variables must be str: %r=%r' % (k, v))
        if v is None:
            base.pop(k, None)
        else:
            base[k] = v
    return base

# Template, a built-in rmote tool: renders templates that rmote-template
# compiled to Python on the controller.
#
# Standard library only, CPython 3.6 and later. The controller sends the
# generated code, its line map and the context; the code runs with a fresh
# dict as its globals (the context, plus __rmote_w__ and __rmote_str__) and
# appends the text to a list. Code objects are cached by the text of the
# code, so a template rendered again (on this remote) is not compiled again.
#
# Errors come back as TemplateError, located in the template itself: the
# line map gives, for each generated line, the template line and column of
# the code on it, its length, and the generated column where it starts.
import collections
import threading

_FILENAME = '<rmote template>'
_STRIDE = 4
_CACHE_SIZE = 64

_lock = threading.Lock()
_cache = collections.OrderedDict()
_stats = {'compiles': 0, 'hits': 0}


class TemplateError(Exception):
    """A template failed to compile or to render.

    kind is 'syntax' or 'render'; error_type the class name of the Python
    exception, message its text; template_line, template_column (1-based,
    in characters) and template_length locate it in the template (line 0
    when it could not be located).
    """

    def __init__(self, kind, error_type, message, line, column, length):
        what = error_type if not message else '%s: %s' % (error_type, message)
        Exception.__init__(self, '%s error at %d:%d: %s' % (kind, line, column, what))
        self.kind = kind
        self.error_type = error_type
        self.message = message
        self.template_line = line
        self.template_column = column
        self.template_length = length


class Template(object):

    @staticmethod
    def render(code, lines, context=None):
        """The text of the compiled template code rendered with context."""
        if context is None:
            context = {}
        if not isinstance(context, dict):
            raise TypeError('the context must be a map, not %s' % type(context).__name__)
        compiled = _compile(code, lines)
        out = []
        namespace = dict(context)
        namespace['__rmote_w__'] = out.append
        namespace['__rmote_str__'] = str
        try:
            exec(compiled, namespace)
        except Exception as e:
            raise _render_error(e, code, lines)
        return ''.join(out)[1:]

    @staticmethod
    def cache_info():
        """How the compile cache of this interpreter has been used."""
        with _lock:
            return {
                'compiles': _stats['compiles'],
                'hits': _stats['hits'],
                'size': len(_cache),
                'max_size': _CACHE_SIZE,
            }


def _compile(code, lines):
    with _lock:
        found = _cache.get(code)
        if found is not None:
            _stats['hits'] += 1
            _cache.move_to_end(code)
            return found
    try:
        compiled = compile(code, _FILENAME, 'exec', dont_inherit=True)
    except SyntaxError as e:
        raise _syntax_error(e, code, lines)
    except (ValueError, MemoryError, RecursionError, OverflowError) as e:
        raise TemplateError('syntax', type(e).__name__, str(e), 0, 0, 0)
    with _lock:
        _stats['compiles'] += 1
        _cache[code] = compiled
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def _syntax_error(e, code, lines):
    lineno = e.lineno or 0
    start = (e.offset or 1) - 1
    end = None
    end_offset = getattr(e, 'end_offset', None)
    if getattr(e, 'end_lineno', None) == lineno and end_offset and end_offset > start + 1:
        end = end_offset - 1
    if e.filename != _FILENAME:
        # Python 3.6 to 3.8 report an error inside an f-string's field at
        # line 1 of a file named <fstring>: find the line that has it.
        lineno, start = _fstring_error_line(code), None
    elif e.text is not None and e.text.strip() != _line(code, lineno).strip():
        # 3.9 to 3.11: the right line, but the column is in the f-string's
        # field, not in the line.
        start = None
    line, column, length = _locate(lines, lineno, start, end)
    name = type(e).__name__
    message = e.msg or ''
    if name != 'SyntaxError':
        message = '%s: %s' % (name, message)
    return TemplateError('syntax', name, message, line, column, length)


def _fstring_error_line(code):
    """The first generated line that fails to compile on its own with an
    error from inside an f-string; 0 if none does."""
    for number, text in enumerate(code.split('\n'), 1):
        statement = text.strip()
        if statement.endswith(':'):
            statement += ' pass'
        try:
            compile(statement, _FILENAME, 'exec', dont_inherit=True)
        except SyntaxError as e:
            if e.filename != _FILENAME:
                return number
        except Exception:
            pass
    return 0


def _line(code, lineno):
    parts = code.split('\n')
    return parts[lineno - 1] if 0 < lineno <= len(parts) else ''


def _render_error(e, code, lines):
    tb = e.__traceback__
    innermost = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            innermost = tb
        tb = tb.tb_next
    if innermost is None:
        line, column, length = 0, 0, 0
    else:
        lineno = innermost.tb_lineno
        start, end = _position(innermost, lineno, code)
        line, column, length = _locate(lines, lineno, start, end)
    return TemplateError('render', type(e).__name__, _safe_str(e), line, column, length)


def _position(tb, lineno, code):
    """The generated columns (in characters) of the failing part of line
    lineno, where the interpreter knows them (3.11 and later): (None, None)
    otherwise."""
    positions = getattr(tb.tb_frame.f_code, 'co_positions', None)
    if positions is None or tb.tb_lasti < 0:
        return None, None
    try:
        import itertools
        entry = next(itertools.islice(positions(), tb.tb_lasti // 2, None), None)
        if entry is None:
            return None, None
        first, last, start, end = entry
        if first != lineno or last != lineno or start is None or end is None:
            return None, None
        text = _line(code, lineno).encode('utf-8')
        return (len(text[:start].decode('utf-8', 'replace')),
                len(text[:end].decode('utf-8', 'replace')))
    except Exception:
        return None, None


def _locate(lines, lineno, start=None, end=None):
    """(template line, column, length) of generated line lineno and, when
    known, its generated columns start to end."""
    count = len(lines) // _STRIDE
    i = min(lineno, count) - 1
    exact = i == lineno - 1
    while i >= 0 and lines[i * _STRIDE] == 0:
        i -= 1
        exact = False
    if i < 0:
        return 0, 0, 0
    line, column, length, at = lines[i * _STRIDE:(i + 1) * _STRIDE]
    if not exact or start is None:
        return line, column, max(length, 1)
    first = min(max(start - at, 0), length)
    if end is None:
        return line, column + first, 1
    last = min(max(end - at, first + 1), max(length, first + 1))
    return line, column + first, last - first


def _safe_str(o):
    try:
        return str(o)
    except Exception:
        return '<unprintable %s>' % type(o).__name__

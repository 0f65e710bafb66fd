# Quit, a built-in rmote tool: end the remote interpreter.
#
# sys.exit in a tool method is handled by the runtime: it replies to this
# call (with None) and then exits with the given status, killing the child
# processes tools registered. Calls still running fail on the controller as
# disconnected.
import sys


class Quit(object):

    @staticmethod
    def exit(code=0):
        if isinstance(code, bool) or not isinstance(code, int):
            raise TypeError('the exit status must be an int, not %s' % type(code).__name__)
        sys.exit(code)

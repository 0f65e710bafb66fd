# Logger, a built-in rmote tool: set the level of the remote's root logger
# and emit records on it.
#
# Standard library only, CPython 3.6 and later. logging is imported by the
# methods; the runtime attaches its forwarding handler as soon as logging is
# first imported, so even the first call's records reach the controller,
# where they become tracing events with the target rmote::remote::root.

_LEVELS = {
    'NOTSET': 0,
    'DEBUG': 10,
    'INFO': 20,
    'WARNING': 30,
    'ERROR': 40,
    'CRITICAL': 50,
}


class Logger(object):

    @classmethod
    def set_log_level(cls, level):
        number = cls._check_level(level)
        import logging
        root = logging.getLogger()
        root.info('Setting log level to %s', level.upper())
        root.setLevel(number)

    @classmethod
    def log(cls, level, message, *args):
        number = cls._check_level(level)
        import logging
        # The root logger's own method: the module-level logging.log would
        # call basicConfig() when the root logger has no handler.
        logging.getLogger().log(number, message, *args)

    @staticmethod
    def _check_level(level):
        number = _LEVELS.get(level.upper()) if isinstance(level, str) else None
        if number is None:
            raise ValueError('Invalid log level: %s' % (level,))
        return number

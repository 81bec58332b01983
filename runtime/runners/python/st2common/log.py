"""StackStorm's `from st2common import log as logging` for module-level loggers.

Records go to the standard logging module; the wrapper sends them to stderr.
"""
import logging as _stdlib_logging

AUDIT = _stdlib_logging.CRITICAL + 10
_stdlib_logging.addLevelName(AUDIT, "AUDIT")

# The usual names of the logging module, so `LOG = logging.getLogger(__name__)` and
# `logging.DEBUG` keep working after `from st2common import log as logging`.
DEBUG = _stdlib_logging.DEBUG
INFO = _stdlib_logging.INFO
WARNING = _stdlib_logging.WARNING
ERROR = _stdlib_logging.ERROR
CRITICAL = _stdlib_logging.CRITICAL


def getLogger(name=None):  # noqa: N802 (StackStorm's name)
    return _stdlib_logging.getLogger(name)


def get_logger_for_python_runner_action(action_name, log_level="debug"):
    """The logger of a Python action (`self.logger`): `actions.python.<class name>`, writing
    `<time> <LEVEL> <message>` lines to stderr at `log_level` and above, as StackStorm does."""
    logger_name = "actions.python.%s" % (action_name,)
    logger = _stdlib_logging.getLogger(logger_name)
    if not getattr(logger, "_squall_configured", False):
        level = _level_of(log_level)
        handler = _stdlib_logging.StreamHandler()  # sys.stderr
        handler.setLevel(level)
        handler.setFormatter(_stdlib_logging.Formatter("%(asctime)s %(levelname)-8s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
        logger._squall_configured = True
    return logger


def _level_of(name):
    name = str(name or "debug").upper()
    if name == "AUDIT":
        return AUDIT
    level = getattr(_stdlib_logging, name, None)
    return level if isinstance(level, int) else _stdlib_logging.DEBUG

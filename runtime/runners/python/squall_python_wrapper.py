"""Runs one StackStorm Python action for Squall's python-script runner.

Started as `python3 squall_python_wrapper.py` with the job (a JSON object) on stdin and the
channel to the runner on the descriptor the job names (see squall_channel.py). Like
StackStorm's python_action_wrapper.py it imports the entry point, picks its Action class,
instantiates it with the pack config and an action service, calls run(**parameters) and
reports the return value; the action's stdout and stderr stay its own.

Exit status: 0 once a result was reported; 1 when the action raised (traceback on stderr) or
could not be loaded; 220 when run() returned a (status, result) pair whose status is not a
boolean (StackStorm's PYTHON_RUNNER_INVALID_ACTION_STATUS_EXIT_CODE).
"""
import importlib.util
import inspect
import json
import os
import sys
import traceback

from squall_channel import Channel
import squall_config
from st2common.log import get_logger_for_python_runner_action
from st2common.runners.base_action import Action
from st2common.services.datastore import ActionService

INVALID_STATUS_EXIT_CODE = 220


class LoadError(Exception):
    pass


class ActionWrapper(object):
    """What the action service reads (StackStorm's PythonActionWrapper attributes)."""

    def __init__(self, job, channel):
        self._pack = job["pack"]
        self._file_path = job["entry_point"]
        self._log_level = job.get("log_level") or "debug"
        self._class_name = None
        self.channel = channel
        self.logger = get_logger_for_python_runner_action("PythonActionWrapper", self._log_level)


def _set_path(job):
    # StackStorm: the pack's lib directories before the inherited path, the action's own
    # directory after it (loader.register_plugin appends it), so that an actions/json.py does
    # not hide the standard library's json module.
    front = [p for p in (os.path.join(job["actions_dir"], "lib"), os.path.join(job["pack_dir"], "lib"))
             if os.path.isdir(p)]
    back = [os.path.dirname(os.path.realpath(job["entry_point"])), job["actions_dir"],
            job["pack_dir"]]
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p not in front and p not in back and p != here]
    sys.path[:] = [here] + front + rest + [p for i, p in enumerate(back) if p not in back[:i]]


def _load_module(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LoadError('File "%s" is not a Python module' % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _action_class(module, path):
    """The action class defined in the module: an Action subclass (the most derived one when
    the file also defines its base class), else a class with a run() method (StackStorm
    accepts those too)."""
    defined = [c for _, c in inspect.getmembers(module, inspect.isclass)
               if c.__module__ == module.__name__]
    candidates = [c for c in defined if issubclass(c, Action) and c is not Action]
    if not candidates:
        candidates = [c for c in defined if callable(getattr(c, "run", None))]
    leaves = [c for c in candidates
              if not any(o is not c and issubclass(o, c) for o in candidates)]
    if not leaves:
        raise LoadError('File "%s" has no action class (a subclass of Action with a run method)'
                        % path)
    if len(leaves) > 1:
        raise LoadError('File "%s" has several action classes (%s): keep one per file' %
                        (path, ", ".join(sorted(c.__name__ for c in leaves))))
    return leaves[0]


def _instantiate(action_cls, config, action_service):
    # StackStorm's get_action_class_instance: older actions take no action_service argument.
    try:
        return action_cls(config=config, action_service=action_service)
    except TypeError as e:
        if "action_service" not in str(e):
            raise
        instance = action_cls(config=config)
        instance.action_service = action_service
        return instance


def _serialisable(value):
    # As StackStorm: a result json cannot encode becomes its str().
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError, OverflowError, RecursionError):
        return str(value)


def _one_line_error(exc_info, pack_dir):
    etype, value, tb = exc_info
    text = "".join(traceback.format_exception_only(etype, value)).strip().splitlines()
    message = text[-1] if text else etype.__name__
    frames = traceback.extract_tb(tb)
    if frames:
        frame = frames[-1]
        where = frame.filename
        if pack_dir and where.startswith(pack_dir.rstrip("/") + "/"):
            where = where[len(pack_dir.rstrip("/")) + 1:]
        message += " (%s:%d in %s)" % (where, frame.lineno, frame.name)
    return message


def main():
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    channel = Channel(int(job["channel_fd"]))
    _set_path(job)
    wrapper = ActionWrapper(job, channel)

    def get_value(key, decrypt):
        return channel.call({"op": "get", "key": key, "decrypt": decrypt}).get("value")

    try:
        config, secrets = squall_config.load_pack_config(
            job["pack"], job.get("config_file"), job.get("schema_file"), get_value)
    except squall_config.ConfigError as e:
        sys.stderr.write("%s\n" % e)
        channel.call({"op": "error", "message": str(e)})
        return 1
    if secrets:
        channel.call({"op": "secrets", "values": secrets})

    try:
        action_cls = _action_class(_load_module(job["entry_point"]), job["entry_point"])
        wrapper._class_name = action_cls.__name__
        action = _instantiate(action_cls, config or None, ActionService(wrapper))
        output = action.run(**job["parameters"])
    except LoadError as e:
        sys.stderr.write("%s\n" % e)
        channel.call({"op": "error", "message": str(e)})
        return 1
    except Exception:
        info = sys.exc_info()
        traceback.print_exception(*info)
        sys.stderr.flush()
        channel.call({"op": "error", "message": _one_line_error(info, job["pack_dir"])})
        return 1

    status = None
    result = output
    if isinstance(output, tuple) and len(output) == 2:
        status, result = output
        if not isinstance(status, bool):
            message = ("Status returned from the action run() method must either be True or "
                       "False, got: %r" % (status,))
            sys.stderr.write(message + "\n")
            channel.call({"op": "error", "message": message})
            return INVALID_STATUS_EXIT_CODE
    sys.stdout.flush()
    sys.stderr.flush()
    channel.call({"op": "result", "status": status, "result": _serialisable(result)})
    return 0


if __name__ == "__main__":
    sys.exit(main())

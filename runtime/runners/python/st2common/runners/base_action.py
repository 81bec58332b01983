"""The base class of StackStorm Python actions: `class MyAction(Action): def run(self, ...)`.

As in StackStorm, an action gets `self.config` (the pack config, defaults applied; {} when the
pack has none), `self.action_service` (datastore access, see st2common.services.datastore) and
`self.logger` (stderr, at the execution's log_level).
"""
import abc

from st2common.log import get_logger_for_python_runner_action

__all__ = ["Action"]


class Action(object, metaclass=abc.ABCMeta):
    description = None

    def __init__(self, config=None, action_service=None):
        self.config = config or {}
        self.action_service = action_service
        wrapper = getattr(action_service, "_action_wrapper", None)
        log_level = getattr(wrapper, "_log_level", "debug") if wrapper else "debug"
        self.logger = get_logger_for_python_runner_action(
            action_name=self.__class__.__name__, log_level=log_level)

    @abc.abstractmethod
    def run(self, **kwargs):
        raise NotImplementedError()

"""StackStorm's pre-2.x import path for the Action base class (st2actions.runners.pythonrunner)."""

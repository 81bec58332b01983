"""Squall's stand-in for StackStorm's st2common: just what Python actions import.

Squall's python-script runner (runtime/runners/python_runner.cpp) puts this directory first on
sys.path, so `from st2common.runners.base_action import Action` finds these modules.
"""

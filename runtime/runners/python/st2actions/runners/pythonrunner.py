"""Old import path of the Action base class, still used by many packs."""
from st2common.runners.base_action import Action

__all__ = ["Action"]

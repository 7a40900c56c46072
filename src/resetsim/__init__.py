"""resetsim: an agent-based simulation of the US-Russia reset -> failure loop.

Liu Ying, "An analysis of the dilemma of 'resetting' US-Russia relations"
(2021) argues that four resets and two short attempts each failed because of
structural contradictions; resetsim lets that argument run.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("resetsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"

from .model import ResetModel, StateAgent
from .scenario import Scenario, ScenarioError, compile_scenario, load

__all__ = [
    "ResetModel",
    "Scenario",
    "ScenarioError",
    "StateAgent",
    "__version__",
    "compile_scenario",
    "load",
]

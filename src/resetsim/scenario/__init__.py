"""Scenario files: TOML, validated before anything runs, compiled to arrays.

``schema`` says what a file may hold, ``load`` reads it (with ``extends``),
``validate`` checks what the schema cannot, ``targets`` reads the targets file
a scenario names, and ``compile`` turns it into the per-quarter arrays both
engines consume.  See ``docs/formats/scenario.md`` for the format and ``scenarios/example.toml``.
"""

from resetsim.core.config import Problem, ScenarioError, read_toml
from resetsim.scenario.compile import Compiled, Marker, as_compiled, compile_scenario
from resetsim.scenario.load import load, loads
from resetsim.scenario.schema import Event, LeaderTerm, PowerSpec, Process, Scenario, StateSpec
from resetsim.scenario.validate import semantic_problems

__all__ = [
    "Compiled",
    "Event",
    "LeaderTerm",
    "Marker",
    "PowerSpec",
    "Problem",
    "Process",
    "Scenario",
    "ScenarioError",
    "StateSpec",
    "as_compiled",
    "compile_scenario",
    "load",
    "loads",
    "read_toml",
    "semantic_problems",
]

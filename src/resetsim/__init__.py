"""resetsim: an agent-based simulation of the US-Russia reset -> failure loop.

Liu Ying, "An analysis of the dilemma of 'resetting' US-Russia relations"
(2021) argues that four resets and two short attempts each failed because of
structural contradictions; resetsim lets that argument run.

The Python API (experiments in, outcomes out)::

    import resetsim
    result = resetsim.run("history_1989_2021", runs=100, seed=1)  # built-in, or a file
    result.frame()      # the trajectory table, one row per run and quarter
    result.episodes()   # detected resets, one row per episode
    result.metrics()    # one row per run
    result.plot_episodes()  # trust.png as a matplotlib Figure (also plot_fan())

    outcomes = resetsim.evaluate(scenario, design_frame, runs=10, seed=1)
    ladder = resetsim.assess(scenario, "observations.toml")   # docs/LADDER.md
    chosen = resetsim.select(scenario, "observations.toml")   # docs/SELECTION.md

    model = resetsim.ResetModel(scenario="...", rng=1, k_leader=0.5)  # Mesa

``import resetsim`` loads neither Mesa nor matplotlib nor the experiments
machinery: :func:`run`, :func:`evaluate`, :class:`ResetModel` and
:class:`StateAgent` load their modules on first use.
The layers, from the bottom: ``core`` (parameters, equations, shocks, power,
calendar), ``scenario``, ``engines``, ``analysis``, ``plotting``,
``experiments``, ``output``, the API, ``cli``; see ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resetsim.core.lazy import lazy_attributes
from resetsim.core.provenance import __version__

if TYPE_CHECKING:  # pragma: no cover
    from resetsim.api import Assessment, Result, Selection, assess, run, select
    from resetsim.core.config import ScenarioError
    from resetsim.engines.model import ResetModel, StateAgent
    from resetsim.experiments.evaluate import evaluate
    from resetsim.scenario import Scenario, compile_scenario, load

#: Names loaded on first use, and the module each comes from (Mesa is imported
#: only with the model, pandas and the analysis only with the API).
_LAZY = {
    "ScenarioError": "resetsim.core.config",
    "Scenario": "resetsim.scenario",
    "compile_scenario": "resetsim.scenario",
    "load": "resetsim.scenario",
    "run": "resetsim.api",
    "assess": "resetsim.api",
    "Assessment": "resetsim.api",
    "select": "resetsim.api",
    "Selection": "resetsim.api",
    "Result": "resetsim.api",
    "evaluate": "resetsim.experiments.evaluate",
    "ResetModel": "resetsim.engines.model",
    "StateAgent": "resetsim.engines.model",
}

__all__ = [
    "Assessment",
    "ResetModel",
    "Result",
    "Scenario",
    "ScenarioError",
    "Selection",
    "StateAgent",
    "__version__",
    "assess",
    "compile_scenario",
    "evaluate",
    "load",
    "run",
    "select",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

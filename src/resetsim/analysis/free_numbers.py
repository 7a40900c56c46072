"""Count the model's free numbers, next to the patterns they are checked against.

A demanding reader asks how many numbers were chosen to make the model fit.
:func:`count` answers per source:

* registry parameters by their ``source`` (``switch``, ``fitted``, ``hand``,
  ``data``, ``detection``; ``data/parameters.toml``);
* the effect sizes of the shock kinds (each ``delta`` is set by hand) and the
  intensity multipliers (one rule, three levels);
* a scenario's own numbers: initial values, leader dispositions, event
  intensities (ordinal, coded by the written criteria of docs/ODD.md) and any
  hand-set per-event scale (none since model v2);

and the patterns: two windows (onset, failure) per target episode of the
scenario's targets file, the spiral (lows descend), the six turns of
:mod:`resetsim.analysis.turns` and the held-out checks of model v2.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from resetsim.analysis.turns import HELD_OUT, TURNS
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.scenario import references


def count(scenario: Any = None) -> dict[str, int]:
    """Numbers by source (and patterns), for the registry, the kinds and ``scenario``."""
    out: dict[str, int] = {}
    by_source = Counter(p.source for p in prm.PARAMETERS)
    for src in prm.SOURCES:
        out[f"parameters_{src}"] = by_source.get(src, 0)
    kinds = sh.library() if scenario is None else scenario.all_kinds()
    out["kind_effect_sizes_hand"] = sum(len(k.effects) for k in kinds.values())
    out["intensity_levels_rule"] = len(sh.INTENSITY_SCALE)
    if scenario is not None:
        n_init = 0
        for st in scenario.states:
            init = st.initial.model_dump()
            n_init += sum(1 for v in init.values() if v is not None)
        out["initial_values_hand"] = n_init
        out["leader_dispositions_hand"] = len(scenario.leaders)
        # ordinal codes by the written criteria (data, not fitted): shown, not in free_total
        out["event_intensities_coded"] = sum(1 for e in scenario.events if e.intensity != 2)
        out["event_scales_hand"] = 0  # refused by the schema since model v2
        windows = references.read(scenario, "targets")
        n_targets = len(windows.ids) if windows is not None else 0
        out["patterns_episode_windows"] = 2 * n_targets
        out["patterns_spiral"] = 1 if n_targets else 0
        out["patterns_turns"] = len(TURNS)
        out["patterns_held_out"] = len(HELD_OUT)
    out["free_total"] = (
        out["parameters_fitted"]
        + out["parameters_hand"]
        + out["kind_effect_sizes_hand"]
        + out.get("initial_values_hand", 0)
        + out.get("leader_dispositions_hand", 0)
    )
    out["patterns_total"] = sum(v for k, v in out.items() if k.startswith("patterns_"))
    return out


def report(scenario: Any = None) -> str:
    """:func:`count` as aligned text lines."""
    rows = count(scenario)
    w = max(len(k) for k in rows)
    return "\n".join(f"{k:<{w}}  {v}" for k, v in rows.items()) + "\n"

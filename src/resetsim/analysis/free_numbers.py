"""Count the model's free numbers, next to the patterns they are checked against.

A demanding reader asks how many numbers were chosen to make the model fit.
:func:`count` answers per source, counting a number only when the model reads
it (a parameter of a mechanism switched off moves no output):

* registry parameters by their ``source`` (``switch``, ``fitted``, ``hand``,
  ``data``, ``detection``; ``data/parameters.toml``), without those the model
  does not read (``parameters_not_read``): a parameter whose gating switch
  (``gated_by``) sits where it is inert, an effect-size parameter no used kind
  needs, ``disposition_scale`` without coded leaders, ``shock_rate_scale``
  without stochastic processes;
* the effect sizes of the shock kinds: hand-set ones (a ``delta``, or model
  v2's size under ``effect_sizes = "kind"``) are free; those sized by rule
  (direction, weight class, turning point: ordinal codes by the written
  criteria of docs/ODD.md) are shown, not counted, like the intensity levels;
* a scenario's own numbers: initial values (those set by a rule or from data
  are shown, not counted: with model v3's observed start, trust is read from
  the polls), leader dispositions (hand-set ones free, coded ones
  shown), event intensities (ordinal, coded) and any hand-set per-event scale
  (none since model v2);

and the patterns: two windows (onset, failure) per target episode of the
scenario's targets file, the spiral (lows descend), the six turns of
:mod:`resetsim.analysis.turns` and the held-out checks of model v2.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from resetsim.analysis.turns import HELD_OUT, TURNS
from resetsim.core import calendar as cal
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.core import state
from resetsim.scenario import references
from resetsim.scenario.compile import observed_start


def used_kinds(scenario: Any) -> dict[str, sh.Kind]:
    """The kinds a scenario's events and processes use (all kinds without one)."""
    if scenario is None:
        return sh.library()
    kinds = scenario.all_kinds()
    names = {e.kind for e in scenario.events} | {p.kind for p in scenario.stochastic}
    return {k: kinds[k] for k in kinds if k in names}


def not_read(scenario: Any = None) -> dict[str, str]:
    """Registry parameters the model does not read, with the reason."""
    values = prm.resolve(scenario.parameters if scenario is not None else None)
    out: dict[str, str] = {}
    for p in prm.PARAMETERS:
        if p.inert(values):
            out[p.name] = f"{p.gated_by} = {p.inert_at:g}"
    if scenario is None:
        return out
    sizes = scenario.effect_sizes
    groups = {
        sh.unit_effect(k, e, sizes)[0] for k in used_kinds(scenario).values() for e in k.effects
    }
    for g in sh.SIZES:
        if g != sh.HAND and g not in groups:
            out[sh.size_parameter(g)] = "no used kind has effects of this group"
    if not any(lt.disposition_code is not None for lt in scenario.leaders):
        out["disposition_scale"] = "no leader's disposition is coded"
    if not scenario.stochastic:
        out["shock_rate_scale"] = "no stochastic processes"
    return out


def observed_starts(scenario: Any) -> list[bool]:
    """Per state, whether its trust starts from the polls (model v3's
    ``observed_start`` switch on and the scenario's observations file holding
    a poll of that side's trust): then the scenario's initial trust is not read."""
    p = prm.resolve(scenario.parameters)
    if not scenario.observed_start or p["observed_start"] < 0.5:
        return [False] * len(scenario.states)
    first_year = cal.parse_quarter(scenario.start) // 4
    obs = references.read(scenario, "observed_start")
    return [bool(np.isfinite(v)) for v in observed_start(obs, scenario.state_ids, first_year)]


def count(scenario: Any = None) -> dict[str, int]:
    """Numbers by source (and patterns), for the registry, the kinds and ``scenario``."""
    out: dict[str, int] = {}
    unread = not_read(scenario)
    by_source = Counter(p.source for p in prm.PARAMETERS if p.name not in unread)
    for src in prm.SOURCES:
        out[f"parameters_{src}"] = by_source.get(src, 0)
    out["parameters_not_read"] = len(unread)
    sizes = "channel" if scenario is None else scenario.effect_sizes
    effects = [(k, e) for k in used_kinds(scenario).values() for e in k.effects]
    hand = sum(1 for k, e in effects if sh.unit_effect(k, e, sizes)[0] == sh.HAND)
    out["kind_effect_sizes_hand"] = hand
    out["kind_effects_by_rule"] = len(effects) - hand
    out["intensity_levels_rule"] = len(sh.INTENSITY_SCALE)
    if scenario is not None:
        by_rule = 0
        n_init = 0
        from_data = observed_starts(scenario)
        for i, st in enumerate(scenario.states):
            init = st.initial.model_dump()
            for name, value in init.items():
                if value is None or (name == "trust" and from_data[i]):
                    continue
                if value == state.RULE:
                    by_rule += 1
                else:
                    n_init += 1
        out["initial_values_hand"] = n_init
        out["initial_values_by_rule"] = by_rule
        out["initial_values_data"] = int(sum(from_data))
        coded = sum(1 for lt in scenario.leaders if lt.disposition_code is not None)
        out["leader_dispositions_hand"] = len(scenario.leaders) - coded
        out["leader_dispositions_coded"] = coded
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
    """:func:`count` as aligned text lines, then the parameters not read and why."""
    rows = count(scenario)
    w = max(len(k) for k in rows)
    text = "\n".join(f"{k:<{w}}  {v}" for k, v in rows.items()) + "\n"
    unread = not_read(scenario)
    if unread:
        text += "\nnot read (not counted):\n"
        text += "".join(f"  {k}: {why}\n" for k, why in unread.items())
    return text

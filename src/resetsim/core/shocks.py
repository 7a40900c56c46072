"""Shocks as data: the library of shock kinds and how effects reach the drivers.

A *kind* (``data/shock_kinds.toml``, or a scenario's ``[kinds.NAME]``) lists
effects ``{who, var, delta}`` and the written criteria of its intensity scale;
an *event* names a kind, a date, an actor and an ordinal intensity (1-3) coded
by those criteria.  Effects are compiled into vectors over *slots* (one slot per shockable
state variable of each state, then one per common interest) and per
*channel*: the contradiction the kind embodies, whose switch scales it at run
time (so a sweep can knock a contradiction out without recompiling).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from resetsim.core import contradictions, state
from resetsim.core import dynamics as dyn
from resetsim.core.config import Number

#: Channels: ``none``, ``breach`` (scaled by the institutions, :func:`dyn.breach_factor`)
#: and the channel of each contradiction, whose switch scales it at run time.
CHANNELS: tuple[str, ...] = ("none", "breach", *contradictions.CHANNEL_SWITCH)
KIND_CHANNELS = tuple(c for c in CHANNELS if c != "breach")

Who = Literal["actor", "target", "both", "dyad"]

#: Drivers that shocks move by a share of their headroom (diminishing steps,
#: never stuck at a bound): a new sanctions law still tightens a tight constraint.
HEADROOM_VARS = state.HEADROOM_VARS


class Effect(BaseModel):
    """One effect of a kind on one driver."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    who: Who
    var: str = Field(max_length=64)
    delta: Number = Field(ge=-1.0, le=1.0)


class Kind(BaseModel):
    """A kind of shock: what it moves, which contradiction it embodies."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = Field("", max_length=4000)
    paper: str = Field("", max_length=4000)
    channel: Literal[KIND_CHANNELS] = "none"  # type: ignore[valid-type]
    breach: StrictBool = False
    effects: tuple[Effect, ...] = Field(min_length=1)
    # the written criteria of the kind's ordinal intensity scale (docs/ODD.md):
    # what makes an instance minor (1) or grave (3); 2 is the typical instance
    minor: str = Field("", max_length=4000)
    grave: str = Field("", max_length=4000)


#: An event's intensity (1 minor, 2 typical, 3 grave) multiplies its kind's effects.
INTENSITY_SCALE: dict[int, float] = {1: 0.5, 2: 1.0, 3: 1.5}


def intensity_scale(intensity: int) -> float:
    """The multiplier of an event's kind effects for its coded intensity."""
    return INTENSITY_SCALE[int(intensity)]


def effect_problems(kind: Kind) -> list[tuple[str, str]]:
    """Problems with a kind's effects as ``(field, message)`` pairs."""
    problems = []
    for i, eff in enumerate(kind.effects):
        where = f"effects[{i}].var"
        if eff.who == "dyad":
            if eff.var not in state.SHOCKABLE_DYAD_VARS:
                problems.append(
                    (
                        where,
                        f"{eff.var!r} is not a common interest; use one of "
                        f"{', '.join(state.SHOCKABLE_DYAD_VARS)}",
                    )
                )
        elif eff.var not in state.SHOCKABLE_STATE_VARS:
            problems.append(
                (
                    where,
                    f"{eff.var!r} is not a state driver shocks may move; "
                    "`resetsim params --state` lists them (role shockable)",
                )
            )
        elif eff.var == "trust" and not kind.breach:
            problems.append(
                (
                    where,
                    "only a breach (breach = true: war, annexation, attack) may move "
                    "trust directly; move a driver instead",
                )
            )
    return problems


@cache
def library() -> dict[str, Kind]:
    """The built-in shock kinds."""
    text = resources.files("resetsim").joinpath("data/shock_kinds.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    kinds = {name: Kind.model_validate(body) for name, body in raw.items()}
    for name, kind in kinds.items():
        bad = effect_problems(kind)
        if bad:  # pragma: no cover - guarded by tests of the shipped library
            raise ValueError(f"shock kind {name!r}: {bad}")
    return kinds


# --------------------------------------------------------------------------
# slots


class Slots:
    """Index of the shockable variables of a two-state dyad."""

    def __init__(self, n_states: int = 2):
        self.n_states = n_states
        self.names: list[tuple[int | None, str]] = [
            (s, v) for s in range(n_states) for v in state.SHOCKABLE_STATE_VARS
        ] + [(None, v) for v in state.SHOCKABLE_DYAD_VARS]
        self.index = {key: i for i, key in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.names)


SLOTS = Slots(2)


def effect_matrix(kind: Kind, actor: int, target: int, scale: float) -> np.ndarray:
    """The deltas of one event as a ``(channel, slot)`` matrix."""
    out = np.zeros((len(CHANNELS), len(SLOTS)))
    for eff in kind.effects:
        channel = "breach" if eff.var == "trust" else kind.channel
        c = CHANNELS.index(channel)
        if eff.who == "dyad":
            whom: Sequence[int | None] = (None,)
        elif eff.who == "actor":
            whom = (actor,)
        elif eff.who == "target":
            whom = (target,)
        else:
            whom = (actor, target)
        for s in whom:
            out[c, SLOTS.index[(s, eff.var)]] += eff.delta * scale
    return out


def channel_scales(p) -> list[Any]:
    """The run-time multiplier of each channel (floats, or arrays over runs)."""
    scales: list[Any] = []
    for c in CHANNELS:
        if c == "none":
            scales.append(1.0)
        elif c == "breach":
            scales.append(dyn.breach_factor(p))
        else:
            scales.append(p[contradictions.CHANNEL_SWITCH[c]])
    return scales


def scaled_delta(matrix: np.ndarray, channels: Sequence[int], scales: Sequence[Any]) -> Any:
    """Sum over ``channels`` of scale x row: a slot vector, ``(slot,)`` or ``(run, slot)``."""
    total: Any = 0.0
    for c in channels:
        s = scales[c]
        total = total + (s[:, None] if np.ndim(s) else s) * matrix[c]
    return total


def apply_delta(
    states: Sequence[dict[str, Any]], dyad: dict[str, Any], delta: Any, slots: Sequence[int]
) -> None:
    """Add a slot vector (or run x slot array) to the drivers, in place, clipping each.

    Only the listed ``slots`` are touched, in order, so the Mesa model and the
    ensemble engine do the same arithmetic.  A driver in :data:`HEADROOM_VARS`
    moves by a share of its headroom (:func:`resetsim.core.dynamics.headroom_step`).
    """
    for i in slots:
        s, var = SLOTS.names[i]
        d = delta[..., i]
        if s is None:
            dyad[var] = dyn.clip_var(var, dyad[var] + d)
        elif var in HEADROOM_VARS:
            states[s][var] = dyn.clip_var(var, dyn.headroom_step(states[s][var], d))
        else:
            states[s][var] = dyn.clip_var(var, states[s][var] + d)


def fire_probability(rate_per_year: Any, p) -> Any:
    """Chance that a Poisson process with this yearly rate fires in one quarter."""
    return 1.0 - np.exp(-rate_per_year * p.shock_rate_scale / 4.0)


def kinds_table(kinds: Mapping[str, Kind] | None = None) -> list[dict[str, Any]]:
    """The kinds as rows (for the CLI and docs)."""
    rows = []
    for name, kind in (kinds or library()).items():
        rows.append(
            {
                "kind": name,
                "channel": kind.channel,
                "breach": kind.breach,
                "effects": "; ".join(f"{e.who}.{e.var} {e.delta:+g}" for e in kind.effects),
                "description": kind.description,
                "paper": kind.paper,
                "minor": kind.minor,
                "grave": kind.grave,
            }
        )
    return rows

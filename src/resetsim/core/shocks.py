"""Shocks as data: the library of shock kinds and how effects reach the drivers.

A *kind* (``data/shock_kinds.toml``, or a scenario's ``[kinds.NAME]``) lists
effects ``{who, var, direction, weight}`` and the written criteria of its
intensity scale; an *event* names a kind, a date, an actor and an ordinal
intensity (1-3) coded by those criteria.

Effect sizes by rule (model v3): an effect states its driver, its role
(``who``), its direction and its weight class (``main``, or ``side`` for a
knock-on, x 1/2); a kind that is a turning point of the order doubles its
effects.  Its size is one registry parameter per *size group*
(``effect_<group>``: the kind's channel, or ``leader`` for rapport and
``power`` for power shocks) times these rules times the event's intensity
(x 0.5 / 1 / 1.5).  An effect may instead give a hand-set ``delta`` (a
scenario's own kind; counted as a free number), and a scenario with
``effect_sizes = "kind"`` uses model v2's hand-set size of each built-in
effect (its ``v2``).

Effects are compiled into matrices over *rows* (a pair of the switch channel
that scales the effect at run time, so a sweep can knock a contradiction out
without recompiling, and the size group whose parameter sizes it) and *slots*
(one per shockable state variable of each state, then one per common
interest).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from resetsim.core import contradictions, state
from resetsim.core import dynamics as dyn
from resetsim.core import params as prm
from resetsim.core.config import Number

#: Channels: ``none``, ``breach`` (scaled by the institutions, :func:`dyn.breach_factor`)
#: and the channel of each contradiction, whose switch scales it at run time.
CHANNELS: tuple[str, ...] = ("none", "breach", *contradictions.CHANNEL_SWITCH)
KIND_CHANNELS = tuple(c for c in CHANNELS if c != "breach")

#: Size groups: ``hand`` (a hand-set delta, size 1), then one per kind channel,
#: and ``power`` for power shocks; every group but ``hand`` is sized by the
#: registry parameter ``effect_<group>``.  Rapport effects are sized by the
#: ``leader`` group (a kind channel), whatever the kind's channel.
HAND = "hand"
SIZES: tuple[str, ...] = (HAND, *KIND_CHANNELS, "power")
#: Which size group a driver's effects take instead of their kind's channel.
SIZE_BY_VAR: dict[str, str] = {"leader_affinity": "leader", "power_shock": "power"}
#: Rows of an effect matrix: (switch channel, size group, lasting), every pair
#: twice: first as an event acts in its own quarter, then as it goes on in the
#: later quarters of an event with an ``end`` (scaled by ``lasting_share``).
ONSET_ROWS: tuple[tuple[str, str], ...] = tuple((c, g) for c in CHANNELS for g in SIZES)
ROWS: tuple[tuple[str, str, bool], ...] = tuple(
    (c, g, lasting) for lasting in (False, True) for c, g in ONSET_ROWS
)
#: The row of an effect in the quarter of its event, by (channel, group).
ROW_INDEX: dict[tuple[str, str], int] = {r: i for i, r in enumerate(ONSET_ROWS)}
#: The parameter that scales the lasting rows (docs/SELECTION.md, round 3).
LASTING_SHARE = "lasting_share"


def size_parameter(group: str) -> str:
    """The registry parameter that sizes the effects of size group ``group``."""
    return f"effect_{group}"


#: Weight classes of an effect (docs/ODD.md, "Effect sizes"): ``main`` for what
#: the kind is for, ``side`` for a knock-on; a turning-point kind doubles both.
WEIGHTS: dict[str, float] = {"side": 0.5, "main": 1.0}
TURNING_POINT = 2.0

#: How a scenario sizes the built-in kinds' effects: by rule and channel
#: (model v3, the default) or by model v2's hand-set size of each effect.
EFFECT_SIZES: tuple[str, ...] = ("channel", "kind")

Who = Literal["actor", "target", "both", "dyad"]

#: Drivers that shocks move by a share of their headroom (diminishing steps,
#: never stuck at a bound): a new sanctions law still tightens a tight constraint.
HEADROOM_VARS = state.HEADROOM_VARS


class Effect(BaseModel):
    """One effect of a kind on one driver: its direction and weight class (sized
    by rule), or a hand-set ``delta``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    who: Who
    var: str = Field(max_length=64)
    direction: Literal["up", "down"] | None = None
    weight: Literal[tuple(WEIGHTS)] = "main"  # type: ignore[valid-type]
    delta: Number | None = Field(None, ge=-1.0, le=1.0)
    # model v2's hand-set size of a built-in effect (used by effect_sizes = "kind")
    v2: Number | None = Field(None, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _sized_once(self) -> Effect:
        if (self.direction is None) == (self.delta is None):
            raise ValueError(
                'give an effect either \'direction\' ("up" or "down", sized by rule: '
                "docs/ODD.md, 'Effect sizes') or a hand-set 'delta', not both or neither"
            )
        if self.delta is not None and self.v2 is not None:
            raise ValueError("'v2' (model v2's size) goes with 'direction', not with 'delta'")
        wrong_way = self.v2 is not None and (self.v2 > 0) != (self.direction == "up")
        if self.direction is not None and wrong_way:
            raise ValueError(f"'v2' = {self.v2:g} goes against direction {self.direction!r}")
        return self

    @property
    def sign(self) -> float:
        """+1 for an effect that raises its driver, -1 for one that lowers it."""
        if self.direction is None:
            return 1.0 if (self.delta or 0.0) >= 0 else -1.0
        return 1.0 if self.direction == "up" else -1.0


class Kind(BaseModel):
    """A kind of shock: what it moves, which contradiction it embodies."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = Field("", max_length=4000)
    paper: str = Field("", max_length=4000)
    channel: Literal[KIND_CHANNELS] = "none"  # type: ignore[valid-type]
    breach: StrictBool = False
    # a change of the order between the two (docs/ODD.md, "Effect sizes"): effects x 2
    turning_point: StrictBool = False
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


def size_group(kind: Kind, eff: Effect) -> str:
    """The size group of one effect of ``kind`` (sized by rule)."""
    return SIZE_BY_VAR.get(eff.var, kind.channel)


def unit_effect(kind: Kind, eff: Effect, sizes: str = "channel") -> tuple[str, float]:
    """``(size group, multiplier)`` of one effect: its size is the group's
    parameter times the multiplier (``hand``: the multiplier is the size)."""
    if eff.delta is not None:
        return HAND, float(eff.delta)
    if sizes == "kind" and eff.v2 is not None:
        return HAND, float(eff.v2)
    mult = WEIGHTS[eff.weight] * (TURNING_POINT if kind.turning_point else 1.0)
    return size_group(kind, eff), eff.sign * mult


def nominal_delta(kind: Kind, eff: Effect, sizes: str = "channel", p=None) -> float:
    """An effect's delta at intensity 2 with the parameters ``p`` (default: the
    registry's defaults), before any switch or the breach multiplier."""
    group, mult = unit_effect(kind, eff, sizes)
    if group == HAND:
        return mult
    name = size_parameter(group)
    return mult * float(prm.PARAM_BY_NAME[name].default if p is None else p[name])


def effect_matrix(
    kind: Kind, actor: int, target: int, scale: float, sizes: str = "channel"
) -> np.ndarray:
    """One event's effects as a ``(row, slot)`` matrix (rows: :data:`ROWS`).

    ``scale`` is the intensity multiplier; each entry is the effect's
    multiplier of its row's size parameter (:func:`row_scales`)."""
    out = np.zeros((len(ROWS), len(SLOTS)))
    for eff in kind.effects:
        channel = "breach" if eff.var == "trust" else kind.channel
        group, mult = unit_effect(kind, eff, sizes)
        c = ROW_INDEX[(channel, group)]
        if eff.who == "dyad":
            whom: Sequence[int | None] = (None,)
        elif eff.who == "actor":
            whom = (actor,)
        elif eff.who == "target":
            whom = (target,)
        else:
            whom = (actor, target)
        for s in whom:
            out[c, SLOTS.index[(s, eff.var)]] += mult * scale
    return out


def lasting(matrix: np.ndarray) -> np.ndarray:
    """An event's effect matrix moved to the lasting rows: what it repeats in
    each later quarter while it goes on."""
    n = len(ONSET_ROWS)
    out = np.zeros_like(matrix)
    out[n:] = matrix[:n]
    return out


def channel_scales(p) -> list[Any]:
    """The run-time multiplier of each switch channel (floats, or arrays over runs)."""
    scales: list[Any] = []
    for c in CHANNELS:
        if c == "none":
            scales.append(1.0)
        elif c == "breach":
            scales.append(dyn.breach_factor(p))
        else:
            scales.append(p[contradictions.CHANNEL_SWITCH[c]])
    return scales


def row_scales(p) -> list[Any]:
    """The run-time multiplier of each row of an effect matrix: its channel's
    switch (:func:`channel_scales`) times its size group's parameter, and for
    a lasting row (:data:`ROWS`) times ``lasting_share`` as well."""
    by_channel = dict(zip(CHANNELS, channel_scales(p), strict=True))
    onset = [by_channel[c] * (1.0 if g == HAND else p[size_parameter(g)]) for c, g in ONSET_ROWS]
    share = p[LASTING_SHARE]
    return onset + [share * scale for scale in onset]


def scaled_delta(matrix: np.ndarray, channels: Sequence[int], scales: Sequence[Any]) -> Any:
    """Sum over the rows ``channels`` of scale x row: a slot vector, ``(slot,)`` or
    ``(run, slot)`` (``scales`` from :func:`row_scales`)."""
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


def effect_text(kind: Kind, eff: Effect) -> str:
    """One effect in words: ``target.threat +effect_security_dilemma x 0.5``."""
    group, mult = unit_effect(kind, eff)
    if group == HAND:
        return f"{eff.who}.{eff.var} {mult:+g} (hand-set)"
    sign = "+" if mult > 0 else "-"
    factor = "" if abs(mult) == 1.0 else f" x {abs(mult):g}"
    return f"{eff.who}.{eff.var} {sign}{size_parameter(group)}{factor}"


def kinds_table(kinds: Mapping[str, Kind] | None = None) -> list[dict[str, Any]]:
    """The kinds as rows (for the CLI and docs)."""
    rows = []
    for name, kind in (kinds or library()).items():
        rows.append(
            {
                "kind": name,
                "channel": kind.channel,
                "breach": kind.breach,
                "turning_point": kind.turning_point,
                "effects": "; ".join(effect_text(kind, e) for e in kind.effects),
                "description": kind.description,
                "paper": kind.paper,
                "minor": kind.minor,
                "grave": kind.grave,
            }
        )
    return rows

"""The single source of truth for resetsim's parameters.

Every parameter has a default, inclusive bounds, a unit and a one-line
meaning.  Scenarios override defaults (``[parameters]``), experiments sweep
within the bounds, the CLI prints this table (``resetsim params``) and
``docs/PARAMETERS.md`` is generated from it.

A parameter value may be a Python float or a numpy array over runs: the
dynamics are elementwise, so a sweep passes one array per swept parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Param:
    """One model parameter: name, default, bounds, unit and meaning."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    group: str
    paper: str = ""

    def check(self, value: float) -> str | None:
        """Return a problem description, or None when ``value`` is acceptable."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {type(value).__name__} {value!r}"
        if not np.isfinite(value):
            return f"must be finite, got {value!r}"
        if not (self.low <= value <= self.high):
            return f"{value!r} is outside its bounds [{self.low}, {self.high}]"
        return None


#: The issue areas of the paper's security factor group (§2.3) plus economy.
ISSUE_AREAS: tuple[str, ...] = (
    "european_security",
    "arms_control",
    "nonproliferation",
    "counterterrorism",
    "economy",
)

#: The structural contradictions that experiments knock out by name, mapped to
#: the switch parameter that carries each (1 = present, 0 = removed).
CONTRADICTIONS: dict[str, str] = {
    "power_asymmetry": "k_power_asymmetry",
    "ideological_distance": "k_ideology",
    "security_dilemma": "k_security_dilemma",
    "arms_control_limits": "k_arms_control",
    "counterterrorism_disagreement": "k_counterterrorism",
    "missing_institutions": "k_institutions",
    "domestic_constraint": "k_domestic",
}
#: The leader factor, which is not a contradiction but a trigger (§2.2).
LEADER_SWITCH = "k_leader"

_P = Param
PARAMETERS: tuple[Param, ...] = (
    # --- structural switches: 1 = the contradiction is present (as in history)
    _P(
        "k_power_asymmetry",
        1.0,
        0.0,
        1.0,
        "share",
        "power asymmetry: scales each state's power away from parity (0 = equal power)",
        "switches",
        "§2.3, Table 1 (first reset: power gap)",
    ),
    _P(
        "k_ideology",
        1.0,
        0.0,
        1.0,
        "share",
        "ideological distance: weight of the ideological gap and of ideology shocks",
        "switches",
        "§2.1",
    ),
    _P(
        "k_security_dilemma",
        1.0,
        0.0,
        1.0,
        "share",
        "security dilemma / NATO: weight of threat perception and of security shocks",
        "switches",
        "§2.3.1",
    ),
    _P(
        "k_arms_control",
        1.0,
        0.0,
        1.0,
        "share",
        "arms-control limits: arms-control cooperation is partly expedient and builds no trust",
        "switches",
        "§2.3.2",
    ),
    _P(
        "k_counterterrorism",
        1.0,
        0.0,
        1.0,
        "share",
        "counter-terrorism disagreement (who is a terrorist) offsets counter-terrorism cooperation",
        "switches",
        "§2.3.3",
    ),
    _P(
        "k_institutions",
        1.0,
        0.0,
        1.0,
        "share",
        "missing institutions: 1 = no institutional mechanism buffers trust or carries rapport",
        "switches",
        "§2.2, §3",
    ),
    _P(
        "k_domestic",
        1.0,
        0.0,
        1.0,
        "share",
        "domestic constraint: weight of Congress / security services in holding leaders back",
        "switches",
        "§2.1",
    ),
    _P(
        "k_leader",
        1.0,
        0.0,
        1.0,
        "share",
        "leader factor: weight of leaders' personal rapport in willingness to cooperate",
        "switches",
        "§2.2",
    ),
    # --- willingness to cooperate (engagement)
    _P(
        "will_base",
        0.052,
        -0.5,
        0.5,
        "share",
        "baseline willingness of a state to engage",
        "willingness",
    ),
    _P(
        "w_leader",
        0.396,
        0.0,
        2.0,
        "share per unit affinity",
        "weight of the leader's rapport (net of domestic constraint) in willingness",
        "willingness",
        "§2.2",
    ),
    _P(
        "w_trust",
        0.228,
        0.0,
        2.0,
        "share per unit trust",
        "weight of trust in willingness",
        "willingness",
    ),
    _P(
        "w_interest",
        1.2,
        0.0,
        2.0,
        "share per unit interest",
        "weight of mean common interest in willingness",
        "willingness",
        "§2.3",
    ),
    _P(
        "w_ideology",
        0.182,
        0.0,
        2.0,
        "share per unit distance",
        "weight of ideological distance against willingness",
        "willingness",
        "§2.1",
    ),
    _P(
        "w_grievance",
        0.644,
        0.0,
        2.0,
        "share per unit grievance",
        "weight of grievance against willingness",
        "willingness",
    ),
    _P(
        "w_threat",
        0.0771,
        0.0,
        2.0,
        "share per unit threat",
        "weight of threat perception against willingness",
        "willingness",
        "§2.3.1",
    ),
    # --- trust
    _P(
        "trust_build",
        0.647,
        0.0,
        1.0,
        "1/quarter",
        "rate at which realised, trust-yielding cooperation builds trust",
        "trust",
        "§2.3",
    ),
    _P("trust_erode", 0.126, 0.0, 1.0, "1/quarter", "rate at which friction erodes trust", "trust"),
    _P("f_grievance", 0.167, 0.0, 3.0, "friction per unit", "friction from grievance", "trust"),
    _P(
        "f_threat",
        1.1,
        0.0,
        3.0,
        "friction per unit",
        "friction from threat perception",
        "trust",
        "§2.3.1",
    ),
    _P(
        "f_ideology",
        0.489,
        0.0,
        3.0,
        "friction per unit",
        "friction from ideological distance",
        "trust",
        "§2.1",
    ),
    _P(
        "f_domestic",
        0.758,
        0.0,
        3.0,
        "friction per unit",
        "friction from domestic constraint (hawkish institutions)",
        "trust",
        "§2.1",
    ),
    _P(
        "trust_noise",
        0.01,
        0.0,
        0.1,
        "trust per quarter",
        "standard deviation of quarterly perception noise on trust",
        "trust",
    ),
    _P(
        "institution_buffer",
        0.268,
        0.0,
        1.0,
        "share",
        "share of trust erosion and breach damage that working institutions absorb",
        "trust",
        "§2.2",
    ),
    _P(
        "breach_scale",
        0.377,
        0.0,
        3.0,
        "multiplier",
        "multiplier of the direct trust damage of breaches (war, annexation, attack)",
        "trust",
    ),
    _P(
        "gain_skew",
        0.417,
        0.0,
        2.0,
        "share per unit power gap",
        "how much the gains of cooperation accrue to the stronger state",
        "trust",
        "§3",
    ),
    # --- status
    _P(
        "status_elasticity",
        0.454,
        0.0,
        2.0,
        "exponent",
        "recognition granted = (own power / other's power) ** elasticity, capped at 1",
        "status",
        "§3",
    ),
    _P(
        "recognition_coop",
        0.142,
        0.0,
        1.0,
        "share per unit cooperation",
        "recognition that cooperation itself confers (summits, G8, councils)",
        "status",
    ),
    _P(
        "expectation_rate",
        0.167,
        0.0,
        1.0,
        "1/quarter",
        "speed at which status expectation follows its anchor",
        "status",
    ),
    _P(
        "expectation_hope",
        0.735,
        0.0,
        1.0,
        "share per unit cooperation",
        "rise of status expectation during cooperation (resets raise hopes of equality)",
        "status",
        "§3",
    ),
    # --- grievance, threat, domestic constraint, ideology
    _P(
        "grievance_gain",
        0.3,
        0.0,
        1.0,
        "1/quarter",
        "rate at which status gap and threat accumulate into grievance",
        "grievance",
    ),
    _P(
        "grievance_decay",
        0.103,
        0.0,
        0.5,
        "1/quarter",
        "forgetting rate of grievance (slow: memory of slights)",
        "grievance",
    ),
    _P(
        "threat_decay",
        0.101,
        0.0,
        1.0,
        "1/quarter",
        "speed at which threat perception relaxes to its distrust-driven floor",
        "threat",
        "§2.3.1",
    ),
    _P(
        "threat_distrust",
        0.453,
        0.0,
        1.0,
        "share per unit distrust",
        "threat floor kept up by distrust (the security dilemma)",
        "threat",
        "§2.3.1",
    ),
    _P(
        "constraint_up",
        0.117,
        0.0,
        1.0,
        "1/quarter",
        "speed at which domestic constraint rises toward its target (laws pass)",
        "domestic",
        "§2.1",
    ),
    _P(
        "constraint_down",
        0.01,
        0.0,
        1.0,
        "1/quarter",
        "speed at which domestic constraint falls (laws are sticky)",
        "domestic",
        "§2.1",
    ),
    _P(
        "constraint_base",
        0.0808,
        0.0,
        1.0,
        "share",
        "domestic constraint with full trust",
        "domestic",
    ),
    _P(
        "constraint_distrust",
        0.559,
        0.0,
        1.0,
        "share per unit distrust",
        "domestic constraint added by distrust and grievance",
        "domestic",
        "§2.1",
    ),
    _P(
        "ideology_reaction",
        0.009,
        0.0,
        0.2,
        "ideology per quarter",
        "drift away from the other's ideology driven by grievance (nationalist reaction)",
        "ideology",
        "§2.1",
    ),
    _P(
        "grievance_neutral",
        0.258,
        0.0,
        1.0,
        "share",
        "grievance below which a regime drifts back toward the other's model",
        "ideology",
        "§2.1",
    ),
    # --- leaders
    _P(
        "affinity_learn",
        0.074,
        0.0,
        1.0,
        "1/quarter",
        "rate at which leaders' rapport grows with cooperation above affinity_ref",
        "leaders",
        "§2.2",
    ),
    _P(
        "affinity_ref",
        0.899,
        0.0,
        1.0,
        "share",
        "cooperation level below which rapport sours",
        "leaders",
        "§2.2",
    ),
    _P(
        "affinity_constraint",
        0.0588,
        0.0,
        1.0,
        "1/quarter",
        "rate at which domestic constraint wears positive rapport down",
        "leaders",
        "§2.2",
    ),
    _P(
        "affinity_carry",
        0.436,
        0.0,
        1.0,
        "share",
        "share of rapport carried over a leader change by institutions (when k_institutions<1)",
        "leaders",
        "§2.2",
    ),
    # --- issue areas
    _P(
        "interest_decay",
        0.0471,
        0.0,
        1.0,
        "1/quarter",
        "speed at which common interests return to their base (cooperation is temporary)",
        "interests",
        "§2.3",
    ),
    _P(
        "interest_base_european_security",
        0.19,
        0.0,
        1.0,
        "share",
        "base common interest in European security",
        "interests",
        "§2.3.1",
    ),
    _P(
        "interest_base_arms_control",
        0.364,
        0.0,
        1.0,
        "share",
        "base common interest in arms control",
        "interests",
        "§2.3.2",
    ),
    _P(
        "interest_base_nonproliferation",
        0.758,
        0.0,
        1.0,
        "share",
        "base common interest in non-proliferation",
        "interests",
        "§2.3.2",
    ),
    _P(
        "interest_base_counterterrorism",
        0.33,
        0.0,
        1.0,
        "share",
        "base common interest in counter-terrorism",
        "interests",
        "§2.3.3",
    ),
    _P(
        "interest_base_economy",
        0.396,
        0.0,
        1.0,
        "share",
        "base common interest in the economy",
        "interests",
    ),
    _P(
        "arms_control_expedience",
        0.478,
        0.0,
        1.0,
        "share",
        "share of arms-control cooperation that is expedient and builds no trust",
        "interests",
        "§2.3.2",
    ),
    _P(
        "ct_disagreement",
        0.315,
        0.0,
        1.0,
        "share",
        "share of counter-terrorism cooperation offset by disputes (Chechnya, Syria)",
        "interests",
        "§2.3.3",
    ),
    # --- power
    _P(
        "power_shock_decay",
        0.1,
        0.0,
        1.0,
        "1/quarter",
        "speed at which a power shock (crisis) fades back to the data / projection",
        "power",
    ),
    # --- stochastic shocks
    _P(
        "shock_rate_scale",
        1.0,
        0.0,
        5.0,
        "multiplier",
        "multiplier of every stochastic event process's rate",
        "shocks",
    ),
    # --- episode detection (resetsim.episodes; reasoning in docs/EPISODES.md).
    # Not model dynamics: they only read a finished trajectory.
    _P(
        "det_coop_weight",
        0.25,
        0.0,
        1.0,
        "share",
        "weight of realised cooperation (vs the mean of both trusts) in the relationship index",
        "detection",
        "§1: a reset is an easing plus cooperation in a few areas",
    ),
    _P(
        "det_smoothing",
        0.5,
        0.0,
        0.9,
        "share",
        "weight of the past in the index's trailing exponential smoothing (0 = none)",
        "detection",
    ),
    _P(
        "det_rise",
        0.05,
        0.005,
        0.5,
        "index",
        "rise above the running low that confirms a reset onset (hysteresis)",
        "detection",
    ),
    _P(
        "det_fall",
        0.05,
        0.005,
        0.5,
        "index",
        "fall below the episode's peak that confirms a failure (at least this much)",
        "detection",
    ),
    _P(
        "det_fall_share",
        0.33,
        0.0,
        1.0,
        "share of the gain",
        "failure also needs this share of the episode's gain (peak minus prior low) lost",
        "detection",
    ),
    _P(
        "det_persist",
        2.0,
        1.0,
        8.0,
        "quarters",
        "quarters in a row a threshold crossing must hold before it counts (rounded)",
        "detection",
    ),
    _P(
        "det_trigger_lookback",
        2.0,
        0.0,
        8.0,
        "quarters",
        "quarters before an onset searched for its trigger (leader change or shock)",
        "detection",
    ),
    _P(
        "det_partnership",
        0.6,
        0.0,
        1.0,
        "index",
        "index level at or above which a quarter counts as 'partnership'",
        "detection",
        "§1: 'limited partnership' at best",
    ),
    _P(
        "det_confrontation",
        0.15,
        0.0,
        1.0,
        "index",
        "index level at or below which a quarter counts as 'confrontation'",
        "detection",
    ),
)

PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}


class Params(dict):
    """Parameter values with attribute access; values are floats or arrays."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def defaults() -> dict[str, float]:
    """The default value of every parameter."""
    return {p.name: p.default for p in PARAMETERS}


def check_overrides(overrides: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems with parameter overrides as ``(name, message)`` pairs."""
    problems = []
    for name, value in overrides.items():
        spec = PARAM_BY_NAME.get(name)
        if spec is None:
            problems.append((name, "unknown parameter (see `resetsim params`)"))
            continue
        msg = spec.check(value)
        if msg:
            problems.append((name, msg))
    return problems


def resolve(*layers: Mapping[str, Any] | None) -> Params:
    """Defaults overlaid by each mapping of overrides in turn (arrays allowed)."""
    values = Params(defaults())
    for layer in layers:
        if not layer:
            continue
        for name, value in layer.items():
            if name not in PARAM_BY_NAME:
                raise KeyError(f"unknown parameter {name!r}")
            values[name] = value
    return values


def table(groups: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The registry as rows (for the CLI and docs)."""
    wanted = set(groups) if groups else None
    return [
        {
            "name": p.name,
            "default": p.default,
            "low": p.low,
            "high": p.high,
            "unit": p.unit,
            "group": p.group,
            "meaning": p.meaning,
            "paper": p.paper,
        }
        for p in PARAMETERS
        if wanted is None or p.group in wanted
    ]


def markdown_table() -> str:
    """``docs/PARAMETERS.md``: the registry as a Markdown document."""
    lines = [
        "# Parameters",
        "",
        "Generated from `src/resetsim/params.py` by `resetsim params --markdown`;",
        "do not edit by hand (a test checks that this file is in sync).",
        "",
        "| name | default | bounds | unit | meaning | paper |",
        "|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        lines.append(
            f"| `{p.name}` | {p.default:g} | [{p.low:g}, {p.high:g}] | {p.unit} | "
            f"{p.meaning} | {p.paper} |"
        )
    return "\n".join(lines) + "\n"

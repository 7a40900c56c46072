"""The dashboard's inputs as plain data: scenarios, sliders, overrides, counterfactuals.

Nothing here imports Solara or matplotlib; the page only displays what these
functions return.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from resetsim.core import calendar as cal
from resetsim.core.config import ScenarioError
from resetsim.core.params import PARAM_BY_NAME, PARAMETERS, Param
from resetsim.core.request import check_request
from resetsim.scenario import Compiled, builtin, compile_scenario, load

#: Environment variable naming the folder of scenarios the picker lists.
SCENARIOS_ENV = "RESETSIM_SCENARIOS"
#: The scenario the dashboard opens first, when it is among the shipped ones:
#: the main job (the Biden era, its 2021 forecast and the outlook).
DEFAULT_SCENARIO = "biden_era"
#: Units whose values are whole numbers (integer sliders).
INTEGER_UNITS = frozenset({"quarters"})
#: How many steps a slider has across its bounds (at least; rounded to 1, 2, 5).
SLIDER_STEPS = 100


# --------------------------------------------------------------------------
# scenarios


def scenario_folder() -> Path | None:
    """Where the scenarios the picker lists are: ``$RESETSIM_SCENARIOS``, else
    ``./scenarios``, else the built-in scenarios installed with the package."""
    candidates = []
    if os.environ.get(SCENARIOS_ENV):
        candidates.append(Path(os.environ[SCENARIOS_ENV]))
    candidates.append(Path.cwd() / "scenarios")
    candidates.append(builtin.folder())
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("*.toml")):
            return folder
    return None


def shipped_scenarios(folder: Path | None = None) -> dict[str, str]:
    """``{name: path}`` of the scenario files in ``folder`` (default
    :func:`scenario_folder`), sorted by name, the default scenario first."""
    folder = folder if folder is not None else scenario_folder()
    if folder is None:
        return {}
    files = sorted(Path(folder).glob("*.toml"), key=lambda f: (f.stem != DEFAULT_SCENARIO, f.stem))
    return {f.stem: str(f) for f in files}


@dataclass(eq=False)
class Loaded:
    """A scenario file as the dashboard holds it: compiled, or why not.

    Compared by identity (``eq=False``), so the page can pass it around cheaply.
    """

    path: str
    compiled: Compiled | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.compiled is not None


#: What the path box opens: scenario files only (read through the bounded reader).
SCENARIO_SUFFIXES = (".toml",)
MAX_PATH_TEXT = 4096


def open_scenario(path: str | os.PathLike) -> Loaded:
    """Load and compile a scenario file; a bad one gives a one-line error instead."""
    path = str(path).strip()[:MAX_PATH_TEXT]
    if not path:
        return Loaded(path, error="no scenario file given")
    if Path(path).suffix.lower() not in SCENARIO_SUFFIXES:
        return Loaded(path, error=f"{path}: the dashboard opens scenario files (.toml) only")
    try:
        return Loaded(path, compiled=compile_scenario(load(Path(path).expanduser())))
    except ScenarioError as exc:
        return Loaded(path, error=exc.one_line())
    except (OSError, ValueError) as exc:
        return Loaded(path, error=f"{path}: {exc}")
    except (MemoryError, RecursionError):
        return Loaded(path, error=f"{path}: too large or too deeply nested to open")
    except Exception as exc:  # the page shows every failure as a message
        return Loaded(path, error=f"{path}: cannot be opened ({type(exc).__name__})")


def describe(compiled: Compiled) -> str:
    """One paragraph about a scenario: name, description, dyad, period."""
    sc = compiled.scenario
    names = " and ".join(s.name or s.id for s in sc.states)
    period = f"{cal.quarter_label(int(compiled.quarters[0]))} to "
    period += f"{cal.quarter_label(int(compiled.quarters[-1]))}"
    proj = ""
    if compiled.projection_tick is not None:
        proj = f", projected from {compiled.dates[compiled.projection_tick][:7]}"
    text = f"{sc.name}: {names}, {period} ({compiled.n_ticks} quarters{proj})"
    text += f"; {len(sc.events)} dated events, {len(sc.stochastic)} random processes."
    if sc.description:
        text = f"{sc.description.rstrip('.')}. {text}"
    return text


def forecast_of(compiled: Compiled) -> Compiled | None:
    """The compiled scenario a scenario names as its ``forecast`` (what was
    known earlier, run on the same seeds; loaded with the scenario), or None."""
    return compile_scenario(compiled.forecast) if compiled.forecast is not None else None


# --------------------------------------------------------------------------
# parameter sliders


@dataclass(frozen=True)
class Slider:
    """One parameter's slider: bounds, step and help from the registry, the
    value the scenario gives it (``base``) and the value shown (``value``)."""

    name: str
    group: str
    low: float
    high: float
    step: float
    base: float
    value: float
    integer: bool
    unit: str
    meaning: str

    @property
    def changed(self) -> bool:
        return not math.isclose(self.value, self.base, rel_tol=0, abs_tol=1e-12)

    @property
    def help(self) -> str:
        """The help text under the slider: unit and meaning (and the scenario's value)."""
        text = f"[{self.unit}] {self.meaning}"
        if self.changed:
            text += f" (scenario: {self.base:g})"
        return text


def slider_step(p: Param) -> float:
    """The largest round step (1, 2 or 5 times a power of ten) that still gives
    at least :data:`SLIDER_STEPS` steps across the bounds; 1 for whole-number units."""
    if p.unit in INTEGER_UNITS:
        return 1.0
    raw = (p.high - p.low) / SLIDER_STEPS
    power = 10.0 ** math.floor(math.log10(raw))
    return round(max(m * power for m in (1.0, 2.0, 5.0) if m * power <= raw * (1 + 1e-9)), 12)


def sliders(
    compiled: Compiled | None, values: Mapping[str, float] | None = None
) -> list[tuple[str, list[Slider]]]:
    """Every registry parameter as a slider, grouped by ``group`` in the
    registry's order; ``base`` is the scenario's value (its ``[parameters]``
    over the registry's defaults), ``value`` the user's if set."""
    base = compiled.params() if compiled is not None else {p.name: p.default for p in PARAMETERS}
    values = values or {}
    groups: dict[str, list[Slider]] = {}
    for p in PARAMETERS:
        b = float(base[p.name])
        groups.setdefault(p.group, []).append(
            Slider(
                name=p.name,
                group=p.group,
                low=p.low,
                high=p.high,
                step=slider_step(p),
                base=b,
                value=float(values.get(p.name, b)),
                integer=p.unit in INTEGER_UNITS,
                unit=p.unit,
                meaning=p.meaning,
            )
        )
    return list(groups.items())


def overrides(compiled: Compiled | None, values: Mapping[str, float]) -> dict[str, float]:
    """The slider values that differ from the scenario's, checked against the
    registry (``ValueError`` naming the parameter otherwise), sorted by name."""
    check_request(params=values)
    base = compiled.params() if compiled is not None else {}
    out = {}
    for name in sorted(values):
        v = float(values[name])
        b = float(base.get(name, PARAM_BY_NAME[name].default))
        if not math.isclose(v, b, rel_tol=0, abs_tol=1e-12):
            out[name] = v
    return out


# --------------------------------------------------------------------------
# counterfactuals


def event_choices(compiled: Compiled) -> dict[str, str]:
    """``{label shown: event id}`` of the scenario's dated events, by date."""
    out = {}
    for m in compiled.markers:
        out[f"{compiled.dates[m.tick][:7]} {m.label} ({m.id})"] = m.id
    return out


def without_events(compiled: Compiled, event_ids: Sequence[str]) -> Compiled:
    """The scenario with the dated events ``event_ids`` removed, compiled (the
    same as a counterfactual file's ``remove_events``).  An unknown id is a
    ``KeyError``."""
    sc = compiled.scenario
    known = {e.id for e in sc.events}
    unknown = [e for e in event_ids if e not in known]
    if unknown:
        raise KeyError(f"{sc.name}: no event with id {unknown[0]!r}")
    drop = set(event_ids)
    kept = tuple(e for e in sc.events if e.id not in drop)
    return compile_scenario(sc.model_copy(update={"events": kept}))

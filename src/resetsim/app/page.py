"""The dashboard's Solara components (thin: the numbers come from
:mod:`resetsim.app.views`, the pictures from :mod:`resetsim.app.figures`).

The single run uses Mesa's own SolaraViz controls (``ModelController``: Reset,
play/pause and Step; ``ShowSteps``; the ``update_counter`` that redraws after
a step) on a :class:`~resetsim.engines.model.ResetModel` built with the
parameters as keywords, as SolaraViz builds any Mesa model.  SolaraViz's own
page is not used as a whole because its parameter panel has no groups or help
text and it has no place for an ensemble of runs.

Served by ``resetsim app`` (Solara looks for :func:`Page`); importing this
module needs the ``viz`` extra.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
import solara.lab
from mesa.visualization.solara_viz import ModelController, ShowSteps
from mesa.visualization.utils import update_counter

from resetsim.app import data, figures, views
from resetsim.engines.model import ResetModel

#: The counterfactual selector's "nothing removed" entry.
NO_EVENT = "(none: the scenario as written)"
#: How many of the latest events the single run lists.
RECENT_EVENTS = 8

CSS = """
.rs-help { font-size: 11px; line-height: 1.25; color: #555; margin: -14px 0 10px 0; }
.rs-help b { color: #1f4e99; }
.rs-summary { font-size: 13px; }
.rs-about { font-size: 13px; color: #333; }
.rs-table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px 0; }
.rs-table th, .rs-table td { border-bottom: 1px solid #ddd; padding: 2px 10px; text-align: left; }
"""


@solara.component
def Page():
    choices = solara.use_memo(data.shipped_scenarios, [])
    first = solara.use_memo(lambda: data.open_scenario(next(iter(choices.values()), "")), [])
    loaded = solara.use_reactive(first)
    error = solara.use_reactive(first.error)
    values = solara.use_reactive({})

    def choose(path: str | None) -> None:
        if not path or not path.strip():
            return
        candidate = data.open_scenario(path)
        if candidate.ok:
            loaded.set(candidate)
            values.set({})
            error.set(None)
        else:
            error.set(candidate.error)

    def set_value(name: str, value: float) -> None:
        values.set({**values.value, name: float(value)})

    solara.Style(CSS)
    solara.Title("resetsim dashboard")
    with solara.AppBarTitle():
        solara.Text("resetsim: the reset \u2192 failure loop")
    lo = loaded.value
    with solara.Sidebar():
        ScenarioPicker(choices, lo.path, choose, error.value)
        if lo.ok:
            ParameterPanel(lo.compiled, values.value, set_value, lambda: values.set({}))
    if not lo.ok:
        solara.Error(f"no scenario loaded: {lo.error}")
        return
    overrides = data.overrides(lo.compiled, values.value)
    solara.Text(data.describe(lo.compiled), classes=["rs-about"])
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("Ensemble (fast engine)"):
            EnsemblePanel(lo, overrides).key(f"ensemble-{id(lo)}")
        with solara.lab.Tab("Single run (Mesa)"):
            SingleRunPanel(lo, overrides).key(f"single-{id(lo)}")


@solara.component
def ScenarioPicker(
    choices: dict[str, str], path: str, on_choose: Callable[[str], None], error: str | None
):
    names = list(choices)
    selected = next((n for n, p in choices.items() if p == path), None)
    typed = solara.use_reactive("" if selected else path)
    with solara.Card("Scenario", margin=0):
        solara.Select(
            "shipped scenario",
            values=names,
            value=selected,
            on_value=lambda name: on_choose(choices[name]) if name else None,
        )
        solara.InputText(
            "or a scenario file (path, then Enter)",
            value=typed,
            on_value=on_choose,
        )
        if error:
            solara.Error(error, dense=True, classes=["rs-scenario-error"])


@solara.component
def ParameterPanel(
    compiled,
    values: dict[str, float],
    on_value: Callable[[str, float], None],
    on_reset: Callable[[], None],
):
    groups = data.sliders(compiled, values)
    changed = sum(s.changed for _, ss in groups for s in ss)
    with solara.Card(
        "Parameters",
        subtitle=f"registry bounds; {changed} changed from the scenario's values",
        margin=0,
    ):
        solara.Button(
            "back to the scenario's values", on_click=on_reset, disabled=not changed, text=True
        )
        for group, ss in groups:
            n = sum(s.changed for s in ss)
            summary = f"{group} ({len(ss)}{f', {n} changed' if n else ''})"
            with solara.Details(summary=summary, expand=group == "switches"):
                for s in ss:
                    ParamSlider(s, on_value)


@solara.component
def ParamSlider(s: data.Slider, on_value: Callable[[str, float], None]):
    def set_value(v):
        on_value(s.name, v)

    if s.integer:
        solara.SliderInt(
            s.name, value=int(s.value), min=int(s.low), max=int(s.high), on_value=set_value
        )
    else:
        solara.SliderFloat(
            s.name, value=s.value, min=s.low, max=s.high, step=s.step, on_value=set_value
        )
    value = f"<b>{s.value:g}</b>" if s.changed else f"{s.value:g}"
    solara.HTML(tag="div", unsafe_innerHTML=f"{value} {_escape(s.help)}", classes=["rs-help"])


@solara.component
def Picture(image: bytes, css_class: str):
    """A PNG inline (a data URI: nothing to fetch), as wide as the panel."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img class="{css_class}" src="{figures.data_uri(image)}" '
        'style="width: 100%; height: auto" alt="chart">',
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@solara.component
def EnsemblePanel(loaded: data.Loaded, overrides: dict[str, float]):
    c = loaded.compiled
    n_runs = solara.use_reactive(100)
    seed = solara.use_reactive(int(c.scenario.seed))
    removed = solara.use_reactive(NO_EVENT)
    live = solara.use_reactive(True)
    requested, set_requested = solara.use_state(0)
    events = solara.use_memo(lambda: data.event_choices(c), [])
    inputs = (tuple(overrides.items()), n_runs.value, seed.value, removed.value)

    def compute():
        view = views.ensemble_view(
            c, n_runs.value, seed.value or 0, overrides, remove=events.get(removed.value)
        )
        main = figures.main_figure(view)
        return view, figures.png(figures.fan_figure(view)), main and figures.png(main)

    task = solara.lab.use_task(
        compute, dependencies=[requested, inputs if live.value else None], raise_error=False
    )
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Column(style={"min-width": "260px"}):
            solara.SliderInt(f"runs: {n_runs.value}", value=n_runs, min=10, max=1000, step=10)
        solara.InputInt("base seed", value=seed, style={"max-width": "160px"})
        solara.Switch(label="redraw on every change", value=live)
        solara.Button(
            "Run ensemble",
            color="primary",
            on_click=lambda: set_requested(requested + 1),
            classes=["rs-run-ensemble"],
        )
    solara.v.Autocomplete(
        label="counterfactual: remove a dated event (type to search; same runs, same seeds)",
        items=[NO_EVENT, *events],
        v_model=removed.value,
        on_v_model=lambda v: removed.set(v or NO_EVENT),
        disabled=not events,
        class_="rs-counterfactual",
    )
    solara.ProgressLinear(task.pending)
    if task.error:
        solara.Error(f"the ensemble failed: {task.exception}")
        return
    if task.latest is None:
        solara.Info("running the ensemble ...")
        return
    view, image, main = task.latest
    with solara.Column(classes=["rs-summary"], gap="2px"):
        for line in view.summary:
            solara.Text(line)
    Picture(image, "rs-fan-chart")
    if main is not None:
        with solara.Details(summary="the main figure, as resetsim run draws it (fan.png)"):
            Picture(main, "rs-main-figure")
    EpisodeTable(view.base.episodes)


@solara.component
def EpisodeTable(rows: list[dict]):
    if not rows:
        solara.Text("no reset episode detected on the median path")
        return
    solara.Text(
        "Reset episodes of the median path (relationship index; "
        "`resetsim params --group detection` lists the thresholds):"
    )
    solara.HTML(tag="table", unsafe_innerHTML=views.episode_table_html(rows), classes=["rs-table"])


@solara.component
def SingleRunPanel(loaded: data.Loaded, overrides: dict[str, float]):
    c = loaded.compiled
    seed = solara.use_reactive(int(c.scenario.seed))
    params = {"scenario": c, "rng": int(seed.value or 0), **overrides}
    fresh = solara.use_memo(lambda: ResetModel(**params), [tuple(overrides.items()), seed.value])
    model = solara.use_reactive(fresh)
    model_parameters = solara.use_reactive(params)
    play_interval = solara.use_reactive(150)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        ModelController(
            model,
            model_parameters=model_parameters,
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        ).key(f"controller-{id(model.value)}")
        ShowSteps(model.value)
        solara.InputInt("seed", value=seed, style={"max-width": "160px"})
        with solara.Column(style={"min-width": "240px"}):
            solara.SliderInt(
                f"play interval: {play_interval.value} ms",
                value=play_interval,
                min=20,
                max=1000,
                step=10,
            )
        with solara.Column(style={"min-width": "240px"}):
            solara.SliderInt(
                f"redraw every {render_interval.value} quarter(s)",
                value=render_interval,
                min=1,
                max=20,
            )
    SingleRunView(model.value)


@solara.component
def SingleRunView(model: ResetModel):
    update_counter.get()  # Mesa's signal: redraw after every step
    run = views.single_run(model)
    solara.Text(run.status(), classes=["rs-run-status"])
    Picture(figures.png(figures.single_run_figure(run), fast=True), "rs-run-chart")
    if run.fired:
        recent = run.fired[-RECENT_EVENTS:]
        solara.Text(
            "latest events: "
            + "; ".join(f"{run.compiled.dates[t][:7]} {label}" for t, label in recent)
        )

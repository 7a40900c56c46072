"""Figures fit to print: the trust plot's event labels (by intensity, never
overlapping, never leaving the axes), signed ticks on the episode panel, one
style (fonts >= 8 pt), readable condition plots, no colour bar for a
constant, and --figure-formats."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from resetsim.core.io import parse_formats
from resetsim.engines.runner import run_scenario
from resetsim.output import tables
from resetsim.output.run import median_episodes
from resetsim.plotting import design, style, trust
from resetsim.scenario import compile_scenario, load
from scenario_text import tiny_scenario

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"
BIDEN = ROOT / "scenarios" / "biden_era.toml"


@pytest.fixture(scope="module")
def history_figure():
    """The history's trust figure, as ``resetsim run`` draws it (3 runs)."""
    result = run_scenario(compile_scenario(load(HISTORY)), runs=3, seed=1)
    ep = tables.detect(result)
    n, T = ep.n_runs, ep.n_ticks
    fig = trust.plot_trust(
        result,
        episodes=median_episodes(result),
        index=ep.index,
        onset_share=np.bincount(ep.onset[ep.observed_onset], minlength=T)[:T] / n,
        failure_share=np.bincount(ep.failure[ep.failed], minlength=T)[:T] / n,
    )
    fig.canvas.draw()
    yield result, fig
    plt.close(fig)


def label_boxes(fig):
    renderer = fig.canvas.get_renderer()
    texts = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "event-label"]
    return texts, [t.get_window_extent(renderer) for t in texts]


def test_history_labels_never_overlap_or_leave_the_axes(history_figure):
    _, fig = history_figure
    texts, boxes = label_boxes(fig)
    assert len(texts) >= 15
    for (ta, a), (tb, b) in itertools.combinations(zip(texts, boxes, strict=True), 2):
        overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
        overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert overlap_x <= 0 or overlap_y <= 0, (ta.get_text(), tb.get_text())
    strip = texts[0].axes.get_window_extent(fig.canvas.get_renderer())
    fw, fh = fig.bbox.width, fig.bbox.height
    for t, b in zip(texts, boxes, strict=True):
        assert strip.x0 - 0.5 <= b.x0 and b.x1 <= strip.x1 + 0.5, t.get_text()
        assert strip.y0 - 0.5 <= b.y0 and b.y1 <= strip.y1 + 0.5, t.get_text()
        assert b.x0 >= 0 and b.x1 <= fw and b.y0 >= 0 and b.y1 <= fh


def test_every_grave_event_is_labelled_and_minor_ones_are_not_all(history_figure):
    result, fig = history_figure
    texts, _ = label_boxes(fig)
    shown = " ; ".join(t.get_text() for t in texts)
    c = result.compiled
    grave = [m for m in c.markers if m.intensity == 3]
    assert grave
    for m in grave:
        # a quarter's label joins its most intense events' labels
        assert m.label in shown, m.label
    assert len(texts) < len({m.tick for m in c.markers})  # the rest are ticks


def test_label_true_pins_a_minor_event():
    c = compile_scenario(load(HISTORY))
    x = style.quarter_ends(c)
    minor = next(m for m in c.markers if m.intensity == 1)
    minor.pinned = True
    groups = trust.event_groups(c, x)
    g = next(g for g in groups if abs(g["x"] - (x[minor.tick] - 0.125)) < 1e-9)
    assert g["must"] and minor.label in g["text"]


def test_events_accept_label_true(tmp_path):
    text = tiny_scenario(
        "pin",
        events=[
            {"id": "summit_one", "date": "2002Q1", "kind": "summit", "actor": "aa", "label": True},
            {"id": "named", "date": "2003Q1", "kind": "summit", "actor": "aa", "label": "Named"},
        ],
    )
    p = tmp_path / "pin.toml"
    p.write_text(text, encoding="utf-8")
    c = compile_scenario(load(p))
    by_id = {m.id: m for m in c.markers}
    assert by_id["summit_one"].pinned and by_id["summit_one"].label == "summit one"
    assert not by_id["named"].pinned and by_id["named"].label == "Named"


def test_title_is_the_description_and_the_legend_is_off_the_data(history_figure):
    result, fig = history_figure
    assert fig._suptitle.get_text() == result.compiled.scenario.description
    assert fig.legends and not any(ax.get_legend() for ax in fig.axes)


def test_episode_panel_has_signed_labelled_ticks(history_figure):
    _, fig = history_figure
    assert trust.signed(-0.5) == "\u22120.5" and trust.signed(0.5) == "+0.5"
    assert trust.signed(0.0) == "0" and trust.signed(-1e-15) == "0"
    low = fig.axes[-1]
    ticks = [low.yaxis.get_major_formatter()(v, i) for i, v in enumerate(low.get_yticks())]
    assert "0" in ticks
    assert any(t.startswith("+") for t in ticks) and any(t.startswith("\u2212") for t in ticks)
    assert low.get_ylabel()


def all_font_sizes(fig):
    sizes = []
    for t in fig.findobj(match=lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")):
        if t.get_text() and t.get_visible():
            sizes.append(t.get_fontsize())
    return sizes


def test_every_text_is_at_least_8_pt(history_figure):
    _, fig = history_figure
    assert min(all_font_sizes(fig)) >= style.MIN_FONT


def conditions_summary(n=21, constant=None):
    names = [f"condition_number_{i}" for i in range(n)]
    v = np.full(n, constant) if constant is not None else np.linspace(0.1, 0.9, n)
    return pd.DataFrame(
        {"condition": names, "share": v, "share_lo": v - 0.05, "share_hi": v + 0.05}
    )


def test_conditions_plot_is_horizontal_with_readable_names_and_error_bars():
    s = conditions_summary()
    fig = design.plot_conditions(s, {"share": ("share", "share_lo", "share_hi")}, "t")
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == list(s["condition"])
    assert all(t.get_fontsize() >= 8 and t.get_rotation() == 0 for t in ax.get_yticklabels())
    bars = ax.patches
    assert len(bars) == 21
    # horizontal: each bar starts at 0 and its length along x is the estimate
    assert [b.get_x() for b in bars] == [0] * 21
    assert [b.get_width() for b in bars] == pytest.approx(list(s["share"]))
    assert ax.containers and any(c.has_xerr for c in ax.containers if hasattr(c, "has_xerr"))
    assert min(all_font_sizes(fig)) >= style.MIN_FONT


def grid_summary(value=None):
    a, b = [0.0, 1.0], [0.2, 0.5, 1.0]
    z = np.full(6, value) if value is not None else np.arange(6) / 5
    return pd.DataFrame({"share": z, "lo": z, "hi": z}), ["pa", "pb"], {"pa": a, "pb": b}


def test_no_colour_bar_for_a_constant():
    s, names, levels = grid_summary(1.0)
    fig = design.plot_heatmap(s, {"share": ("share", "lo", "hi")}, names, levels, "t")
    assert len(fig.axes) == 1  # no colour-bar axes
    # said under the panel's own title, not below it where the next row starts
    assert "constant: 1 in every cell" in fig.axes[0].get_title()
    s, names, levels = grid_summary()
    fig = design.plot_heatmap(s, {"share": ("share", "lo", "hi")}, names, levels, "t")
    assert len(fig.axes) == 2  # a varying share keeps its colour bar


def test_parse_formats():
    assert parse_formats(None) == ("png",)
    assert parse_formats("svg, PNG,svg") == ("svg", "png")
    with pytest.raises(ValueError, match="unknown figure format 'jpg'"):
        parse_formats("png,jpg")


def tiny_run_args(tmp_path):
    p = tmp_path / "tiny.toml"
    p.write_text(tiny_scenario("tiny", runs=2), encoding="utf-8")
    return p


def test_run_writes_each_format_asked_for(tmp_path, run_cli):
    scen = tiny_run_args(tmp_path)
    out = tmp_path / "out"
    r = run_cli("run", scen, "--out", out, "--quiet", "--figure-formats", "png,svg,pdf")
    assert r.code == 0, r
    assert (out / "trust.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "trust.svg").read_bytes()[:2000]
    assert (out / "trust.pdf").read_bytes()[:5] == b"%PDF-"
    with Image.open(out / "trust.png") as im:
        assert im.size[0] == 13 * style.PRINT_DPI  # 300 dpi when saving for print
    out2 = tmp_path / "out2"
    r = run_cli("run", scen, "--out", out2, "--quiet", "--figure-formats", "png,svg,pdf")
    for name in ("trust.svg", "trust.pdf", "trust.png"):
        assert (out / name).read_bytes() == (out2 / name).read_bytes(), name
    out3 = tmp_path / "out3"
    assert run_cli("run", scen, "--out", out3, "--quiet").code == 0
    assert not list(out3.glob("*.svg")) and not list(out3.glob("*.pdf"))
    with Image.open(out3 / "trust.png") as im:
        assert im.size[0] == 13 * style.SCREEN_DPI


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_an_unknown_format_is_a_one_line_usage_error(tmp_path, run_cli, command):
    scen = tiny_run_args(tmp_path)
    out = tmp_path / "out"
    args = {"run": [scen], "compare": [scen, scen], "sweep": [tmp_path / "x.toml"]}[command]
    r = run_cli(command, *args, "--out", out, "--figure-formats", "png,jpeg")
    assert r.code == 2, r
    assert r.err.strip().count("\n") == 0 and "jpeg" in r.err and "png, svg, pdf" in r.err
    assert not out.exists()


def test_compare_and_sweep_write_svg(tmp_path, run_cli):
    scen = tiny_run_args(tmp_path)
    out = tmp_path / "cmp"
    r = run_cli("compare", scen, scen, "--out", out, "--quiet", "--figure-formats", "svg")
    assert r.code == 0, r
    assert (out / "compare.svg").is_file() and not (out / "compare.png").exists()
    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'name = "exp"\nscenario = "{scen.as_posix()}"\nreplications = 3\nseed = 1\n'
        '[design]\ntype = "conditions"\n[[design.conditions]]\nname = "baseline"\n'
        '[[design.conditions]]\nname = "all_off"\nknock_out = "all"\n',
        encoding="utf-8",
    )
    out = tmp_path / "sw"
    r = run_cli(
        "sweep", exp, "--out", out, "--workers", "1", "--quiet", "--figure-formats", "png,svg"
    )
    assert r.code == 0, r
    assert (out / "conditions.png").is_file() and (out / "conditions.svg").is_file()

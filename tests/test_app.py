"""The dashboard (``resetsim app``).

* Its logic, without a browser or Solara: the scenario picker, the sliders
  generated from the registry, the overrides they make, the ensemble fan, the
  counterfactual, the single-run view, the figures.
* The command: without the ``viz`` extra it says how to install it (exit 2),
  and the rest of the command line never imports Solara.
* The server (needs the ``viz`` extra): ``GET /`` answers 200 within two
  minutes and the page names no host but its own.
* A real browser (needs the extra, Playwright and Chromium): headless
  Chromium, where every request to another host is refused and recorded,
  removes an event, changes a parameter, runs the ensemble and steps the Mesa
  run, and checks what the page shows.  Its screenshot of the opening view
  (the main job) is the documentation's ``docs/figures/dashboard.png``: the
  test writes it there on every run from a checkout, so it cannot go stale
  (``$RESETSIM_DASHBOARD_SCREENSHOT`` sends it elsewhere); a screenshot that
  differs from the committed one only by the browser's rendering noise leaves
  it as it is (:func:`_update_screenshot`).

One server serves the last two (module fixture), started on 127.0.0.1 on a
free port and always stopped.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from resetsim.app import data, figures, server, views
from resetsim.core.params import PARAMETERS
from resetsim.engines.ensemble import simulate
from resetsim.engines.model import ResetModel
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import as_compiled, builtin, compile_scenario

VIZ_MISSING = server.missing_viz()
needs_viz = pytest.mark.skipif(
    VIZ_MISSING is not None,
    reason=f'the viz extra is not installed ({VIZ_MISSING}): pip install -e ".[viz]"',
)
#: The shipped scenario most logic tests use.
HISTORY = "history_1989_2021"
#: The scenario the dashboard opens on (the main job), which the browser test drives.
MAIN = "biden_era"
#: Where the browser test puts its screenshot of the opening view.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "figures" / "dashboard.png"
STARTUP_LIMIT = 120.0  # seconds: "GET / answers 200 within two minutes"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="module")
def history(scenarios_dir):
    return as_compiled(scenarios_dir / f"{HISTORY}.toml")


# --------------------------------------------------------------------------
# the logic, without a browser


def test_picker_lists_the_shipped_scenarios_default_first(scenarios_dir):
    choices = data.shipped_scenarios(scenarios_dir)
    assert next(iter(choices)) == data.DEFAULT_SCENARIO
    assert set(choices) == {p.stem for p in scenarios_dir.glob("*.toml")}
    assert all(Path(p).is_file() for p in choices.values())


def test_picker_finds_the_builtin_scenarios_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(data.SCENARIOS_ENV, raising=False)
    folder = data.scenario_folder()
    assert folder == builtin.folder()  # installed with the package, editable or not
    assert {"biden_era", "history_1989_2021"} <= set(data.shipped_scenarios())
    monkeypatch.setenv(data.SCENARIOS_ENV, str(tmp_path))
    (tmp_path / "mine.toml").write_text("")
    assert list(data.shipped_scenarios()) == ["mine"]


def test_a_bad_scenario_file_is_one_line_not_a_traceback(tmp_path):
    missing = data.open_scenario(tmp_path / "nope.toml")
    assert not missing.ok and "nope.toml" in missing.error and "not found" in missing.error
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nstart = "1990Q1"\nend = "1989Q1"\nstates = 3\nbogus = 1\n')
    loaded = data.open_scenario(bad)
    assert not loaded.ok
    assert "bad.toml" in loaded.error and "\n" not in loaded.error
    assert "more problem" in loaded.error  # several problems: the first, and a count
    assert data.open_scenario("  ").error == "no scenario file given"


def test_sliders_come_from_the_registry(history):
    groups = data.sliders(history)
    flat = [s for _, ss in groups for s in ss]
    assert [s.name for s in flat] == [p.name for p in PARAMETERS]  # every one, registry order
    assert [g for g, _ in groups] == list(dict.fromkeys(p.group for p in PARAMETERS))
    for s, p in zip(flat, PARAMETERS, strict=True):
        assert (s.low, s.high, s.group, s.unit, s.meaning) == (
            p.low,
            p.high,
            p.group,
            p.unit,
            p.meaning,
        )
        steps = (s.high - s.low) / s.step
        assert steps >= (s.high - s.low if s.integer else data.SLIDER_STEPS - 1e-6)
        assert s.integer == (p.unit == "quarters")
        assert p.meaning in s.help and p.unit in s.help
        assert not s.changed


def test_sliders_start_at_the_scenario_values_and_overrides_are_the_changes(history):
    sc = history.scenario.model_copy(update={"parameters": {"k_leader": 0.5}})
    compiled = compile_scenario(sc)
    by_name = {s.name: s for _, ss in data.sliders(compiled) for s in ss}
    assert by_name["k_leader"].base == by_name["k_leader"].value == 0.5
    moved = {s.name: s for _, ss in data.sliders(compiled, {"k_leader": 0.2}) for s in ss}
    assert moved["k_leader"].changed and "(scenario: 0.5)" in moved["k_leader"].help
    # values equal to the scenario's are not overrides; the rest are, checked
    assert data.overrides(compiled, {"k_leader": 0.5, "trust_noise": 0.02}) == {"trust_noise": 0.02}
    assert data.overrides(compiled, {"k_leader": 1.0}) == {"k_leader": 1.0}
    with pytest.raises(ValueError, match="k_leader"):
        data.overrides(compiled, {"k_leader": 2.0})
    with pytest.raises(ValueError, match="no_such"):
        data.overrides(compiled, {"no_such": 1.0})


def test_removing_an_event_equals_the_counterfactual_file(history, scenarios_dir):
    mine = data.without_events(history, ["nine_eleven"])
    theirs = as_compiled(scenarios_dir / "counterfactual_no_9_11.toml")
    seeds = replication_seeds(7, 5)
    a, b = simulate(mine, seeds), simulate(theirs, seeds)
    for col, arr in a.data.items():
        np.testing.assert_array_equal(arr, b[col], err_msg=col)
    assert "nine_eleven" in data.event_choices(history).values()
    with pytest.raises(KeyError, match="no_such_event"):
        data.without_events(history, ["no_such_event"])


def test_ensemble_view_is_the_fast_engine_reduced(history):
    view = views.ensemble_view(history, 30, 11)
    seeds = replication_seeds(11, 30)
    traj = simulate(history, seeds)
    for sid in history.state_ids:
        np.testing.assert_allclose(
            view.base.trust[sid][views.MEDIAN], np.median(traj[f"{sid}_trust"], axis=0)
        )
    share = view.base.in_episode
    assert share.shape == (history.n_ticks,) and np.all((share >= 0) & (share <= 1))
    assert view.base.episodes and view.base.resets_per_run >= 1
    first = view.base.episodes[0]
    t = first["onset_tick"]  # -1: the run began inside it (censored; possible with posterior draws)
    assert first["onset"] == (history.dates[t][:7] if t >= 0 else "")
    assert "30 runs (base seed 11)" in view.summary[0]
    # a latent attitude's median is also said as the favourable share it stands for
    usa = view.base.trust["usa"][views.MEDIAN, -1]
    share = f"favourable share {1 / (1 + np.exp(-usa)):.0%}"
    assert "(the latent attitude, a logit)" in view.summary[0] and share in view.summary[0]
    # a parameter reaches the runs: the headline numbers change
    other = views.ensemble_view(history, 30, 11, {"k_leader": 0.0})
    assert other.summary[0] != view.summary[0]
    with pytest.raises(ValueError, match="runs"):
        views.ensemble_view(history, 0, 11)


def test_counterfactual_is_paired_on_the_same_seeds(history):
    view = views.ensemble_view(history, 20, 3, remove="nine_eleven")
    tick = next(m.tick for m in history.markers if m.id == "nine_eleven")
    for sid in history.state_ids:
        diff = view.difference[sid]
        assert np.all(diff[:, :tick] == 0)  # same runs, same draws: no change before it
        assert np.abs(diff[views.MEDIAN, tick:]).max() > 0.01
    assert view.counterfactual is not None and view.removed_label == "9/11"
    assert "without '9/11'" in view.summary[-1]


def test_any_dyad_columns_come_from_the_state_ids(scenarios_dir):
    compiled = as_compiled(scenarios_dir / "us_china_example.toml")
    assert "chn" in compiled.state_ids[1]
    view = views.ensemble_view(compiled, 10, 1)
    assert set(view.base.trust) == set(compiled.state_ids)
    assert "China" in view.summary[0]
    assert figures.png(figures.fan_figure(view)).startswith(b"\x89PNG")


def test_single_run_view_reads_the_mesa_model(history):
    model = ResetModel(history, rng=5, k_leader=0.5)
    assert views.single_run(model).tick == 0
    assert "not started" in views.single_run(model).status()
    for _ in range(12):
        model.step()
    run = views.single_run(model)
    frame = model.datacollector.get_model_vars_dataframe()
    assert run.tick == 12 and run.date == history.dates[11][:7]
    for sid in history.state_ids:
        np.testing.assert_array_equal(run.trust[sid], frame[f"{sid}_trust"].to_numpy())
    assert run.fired and all(t < 12 for t, _ in run.fired)
    assert run.leaders == list(history.leader_names[11])
    assert "quarter 12 of 132" in run.status()
    assert figures.png(figures.single_run_figure(run)).startswith(b"\x89PNG")
    # a latent attitude (the default) is drawn as its favourable share, inside the 0-1 axis
    assert run.latent_trust == model.p.latent_trust == 1.0
    ax = figures.single_run_figure(run).axes[0]
    for line in ax.get_lines():
        if "trust" in str(line.get_label()):
            y = np.asarray(line.get_ydata())
            assert ((y > 0) & (y < 1)).all() and "favourable share" in line.get_label()


def test_the_dashboard_opens_on_the_main_job(scenarios_dir):
    assert data.DEFAULT_SCENARIO == MAIN
    assert next(iter(data.shipped_scenarios(scenarios_dir))) == MAIN


@pytest.fixture(scope="module")
def main_view(scenarios_dir):
    return views.ensemble_view(as_compiled(scenarios_dir / f"{MAIN}.toml"), 40, 7)


def test_the_main_job_shows_its_forecast_on_the_same_seeds(main_view, scenarios_dir):
    """What fan.png shows: the 2021 forecast's runs (same seeds) beside what happened."""
    view = main_view
    c, f = view.base.compiled, view.forecast
    assert f is not None and f.compiled.scenario.name == "biden_era_ex_ante"
    np.testing.assert_array_equal(f.seeds, view.base.seeds)
    ex_ante = as_compiled(scenarios_dir / "biden_era_ex_ante.toml")
    traj = simulate(ex_ante, replication_seeds(7, 40))
    for sid in c.state_ids:
        np.testing.assert_allclose(
            f.trust[sid][views.MEDIAN], np.median(traj[f"{sid}_trust"], axis=0)
        )
        # identical up to the forecast's origin: the same runs, the same events
        t0 = f.start_tick
        np.testing.assert_allclose(f.trust[sid][:, :t0], view.base.trust[sid][:, :t0])
    # drawn from a few years before the forecast's origin
    assert view.first_tick == f.start_tick - 4 * views.CONTEXT_YEARS
    assert any("the forecast from 2021-07" in line for line in view.summary)


def test_reset_probability_counts_new_resets_from_the_projection_start(main_view):
    for fan in (main_view.base, main_view.forecast):
        p, t0 = fan.new_reset, fan.start_tick
        assert p.shape == (fan.compiled.n_ticks,)
        assert np.all(p[:t0] == 0) and np.all(np.diff(p) >= 0) and p[-1] <= 1
    # the 2021 forecast expected more new resets than the outlook from 2026
    assert main_view.forecast.new_reset[-1] > main_view.base.new_reset[-1]
    assert any(line.startswith("a new reset started from 2026-01") for line in main_view.summary)


def test_grave_events_are_labelled_and_titles_fit(main_view):
    c = main_view.base.compiled
    labels = figures.labelled_events(c, main_view.first_tick)
    text = " / ".join(label for _, label in labels)
    assert "invasion of Ukraine" in text and "Crimea" in text and "9/11" not in text
    assert all(t >= main_view.first_tick for t, _ in labels)
    ticks = [t for t, _ in labels]
    assert ticks == sorted(set(ticks))
    fig = figures.fan_figure(main_view)
    assert len(fig.axes) == 3  # the event strip, the trusts, the shares of runs
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = fig.bbox
    # the titles and the event labels (other texts are clipped to their axes)
    texts = [ax.title for ax in fig.axes if ax.get_title()] + list(fig.axes[0].texts)
    assert any("invasion of Ukraine" in t.get_text() for t in texts)
    for t in texts:  # none runs off the picture
        e = t.get_window_extent(renderer)
        assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1, t.get_text()
        assert box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1, t.get_text()
    strip = fig.axes[0].get_window_extent(renderer)
    for t in fig.axes[0].texts:  # the upright labels stay inside their strip
        assert t.get_window_extent(renderer).y1 <= strip.y1 + 1, t.get_text()
    long = figures.wrap_title("x " * 400, 11.0)
    assert all(len(line) <= 11 * 72 / (0.56 * 10) for line in long.splitlines())


def test_fan_figure_with_a_counterfactual_draws(history):
    view = views.ensemble_view(history, 10, 2, remove="nine_eleven")
    fig = figures.fan_figure(view)
    assert len(fig.axes) == 4  # events, trusts, shares of runs, the difference
    assert figures.data_uri(figures.png(fig)).startswith("data:image/png;base64,")
    table = views.episode_table_html(view.base.episodes)
    assert table.count("<tr>") == len(view.base.episodes) + 1


# --------------------------------------------------------------------------
# the command


def test_app_without_the_viz_extra_says_how_to_install_it(run_cli, monkeypatch):
    monkeypatch.setattr(server, "missing_viz", lambda: "solara is not installed")
    r = run_cli("app", "--port", "0")
    assert r.code == 2, r
    assert r.err.strip().count("\n") == 0, r
    assert 'pip install "resetsim[viz]"' in r.err and "solara is not installed" in r.err


def test_the_rest_of_the_cli_never_imports_solara():
    code = (
        "import sys; from resetsim.cli.main import build_parser, main; build_parser();"
        "main(['params', '--group', 'switches']);"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('solara', 'ipyvuetify', 'uvicorn', 'resetsim.app.page'));"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@needs_viz
def test_app_on_a_busy_port_is_a_usage_error(run_cli):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_cli("app", "--host", "127.0.0.1", "--port", str(port))
    assert r.code == 2 and "cannot listen on 127.0.0.1" in r.err, r


# --------------------------------------------------------------------------
# the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """``(url, seconds to the first 200)`` of a ``resetsim app`` started for these tests."""
    if VIZ_MISSING is not None:
        pytest.skip(f'the viz extra is not installed ({VIZ_MISSING}): pip install -e ".[viz]"')
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path_factory.mktemp("app") / "server.log"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "resetsim", "app", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        start = time.monotonic()
        while True:
            elapsed = time.monotonic() - start
            if proc.poll() is not None:
                pytest.fail(f"resetsim app exited ({proc.returncode}):\n{log.read_text()}")
            if elapsed > STARTUP_LIMIT:
                pytest.fail(f"no answer on {url} within {STARTUP_LIMIT:.0f} s:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=10) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        yield url, elapsed
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


class _References(html.parser.HTMLParser):
    """Every address a page would load: ``src``/``href`` of any tag but links
    to follow (``<a>``), and ``url(...)`` in inline styles."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        self._style = tag == "style"
        for name, value in attrs:
            if value and name in ("src", "href", "data") and tag != "a":
                self.urls.append(value)

    def handle_data(self, text):
        if self._style:
            for part in text.split("url(")[1:]:
                self.urls.append(part.split(")")[0].strip("'\" "))


def test_get_root_answers_200_and_the_page_is_offline(dashboard):
    url, elapsed = dashboard
    assert elapsed < STARTUP_LIMIT
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.status == 200
        page = resp.read().decode("utf-8")
    refs = _References()
    refs.feed(page)
    assert any("/_solara/cdn/" in u for u in refs.urls), refs.urls  # the front end, served here
    outside = [
        u for u in refs.urls if urlsplit(u).netloc and urlsplit(u).hostname not in LOCAL_HOSTS
    ]
    assert not outside, outside
    assert 'solara.cdn = "/_solara/cdn"' in page  # what the page's scripts load from
    assert "solara.dev" not in page  # production mode: no check that loads a page from there
    # the front end's files come from this server (solara-assets), not the CDN
    for ref in [u for u in refs.urls if "/_solara/cdn/" in u][:3]:
        with urllib.request.urlopen(url.rstrip("/") + ref, timeout=30) as resp:
            assert resp.status == 200 and resp.read(), ref


# --------------------------------------------------------------------------
# the browser


def _chromium() -> str | None:
    return (
        os.environ.get("RESETSIM_CHROMIUM")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


#: Mean absolute difference (grey levels, 0-255) of two screenshots shrunk 8
#: times below which they are the same picture: two runs of the same dashboard
#: differ by about 0.3 (text antialiasing), a changed figure by 10 or more.
SAME_PICTURE = 1.0


def _update_screenshot(new: Path, target: Path) -> bool:
    """Copy ``new`` over ``target`` unless both show the same picture; True if copied."""
    from PIL import Image

    def small(path: Path) -> np.ndarray:
        im = Image.open(path).convert("L")
        return np.asarray(im.resize((im.width // 8, im.height // 8), Image.BOX), dtype=float)

    if target.exists():
        old, fresh = small(target), small(new)
        if old.shape == fresh.shape and np.abs(old - fresh).mean() < SAME_PICTURE:
            return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(new, target)
    return True


def test_the_docs_screenshot_is_replaced_only_by_a_different_picture(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, (400, 320), dtype=np.uint8)
    noisy = np.clip(base.astype(int) + rng.integers(-3, 4, base.shape), 0, 255)
    other = base.copy()
    other[100:300, 50:250] = 255 - other[100:300, 50:250]  # a panel changed
    paths = {}
    for name, pixels in (("base", base), ("noisy", noisy), ("other", other)):
        paths[name] = tmp_path / f"{name}.png"
        Image.fromarray(pixels.astype(np.uint8)).save(paths[name])
    target = tmp_path / "docs" / "dashboard.png"
    assert _update_screenshot(paths["base"], target)  # none yet: written
    assert not _update_screenshot(paths["noisy"], target)  # rendering noise: kept
    assert target.read_bytes() == paths["base"].read_bytes()
    assert _update_screenshot(paths["other"], target)  # a changed picture: replaced
    assert target.read_bytes() == paths["other"].read_bytes()


def _summary(page) -> str:
    return page.inner_text(".rs-summary")


def test_dashboard_in_a_real_browser(dashboard, tmp_path, scenarios_dir):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[test]"'
    )
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set RESETSIM_CHROMIUM)")
    url, _ = dashboard
    default = DOCS_SCREENSHOT if DOCS_SCREENSHOT.parent.is_dir() else tmp_path / "dashboard.png"
    shot = Path(os.environ.get("RESETSIM_DASHBOARD_SCREENSHOT") or default)
    n_ticks = as_compiled(scenarios_dir / f"{MAIN}.toml").n_ticks
    outside: list[str] = []

    def only_this_machine(route):
        target = route.request.url
        if target.startswith(("data:", "blob:")) or urlsplit(target).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(target)
            route.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"], timeout=60_000
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.set_default_timeout(90_000)
            page.route("**/*", only_this_machine)
            page.goto(url)
            # the ensemble is drawn: an image with pixels, and its numbers
            page.wait_for_function(
                "() => { const i = document.querySelector('img.rs-fan-chart');"
                " return i && i.complete && i.naturalWidth > 500; }"
            )
            first = _summary(page)
            assert "100 runs" in first and "United States" in first and "Russia" in first
            # the main job, with its forecast and the chance of a new reset
            assert "the forecast from 2021-07" in first
            assert "a new reset started from 2026-01" in first
            assert "biden_era" in page.inner_text(".v-navigation-drawer")
            first_src = page.get_attribute("img.rs-fan-chart", "src")
            page.screenshot(path=str(tmp_path / "opening.png"))
            _update_screenshot(tmp_path / "opening.png", shot)

            # the counterfactual: remove 9/11, the difference appears
            box = page.locator(".rs-counterfactual input[type=text]")
            box.click()
            box.fill("9/11")
            page.locator(".v-menu__content .v-list-item", has_text="9/11").first.click()
            page.wait_for_function(
                "() => document.querySelector('.rs-summary').innerText.includes('without')"
            )
            assert "without '9/11'" in _summary(page)
            page.wait_for_function(
                "(old) => { const i = document.querySelector('img.rs-fan-chart');"
                " return i.src !== old && i.complete && i.naturalHeight > 0; }",
                arg=first_src,
            )
            with_cf = _summary(page)

            # a parameter: k_leader to its minimum (the leader factor off)
            thumb = page.locator(".v-input", has=page.locator("label", has_text="k_leader"))
            thumb = thumb.locator("[role=slider]")
            assert thumb.get_attribute("aria-valuenow") == "1"
            thumb.focus()
            page.keyboard.press("Home")
            assert thumb.get_attribute("aria-valuenow") == "0"
            page.get_by_role("button", name="Run ensemble").click()
            page.wait_for_function(
                "(old) => document.querySelector('.rs-summary').innerText !== old",
                arg=with_cf,
            )
            changed = _summary(page)
            assert changed.splitlines()[0] != with_cf.splitlines()[0]  # other median trusts
            assert "1 changed" in page.inner_text(".v-navigation-drawer")
            page.wait_for_function(
                "() => { const i = document.querySelector('img.rs-fan-chart');"
                " return i.complete && i.naturalWidth > 500; }"
            )

            # the Mesa run: step it twice
            page.get_by_role("tab", name="Single run (Mesa)").click()
            page.wait_for_selector(".rs-run-status")
            assert f"quarter 0 of {n_ticks}" in page.inner_text(".rs-run-status")
            for k in (1, 2):
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(
                    "([k, n]) => document.querySelector('.rs-run-status').innerText"
                    ".includes(`quarter ${k} of ${n}`)",
                    arg=[k, n_ticks],
                )
            assert page.locator("img.rs-run-chart").count() == 1
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000
    assert not _update_screenshot(tmp_path / "opening.png", shot)  # now the same picture
    assert not outside, f"the page tried to reach other hosts: {outside}"

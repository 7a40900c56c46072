"""Compiled episode detection (resetsim.analysis.detection) against the
vectorised reference in resetsim.analysis.episodes: the same arrays, bit for
bit, on series with ties, flat floors, left-censored starts, many episodes
and per-run thresholds, and the same metrics on simulated runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from resetsim.analysis import episodes
from resetsim.analysis.metrics import run_metrics
from resetsim.core.columns import COOPERATION
from resetsim.engines.runner import simulator
from resetsim.scenario import compile_scenario, load

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history_1989_2021.toml"
FIELDS = (
    "count",
    "onset",
    "peak",
    "failure",
    "low",
    "pre_low",
    "onset_level",
    "peak_level",
    "failure_level",
    "low_level",
    "pre_low_level",
    "censored",
    "low_final",
)


def reference(monkeypatch, fn, *args):
    with monkeypatch.context() as m:
        m.setattr(episodes, "COMPILED_FROM_RUNS", 10**12)
        return fn(*args)


def assert_same_episodes(a, b):
    np.testing.assert_array_equal(a.index, b.index)
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.shape == y.shape, f
        np.testing.assert_array_equal(x, y, err_msg=f)


def series(n: int, T: int, seed: int) -> dict[str, np.ndarray]:
    """Random walks rounded to a coarse grid (ties and flat stretches), some
    starting high and falling (left-censored), some oscillating fast."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.06, (n, T))
    steps[: n // 4] += 0.08 * np.sin(np.arange(T) / 2.0)[None, :]  # many episodes
    walk = np.cumsum(steps, axis=1)
    walk[n // 4 : n // 2] -= np.linspace(0, 1.5, T)[None, :]  # falling from the start
    a = np.round(walk, 1)
    b = np.round(walk + rng.normal(0, 0.05, (n, T)), 1)
    coop = np.clip(0.5 + 0.3 * walk, 0, 1)
    return {"usa_trust": a, "rus_trust": b, COOPERATION: coop}


def random_params(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "det_rise": rng.uniform(0.02, 0.3, n),
        "det_fall": rng.uniform(0.02, 0.3, n),
        "det_fall_share": rng.uniform(0.0, 0.9, n),
        "det_persist": rng.integers(1, 5, n).astype(float),
        "det_smoothing": np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 0.9, n)),
        "det_coop_weight": np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 0.8, n)),
        "det_trigger_lookback": np.full(n, 4.0),
        "latent_trust": rng.integers(0, 2, n).astype(float),  # some read as a share
        "det_partnership": np.full(n, 0.6),
        "det_confrontation": np.full(n, 0.3),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_detection_equals_the_reference(monkeypatch, seed):
    n, T = 600, 120
    data = series(n, T, seed)
    ids = ("usa", "rus")
    p = random_params(n, seed + 100)
    ref_index = reference(monkeypatch, episodes.relationship_index, data, ids, p)
    index = episodes.relationship_index(data, ids, p)
    np.testing.assert_array_equal(index, ref_index)
    got = episodes.detect(index, p)
    ref = reference(monkeypatch, episodes.detect, ref_index, p)
    assert_same_episodes(got, ref)
    assert ref.count.max() > 8  # the episode axis grew past its first width
    assert ref.censored.any() and ref.low_final.any()


def test_scalar_parameters_and_no_smoothing_or_blend(monkeypatch):
    n, T = 300, 60
    data = series(n, T, 7)
    p = {k: float(v[0]) for k, v in random_params(1, 3).items()}
    p.update(det_smoothing=0.0, det_coop_weight=0.0)
    del data[COOPERATION]  # not read without a blend
    ids = ("usa", "rus")
    index = episodes.relationship_index(data, ids, p)
    np.testing.assert_array_equal(
        index, reference(monkeypatch, episodes.relationship_index, data, ids, p)
    )
    assert_same_episodes(
        episodes.detect(index, p), reference(monkeypatch, episodes.detect, index, p)
    )


def test_metrics_of_simulated_runs_are_unchanged(monkeypatch):
    compiled = compile_scenario(load(HISTORY))
    traj = simulator("compiled")(compiled, np.arange(1, 401))
    data = {**traj.with_events(), "seed": np.arange(1, 401)}
    got = run_metrics(compiled, data)
    ref = reference(monkeypatch, run_metrics, compiled, data)
    assert set(got) == set(ref)
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)

"""The fidelity score's compiled alignment (resetsim.analysis.alignment)
against the vectorised reference in resetsim.analysis.fidelity: the same
scores, bit for bit, on runs with many episodes, open and left-censored
ones, ripples below the minimum rise and per-run detection thresholds."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from resetsim.analysis import episodes
from resetsim.analysis import fidelity as F
from resetsim.scenario import compile_scenario, load
from test_detection_compiled import random_params, series

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history_1989_2021.toml"


@pytest.fixture(scope="module")
def history():
    compiled = compile_scenario(load(HISTORY))
    return compiled, compiled.reference("targets")


def reference_score(monkeypatch, windows, compiled, ep):
    with monkeypatch.context() as m:
        m.setattr(episodes, "COMPILED_FROM_RUNS", 10**12)
        return F.score(windows, compiled, ep)


def assert_same_scores(a: F.Scores, b: F.Scores) -> None:
    for f in fields(F.Scores):
        if f.name == "windows":
            continue
        x, y = np.asarray(getattr(a, f.name)), np.asarray(getattr(b, f.name))
        assert x.dtype == y.dtype and x.shape == y.shape, f.name
        assert x.tobytes() == y.tobytes(), f.name


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_alignment_equals_the_reference(monkeypatch, history, seed):
    compiled, windows = history
    n = 800
    data = series(n, compiled.n_ticks, seed)
    p = random_params(n, seed + 10)
    ep = episodes.detect(episodes.relationship_index(data, compiled.state_ids, p), p)
    got = F.score(windows, compiled, ep)
    ref = reference_score(monkeypatch, windows, compiled, ep)
    assert_same_scores(got, ref)
    # the cases the alignment must get right are there
    assert ref.matched.any() and (~ref.matched).any() and ref.spurious.max() >= 2
    assert np.nanmax(ref.amplitude) == 1.0 and np.nanmin(ref.amplitude) < 1.0
    assert (ref.onset_error[ref.matched] != 0).any()
    assert (ep.failure[ep.exists] < 0).any()  # episodes still open at the end


def test_one_run_and_no_episode_alike(monkeypatch, history):
    compiled, windows = history
    n = episodes.COMPILED_FROM_RUNS
    flat = {k: np.zeros((n, compiled.n_ticks)) for k in series(1, compiled.n_ticks, 0)}
    p = random_params(n, 5)
    ep = episodes.detect(episodes.relationship_index(flat, compiled.state_ids, p), p)
    assert ep.count.max() == 0
    assert_same_scores(
        F.score(windows, compiled, ep), reference_score(monkeypatch, windows, compiled, ep)
    )

"""Sobol' sampling and indices (resetsim.analysis.sobol) against SALib's.

The Saltelli matrix must be SALib's own (so a sweep's runs do not change),
the point estimates SALib's to 1e-12, and the bootstrap intervals, drawn from
another stream, statistically equivalent to SALib's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from resetsim.analysis import sobol

SALib = pytest.importorskip("SALib")
from SALib.analyze import sobol as salib_analyze  # noqa: E402
from SALib.sample import sobol as salib_sample  # noqa: E402

BOUNDS = [(-np.pi, np.pi)] * 3


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def problem(bounds) -> dict:
    names = [f"x{j}" for j in range(len(bounds))]
    return {"num_vars": len(bounds), "names": names, "bounds": [list(b) for b in bounds]}


def salib_sample_of(bounds, n, second_order, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_sample.sample(problem(bounds), n, calc_second_order=second_order, seed=seed)


def salib_indices(bounds, y, second_order, resamples, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_analyze.analyze(
            problem(bounds), y, calc_second_order=second_order, num_resamples=resamples, seed=seed
        )


@pytest.mark.parametrize("second_order", [False, True])
@pytest.mark.parametrize("seed", [1, 132])
def test_saltelli_sample_is_salibs(second_order, seed):
    bounds = [(0.0, 2.0), (-1.0, 1.0), (0.5, 0.75), (0.0, 1.0)]
    ours = sobol.sample(bounds, 64, second_order, seed)
    np.testing.assert_array_equal(ours, salib_sample_of(bounds, 64, second_order, seed))


@pytest.mark.parametrize("d", [1, 2, 7, 20, 41])
@pytest.mark.parametrize("seed", [0, 5, 132])
def test_sobol_sequence_is_scipys_to_the_bit(d, seed):
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = qmc.Sobol(d=d, scramble=True, seed=seed).random(512)
    np.testing.assert_array_equal(sobol.sobol_sequence(512, d, seed), ref)
    np.testing.assert_array_equal(sobol.sobol_sequence(1, d, seed), ref[:1])


def test_saltelli_layout():
    base = np.arange(12, dtype=float).reshape(2, 6) / 12  # N = 2, D = 3
    m = sobol.saltelli(base, second_order=True).reshape(2, 8, 3)
    a, b = base[:, :3], base[:, 3:]
    np.testing.assert_array_equal(m[:, 0], a)
    np.testing.assert_array_equal(m[:, -1], b)
    for j in range(3):
        np.testing.assert_array_equal(m[:, 1 + j, j], b[:, j])  # AB_j
        np.testing.assert_array_equal(np.delete(m[:, 1 + j], j, axis=1), np.delete(a, j, axis=1))
        np.testing.assert_array_equal(m[:, 4 + j, j], a[:, j])  # BA_j
        np.testing.assert_array_equal(np.delete(m[:, 4 + j], j, axis=1), np.delete(b, j, axis=1))


@pytest.mark.parametrize("second_order", [False, True])
def test_point_estimates_equal_salibs(second_order):
    x = sobol.sample(BOUNDS, 512, second_order, 7)
    y = ishigami(x)
    ours = sobol.indices(y, 3, second_order, resamples=100, seed=3)
    ref = salib_indices(BOUNDS, y, second_order, 100, 3)
    keys = ["S1", "ST"] + (["S2"] if second_order else [])
    for k in keys:
        np.testing.assert_allclose(ours[k], np.asarray(ref[k]), rtol=0, atol=1e-12, err_msg=k)


def test_indices_recover_ishigami_and_a_dead_parameter():
    """Known values: Ishigami (a=7, b=0.1) S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244;
    a parameter the output ignores has indices (and intervals) of exactly 0."""
    bounds = [*BOUNDS, (0.0, 1.0)]
    x = sobol.sample(bounds, 4096, False, 11)
    s = sobol.indices(ishigami(x), 4, resamples=200, seed=1)
    np.testing.assert_allclose(s["S1"][:3], [0.314, 0.442, 0.0], atol=0.03)
    np.testing.assert_allclose(s["ST"][:3], [0.558, 0.442, 0.244], atol=0.03)
    assert s["S1"][3] == s["ST"][3] == s["S1_conf"][3] == s["ST_conf"][3] == 0.0
    assert (s["S1_conf"][:3] > 0).all() and (s["ST_conf"][:3] > 0).all()


@pytest.mark.parametrize("second_order", [False, True])
def test_intervals_statistically_equivalent_to_salibs(second_order):
    """Bootstrap half-widths from 1,000 resamples: a standard deviation estimated
    from 1,000 draws is within a few per cent of the truth, so both
    implementations must agree within 20% (different random streams)."""
    x = sobol.sample(BOUNDS, 1024, second_order, 5)
    y = ishigami(x)
    ours = sobol.indices(y, 3, second_order, resamples=1000, seed=9)
    ref = salib_indices(BOUNDS, y, second_order, 1000, 9)
    keys = ["S1_conf", "ST_conf"] + (["S2_conf"] if second_order else [])
    for k in keys:
        a, b = ours[k], np.asarray(ref[k])
        ok = ~np.isnan(b)
        np.testing.assert_array_equal(np.isnan(a), ~ok)
        ratio = a[ok] / b[ok]
        assert ((ratio > 0.8) & (ratio < 1.25)).all(), (k, ratio)


def test_intervals_deterministic_and_independent_of_the_block(monkeypatch):
    x = sobol.sample(BOUNDS, 256, True, 2)
    y = ishigami(x)
    one = sobol.indices(y, 3, True, resamples=300, seed=4)
    np.testing.assert_array_equal(one["S1_conf"], sobol.indices(y, 3, True, 300, seed=4)["S1_conf"])
    monkeypatch.setattr(sobol, "BLOCK", 7)
    other = sobol.indices(y, 3, True, resamples=300, seed=4)
    for k in one:
        np.testing.assert_allclose(other[k], one[k], rtol=1e-12, atol=1e-15, err_msg=k)
    assert not np.array_equal(sobol.indices(y, 3, True, 300, seed=5)["ST_conf"], one["ST_conf"])


def test_bootstrap_counts_draw_n_rows_each():
    blocks = list(sobol.resample_counts(50, 600, seed=0))
    w = np.concatenate(blocks)
    assert w.shape == (600, 50) and len(blocks) == 3
    np.testing.assert_array_equal(w.sum(axis=1), 50)
    # each row is drawn about once per resample
    assert abs(w.mean() - 1) < 1e-12 and 0.9 < w.var() < 1.1


def test_wrong_size_is_refused():
    with pytest.raises(ValueError, match="multiple of 5"):
        sobol.indices(np.arange(11.0), 3)

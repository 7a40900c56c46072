"""A scenario's parameter posterior: ``posterior = "posteriors/history.parquet"``.

The file is what ``resetsim calibrate`` writes as ``posterior.parquet``: one
row per particle, one column per calibrated registry parameter and
``weight`` (>= 0, summing to 1).  A scenario that names one draws each run's
values of those parameters from it, by weight, from the run's own seed (a
hash of the seed, :func:`uniforms`), so a run's parameters depend on its seed
only, never on its chunk, worker or neighbours.  Precedence: a caller's
overrides (``--set``, a sweep's design parameters) beat the draws, which beat
the scenario's ``[parameters]`` and the registry defaults.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from resetsim.core import params as prm
from resetsim.core.config import Problem, ScenarioError

#: Weights must sum to 1 within this.
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class Posterior:
    """Validated particles: ``values (n, d)`` of ``names`` and their weights
    (:attr:`cumulative`: their running share)."""

    path: str
    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    @property
    def digest(self) -> str:
        """A digest of the particles (names, values, weights): what the runs depend on."""
        h = hashlib.sha256(",".join(self.names).encode())
        h.update(np.ascontiguousarray(self.values).tobytes())
        h.update(np.ascontiguousarray(self.weights).tobytes())
        return h.hexdigest()

    @property
    def cumulative(self) -> np.ndarray:
        c = np.cumsum(self.weights)
        return c / c[-1]

    def particles(self, seeds) -> np.ndarray:
        """The particle index each run (seed) draws."""
        idx = np.searchsorted(self.cumulative, uniforms(seeds), side="right")
        return np.minimum(idx, len(self.weights) - 1)

    def draw(self, seeds) -> dict[str, np.ndarray]:
        """Per run, each parameter's drawn value (arrays over ``seeds``)."""
        idx = self.particles(seeds)
        return {name: self.values[idx, j].copy() for j, name in enumerate(self.names)}


_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def uniforms(seeds) -> np.ndarray:
    """One uniform in ``[0, 1)`` per run seed: splitmix64 of the seed (salted so
    it is independent of the run's own random stream), top 53 bits."""
    z = np.asarray(seeds, dtype=np.int64).astype(np.uint64) ^ np.uint64(0x5EED_0F_9057E410)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _problem(source: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(source, "posterior", message)])


def read_posterior(path: str | Path, source: str = "<scenario>") -> Posterior:
    """Read and validate a posterior file; a problem raises :class:`ScenarioError`
    naming ``source`` (the scenario file) and the field ``posterior``."""
    path = Path(path)
    if not path.is_file():
        raise _problem(source, f"no such file: {path}")
    return _read(str(path), source)


def _read(shown: str, source: str) -> Posterior:
    import pandas as pd

    try:
        df = pd.read_parquet(shown)
    except Exception as exc:
        raise _problem(source, f"{shown} is not a readable parquet file ({exc})") from None
    if "weight" not in df.columns:
        raise _problem(source, f"{shown} has no `weight` column")
    names = [c for c in df.columns if c != "weight"]
    unknown = [c for c in names if c not in prm.PARAM_BY_NAME]
    if unknown:
        raise _problem(source, f"{shown}: unknown parameter column(s) {', '.join(unknown)}")
    if not names:
        raise _problem(source, f"{shown} has no parameter columns")
    if len(df) == 0:
        raise _problem(source, f"{shown} has no rows")
    try:
        values = df[names].to_numpy(dtype=float)
        w = df["weight"].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise _problem(source, f"{shown}: every column must be numeric") from None
    if not (np.isfinite(values).all() and np.isfinite(w).all()):
        raise _problem(source, f"{shown}: missing or non-finite values")
    for j, name in enumerate(names):
        spec = prm.PARAM_BY_NAME[name]
        bad = (values[:, j] < spec.low) | (values[:, j] > spec.high)
        if bad.any():
            raise _problem(
                source,
                f"{shown}: {name} = {values[bad, j][0]:g} is outside its bounds "
                f"[{spec.low:g}, {spec.high:g}]",
            )
    if (w < 0).any():
        raise _problem(source, f"{shown}: negative weights")
    if abs(w.sum() - 1.0) > WEIGHT_TOLERANCE:
        raise _problem(source, f"{shown}: weights sum to {w.sum():.9g}, not 1")
    return Posterior(shown, tuple(names), values, w)

"""Randomness, with one owner: how replication seeds are derived and how a run
draws its random numbers.

Replication seeds come from ``numpy.random.SeedSequence``: run ``i`` of base
seed ``s`` is always the same 63-bit int, however the runs are chunked or
distributed (:func:`run_seed`, vectorised as :func:`run_seeds`).  A run then
draws all its numbers up front from ``numpy.random.default_rng(seed)`` in a
fixed order (:func:`draw_randomness`), so a run depends only on its seed and
both engines see the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def run_seed(base_seed: int, index: int) -> int:
    """The seed of replication ``index`` of ``base_seed`` (a 63-bit int).

    Equal to the ``index``-th child of ``SeedSequence(base_seed).spawn(...)``.
    """
    ss = np.random.SeedSequence(int(base_seed), spawn_key=(int(index),))
    lo, hi = ss.generate_state(2, dtype=np.uint32)
    return int((int(hi) << 32 | int(lo)) >> 1)


def replication_seeds(base_seed: int, n: int, start: int = 0) -> np.ndarray:
    """Seeds of replications ``start .. start+n-1`` of ``base_seed``."""
    return run_seeds(base_seed, np.arange(start, start + n, dtype=np.int64))


_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_M32 = 0xFFFFFFFF


def _words(n: int) -> list[int]:
    out = [n & _M32]
    n >>= 32
    while n:
        out.append(n & _M32)
        n >>= 32
    return out


def run_seeds(base_seed: int, index: Sequence[int] | np.ndarray) -> np.ndarray:
    """``[run_seed(base_seed, i) for i in index]``, computed as arrays.

    The same arithmetic as ``numpy.random.SeedSequence(base_seed,
    spawn_key=(i,)).generate_state(2)`` (tests check equality with
    :func:`run_seed`); about 100x faster for many runs.
    """
    index = np.asarray(index, dtype=np.int64)
    if index.size and (index.min() < 0 or index.max() > _M32):
        return np.array([run_seed(base_seed, int(i)) for i in index], dtype=np.int64)
    u = np.uint32
    run = _words(int(base_seed))
    run += [0] * (4 - len(run))
    entropy: list[Any] = [u(w) for w in run] + [index.astype(np.uint32)]
    hc = _INIT_A

    def hashmix(value):
        nonlocal hc
        value = value ^ u(hc)
        hc = (hc * _MULT_A) & _M32
        value = value * u(hc)
        return value ^ (value >> u(16))

    def mix(x, y):
        r = u(_MIX_L) * x - u(_MIX_R) * y
        return r ^ (r >> u(16))

    with np.errstate(over="ignore"):
        mixer = [hashmix(entropy[i]) for i in range(4)]
        for s in range(4):
            for d in range(4):
                if s != d:
                    mixer[d] = mix(mixer[d], hashmix(mixer[s]))
        for s in range(4, len(entropy)):
            for d in range(4):
                mixer[d] = mix(mixer[d], hashmix(entropy[s]))
        hb = _INIT_B
        state = []
        for i in range(2):
            v = mixer[i] ^ u(hb)
            hb = (hb * _MULT_B) & _M32
            v = v * u(hb)
            state.append(v ^ (v >> u(16)))
    lo = np.broadcast_to(state[0], index.shape).astype(np.uint64)
    hi = np.broadcast_to(state[1], index.shape).astype(np.uint64)
    return ((hi << np.uint64(32) | lo) >> np.uint64(1)).astype(np.int64)


def draw_randomness(rng: np.random.Generator, n_ticks: int, n_processes: int, n_terms: int = 0):
    """A run's random numbers, always in this order: trust noise ``(T, 2)``, event
    uniforms ``(T, P)``, then one normal per leader term ``(L,)`` (its disposition
    draw; used only by terms with ``disposition_sd`` > 0)."""
    noise = rng.standard_normal((n_ticks, 2))
    uniforms = rng.random((n_ticks, n_processes))
    leader_z = rng.standard_normal(n_terms)
    return noise, uniforms, leader_z


def randomness(seeds: Sequence[int], n_ticks: int, n_processes: int, n_terms: int = 0):
    """Stack each run's own draws: noise ``(n, T, 2)``, uniforms ``(n, T, P)``,
    leader-term normals ``(n, L)``.

    The numbers of :func:`draw_randomness` with ``default_rng(seed)``, drawn in
    compiled code (:mod:`resetsim.engines.compiled_rng`, loaded on first use;
    equal bit for bit, tested): a generator made in Python costs more than a
    compiled run.  Seeds outside ``[0, 2**63)`` take the Python loop."""
    seeds = np.asarray(seeds)
    if seeds.dtype.kind not in "iu" or (seeds.size and seeds.min() < 0):
        return randomness_numpy(seeds, n_ticks, n_processes, n_terms)
    # numba, on first use (keeps `import resetsim` light)
    from resetsim.engines import compiled_rng

    n = len(seeds)
    noise = np.empty((n, n_ticks, 2))
    unif = np.empty((n, n_ticks, n_processes))
    lz = np.empty((n, n_terms))
    state = np.zeros(4, dtype=np.uint64)
    compiled_rng.draw_runs(seeds.astype(np.int64), state, noise, unif, lz)
    return noise, unif, lz


def randomness_numpy(seeds: Sequence[int], n_ticks: int, n_processes: int, n_terms: int = 0):
    """:func:`randomness` with one numpy generator per run (the reference)."""
    n = len(seeds)
    noise = np.empty((n, n_ticks, 2))
    unif = np.empty((n, n_ticks, n_processes))
    lz = np.empty((n, n_terms))
    for i, seed in enumerate(seeds):
        noise[i], unif[i], lz[i] = draw_randomness(
            np.random.default_rng(int(seed)), n_ticks, n_processes, n_terms
        )
    return noise, unif, lz

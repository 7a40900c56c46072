"""A run's random numbers in compiled code, equal to numpy's, bit for bit.

``numpy.random.default_rng(seed)`` is ``Generator(PCG64(SeedSequence(seed)))``;
creating one costs about 15 microseconds in Python, more than the compiled
engine spends on a whole run.  This module does the same arithmetic in numba:
:func:`pcg64_seed` (the seed sequence's hash and the PCG64 seeding),
:func:`next_uint64` (PCG64's 128-bit LCG step and XSL-RR output, with the
128-bit product done in 64-bit halves), :func:`next_double` and
:func:`standard_normal` (numpy's ziggurat, with numba's copy of numpy's
tables).  Tests check equality with numpy for many seeds; the draws' order is
:func:`resetsim.engines.randomness.draw_randomness`'s.

Imports numba: loaded only by :mod:`resetsim.engines.compiled`.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.np.random._constants import fi_double, ki_double, wi_double

_U64 = np.uint64
_MASK32 = _U64(0xFFFFFFFF)
# numpy.random.SeedSequence's hash constants (see randomness.run_seeds)
_INIT_A, _MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
_INIT_B, _MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
# PCG64's default 128-bit multiplier, high and low words
_MULT_HI, _MULT_LO = _U64(2549297995355413924), _U64(4865540595714422341)
_ZIG_R = 3.6541528853610088
_ZIG_INV_R = 0.27366123732975828
_KI = ki_double.astype(np.uint64)
_WI = wi_double.astype(np.float64)
_FI = fi_double.astype(np.float64)

_jit = numba.njit(cache=True, nogil=True, _nrt=False, forceinline=True)


@_jit
def _hashmix(value, hash_const):
    value = np.uint32(value ^ hash_const)
    hash_const = np.uint32(hash_const * _MULT_A)
    value = np.uint32(value * hash_const)
    return np.uint32(value ^ (value >> np.uint32(16))), hash_const


@_jit
def _mix(x, y):
    r = np.uint32(np.uint32(_MIX_L * x) - np.uint32(_MIX_R * y))
    return np.uint32(r ^ (r >> np.uint32(16)))


@_jit
def _word(m, hb):
    v = np.uint32(m ^ hb)
    hb = np.uint32(hb * _MULT_B)
    v = np.uint32(v * hb)
    return np.uint32(v ^ (v >> np.uint32(16))), hb


@_jit
def _seed_words(seed):
    """``SeedSequence(seed).generate_state(4, uint64)`` for a non-negative int64
    (scalars only: the kernel allocates nothing)."""
    s = _U64(seed)
    hc = _INIT_A
    m0, hc = _hashmix(np.uint32(s & _MASK32), hc)
    m1, hc = _hashmix(np.uint32(s >> _U64(32)), hc)
    m2, hc = _hashmix(np.uint32(0), hc)
    m3, hc = _hashmix(np.uint32(0), hc)
    # every source word into every other pool word, sources in order
    h, hc = _hashmix(m0, hc)
    m1 = _mix(m1, h)
    h, hc = _hashmix(m0, hc)
    m2 = _mix(m2, h)
    h, hc = _hashmix(m0, hc)
    m3 = _mix(m3, h)
    h, hc = _hashmix(m1, hc)
    m0 = _mix(m0, h)
    h, hc = _hashmix(m1, hc)
    m2 = _mix(m2, h)
    h, hc = _hashmix(m1, hc)
    m3 = _mix(m3, h)
    h, hc = _hashmix(m2, hc)
    m0 = _mix(m0, h)
    h, hc = _hashmix(m2, hc)
    m1 = _mix(m1, h)
    h, hc = _hashmix(m2, hc)
    m3 = _mix(m3, h)
    h, hc = _hashmix(m3, hc)
    m0 = _mix(m0, h)
    h, hc = _hashmix(m3, hc)
    m1 = _mix(m1, h)
    h, hc = _hashmix(m3, hc)
    m2 = _mix(m2, h)
    hb = _INIT_B
    w0, hb = _word(m0, hb)
    w1, hb = _word(m1, hb)
    w2, hb = _word(m2, hb)
    w3, hb = _word(m3, hb)
    w4, hb = _word(m0, hb)
    w5, hb = _word(m1, hb)
    w6, hb = _word(m2, hb)
    w7, hb = _word(m3, hb)
    return (
        _U64(w0) | (_U64(w1) << _U64(32)),
        _U64(w2) | (_U64(w3) << _U64(32)),
        _U64(w4) | (_U64(w5) << _U64(32)),
        _U64(w6) | (_U64(w7) << _U64(32)),
    )


@_jit
def _mulhi(a, b):
    """High 64 bits of the 128-bit product of two uint64."""
    a_lo, a_hi = a & _MASK32, a >> _U64(32)
    b_lo, b_hi = b & _MASK32, b >> _U64(32)
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    lo_hi = a_lo * b_hi
    hi_hi = a_hi * b_hi
    cross = (lo_lo >> _U64(32)) + (hi_lo & _MASK32) + lo_hi
    return hi_hi + (hi_lo >> _U64(32)) + (cross >> _U64(32))


@_jit
def _step(st):
    """state = state * multiplier + increment (mod 2**128); st = [hi, lo, inc_hi, inc_lo]."""
    hi, lo = st[0], st[1]
    new_lo = lo * _MULT_LO
    new_hi = _mulhi(lo, _MULT_LO) + hi * _MULT_LO + lo * _MULT_HI
    lo2 = new_lo + st[3]
    carry = _U64(1) if lo2 < new_lo else _U64(0)
    st[0] = new_hi + st[2] + carry
    st[1] = lo2


@_jit
def pcg64_seed(seed, st):
    """Seed ``st`` (uint64[4]) as ``PCG64(SeedSequence(seed))`` does."""
    init_hi, init_lo, seq_hi, seq_lo = _seed_words(seed)
    inc_hi = (seq_hi << _U64(1)) | (seq_lo >> _U64(63))
    inc_lo = (seq_lo << _U64(1)) | _U64(1)
    st[0] = _U64(0)
    st[1] = _U64(0)
    st[2] = inc_hi
    st[3] = inc_lo
    _step(st)
    lo = st[1] + init_lo
    carry = _U64(1) if lo < st[1] else _U64(0)
    st[0] = st[0] + init_hi + carry
    st[1] = lo
    _step(st)


@_jit
def next_uint64(st):
    _step(st)
    hi, lo = st[0], st[1]
    x = hi ^ lo
    rot = hi >> _U64(58)
    return (x >> rot) | (x << ((_U64(64) - rot) & _U64(63)))


@_jit
def next_double(st):
    return np.float64(next_uint64(st) >> _U64(11)) * (1.0 / 9007199254740992.0)


@_jit
def standard_normal(st):
    """numpy's ``Generator.standard_normal`` (ziggurat) for one value."""
    while True:
        r = next_uint64(st)
        idx = np.intp(r & _U64(0xFF))
        r = r >> _U64(8)
        sign = r & _U64(1)
        rabs = (r >> _U64(1)) & _U64(0x000FFFFFFFFFFFFF)
        x = np.float64(rabs) * _WI[idx]
        if sign & _U64(1):
            x = -x
        if rabs < _KI[idx]:
            return x
        if idx == 0:
            while True:
                xx = -_ZIG_INV_R * np.log1p(-next_double(st))
                yy = -np.log1p(-next_double(st))
                if yy + yy > xx * xx:
                    if (rabs >> _U64(8)) & _U64(1):
                        return -(_ZIG_R + xx)
                    return _ZIG_R + xx
        else:
            if (_FI[idx - 1] - _FI[idx]) * next_double(st) + _FI[idx] < np.exp(-0.5 * x * x):
                return x


@_jit
def draw(seed, st, noise, unif, lz):
    """A run's draws in :func:`~resetsim.engines.randomness.draw_randomness`'s
    order, into ``noise`` ``(T, 2)``, ``unif`` ``(T, P)`` and ``lz`` ``(L,)``."""
    pcg64_seed(seed, st)
    for t in range(noise.shape[0]):
        for k in range(noise.shape[1]):
            noise[t, k] = standard_normal(st)
    for t in range(unif.shape[0]):
        for k in range(unif.shape[1]):
            unif[t, k] = next_double(st)
    for k in range(lz.shape[0]):
        lz[k] = standard_normal(st)


@_jit
def draw_runs(seeds, st, noise, unif, lz):
    """:func:`draw` for each run: ``noise[i]``, ``unif[i]``, ``lz[i]`` from ``seeds[i]``."""
    for i in range(seeds.shape[0]):
        draw(seeds[i], st, noise[i], unif[i], lz[i])

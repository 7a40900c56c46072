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

_jit = numba.njit(cache=True, nogil=True)


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
def _seed_words(seed):
    """``SeedSequence(seed).generate_state(4, uint64)`` for a non-negative int64."""
    s = _U64(seed)
    entropy = np.zeros(4, dtype=np.uint32)
    entropy[0] = np.uint32(s & _MASK32)
    entropy[1] = np.uint32(s >> _U64(32))
    mixer = np.zeros(4, dtype=np.uint32)
    hc = _INIT_A
    for i in range(4):
        mixer[i], hc = _hashmix(entropy[i], hc)
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                h, hc = _hashmix(mixer[i_src], hc)
                mixer[i_dst] = _mix(mixer[i_dst], h)
    hb = _INIT_B
    words = np.zeros(8, dtype=np.uint32)
    for i in range(8):
        v = np.uint32(mixer[i % 4] ^ hb)
        hb = np.uint32(hb * _MULT_B)
        v = np.uint32(v * hb)
        words[i] = np.uint32(v ^ (v >> np.uint32(16)))
    out = np.zeros(4, dtype=np.uint64)
    for k in range(4):
        out[k] = _U64(words[2 * k]) | (_U64(words[2 * k + 1]) << _U64(32))
    return out


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
    val = _seed_words(seed)
    init_hi, init_lo = val[0], val[1]
    inc_hi = (val[2] << _U64(1)) | (val[3] >> _U64(63))
    inc_lo = (val[3] << _U64(1)) | _U64(1)
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

"""The recorded column names: what a run records and in what order.

Derived from the state registry (:mod:`resetsim.core.state`, role ``recorded``).

Both engines record the same columns (:func:`columns`): each state's
variables with a ``<state id>_`` prefix, then the dyad's.  ``trajectory.csv``
puts them in :func:`output_order` between ``run``, ``date`` and the leaders'
names (:func:`leader_columns`); episode detection reads only
:func:`detection_columns`, which is what sweeps record when they need no more.
"""

from __future__ import annotations

from collections.abc import Sequence

from resetsim.core import state

#: Recorded state variables (each gets a ``<state id>_`` prefix), from the registry.
STATE_COLUMNS: tuple[str, ...] = state.RECORDED_STATE_VARS
#: Recorded dyad variables.
DYAD_COLUMNS: tuple[str, ...] = state.RECORDED_DYAD_VARS
#: The state variables ``trajectory.csv`` shows first (for each state, in this order).
LEADING: tuple[str, ...] = state.LEADING_VARS
#: The dyad's column the episode detector reads with both trusts (cooperation).
COOPERATION: str = state.DETECTED_DYAD_VAR


def columns(state_ids: Sequence[str]) -> list[str]:
    """All recorded column names for a dyad, in the engines' order."""
    return [f"{s}_{v}" for s in state_ids for v in STATE_COLUMNS] + list(DYAD_COLUMNS)


def output_order(state_ids: Sequence[str]) -> list[str]:
    """The recorded columns in ``trajectory.csv``'s order: each state's
    :data:`LEADING` variables first, then the others as in :func:`columns`."""
    first = [f"{s}_{v}" for s in state_ids for v in LEADING]
    return first + [k for k in columns(state_ids) if k not in first]


def leader_columns(state_ids: Sequence[str]) -> list[str]:
    """``<state id>_leader``: the name of each state's leader (text, last in the table)."""
    return [f"{s}_leader" for s in state_ids]


def trust_columns(state_ids: Sequence[str]) -> list[str]:
    """``<state id>_trust`` for each state."""
    return [f"{s}_trust" for s in state_ids]


def detection_columns(state_ids: Sequence[str]) -> list[str]:
    """What episode detection reads: both trusts and cooperation (record at
    least these when episodes or run metrics are wanted)."""
    return [*trust_columns(state_ids[:2]), COOPERATION]

"""Key dated events and labels that do not overlap, for a figure's event strip.

* :func:`key_events`: a scenario's dated events grouped by quarter, each
  group with a label and a rank (:data:`KIND_RANK`: wars, annexations and
  shared threats first, then summits and treaties, then the rest; a grave
  event of intensity 3 and a quarter with several such events rank higher);
* :func:`place_labels`: horizontal labels put in rank order into the lowest
  free row of a strip, measured with the figure's renderer so that no two
  overlap; a label with no room is left out (its event keeps its tick).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resetsim.plotting.style import MIN_FONT

#: How much a kind counts towards a label's rank (others: 1).  A figure's
#: choice of what to name, not a model parameter.
KIND_RANK: dict[str, float] = {
    "full_scale_war": 9,
    "annexation": 8,
    "common_threat": 7,
    "military_conflict": 7,
    "summit": 5,
    "treaty_signed": 5,
    "treaty_abandoned": 5,
    "treaty_suspended": 5,
    "military_intervention": 4,
    "democratic_opening": 4,
    "nato_enlargement": 3,
    "regime_change": 3,
    "prisoner_exchange": 3,
    "economic_crisis": 2,
    "attack": 2,
    "status_challenge": 2,
}
#: Rank added to the events of a figure's focus (the years it is about).
FOCUS_BONUS = 3.0
#: Kinds whose events of intensity 1 still count (a call or talks can start a thaw).
MINOR_KINDS_KEPT = frozenset({"summit", "prisoner_exchange"})


@dataclass(frozen=True)
class KeyEvent:
    """A quarter's key events: tick, label, rank (higher first), and how many."""

    tick: int
    label: str
    rank: float
    count: int


def key_events(compiled, first: int, last: int, focus_from: int | None = None) -> list[KeyEvent]:
    """The dated events of ticks ``first`` to ``last`` worth naming, one entry
    per quarter: events of intensity 2 or more, and those of intensity 1 of the
    :data:`MINOR_KINDS_KEPT`; a quarter's label names its highest-ranked event
    (and the second when there are two; ``+N`` for more), its rank is its best
    event's (:data:`KIND_RANK` plus its intensity) plus half a point for each
    other, and :data:`FOCUS_BONUS` more from tick ``focus_from`` on."""
    by_tick: dict[int, list[tuple[float, str]]] = {}
    for m in compiled.markers:
        if not first <= m.tick <= last:
            continue
        if m.intensity < 2 and m.kind not in MINOR_KINDS_KEPT:
            continue
        score = KIND_RANK.get(m.kind, 1.0) + m.intensity
        by_tick.setdefault(m.tick, []).append((score, m.label))
    out = []
    for t, items in sorted(by_tick.items()):
        items.sort(key=lambda it: (-it[0], it[1]))
        label = " / ".join(lab for _, lab in items)
        if len(items) > 2:
            label = f"{items[0][1]} +{len(items) - 1}"
        rank = items[0][0] + 0.5 * (len(items) - 1)
        if focus_from is not None and t >= focus_from:
            rank += FOCUS_BONUS
        out.append(KeyEvent(t, label, rank, len(items)))
    return out


def place_labels(
    ax,
    items: list[tuple[float, str, float]],
    rows: int,
    y0: float,
    y1: float,
    fontsize: float = MIN_FONT,
    pad_pt: float = 7.0,
    **text_kw,
) -> list[tuple[float, str, int]]:
    """Put labels ``(x, text, rank)`` (``x`` in data units) into ``rows``
    rows between ``y0`` and ``y1`` (axes units) of ``ax``, highest rank first,
    each in the lowest row where it overlaps no placed label (with ``pad_pt``
    points between) and stays inside the axes; a label centred on its ``x``
    when it fits, else shifted to start or end there.  Returns the placed
    ``(x, text, row)`` in ``x`` order; the rest are left out."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    tr = ax.get_xaxis_transform()
    taken: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
    placed = []
    step = (y1 - y0) / max(rows, 1)
    pad_px = pad_pt * fig.dpi / 72.0
    for x, text, _rank in sorted(items, key=lambda it: (-it[2], it[0])):
        art = ax.text(x, y0, text, fontsize=fontsize, transform=tr, va="bottom", **text_kw)
        art.set_gid("event-label")
        width = art.get_window_extent(renderer).width
        px = tr.transform((x, 0))[0]
        done = False
        for ha, left in (("center", px - width / 2), ("left", px - 2), ("right", px - width + 2)):
            if left < box.x0 or left + width > box.x1:
                continue
            for r in range(rows):
                if all(left + width + pad_px <= a or left >= b + pad_px for a, b in taken[r]):
                    taken[r].append((left, left + width))
                    art.set_horizontalalignment(ha)
                    art.set_y(y0 + r * step)
                    placed.append((x, text, r))
                    done = True
                    break
            if done:
                break
        if not done:
            art.remove()
    return sorted(placed)


def label_heights(rows: int, y0: float, y1: float) -> np.ndarray:
    """The bottom of each row of :func:`place_labels` (axes units)."""
    return y0 + np.arange(rows) * (y1 - y0) / max(rows, 1)

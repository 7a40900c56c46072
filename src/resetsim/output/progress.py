"""Progress of ``resetsim run``'s phases: simulate, detect, write, plot.

:class:`Phases` shows one tqdm bar per phase on stderr (when stderr is a
terminal, or always when forced), and tells an optional ``on_phase(name)``
callback each phase as it starts (what tests and other front ends read).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The phases of a run, in order.
PHASES = ("simulate", "detect", "write", "plot")


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass


class Phases:
    """``enabled``: None shows bars only on a terminal, True always, False never."""

    def __init__(
        self,
        name: str,
        enabled: bool | None = None,
        on_phase: Callable[[str], None] | None = None,
    ):
        self.name = name
        self.enabled = enabled
        self.on_phase = on_phase

    def label(self, phase: str) -> str:
        """The bar's label: ``<scenario>: <phase>``."""
        return f"{self.name}: {phase}"

    def started(self, phase: str) -> None:
        if self.on_phase is not None:
            self.on_phase(phase)

    @contextmanager
    def phase(self, phase: str, total: int, unit: str = "step") -> Iterator[Any]:
        """A bar of ``total`` steps for ``phase``; ``bar.update()`` after each."""
        self.started(phase)
        if self.enabled is False:
            yield _NoBar()
            return
        from tqdm.auto import tqdm

        bar = tqdm(
            total=total,
            desc=self.label(phase),
            unit=unit,
            disable=None if self.enabled is None else not self.enabled,
            file=sys.stderr,
        )
        try:
            yield bar
        finally:
            bar.close()

"""What runs produce, readable by every layer above the engines.

:class:`Trajectories` (recorded arrays, and the engines' record of which random
events fired) and :class:`RunResult` (a batch of runs of one scenario) are
made by :mod:`resetsim.engines` and read by analysis, output, the API and the
CLI without importing the engines.
"""

from resetsim.results.record import (
    FIRED,
    LEADER_Z,
    SEED_DERIVATION,
    RunResult,
    Trajectories,
    posterior_draws,
)

__all__ = [
    "FIRED",
    "LEADER_Z",
    "SEED_DERIVATION",
    "RunResult",
    "Trajectories",
    "posterior_draws",
]

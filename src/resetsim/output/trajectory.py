"""The trajectory table, written block by block of runs: ``trajectory.csv``
or ``trajectory.parquet``.

:class:`TrajectoryWriter` takes the runs as they are simulated
(:func:`resetsim.engines.runner.run_scenario`'s ``on_chunk``), so a run of
100,000 replications never holds more than one block of every column.  Both
formats have the columns and rows of :meth:`RunResult.frame
<resetsim.results.RunResult.frame>`: the CSV with floats as ``%.6f``
(the bytes of one ``frame().to_csv``), Parquet with the floats as computed,
one row group per block of :data:`BLOCK` runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from resetsim.output.tables import FLOAT_FORMAT
from resetsim.results import RunResult, Trajectories
from resetsim.scenario import Compiled

#: The formats of the trajectory table (``resetsim run --table-format``).
TABLE_FORMATS = ("csv", "parquet")
#: Runs per block written (a CSV block, a Parquet row group).
BLOCK = 1000


def table_name(table_format: str) -> str:
    """``trajectory.csv`` or ``trajectory.parquet``."""
    if table_format not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {table_format!r}; use one of {TABLE_FORMATS}")
    return f"trajectory.{table_format}"


class TrajectoryWriter:
    """Append blocks of runs to ``path`` in ``table_format``; :meth:`close` at the end."""

    def __init__(self, path: Path, compiled: Compiled, table_format: str = "csv"):
        table_name(table_format)
        self.path = Path(path)
        self.compiled = compiled
        self.format = table_format
        self._fh: Any = None
        self._parquet: pq.ParquetWriter | None = None
        self._rows = 0

    def add(self, runs: slice, traj: Trajectories) -> None:
        """Write runs ``runs.start .. runs.stop - 1`` (their ``traj``)."""
        block = RunResult(self.compiled, traj, 0, "", {})
        for a in range(0, block.n_runs, BLOCK):
            frame = block.frame(slice(a, min(a + BLOCK, block.n_runs)))
            frame["run"] += runs.start
            self._write(frame)

    def add_result(self, result: RunResult) -> None:
        """Write every run of ``result``."""
        self.add(slice(0, result.n_runs), result.trajectories)

    def _write(self, frame) -> None:
        if self.format == "csv":
            if self._fh is None:
                self._fh = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            frame.to_csv(self._fh, index=False, header=self._rows == 0, float_format=FLOAT_FORMAT)
        else:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema)
            self._parquet.write_table(table)
        self._rows += len(frame)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None

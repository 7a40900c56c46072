"""Write the documentation's main-job figure from a run of the main job.

    python tools/doc_figures.py                 # run the main job, copy its figure
    python tools/doc_figures.py --from RUN_DIR  # copy from a finished run

The README's figure, ``docs/figures/biden_era_fan.png``, is the ``fan.png``
that ``resetsim run scenarios/biden_era.toml`` writes (500 runs, the
scenario's seed): without ``--from`` this script runs exactly that command
into a temporary folder and copies the figure; with ``--from`` it copies
``fan.png`` from a folder that such a run wrote.  The figure is replaced
atomically; nothing else is written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from resetsim.core import io

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "biden_era.toml"
#: figure in a run folder -> where the documentation shows it
FIGURES = {"fan.png": ROOT / "docs" / "figures" / "biden_era_fan.png"}


def copy_figures(run_dir: Path) -> list[Path]:
    """Copy the figures of ``run_dir`` (a ``resetsim run`` folder of the
    Biden-era scenario) to the documentation; returns the paths written."""
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    name = meta.get("scenario", {}).get("name")
    if name not in (None, "biden_era"):
        raise SystemExit(f"{run_dir}: a run of {name!r}, not of biden_era")
    written = []
    for src, dest in FIGURES.items():
        path = run_dir / src
        if not path.is_file():
            raise SystemExit(f"{path}: no such figure (is {run_dir} a run of the main job?)")
        io.write_atomic(dest, lambda tmp, path=path: shutil.copyfile(path, tmp))
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="run_dir", type=Path, help="a finished run of the main job")
    args = ap.parse_args(argv)
    if args.run_dir is not None:
        written = copy_figures(args.run_dir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "biden_era"
            cmd = ["resetsim", "run", str(SCENARIO), "--out", str(out), "--quiet"]
            subprocess.run(cmd, check=True)
            written = copy_figures(out)
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

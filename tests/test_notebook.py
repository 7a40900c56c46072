"""docs/notebooks/*.ipynb: stored executed and small, name only API that
exists and built-in scenarios (never checkout paths), and run from a fresh
kernel in an empty folder with the resetsim this test imports (the installed
package), with no error and the same figures.

``python tests/test_notebook.py`` re-executes the notebooks and writes them
back (their outputs are what the docs show)."""

from __future__ import annotations

import ast
import copy
import os
import sys
import tempfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

import resetsim  # noqa: E402
from resetsim import plotting  # noqa: E402
from resetsim.plotting import design as design_plots  # noqa: E402
from resetsim.scenario import builtin  # noqa: E402

FOLDER = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
MODULES = {"resetsim": resetsim, "plotting": plotting, "design_plots": design_plots}
#: the names the notebooks give a resetsim.Result
RESULTS = {"result", "alt", "realised", "forecast"}
TIMEOUT = 300


def read(path: Path):
    return nbformat.read(path, as_version=4)


def python_of(source: str) -> str:
    """A cell's source without its IPython magics (``%matplotlib inline``)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def execute(nb, cwd: str | Path):
    """Run a notebook in a fresh kernel of this Python, in ``cwd``."""
    from nbclient import NotebookClient

    NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        record_timing=False,  # no timestamps: re-executing changes only what changed
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    return nb


def images(nb) -> int:
    return sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


def test_there_are_two_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"quickstart.ipynb", "biden_era.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_is_small_and_executed(path):
    assert path.stat().st_size < 1_000_000
    nb = read(path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert cells and all(c.execution_count for c in cells)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert images(nb) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_code_cells_compile_and_name_only_existing_api(path):
    names: set[tuple[str, str]] = set()
    methods: set[str] = set()
    runs: list[str] = []
    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        assert "scenarios/" not in cell.source and ".parents" not in cell.source
        tree = ast.parse(python_of(cell.source), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in MODULES:
                    names.add((node.value.id, node.attr))
                elif node.value.id in RESULTS:
                    methods.add(node.attr)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run", "evaluate")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                runs.append(node.args[0].value)
    assert ("resetsim", "run") in names
    for mod, attr in sorted(names):
        assert hasattr(MODULES[mod], attr), f"{mod}.{attr}"
    one = resetsim.run("example", runs=1)
    for attr in methods:
        assert hasattr(one, attr), f"Result.{attr}"
    assert runs and set(runs) <= set(builtin.names())  # built-in names, not paths


def test_the_quickstart_uses_the_result_s_tables_and_figures():
    source = "\n".join(c.source for c in read(FOLDER / "quickstart.ipynb").cells)
    for call in ("frame()", "episodes()", "metrics()", "plot_episodes()", "resetsim.evaluate"):
        assert call in source
    assert "bincount" not in source and "def show" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_runs_from_an_empty_folder_with_the_installed_package(path, tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    stored = read(path)
    nb = copy.deepcopy(stored)
    nb.cells.append(nbformat.v4.new_code_cell("import resetsim\nprint(resetsim.__file__)"))
    execute(nb, tmp_path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0].get("evalue")
    assert images(nb) == images(stored)
    imported = "".join(o.get("text", "") for o in code[-1].outputs).strip()
    assert Path(imported).resolve() == Path(resetsim.__file__).resolve()
    assert not any(tmp_path.iterdir())  # it wrote nothing


def main() -> None:  # pragma: no cover - a maintenance command
    os.environ.pop("MPLBACKEND", None)
    for path in NOTEBOOKS:
        nb = read(path)
        with tempfile.TemporaryDirectory() as cwd:
            execute(nb, cwd)
        nbformat.write(nb, path)
        print(f"executed {path.name} ({path.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    main()

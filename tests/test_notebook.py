"""docs/notebooks/quickstart.ipynb: its code compiles, names only API that
exists, and runs (slow).  Skipped when nbformat is not installed (it is not
a dependency of the package)."""

from __future__ import annotations

import ast
import contextlib
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

import resetsim  # noqa: E402
from resetsim import plotting  # noqa: E402
from resetsim.plotting import design as design_plots  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "quickstart.ipynb"
MODULES = {"resetsim": resetsim, "plotting": plotting, "design_plots": design_plots}
RESULT_METHODS = {"frame", "episodes", "metrics", "detected", "n_runs"}


def code_cells() -> list[str]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_the_notebook_is_small_and_executed():
    assert NOTEBOOK.stat().st_size < 1_000_000
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert cells and all(c.execution_count for c in cells)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    images = [o for c in cells for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3


def test_code_cells_compile_and_name_only_existing_api():
    sources = code_cells()
    names: set[tuple[str, str]] = set()
    methods: set[str] = set()
    for src in sources:
        tree = ast.parse(compile(src, str(NOTEBOOK), "exec", ast.PyCF_ONLY_AST))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in MODULES:
                    names.add((node.value.id, node.attr))
                elif node.value.id in ("result", "alt"):
                    methods.add(node.attr)
    assert ("resetsim", "run") in names and ("resetsim", "evaluate") in names
    for mod, attr in sorted(names):
        assert hasattr(MODULES[mod], attr), f"{mod}.{attr}"
    assert {"frame", "episodes", "metrics"} <= methods
    for attr in methods:
        assert hasattr(resetsim.Result, attr), f"Result.{attr}"


@contextlib.contextmanager
def _cwd(path: Path):
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.mark.slow
def test_code_cells_run():
    pytest.importorskip("IPython")
    namespace: dict = {"__name__": "__notebook__"}
    with _cwd(NOTEBOOK.parent):
        for src in code_cells():
            exec(compile(src, str(NOTEBOOK), "exec"), namespace)
    assert namespace["result"].n_runs == 50
    assert len(namespace["outcomes"]) == 4 * 20

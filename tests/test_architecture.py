"""The layering of ``src/resetsim`` (docs/ARCHITECTURE.md).

The layers are declared as ``import-linter`` contracts in ``pyproject.toml``
(``lint-imports``, run in CI and here): every import, at module level or
inside a function, points down or sideways, never up; analysis and output do
not import the engines.  Checked here from the code itself: every package is
a declared layer, there is no import cycle, no module passes 600 lines, and no
function imports a resetsim module (a deferred import used to dodge a cycle)
except those that load a heavy library on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "resetsim"


def _modules() -> dict[str, Path]:
    out = {}
    for f in SRC.rglob("*.py"):
        parts = list(f.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


MODULES = _modules()


def _imports(module: str) -> list[tuple[str, bool]]:
    """``(imported resetsim module, inside a function?)`` for every import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - (child.level - 1)]
                    mod = ".".join(base + (child.module.split(".") if child.module else []))
                else:
                    mod = child.module or ""
                for alias in child.names:
                    full = f"{mod}.{alias.name}"
                    target = full if full in MODULES else mod
                    if target.split(".")[0] == "resetsim":
                        found.append((target, inner))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "resetsim":
                        found.append((alias.name, inner))
            visit(child, inner)

    visit(tree, False)
    return found


def _contracts() -> list[dict]:
    with open(SRC.parent.parent / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["importlinter"]["contracts"]


def test_every_package_is_a_declared_layer():
    layers = next(c["layers"] for c in _contracts() if c["type"] == "layers")
    declared = {name.split(".")[1] for name in layers}
    packages = {m.split(".")[1] for m in MODULES if "." in m}
    assert packages <= declared, packages - declared


def test_the_import_contracts_are_kept():
    pytest.importorskip("importlinter")
    code = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=SRC.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


#: Modules a function may import on first use, and why: they load a heavy
#: library that a caller who never draws or never runs Mesa should not pay for.
HEAVY = {
    "resetsim.plotting": "matplotlib",
    "resetsim.engines.model": "mesa",
    # the compiled engine, loaded by engines.runner.simulator on first use
    "resetsim.engines.compiled": "numba",
    # its random numbers, loaded by engines.randomness.randomness on first use
    "resetsim.engines.compiled_rng": "numba",
    # compiled episode detection, loaded by analysis.episodes for many runs
    "resetsim.analysis.detection": "numba",
    # the fidelity score's compiled alignment, loaded by analysis.fidelity for many runs
    "resetsim.analysis.alignment": "numba",
}


def _heavy(target: str) -> bool:
    return any(target == h or target.startswith(h + ".") for h in HEAVY)


def test_no_function_imports_a_resetsim_module():
    deferred = {m: [t for t, inner in _imports(m) if inner and not _heavy(t)] for m in MODULES}
    assert not {m: t for m, t in deferred.items() if t}


def test_no_import_cycle():
    graph = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _ in _imports(m):
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            # a package's own __init__ re-exporting its modules is not a cycle
            if target in MODULES and target != m and not m.startswith(target + "."):
                graph[m].add(target)
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = dfs(nxt)
                if cycle:
                    return cycle
        state[node] = 2
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = dfs(m)
            assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_over_600_lines(path):
    assert len(path.read_text().splitlines()) <= 600

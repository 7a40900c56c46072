"""Shared fixtures for resetsim's tests.

* ``repo_root``, ``scenarios_dir``, ``test_data_dir`` - paths (never write there);
* ``shipped_scenarios`` - every ``scenarios/*.toml`` (a list of paths);
* ``shipped_scenario`` - a test that asks for it runs once per ``scenarios/*.toml``
  (parametrized by file stem), so new scenarios are picked up automatically;
* ``run_cli`` - call ``resetsim.cli.main(argv)`` in-process and capture the exit
  status, stdout and stderr: ``r = run_cli("validate", path); r.code, r.out, r.err``;
* ``run_cli_subprocess`` - the same through ``python -m resetsim`` in a child
  process, for what only a real process shows (no traceback, exit status).

Matplotlib is forced onto the non-GUI Agg backend before anything imports it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
SCENARIOS_DIR = REPO_ROOT / "scenarios"
TEST_DATA_DIR = Path(__file__).resolve().parent / "data"


def shipped_scenario_paths() -> list[Path]:
    """Every scenario that ships with resetsim (for ``pytest.mark.parametrize``)."""
    return sorted(SCENARIOS_DIR.glob("*.toml"))


@dataclass
class CliResult:
    """What one ``resetsim`` invocation produced."""

    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "shipped_scenario" in metafunc.fixturenames:
        paths = shipped_scenario_paths()
        metafunc.parametrize("shipped_scenario", paths, ids=[p.stem for p in paths])


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS_DIR


@pytest.fixture(scope="session")
def test_data_dir() -> Path:
    return TEST_DATA_DIR


@pytest.fixture(scope="session")
def shipped_scenarios() -> list[Path]:
    paths = shipped_scenario_paths()
    assert paths, f"no scenarios found in {SCENARIOS_DIR}"
    return paths


@contextlib.contextmanager
def _cwd(path: str | Path | None):
    if path is None:
        yield
        return
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _run_in_process(*args: str | Path, cwd: str | Path | None = None) -> CliResult:
    from resetsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _cwd(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return CliResult(int(code), out.getvalue(), err.getvalue())


def _run_subprocess(
    *args: str | Path, cwd: str | Path | None = None, timeout: float = 120
) -> CliResult:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "resetsim", *[str(a) for a in args]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """``run_cli(*args, cwd=None) -> CliResult`` (in-process ``resetsim.cli.main``)."""
    return _run_in_process


@pytest.fixture
def run_cli_subprocess() -> Callable[..., CliResult]:
    """``run_cli_subprocess(*args, cwd=None, timeout=120) -> CliResult`` (a child process)."""
    return _run_subprocess

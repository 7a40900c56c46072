"""What resetsim writes: it replaces or deletes only folders it made, one
writer at a time, and nothing half-written outlives a crash or a kill
(docs/READS_AND_WRITES.md).

Each refusal is exit 2 with one line, and leaves every file where it was.
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest

from file_tree import tree
from resetsim.core import io
from resetsim.experiments import executors
from resetsim.experiments.plan import SweepError
from scenario_text import tiny_scenario

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def refused(r, *words: str) -> None:
    assert r.code == 2, r
    assert "Traceback" not in r.err, r
    assert len(r.err.strip().splitlines()) == 1, r
    for w in words:
        assert w in r.err, r


@pytest.fixture
def proj(tmp_path) -> Path:
    """A user's project folder: a scenario beside their own work."""
    d = tmp_path / "proj"
    write(d / "my.toml", tiny_scenario("mine", runs=2))
    write(d / "thesis.tex", "\\documentclass{article}")
    return d


# ----------------------------------------------------------- --overwrite


@pytest.mark.parametrize(
    ("out", "words"),
    [
        (".", "the current folder"),
        ("..", "holds the current folder"),
        ("{proj}", "the current folder"),
        ("{tmp}", "holds the current folder"),
    ],
)
def test_overwrite_never_replaces_the_current_folder_or_its_parents(
    run_cli, proj, tmp_path, out, words
):
    before = tree(tmp_path)
    r = run_cli(
        "run", "my.toml", "--out", out.format(proj=proj, tmp=tmp_path), "--overwrite", cwd=proj
    )
    refused(r, "will not replace", words)
    assert tree(tmp_path) == before


def test_overwrite_never_replaces_the_folder_of_the_scenario(run_cli, proj, tmp_path):
    io.write_marker(proj, "run")  # even a folder that looks like resetsim's
    before = tree(tmp_path)
    r = run_cli("run", proj / "my.toml", "--out", proj, "--overwrite", cwd=tmp_path)
    refused(r, "will not replace", "my.toml")
    assert tree(tmp_path) == before


def test_overwrite_never_replaces_the_home_folder(run_cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    write(home / "notes.txt", "mine")
    io.write_marker(home, "run")
    monkeypatch.setenv("HOME", str(home))
    scen = write(tmp_path / "s.toml", tiny_scenario("h", runs=2))
    before = tree(tmp_path)
    refused(run_cli("run", scen, "--out", home, "--overwrite"), "home folder")
    assert tree(tmp_path) == before


def test_overwrite_refuses_a_folder_resetsim_did_not_make(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    write(tmp_path / "out" / "data.csv", "precious")
    before = tree(tmp_path)
    refused(run_cli("run", scen, "--out", tmp_path / "out", "--overwrite"), "did not make it")
    assert tree(tmp_path) == before


def test_overwrite_refuses_a_run_folder_with_a_user_file_in_it(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    out = tmp_path / "out"
    assert run_cli("run", scen, "--out", out, "--quiet").code == 0
    write(out / "thesis.tex", "mine")
    before = tree(tmp_path)
    refused(run_cli("run", scen, "--out", out, "--overwrite"), "thesis.tex")
    assert tree(tmp_path) == before
    (out / "thesis.tex").unlink()
    assert run_cli("run", scen, "--out", out, "--overwrite", "--quiet").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.toml"]


def test_overwrite_of_an_undeletable_folder_leaves_it_whole_and_nothing_beside(
    run_cli, tmp_path, monkeypatch
):
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    out = tmp_path / "out"
    assert run_cli("run", scen, "--out", out, "--quiet").code == 0
    before = tree(out)
    real = os.replace

    def immutable(src, dst, *a, **k):
        if Path(src) == out.absolute():
            raise OSError(errno.EPERM, "Operation not permitted", str(src))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(io.os, "replace", immutable)
    refused(run_cli("run", scen, "--out", out, "--overwrite", "--quiet"), "cannot replace")
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.toml"]  # no .old, no .partial


# ----------------------------------------------------------- one writer at a time


def test_a_run_into_a_folder_being_written_is_refused(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    out = tmp_path / "out"
    with io.output_lock(out):  # as another `resetsim run` holds it
        refused(run_cli("run", scen, "--out", out, "--quiet"), "another resetsim process")
    assert not out.exists()
    assert run_cli("run", scen, "--out", out, "--quiet").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.toml"]  # lock removed


# ----------------------------------------------------------- crashes and kills


def test_leftovers_of_a_killed_run_are_removed_by_the_next_run(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    for name in (".out.abcd1234.partial", ".out.zz_99xyz.old"):
        write(tmp_path / name / "trajectory.csv", "x" * 1000)
    write(tmp_path / ".other.abcd1234.partial" / "keep", "not this folder's")
    assert run_cli("run", scen, "--out", tmp_path / "out", "--quiet").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.abcd1234.partial",
        "out",
        "s.toml",
    ]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_during_a_run_leaves_nothing_behind(run_cli, tmp_path, monkeypatch, sig):
    from resetsim.cli import run as cli_run

    previous = signal.getsignal(sig)

    def killed(stage, *a, **k):
        (stage / "trajectory.csv").write_text("half")
        os.kill(os.getpid(), sig)
        raise AssertionError("the signal did not stop the run")  # pragma: no cover

    monkeypatch.setattr(cli_run, "run_into", killed)
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    before = tree(tmp_path)
    r = run_cli("run", scen, "--out", tmp_path / "out", "--quiet")
    assert r.code == 128 + sig and "Traceback" not in r.err, r
    assert tree(tmp_path) == before
    assert signal.getsignal(sig) == previous  # the handler is put back


@pytest.mark.slow
def test_a_killed_run_in_a_child_process_is_cleaned_up(run_cli_subprocess, tmp_path):
    """A real SIGTERM to a real `resetsim run`: no partial folder is left."""
    import subprocess
    import sys
    import time

    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=20000, end="2040Q4"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "resetsim.cli.main", "run", str(scen), "--out", "out", "--quiet"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".out.*.partial")):
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.*.partial")), "the run never started writing"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


# ----------------------------------------------------------- sweeps


def sweep_files(tmp_path: Path) -> tuple[Path, Path]:
    write(tmp_path / "power.csv", "year,aa,bb\n2000,3,2\n2001,3,2\n")
    text = tiny_scenario("p", runs=2).replace(
        'source = "constant"\nconstant = { aa = 0.6, bb = 0.4 }',
        'source = "file"\nfile = "power.csv"',
    )
    write(tmp_path / "scen.toml", text)
    exp = write(
        tmp_path / "exp.toml",
        'name = "e"\nscenario = "scen.toml"\nreplications = 4\nseed = 3\nchunk_size = 2\n'
        '[design]\ntype = "grid"\n[design.parameters]\nk_leader = [0.0, 1.0]\n',
    )
    return exp, tmp_path / "out"


@pytest.mark.parametrize(
    ("edit", "label"),
    [
        ("power.csv", "scenario.power.file"),
        ("scen.toml", "scenario"),
        ("exp.toml", "experiment"),
    ],
)
def test_resume_refuses_when_a_file_it_depends_on_was_edited(run_cli, tmp_path, edit, label):
    from resetsim.experiments import make_plan, sweep

    exp, out = sweep_files(tmp_path)
    result = sweep(make_plan(exp), out, workers=1, progress=False, figures=False, max_chunks=1)
    assert result.ran_chunks == 1
    with open(tmp_path / edit, "a", encoding="utf-8") as fh:  # the same meaning, other bytes
        fh.write("\n" if edit == "power.csv" else "# edited\n")
    before = tree(tmp_path)
    r = run_cli("sweep", exp, "--out", out, "--resume", "--workers", "1", "--quiet")
    refused(r, "cannot resume", label)
    assert tree(tmp_path) == before


def test_resume_with_unchanged_files_continues(run_cli, tmp_path):
    from resetsim.experiments import make_plan, sweep

    exp, out = sweep_files(tmp_path)
    sweep(make_plan(exp), out, workers=1, progress=False, figures=False, max_chunks=1)
    r = run_cli("sweep", exp, "--out", out, "--resume", "--workers", "1", "--quiet", "--no-figures")
    assert r.code == 0, r
    assert (out / "runs.parquet").is_file()


def test_sweep_overwrite_refuses_a_folder_resetsim_did_not_make(run_cli, tmp_path):
    exp, out = sweep_files(tmp_path)
    write(out / "manifest.json", '{"resetsim_version": "0"}')
    write(out / "thesis.tex", "mine")
    before = tree(tmp_path)
    r = run_cli("sweep", exp, "--out", out, "--overwrite", "--workers", "1", "--quiet")
    refused(r, "will not replace")
    assert tree(tmp_path) == before


class _DeadCluster:
    """A Dask client whose workers have all gone."""

    def nthreads(self):
        return {}

    def submit(self, *_a, **_k):
        return object()


def test_a_dask_sweep_with_no_workers_left_fails_after_a_timeout():
    def never(_fs, timeout, return_when):
        raise TimeoutError

    tasks = iter([object(), object()])
    with pytest.raises(SweepError, match="no workers"):
        list(executors.dask(tasks, _DeadCluster(), never, no_worker_timeout=0.0, poll=0.0))


# ----------------------------------------------------------- report


def test_report_embeds_only_its_own_regular_files(run_cli, tmp_path):
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-CONTENT")
    write(tmp_path / "notes.toml", "# PRIVATE-NOTE\nx = 1\n")
    scen = write(tmp_path / "s.toml", tiny_scenario("r", runs=2))
    out = tmp_path / "out"
    assert run_cli("run", scen, "--out", out, "--quiet").code == 0
    (out / "trust.png").unlink()
    (out / "trust.png").symlink_to(secret)  # a listed name, but a link out of the folder
    (out / "extra.png").symlink_to(secret)  # not listed at all
    import json

    meta = json.loads((out / "meta.json").read_text("utf-8"))
    meta["scenario"]["source"] = str(tmp_path / "notes.toml")  # not the scenario
    (out / "meta.json").write_text(json.dumps(meta), "utf-8")
    r = run_cli("report", out)
    assert r.code == 0, r
    page = (out / "report.html").read_text("utf-8")
    import base64

    encoded = base64.b64encode(b"TOP-SECRET-CONTENT").decode()
    assert "TOP-SECRET" not in page and encoded[:16] not in page
    assert "PRIVATE-NOTE" not in page
    assert "extra.png" not in page


def test_report_writes_only_into_a_folder_resetsim_made_and_replaces_only_its_own_page(
    run_cli, tmp_path
):
    write(tmp_path / "mine" / "meta.json", "{}")
    write(tmp_path / "mine" / "episodes.csv", "run\n")
    write(tmp_path / "mine" / "trajectory.csv", "run\n")
    before = tree(tmp_path)
    refused(run_cli("report", tmp_path / "mine"), "did not make this folder")
    scen = write(tmp_path / "s.toml", tiny_scenario("r", runs=2))
    out = tmp_path / "out"
    assert run_cli("run", scen, "--out", out, "--quiet").code == 0
    write(out / "report.html", "my own page")
    before = tree(tmp_path)
    refused(run_cli("report", out), "resetsim did not write it")
    assert tree(tmp_path) == before


def test_an_empty_current_folder_is_not_replaced_either(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("n", runs=2))
    here = tmp_path / "empty"
    here.mkdir()
    refused(run_cli("run", scen, "--out", ".", cwd=here), "the current folder")
    assert here.is_dir() and not any(here.iterdir())


def _umask_shown() -> bool:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return any(line.startswith("Umask:") for line in fh)
    except OSError:
        return False


@pytest.mark.skipif(not _umask_shown(), reason="the system does not show the umask")
def test_files_written_from_threads_keep_the_umask_which_is_never_changed(tmp_path, monkeypatch):
    # a sweep writes from threads; reading the umask by setting it would give a
    # file another thread creates meanwhile mode 0o666
    old = os.umask(0o027)
    try:

        def refuse(mask):
            raise AssertionError("os.umask was called")

        monkeypatch.setattr(io.os, "umask", refuse)
        assert io._umask() == 0o027
        io.write_atomic(tmp_path / "a.txt", lambda p: p.write_text("x", encoding="utf-8"))
        assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640
    finally:
        monkeypatch.undo()
        os.umask(old)

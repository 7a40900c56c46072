"""The documentation site's generated pages (docs/hooks.py, run by
``mkdocs build --strict``, which .ci/run runs with warnings as errors)."""

from __future__ import annotations

import importlib
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

import resetsim
from resetsim.cli.main import COMMANDS
from resetsim.experiments.schema import Experiment
from resetsim.scenario.schema import Scenario
from scripts import load_script

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hooks():
    return load_script("docs/hooks.py", "docs_hooks")


def test_the_cli_reference_has_every_command_and_option(hooks):
    page = hooks.cli_reference()
    for name in COMMANDS:
        assert f"## `resetsim {name}`" in page
    for option in ("--runs", "--seed", "--no-posterior", "--figure-formats", "--resume"):
        assert option in page


def test_the_api_reference_documents_every_public_name(hooks):
    page = hooks.api_reference()
    documented = re.findall(r"^::: ([\w.]+)$", page, flags=re.M)
    public = [n for n in resetsim.__all__ if not n.startswith("__")]
    assert sorted(d.rsplit(".", 1)[1] for d in documented) == sorted(public)
    for path in documented:  # each points at where the object lives
        module, _, name = path.rpartition(".")
        assert getattr(importlib.import_module(module), name) is getattr(resetsim, name)


def test_the_format_tables_list_every_field_of_the_schemas(hooks):
    scenario = hooks.schema_tables("resetsim.scenario.schema:Scenario")
    for field in set(Scenario.model_fields) - {"source", "base_dir"}:
        assert f"| `{field}` |" in scenario, field
    assert "| `intensity` | integer | `2` | ≥ 1, ≤ 3 |" in scenario
    assert "`scale`" not in scenario  # refused by the loader, not a field to write
    experiment = hooks.schema_tables("resetsim.experiments.schema:Experiment")
    for field in Experiment.model_fields:
        assert f"| `{field}` |" in experiment, field
    for design in ("GridDesign", "LHSDesign", "SobolDesign", "ConditionsDesign"):
        assert f"### {design}" in experiment


def test_every_schema_marker_and_page_in_the_nav_exists(hooks):
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    generated = {"index.md", "reference/cli.md", "reference/api.md"}
    for page in re.findall(r":\s+([\w/-]+\.md)\s*$", config, flags=re.M):
        assert page in generated or (REPO / "docs" / page).is_file(), page
    for md in (REPO / "docs").rglob("*.md"):
        for spec in hooks._SCHEMA.findall(md.read_text(encoding="utf-8")):
            assert hooks.schema_tables(spec).startswith("### "), (md, spec)


def test_the_front_page_is_the_readme_with_site_links(hooks):
    page = hooks.front_page()
    assert "](docs/" not in page and "](FINDINGS.md)" in page


def test_ci_builds_the_docs_strictly_as_the_readme_says():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[docs]" && mkdocs build --strict' in readme
    assert "mkdocs build --strict" in ci and ".[test,viz,docs]" in ci
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    docs = " ".join(extras["project"]["optional-dependencies"]["docs"])
    assert "mkdocs-material" in docs and "mkdocstrings[python]" in docs

"""Experiment files: validation with clear messages, and design generation."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import qmc

from resetsim.core import params as prm
from resetsim.core.config import ScenarioError
from resetsim.experiments import design as xd
from resetsim.experiments import validate as xv
from resetsim.experiments.plan import experiment_hash
from resetsim.experiments.schema import parse_share
from resetsim.scenario import compile_scenario
from resetsim.scenario import load as load_scenario

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "experiments"
BAD = DATA / "bad"
TINY = DATA / "tiny_scenario.toml"


def write_experiment(tmp_path: Path, body: str, name: str = "exp.toml") -> Path:
    """An experiment file over the tiny scenario (``scenario`` given absolutely)."""
    path = tmp_path / name
    text = f'name = "t"\nscenario = "{TINY.as_posix()}"\n' + textwrap.dedent(body)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# bad files: every problem names the file and the field

#: file -> (field, words the message must contain); every file in bad/ is listed.
EXPECTED = {
    "unknown_field.toml": ("replicatons", "unknown field"),
    "unknown_parameter.toml": ("design.parameters.k_leeder", "unknown parameter"),
    "out_of_bounds.toml": ("design.parameters.k_leader[1]", "outside its bounds"),
    "bad_design_type.toml": ("design.type", "unknown design type 'factorial'"),
    "missing_scenario.toml": ("scenario", "no such file"),
    "invalid_scenario.toml": ("scenario", "is not a valid scenario"),
    "sobol_not_power_of_two.toml": ("design.base_samples", "power of 2"),
    "sobol_one_parameter.toml": ("design.parameters", "at least 2 parameters"),
    "unknown_contradiction.toml": (
        "design.conditions[0] ('no_power_gap').knock_out",
        "unknown contradiction 'power_gap'",
    ),
    "duplicate_condition.toml": ("design.conditions[0] ('baseline').name", "duplicate"),
    "bad_share.toml": ("shares.share_loop", "cannot read 'cycles >> 2'"),
    "unknown_metric.toml": ("metrics[1]", "unknown metric 'cyclez'"),
    "swept_and_fixed.toml": ("design.parameters.k_leader", "also fixed"),
    "inverted_range.toml": ("design.parameters.w_leader", "must be above low"),
    "zero_replications.toml": ("replications", "greater than or equal to 1"),
    "missing_design.toml": ("design", "Field required"),
    "not_toml.toml": ("", "not valid TOML"),
    "too_many_runs.toml": ("replications", "more than 20,000,000"),
}


def test_every_bad_file_has_an_expectation():
    assert sorted(p.name for p in BAD.glob("*.toml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_experiment_is_refused_with_file_and_field(name):
    path = BAD / name
    with pytest.raises(ScenarioError) as info:
        xv.load(path)
    field, words = EXPECTED[name]
    lines = [str(p) for p in info.value.problems]
    prefix = f"{path}: {field}: " if field else f"{path}: "
    assert any(line.startswith(prefix) and words in line for line in lines), lines


def test_invalid_scenario_problems_name_the_scenario_file():
    with pytest.raises(ScenarioError) as info:
        xv.load(BAD / "invalid_scenario.toml")
    lines = [str(p) for p in info.value.problems]
    assert any("broken_scenario.toml: parameters.trust_noise:" in line for line in lines)


def test_all_problems_are_reported_at_once(tmp_path):
    path = write_experiment(
        tmp_path,
        """
        replications = -1
        [parameters]
        no_such = 1.0
        [design]
        type = "grid"
        parameters = { k_leader = [2.0], nope = [1.0] }
        """,
    )
    with pytest.raises(ScenarioError) as info:
        xv.load(path)
    # the schema fails first (replications), so semantic checks wait; fix it:
    assert [p[1] for p in info.value.problems] == ["replications"]
    path.write_text(path.read_text().replace("replications = -1", "replications = 2"))
    with pytest.raises(ScenarioError) as info:
        xv.load(path)
    fields = sorted(p[1] for p in info.value.problems)
    assert fields == [
        "design.parameters.k_leader[0]",
        "design.parameters.nope",
        "parameters.no_such",
    ]


def test_cli_refuses_bad_experiment_and_writes_nothing(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("sweep", BAD / "unknown_parameter.toml", "--out", out, "--quiet")
    assert r.code == 2, r
    assert "1 problem found, nothing was run" in r.err
    assert "unknown_parameter.toml: design.parameters.k_leeder: unknown parameter" in r.err
    assert "Traceback" not in r.err
    assert not out.exists()


def test_shipped_experiments_are_valid(repo_root):
    paths = sorted((repo_root / "experiments").glob("*.toml"))
    assert paths
    for path in paths:
        xv.load(path)


# --------------------------------------------------------------------------
# designs


def load_design(tmp_path, body):
    exp = xv.load(write_experiment(tmp_path, body))
    return exp, xd.build_design(exp)


def test_grid_is_the_full_product_last_parameter_fastest(tmp_path):
    _, d = load_design(
        tmp_path,
        """
        [design]
        type = "grid"
        [design.parameters]
        k_leader = [0.0, 0.5, 1.0]
        w_trust = { levels = 3 }
        trust_build = { levels = 2, low = 0.2, high = 0.4 }
        """,
    )
    assert d.type == "grid"
    assert d.names == ["k_leader", "w_trust", "trust_build"]
    lo, hi = prm.PARAM_BY_NAME["w_trust"].low, prm.PARAM_BY_NAME["w_trust"].high
    expected = list(itertools.product([0.0, 0.5, 1.0], [lo, (lo + hi) / 2, hi], [0.2, 0.4]))
    np.testing.assert_allclose(d.values, np.array(expected))
    assert d.n_points == 18


def test_lhs_has_one_point_per_stratum_within_bounds_and_is_seeded(tmp_path):
    body = """
        seed = 5
        [design]
        type = "lhs"
        samples = 40
        parameters = { w_leader = {}, trust_build = [0.2, 0.6], w_trust = { high = 1.0 } }
        """
    exp, d = load_design(tmp_path, body)
    assert d.values.shape == (40, 3)
    bounds = [(0.0, 2.0), (0.2, 0.6), (0.0, 1.0)]
    assert d.bounds == bounds
    for j, (lo, hi) in enumerate(bounds):
        u = (d.values[:, j] - lo) / (hi - lo)
        assert ((u >= 0) & (u < 1)).all()
        assert sorted(np.floor(u * 40).astype(int)) == list(range(40))
    again = xd.build_design(exp)
    np.testing.assert_array_equal(again.values, d.values)
    other = xd.latin_hypercube(bounds, 40, seed=6)
    assert not np.array_equal(other, d.values)


def test_lhs_is_scipy_qmc_seeded_by_the_experiment_or_the_design(tmp_path):
    body = """
        seed = 5
        [design]
        type = "lhs"
        samples = 16
        parameters = ["w_leader", "trust_build"]
        """
    exp, d = load_design(tmp_path, body)
    lo = np.array([b[0] for b in d.bounds])
    hi = np.array([b[1] for b in d.bounds])
    u = qmc.LatinHypercube(2, rng=5).random(16)
    np.testing.assert_array_equal(d.values, lo + u * (hi - lo))
    # the experiment's seed drives the sample unless the design has its own
    reseeded = xd.build_design(exp.model_copy(update={"seed": 6}))
    assert not np.array_equal(reseeded.values, d.values)
    _, own = load_design(tmp_path, body.replace('type = "lhs"', 'type = "lhs"\nseed = 6'))
    np.testing.assert_array_equal(own.values, reseeded.values)


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_sample_size_bounds_and_determinism(tmp_path, second_order):
    body = f"""
        [design]
        type = "sobol"
        base_samples = 32
        second_order = {str(second_order).lower()}
        parameters = ["w_leader", "w_trust", "trust_erode"]
        """
    exp, d = load_design(tmp_path, body)
    D = 3
    assert d.values.shape == (32 * (2 * D + 2 if second_order else D + 2), D)
    for j, name in enumerate(d.names):
        p = prm.PARAM_BY_NAME[name]
        assert d.values[:, j].min() >= p.low and d.values[:, j].max() <= p.high
    assert [list(b) for b in d.bounds] == [[0.0, 2.0], [0.0, 2.0], [0.0, 1.0]]
    np.testing.assert_array_equal(xd.build_design(exp).values, d.values)


def test_contradictions_preset_knocks_out_switches_by_name(tmp_path):
    _, d = load_design(
        tmp_path,
        """
        [parameters]
        trust_noise = 0.02
        [design]
        type = "conditions"
        preset = "contradictions"
        [[design.conditions]]
        name = "two_off_no_noise"
        knock_out = ["power_asymmetry", "security_dilemma"]
        set = { trust_noise = 0.0 }
        """,
    )
    labels = d.labels
    assert labels[0] == "baseline" and labels[-3:] == ["all_off", "no_leader", "two_off_no_noise"]
    assert [f"no_{c}" for c in prm.CONTRADICTIONS] == labels[1:-3]
    rows = {lab: dict(zip(d.names, d.values[i], strict=True)) for i, lab in enumerate(labels)}
    switches = list(prm.CONTRADICTIONS.values())
    # the scenario leaves every switch at its registry default
    defaults = prm.defaults()
    assert all(rows["baseline"][s] == defaults[s] for s in [*switches, prm.LEADER_SWITCH])
    for c, s in prm.CONTRADICTIONS.items():
        assert rows[f"no_{c}"][s] == 0.0  # knocked out (a no-op where the default is off)
        changed = {k for k in switches if rows[f"no_{c}"][k] != rows["baseline"][k]}
        assert changed == ({s} if defaults[s] != 0.0 else set())
    assert all(rows["all_off"][s] == 0.0 for s in switches)
    assert rows["all_off"][prm.LEADER_SWITCH] == 1.0
    assert rows["no_leader"][prm.LEADER_SWITCH] == 0.0
    two = rows["two_off_no_noise"]
    assert two["k_power_asymmetry"] == two["k_security_dilemma"] == 0.0
    assert two["trust_noise"] == 0.0
    # a condition that does not set trust_noise keeps the experiment's fixed value
    assert rows["baseline"]["trust_noise"] == 0.02
    assert d.fixed == {"trust_noise": 0.02}


def test_the_papers_model_switches_every_contradiction_on_under_the_files_own(tmp_path):
    body = """
        {model}
        [parameters]
        k_domestic = 0.5
        [design]
        type = "{type}"
        {design}
        """
    conditions = 'preset = "contradictions"'
    exp, d = load_design(tmp_path, body.format(model='model = "paper"', type="conditions",
                                               design=conditions))  # fmt: skip
    rows = {lab: dict(zip(d.names, d.values[i], strict=True)) for i, lab in enumerate(d.labels)}
    on = prm.paper_switches()
    assert set(on) == {*prm.CONTRADICTIONS.values(), prm.LEADER_SWITCH}
    # every switch on at its upper bound, whatever the registry's defaults ...
    for s, v in on.items():
        want = 0.5 if s == "k_domestic" else v  # ... under the file's own [parameters]
        assert rows["baseline"].get(s, d.fixed.get(s)) == want, s
    # ... and each condition's knock-out still removes what it names
    assert rows["no_power_asymmetry"]["k_power_asymmetry"] == 0.0
    assert all(rows["all_off"][s] == 0.0 for s in prm.CONTRADICTIONS.values())
    # a switch the design sweeps stays swept
    grid = "[design.parameters]\nk_power_asymmetry = [0.0, 1.0]"
    _, g = load_design(tmp_path, body.format(model='model = "paper"', type="grid", design=grid))
    assert "k_power_asymmetry" not in g.fixed and g.fixed["k_ideology"] == 1.0
    # the scenario's model (the default) adds nothing, and keeps the experiment's hash
    plain, p = load_design(tmp_path, body.format(model="", type="grid", design=grid))
    assert p.fixed == {"k_domestic": 0.5} and "model" not in plain.resolved()
    assert exp.resolved()["model"] == "paper"


def test_shares_parse_and_evaluate():
    s = parse_share("x", "cycles >= 2 and open_episode")
    assert s.metrics == ["cycles", "open_episode"]
    cols = {
        "cycles": np.array([1.0, 2.0, 3.0, np.nan, 2.0]),
        "open_episode": np.array([1.0, 1.0, 0.0, 1.0, np.nan]),
    }
    assert s.evaluate(cols).tolist() == [False, True, False, False, False]
    assert parse_share("y", "cycles < 2.5e0").evaluate(cols).tolist() == [
        True,
        True,
        False,
        False,
        True,
    ]
    for bad in ("cycles >> 2", "cycles >= ", ">= 2", "cycles >= 2 or resets > 1"):
        with pytest.raises(ValueError, match="cannot read"):
            parse_share("z", bad)


def test_metrics_default_to_all_and_shares_keep_what_they_use(tmp_path):
    exp = xv.load(
        write_experiment(
            tmp_path,
            """
            metrics = ["resets"]
            [shares]
            share_loop = "cycles >= 2"
            [design]
            type = "grid"
            parameters = { k_leader = [1.0] }
            """,
        )
    )
    names = xv.metric_names(compile_scenario(load_scenario(exp.scenario_path)))
    assert {"cycles", "resets", "trough_trend"} <= set(names)
    assert xv.kept_metrics(exp, names) == ["resets", "cycles"]
    everything = exp.model_copy(update={"metrics": None})
    assert xv.kept_metrics(everything, names) == names


def test_experiment_hash_changes_with_what_matters(tmp_path):
    exp = xv.load(
        write_experiment(tmp_path, '[design]\ntype = "grid"\nparameters = { k_leader = [1.0] }\n')
    )
    sc = load_scenario(exp.scenario_path)
    h = experiment_hash(exp, sc, {"replications": 2})
    assert h == experiment_hash(exp, sc, {"replications": 2})
    assert h != experiment_hash(exp, sc, {"replications": 3})
    assert h != experiment_hash(exp.model_copy(update={"seed": 1}), sc, {"replications": 2})


def test_an_experiment_file_reports_every_problem_at_once(tmp_path, run_cli):
    exp = tmp_path / "bad.toml"
    exp.write_text(
        f'name = "bad"\nscenario = "{(REPO_ROOT / "scenarios" / "example.toml").as_posix()}"\n'
        'replications = 2\n[shares]\nloop = "cyclez >= 2"\n'
        '[design]\ntype = "grid"\n[design.parameters]\nk_leeder = [0.0, 1.0]\n',
        encoding="utf-8",
    )
    r = run_cli("sweep", str(exp), "--out", str(tmp_path / "out"), "--workers", "1")
    assert r.code == 2
    assert "design.parameters.k_leeder" in r.err
    assert "shares.loop" in r.err and "cyclez" in r.err
    assert not (tmp_path / "out").exists()

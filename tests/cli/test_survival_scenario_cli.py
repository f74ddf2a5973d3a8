"""Curves in scenarios from the command line: bad input as one located line, reviewer warnings on stderr and in
JSON, the survival-check table at 80 columns."""

import json
import math
from pathlib import Path

import pytest
from scipy import stats
from typer.testing import CliRunner

from atmpcli.cli import app
from tests.conftest import ROOT

LIFE_TABLE = ROOT / "examples" / "survival" / "england_life_table_2017_19.csv"

BASE = f"""\
title: PSM
currency: EUR
settings: {{cycle_length: 0.25, horizon: 30, start_age: 60, effect: life_years}}
general_population: {{life_table: {LIFE_TABLE}, female: 0.5}}
survival:
  pfs:
    family: weibull
    time_unit: months
    parameters: {{shape: 1.2, scale: 14}}
    covariance: {{parameters: [shape, scale], matrix: [[0.01, 0.002], [0.002, 0.02]]}}
  os: {{family: lnorm, time_unit: months, parameters: {{meanlog: 3.3, sdlog: 1.1}}}}
states:
  pf: {{}}
  pd: {{}}
  dead: {{alive: false}}
partitioned_survival:
  main: {{states: [pf, pd, dead], pfs: pfs, os: os}}
strategies:
  only: {{label: x}}
"""

# each case: the changes to BASE, and the start of the one error line (after "error: FILE:")
CASES = {
    "unknown_family": ([("family: weibull", "family: weibul")], "7:13: survival.pfs.family: unknown family 'weibul'"),
    "wrong_parameter": (
        [("{shape: 1.2, scale: 14}", "{shape: 1.2, rate: 14}")],
        "9:30: survival.pfs.parameters.rate: a weibull curve has no parameter 'rate' (its parameters: shape, scale)",
    ),
    "not_positive_definite": (
        [("[[0.01, 0.002], [0.002, 0.02]]", "[[0.01, 0.02], [0.02, 0.02]]")],
        "10:54: survival.pfs.covariance.matrix: the covariance matrix is not positive definite",
    ),
    "not_symmetric": (
        [("[[0.01, 0.002], [0.002, 0.02]]", "[[0.01, 0.002], [0.003, 0.02]]")],
        "10:54: survival.pfs.covariance.matrix: the covariance matrix must be symmetric",
    ),
    "no_time_unit": ([("    time_unit: months\n", "")], "7:5: survival.pfs: time_unit is required"),
    "unknown_curve": (
        [("pfs: pfs, os: os}", "pfs: pfs, os: overall}")],
        "17:48: partitioned_survival.main.os: unknown survival curve 'overall'",
    ),
    "negative_shape": (
        [("{shape: 1.2,", "{shape: -1.2,")],
        "9:25: survival.pfs.parameters.shape: shape must be positive, got -1.2",
    ),
    "living_dead": (
        [("dead: {alive: false}", "dead: {}")],
        "17:27: partitioned_survival.main.states[2]: 'dead' must be a dead (alive: false) state",
    ),
    "transitions": (
        [("partitioned_survival:", "transitions: {pf: {pf: 1}}\npartitioned_survival:")],
        "16:1: transitions: a partitioned survival model reads occupancy off curves",
    ),
    "floor_without_table": (
        [
            (f"general_population: {{life_table: {LIFE_TABLE}, female: 0.5}}\n", ""),
            ("sdlog: 1.1}}", "sdlog: 1.1}, floor: true}"),
        ],
        "10:89: survival.os.floor: floor needs general_population",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_curve_input_gives_one_located_line(case, tmp_path: Path):
    changes, expected = CASES[case]
    text = BASE
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    for command in (["compare", str(path)], ["validate", str(path)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1, result.stdout
        assert result.stdout == ""
        first = result.stderr.splitlines()[0]
        assert first.startswith(f"error: {path}:" + expected), first
        assert "Traceback" not in result.stderr


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_pfs_above_os_and_curves_above_the_population_are_warned(tmp_path: Path):
    # an OS with a 60 % cure fraction outlives the general population; a PFS above OS is capped
    text = BASE.replace("sdlog: 1.1}}", "sdlog: 1.1}, cure: 0.6}").replace("scale: 14}", "scale: 400}")
    path = _scenario(tmp_path, text)
    result = CliRunner().invoke(app, ["compare", str(path), "--format", "json"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert any(
        w.startswith(f"warning: {path}:17:9: partitioned_survival.main: PFS (pfs) is above OS (os) at ")
        for w in warnings
    )
    assert any(
        w.startswith(f"warning: {path}:11:7: survival.os: curve os is above general-population survival")
        for w in warnings
    )
    doc = json.loads(result.stdout)
    assert [w for w in doc["warnings"]] == [w.removeprefix("warning: ") for w in warnings]
    rows = {r["curve"]: r for r in doc["survival"]}
    assert rows["pfs"]["pfs_above_os_points"] > 0
    assert rows["os"]["points_above_general_population"] > 0
    for years in (5, 10, 20):  # the mixture-cure lognormal by hand (months)
        hand = 0.6 + 0.4 * stats.norm.sf((math.log(12 * years) - 3.3) / 1.1)
        assert rows["os"][f"survival_{years}y"] == pytest.approx(hand, rel=1e-12)


def test_survival_check_table_at_80_columns(tmp_path: Path):
    result = CliRunner().invoke(app, ["compare", str(_scenario(tmp_path, BASE))], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    start = lines.index("Survival against the general population (base case)")
    table = lines[start : start + 9]
    assert all(len(line) <= 80 for line in table)
    assert "│ only     │ PFS │ pfs" in "\n".join(table)
    assert "general pop." in "\n".join(table)


def test_a_markov_models_shared_curve_is_warned_about_once(tmp_path: Path):
    # the SMA type 1 Markov model (three strategies, curves shared) with a general population and a treated
    # curve that outlives it: one warning per curve, not one per curve and strategy
    text = (ROOT / "scenarios" / "sma1_onasemnogene_nl.yaml").read_text(encoding="utf-8")
    text = text.replace('scale: "exp(4.167065)"', 'scale: "exp(9)"').replace(
        "dutch_qx: {file: netherlands_survival_cbs_2019.csv",
        f"dutch_qx: {{file: {ROOT / 'scenarios' / 'netherlands_survival_cbs_2019.csv'}",
    )
    path = _scenario(tmp_path, text + f"general_population: {{life_table: {LIFE_TABLE}, female: 0.5}}\n")
    result = CliRunner().invoke(app, ["compare", str(path), "--format", "json"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    treated = [w for w in warnings if "curve os_sma1_treated is above" in w]
    assert len(treated) == 1 and "(strategy" not in treated[0], warnings
    assert len(warnings) == len(set(warnings)) == len(json.loads(result.stdout)["warnings"])

"""Traps that used to pass silently get a warning, and formula errors say what the user wrote and when.

Every message is one line, `warning:` or `error: FILE:LINE:COL: FIELD: message`, with no traceback.
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from tests.cli.test_bad_input import BASE
from tests.conftest import SCENARIOS

ERRORS = {
    "keyword_as_a_parameter": (
        "  c_sick: 1000\n",
        "  c_sick: 1000\n  lambda: 2\n",
        "9:3: parameters.lambda: 'lambda' is a reserved word of the formula language (as in Python); "
        "choose another parameter name",
    ),
    "power_as_written": (
        "  c_sick: 1000\n",
        "  c_sick: '10 ^ 3 +'\n",
        "8:11: parameters.c_sick: cannot parse formula '10 ^ 3 +': invalid syntax",
    ),
    "power_in_a_division_by_zero": (
        "  c_sick: 1000\n",
        "  c_sick: '1000 / (2 ^ p_sick - 2 ^ p_sick)'\n",
        "8:11: parameters.c_sick: division by zero in '1000 / (2 ^ p_sick - 2 ^ p_sick)' "
        "(2 ^ p_sick - 2 ^ p_sick is 0) (strategy usual)",
    ),
    # a Weibull-type formula written for cycles 1..n, used in a state value, which is also counted at t = 0
    "time_dependent_at_cycle_0": (
        "  c_sick: 1000\n",
        "  gamma: 1.5\n  c_sick: '1000 * (cycle - 1) ^ gamma'\n",
        "9:11: parameters.c_sick: '1000 * (cycle - 1) ^ gamma' gives a value that is not a finite number "
        "at cycle 0 (time = 0 years) (strategy usual)",
    ),
    "time_dependent_transition": (
        "dead: 0.01}",
        "dead: '0.01 / (cycle - 2)'}",
        "14:42: transitions.well.dead: division by zero in '0.01 / (cycle - 2)' (cycle - 2 is 0) "
        "at cycle 2 (time = 1 year) (strategy usual)",
    ),
}


def _run(tmp_path: Path, text: str, command: str = "validate"):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path, CliRunner().invoke(app, [command, str(path)])


@pytest.mark.parametrize("case", ERRORS)
def test_errors_say_what_was_written_and_when(case, tmp_path: Path):
    old, new, expected = ERRORS[case]
    assert old in BASE
    path, result = _run(tmp_path, BASE.replace(old, new, 1), "compare")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {path}:{expected}"]


WARNINGS = {
    "state_time_without_tunnel_cycles": (
        "sick: {sick: rest, dead: 0.2}",
        "sick: {sick: rest, dead: 'ifelse(state_time <= 2, 0.1, 0.2)'}",
        "15:28: transitions.sick.dead: uses state_time, but state 'sick' has no tunnel_cycles, so state_time "
        "is always 1 there; add tunnel_cycles to track the cycles spent in it",
    ),
    "state_time_through_a_parameter": (
        "  c_sick: 1000\n",
        "  c_sick: 'ifelse(state_time == 1, 5000, 1000)'\n",
        "11:24: states.sick.costs.care: uses state_time, but state 'sick' has no tunnel_cycles, so state_time "
        "is always 1 there; add tunnel_cycles to track the cycles spent in it",
    ),
    "past_the_last_row_of_a_table": (
        "  c_sick: 1000\n",
        "  c_sick: 'costs(cycle)'\ntables:\n  costs: {file: costs.csv, key: cycle, value: cost}\n",
        "10:3: tables.costs: table costs() is looked up at 3, past its last row (key 2), whose value is then "
        "reused; extend the table, or set after_last: carry if that is meant",
    ),
    "unused_parameter": (
        "  c_sick: 1000\n",
        "  c_sick: 1000\n  c_forgotten: 12\n",
        "9:3: parameters.c_forgotten: parameter 'c_forgotten' is never used",
    ),
}


@pytest.mark.parametrize("case", WARNINGS)
def test_traps_are_warned_about(case, tmp_path: Path):
    old, new, expected = WARNINGS[case]
    assert old in BASE
    (tmp_path / "costs.csv").write_text("cycle,cost\n0,0\n1,1000\n2,1200\n")  # time points 0..2 of 3
    path, result = _run(tmp_path, BASE.replace(old, new, 1))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"warning: {path}:{expected}"]
    assert "Traceback" not in result.stderr


def test_a_table_that_covers_the_horizon_or_carries_on_purpose_is_quiet(tmp_path: Path):
    text = BASE.replace(
        "  c_sick: 1000\n", "  c_sick: 'costs(cycle)'\ntables:\n  costs: {file: costs.csv, key: cycle, value: cost}\n"
    )
    (tmp_path / "costs.csv").write_text("cycle,cost\n0,0\n1,1000\n2,1200\n3,1300\n")
    assert _run(tmp_path, text)[1].stderr == ""
    (tmp_path / "costs.csv").write_text("cycle,cost\n0,0\n2,1200\n")  # a step of 2: the last row covers 2 to 4
    assert _run(tmp_path, text)[1].stderr == ""
    (tmp_path / "costs.csv").write_text("cycle,cost\n0,0\n1,1000\n2,1200\n")
    carried = text.replace("value: cost}", "value: cost, after_last: carry}")
    assert _run(tmp_path, carried)[1].stderr == ""
    linear = text.replace("value: cost}", "value: cost, interpolation: linear}")
    assert "looked up at 2.5" not in _run(tmp_path, linear)[1].stderr  # linear: past the last key itself
    assert "past its last row (key 2)" in _run(tmp_path, linear)[1].stderr


def test_removing_tunnel_cycles_from_a_tunnel_model_is_warned_about(tmp_path: Path):
    text = (SCENARIOS / "sick_sicker_state_residence.yaml").read_text()
    assert "    tunnel_cycles: 75\n" in text
    for csv in SCENARIOS.glob("*.csv"):
        (tmp_path / csv.name).write_text(csv.read_text())
    path, result = _run(tmp_path, text.replace("    tunnel_cycles: 75\n", ""))
    assert result.exit_code == 0
    assert [line.split(": ", 3)[2] for line in result.stderr.splitlines()] == ["transitions.S1.S2"]
    assert "state 'S1' has no tunnel_cycles" in result.stderr


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_bundled_scenarios_validate_without_warnings(name):
    result = CliRunner().invoke(app, ["validate", str(SCENARIOS / f"{name}.yaml")])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["validate", "compare"])
def test_totals_that_overflow_floating_point_are_refused_by_name(command, tmp_path: Path):
    # found by the fuzz test: a cost of 1e308 summed over 20 cycles overflows to inf (an internal error before)
    text = (SCENARIOS / "hiv_chancellor.yaml").read_text()
    i = text.index("  c_medical_C:")
    j = text.index("\n  c_", i + 5)
    _, result = _run(tmp_path, text[:i] + "  c_medical_C: 1.0e+308" + text[j:], command)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "the total cost is not a finite number: the values summed are too large for floating point" in result.stderr
    assert "(strategy monotherapy)" in result.stderr and "internal error" not in result.stderr

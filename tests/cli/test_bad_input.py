"""Every kind of bad input gives `error: FILE:LINE:COL: FIELD: message` on stderr and exit code 1."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

BASE = """\
title: Minimal
currency: EUR
settings:
  cycles: 3
  discount: 0.03
parameters:
  p_sick: 0.1
  c_sick: 1000
states:
  well: {costs: {care: 0}, utility: 1}
  sick: {costs: {care: c_sick}, utility: 0.6}
  dead: {alive: false}
transitions:
  well: {well: rest, sick: p_sick, dead: 0.01}
  sick: {sick: rest, dead: 0.2}
  dead: {dead: 1}
strategies:
  usual: {label: Usual care}
  new: {parameters: {p_sick: 0.05}}
"""

CASES = {
    "yaml_syntax": ("title: Minimal", "title: [Minimal", "2:9: YAML syntax error: expected ',' or ']', but got ':'"),
    "unknown_key": (
        "  cycles: 3",
        "  cycels: 3",
        "4:3: settings.cycels: unknown key 'cycels' (did you mean 'cycles'?)",
    ),
    "missing_field": ("currency: EUR\n", "", "1:1: currency: required field is missing"),
    "wrong_type": (
        "  cycles: 3",
        "  cycles: three",
        "4:11: settings.cycles: expected a whole number, got text 'three'",
    ),
    "probability_range": (
        "dead: 0.01}",
        "dead: 1.2}",
        "14:42: transitions.well.dead: transition probability 1.2 is outside [0, 1] (strategy usual)",
    ),
    "row_sum": (
        "sick: {sick: rest, dead: 0.2}",
        "sick: {sick: 0.7, dead: 0.2}",
        "15:9: transitions.sick: row sick sums to 0.9, not 1 (use 'rest' for the complement) (strategy usual)",
    ),
    "row_sum_in_a_cycle": (
        "sick: p_sick, dead: 0.01}",
        "sick: 'ifelse(cycle >= 3, 0.995, p_sick)', dead: 0.01}",
        "14:9: transitions.well: row well sums to 1.005 before 'rest', more than 1 in cycle 3 (strategy usual)",
    ),
    "unknown_parameter": (
        "sick: p_sick, dead",
        "sick: p_sik, dead",
        "14:28: transitions.well.sick: unknown parameter 'p_sik' (did you mean 'p_sick'?)",
    ),
    "circular": (
        "  c_sick: 1000",
        "  c_sick: c_x\n  c_x: c_sick * 2",
        "8:11: parameters.c_sick: circular definition: c_sick -> c_x -> c_sick",
    ),
    "division_by_zero": (
        "  c_sick: 1000",
        "  c_sick: 1000 / (p_sick - 0.1)",
        "8:11: parameters.c_sick: division by zero in '1000 / (p_sick - 0.1)' (p_sick - 0.1 is 0) (strategy usual)",
    ),
    "missing_lookup": (
        "  c_sick: 1000",
        "  c_sick: mort(3)\ntables:\n  mort: {file: nothere.csv, key: age, value: q}",
        "10:16: tables.mort.file: look-up file {dir}/nothere.csv not found",
    ),
    "malformed_lookup": (
        "  c_sick: 1000",
        "  c_sick: mort(3)\ntables:\n  mort: {file: bad.csv, key: age, value: q}",
        "10:16: tables.mort.file: {dir}/bad.csv:3: expected numbers in columns 'age' and 'q'",
    ),
    "empty_strategy": (
        "  new: {parameters: {p_sick: 0.05}}",
        "  new:",
        "19:7: strategies.new: strategy is empty: give it a label, parameters, a tree or an initial distribution",
    ),
    "duplicate_name": (
        "  new: {parameters: {p_sick: 0.05}}",
        "  new: {parameters: {p_sick: 0.05}}\n  usual: {}",
        "20:3: strategies.usual: duplicate key 'usual' (first defined on line 18)",
    ),
    "unknown_state": (
        "dead: 0.01}",
        "dead: 0.01, sicker: 0}",
        "14:56: transitions.well.sicker: unknown state 'sicker' (did you mean 'sick'?)",
    ),
    "bad_choice": (
        "  cycles: 3",
        "  cycles: 3\n  method: simpsons",
        "5:11: settings.method: expected one of beginning, end, life-table, half-cycle, trapezoid, none, "
        "simpson, simpson-darth; got text 'simpsons' (did you mean 'simpson'?)",
    ),
    "override_unknown": (
        "{p_sick: 0.05}}",
        "{p_sik: 0.05}}",
        "19:29: strategies.new.parameters.p_sik: unknown parameter 'p_sik' (did you mean 'p_sick'?)",
    ),
    "yes_no_is_not_a_probability": (
        "dead: 0.01}",
        "dead: no}",
        "14:42: transitions.well.dead: unknown parameter 'no' (known: c_sick, p_sick)",
    ),
    "boolean_as_number": (
        "  p_sick: 0.1",
        "  p_sick: true",
        "7:11: parameters.p_sick: expected a number or a formula, got true (a yes/no value)",
    ),
    "reserved_name": (
        "  c_sick: 1000",
        "  c_sick: 1000\n  cycle: 2",
        "9:3: parameters.cycle: 'cycle' is reserved; choose another parameter name",
    ),
    "two_rests": (
        "sick: {sick: rest, dead: 0.2}",
        "sick: {sick: rest, dead: rest}",
        "15:9: transitions.sick: more than one 'rest' in the row (sick, dead)",
    ),
    "missing_row": (
        "  dead: {dead: 1}\n",
        "",
        "13:1: transitions: no row for state 'dead' (an absorbing state needs 'dead: {dead: 1}')",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_one_located_line(case, tmp_path: Path):
    old, new, expected = CASES[case]
    assert old in BASE
    (tmp_path / "bad.csv").write_text("age,q\n0,0.1\n1,abc\n")
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace(old, new, 1))
    for command in (["compare", str(path)], ["validate", str(path)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1
        assert result.stdout == ""
        first = result.stderr.splitlines()[0]
        assert first == f"error: {path}:" + expected.replace("{dir}", str(tmp_path))
        assert "Traceback" not in result.stderr


def test_yaml_1_1_surprises_are_handled(tmp_path: Path):
    # 1e-1 is a number (YAML 1.1 would read a string) and `no` as a label stays text, not False
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("  p_sick: 0.1", "  p_sick: 1e-1").replace("{label: Usual care}", "{label: no}"))
    result = CliRunner().invoke(app, ["compare", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert "\nusual,no,true," in result.stdout


def test_all_problems_are_reported(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("  cycles: 3", "  cycels: 3").replace("currency: EUR\n", ""))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 2


def test_missing_file_and_directory(tmp_path: Path):
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'none.yaml'}: file not found\n"
    result = CliRunner().invoke(app, ["compare", "no_such_scenario"])
    assert result.stderr.startswith("error: no_such_scenario: no such file, and no bundled or user scenario")


def test_empty_and_non_mapping_files(tmp_path: Path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    r1 = CliRunner().invoke(app, ["validate", str(empty)])
    r2 = CliRunner().invoke(app, ["validate", str(listed)])
    assert r1.stderr.splitlines()[0] == f"error: {empty}: the file is empty; expected a scenario mapping"
    assert r2.stderr.splitlines()[0] == (
        f"error: {listed}:1:1: expected a mapping of scenario keys (title, states, ...)"
    )


def test_age_needs_a_start_age(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("  c_sick: 1000", "  c_sick: 10 * age"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert (
        result.stderr.splitlines()[0]
        == f"error: {path}:8:11: parameters.c_sick: uses age, so settings.start_age must be given"
    )


def test_tree_entering_states_and_initial_conflict(tmp_path: Path):
    path = tmp_path / "s.yaml"
    extra = "initial: {well: 1}\ntree:\n  branches:\n    - {name: a, p: 1, state: sick}\n"
    path.write_text(BASE + extra)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.stderr.splitlines()[0] == (
        f"error: {path}:20:10: initial: strategy 'usual' has a tree whose leaves enter states, which sets the "
        "starting distribution; remove initial"
    )


def test_branch_probabilities_must_sum_to_one(tmp_path: Path):
    path = tmp_path / "s.yaml"
    tree = "tree:\n  branches:\n    - {name: a, p: 0.5, state: well}\n    - {name: b, p: 0.3, state: sick}\n"
    path.write_text(BASE + tree)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.stderr.splitlines()[0] == (
        f"error: {path}:22:5: tree.branches: branch probabilities sum to 0.8, not 1 "
        "(use p: rest for the complement) (strategy usual)"
    )


def test_initial_shares_must_sum_to_one(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE + "initial: {well: 0.7, sick: 0.2}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.stderr.splitlines()[0] == (
        f"error: {path}:20:10: initial: initial shares sum to 0.9, not 1 (strategy usual)"
    )

"""Small health effects keep two significant digits in tables; a tree without life-years shows none."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.report.number_formats import effect_amount

TREE = """\
title: Small effects
currency: EUR
settings: {wtp: [20000]}
parameters:
  gain: {value: 0.0012, low: 0.0006, high: 0.0018}
  cost: 10
tree:
  branches:
    - {name: all, p: 1, qalys: gain, costs: {drug: cost}}
strategies:
  old: {label: Old, parameters: {gain: 0, cost: 0}}
  new: {label: New}
"""


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (6.48273, 4, "6.4827"),
        (0.0012, 4, "0.0012"),
        (0.00012, 4, "0.00012"),
        (-0.000123, 4, "-0.00012"),
        (0.0012, 2, "0.0012"),
        (0.045, 3, "0.045"),
        (1234.5, 4, "1,234.5000"),
        (1e-17, 4, "0.0000"),
        (-0.0, 4, "0.0000"),
        (float("nan"), 4, "—"),
    ],
)
def test_effects_show_at_least_two_significant_digits(x, digits, text):
    assert effect_amount(x, digits) == text


def run(path: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, str(path)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_an_effect_of_0_0012_qalys_is_not_0_00(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(TREE)
    compare = run(path, "compare")
    assert "│ 0.0012 │" in compare and "Life-years" not in compare
    assert "8,333" in compare  # ICER 10 / 0.0012
    tornado = run(path, "dsa", "--outcome", "inc_effect")
    assert "base case 0.0012;" in tornado.replace("\n", " ")
    assert "│ 0.00060 │ 0.0018 │ 0.0012 │" in tornado  # at low, at high, swing
    assert re.search(r"(?<![\d.])0\.00(?!\d)", compare + tornado) is None
    assert all(len(line) <= 80 for line in (compare + tornado).splitlines())


def test_a_tree_without_life_years_reports_none(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(TREE)
    out = tmp_path / "r.md"
    CliRunner().invoke(app, ["report", str(path), "-o", str(out)])
    text = out.read_text()
    assert "life-years" not in text.lower() and "Life-years" not in text

"""Every table of every command keeps its numbers whole at any width of 60 columns or more.

Each command's table is captured once (the renderable handed to ``print_table``) and printed at widths
60-200: no cell is ellipsised, no line is wider than the terminal, and every number printed when the
terminal is 1,000 columns wide (where nothing wraps) is printed whole at the narrow width too.
"""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.report import console
from atmpcli.report.table_fit import fit
from tests.conftest import ROOT

runner = CliRunner()
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
SURVIVAL = ROOT / "examples" / "survival"
# a number: not part of a name (u_S1, cll8), with its thousands separators, decimals, exponent and percent
NUMBER = re.compile(r"(?<![\w.,])[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?(?![\w])")

COHORT = ["cart_pediatric_all", "cll8_fcr_psm", "hiv_chancellor", "sick_sicker", "sma1_onasemnogene_nl"]
COMMANDS = [["compare", s] for s in SCENARIOS] + [["trace", s] for s in COHORT]
COMMANDS += [["show", s] for s in ("cart_pediatric_all", "egfr_test_and_treat", "cll8_fcr_psm")]
COMMANDS += [["dsa", s, "--percent", "20"] for s in ("cart_pediatric_all", "hiv_chancellor", "egfr_test_and_treat")]
COMMANDS += [["psa", s, "-n", "50", "--seed", "1"] for s in ("cart_pediatric_all", "cll8_fcr_psm")]
COMMANDS += [
    ["compare", "cart_pediatric_all", "--long"],
    ["threshold", "cart_pediatric_all", "-p", "c_tisagenlecleucel"],
    ["variants", "cart_pediatric_all"],
    ["budget-impact", "cart_belgium_budget"],
    ["list-scenarios"],
    ["dsa", "sick_sicker", "--two-way", "c_trtB,u_S1", "--steps", "3"],
    ["evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "-n", "100", "--size", "25,100"],
    ["shortfall", "--start-age", "12", "--female", "0.5", "--discount", "0.035", "--qalys", "9.5"],
    ["equity", "scd_gene_therapy_dcea"],
    ["equity", "scd_gene_therapy_dcea", "--by-subgroup"],
    ["survival", "fit", str(SURVIVAL / "ovarian.csv"), "--time", "time", "--event", "event"],
]
_captured: dict[str, list] = {}
_wide: dict[str, set[str]] = {}


def tables_of(args: list[str]) -> list:
    """The renderables a command prints (run once per test session)."""
    key = " ".join(args)
    if key not in _captured:
        shown: list = []
        original = console.print_table
        console.print_table = lambda renderable, stream=None: shown.append(renderable)
        try:
            result = runner.invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
        finally:
            console.print_table = original
        assert result.exit_code == 0, result.stderr
        assert shown, f"{key} printed no table"
        _captured[key] = shown
    return _captured[key]


def printed(renderables: list, width: int) -> str:
    out = io.StringIO()
    c = Console(file=out, width=width, no_color=True, soft_wrap=False, highlight=False)
    for r in renderables:
        c.print(fit(r))
    return out.getvalue()


def check_width(args: list[str], width: int) -> None:
    shown = tables_of(args)
    text = printed(shown, width)
    assert "…" not in text, f"{' '.join(args)} at {width} columns:\n{text}"
    assert max(len(line) for line in text.splitlines()) <= width
    key = " ".join(args)
    if key not in _wide:
        _wide[key] = set(NUMBER.findall(printed(shown, 1000)))
    missing = _wide[key] - set(NUMBER.findall(text))
    assert not missing, f"{' '.join(args)} at {width} columns lost {sorted(missing)}:\n{text}"


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("width", [60, 80, 100, 160])
def test_numbers_stay_whole_at_the_tested_widths(args, width):
    check_width(args, width)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), st.integers(60, 200))
def test_numbers_stay_whole_at_any_width(args, width):
    check_width(args, width)

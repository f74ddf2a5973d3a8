"""Start-up stays light: what each command path imports (no timings: the benchmark measures those).

Each check runs in a fresh interpreter, so that modules other tests imported cannot hide an import.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import typer.main

from atmpcli.analysis.result import Rows, records
from atmpcli.cli import app
from atmpcli.commands.registry import COMMANDS
from tests.conftest import ROOT

HEAVY = ("pandas", "scipy", "scipy.stats", "matplotlib", "openpyxl", "jinja2", "xlsxwriter")

RUN = """
import contextlib, io, json, sys
args, watch, code = json.loads(sys.argv[1]), json.loads(sys.argv[2]), None
sys.argv = ["atmpcli", *args]
from atmpcli.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
mods = [m for m in watch if m in sys.modules]
print(json.dumps({"code": code, "imported": mods, "commands": sorted(
    m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("atmpcli.commands.") and m.count(".") == 2
)}))
"""


def imported(*args: str, watch: tuple[str, ...] = HEAVY) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(list(args)), json.dumps(list(watch))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout.splitlines()[-1])


SHARED = ["common", "loading", "output_options", "registry", "usage"]  # every command's options and errors


def test_help_imports_no_command_module_and_nothing_heavy():
    found = imported("--help", watch=(*HEAVY, "numpy", "pydantic", "rich", "yaml"))
    assert found["code"] in (0, None)
    assert found["imported"] == []
    assert found["commands"] == sorted(["common", "registry", "usage"])


def test_a_commands_help_imports_its_module_only():
    found = imported("psa", "--help", watch=(*HEAVY, "numpy"))
    assert found["imported"] == []
    assert found["commands"] == sorted([*SHARED, "psa"])


def test_compare_imports_neither_pandas_nor_figures_nor_workbooks():
    found = imported("compare", "sick_sicker")
    assert found["code"] in (0, None)
    assert found["imported"] == []  # the table is made from the result's rows
    assert found["commands"] == sorted([*SHARED, "compare"])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_compare_writes_csv_and_json_without_pandas(fmt):
    found = imported("compare", "sick_sicker", "-f", fmt)
    assert found["code"] in (0, None) and found["imported"] == []


def test_a_comparison_with_payments_needs_no_figures_or_workbooks():
    found = imported("compare", "cart_pediatric_all", watch=("matplotlib", "openpyxl", "jinja2", "xlsxwriter"))
    assert found["code"] in (0, None) and found["imported"] == []


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_psa_draws_without_scipy_stats_and_writes_without_pandas(fmt):
    found = imported("psa", "sick_sicker", "-n", "100", "-f", fmt)
    assert found["code"] in (0, None) and found["imported"] == []


def test_the_summaries_of_help_are_the_commands_docstrings():
    group = typer.main.get_command(app)
    names = [n for n in group.list_commands(None)]
    assert names == list(COMMANDS)
    for name, (_, summary) in COMMANDS.items():
        command = group.get_command(None, name)
        assert command is not None, name
        assert " ".join(command.help.split("\n\n")[0].split()) == summary, name


def same(a, b) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@pytest.mark.parametrize(
    "column",
    [
        [1, 2, 3],
        [1, None, 3],
        [1, 2.5, np.int64(4)],
        [np.float64(1.5), None, math.nan],
        [True, False],
        [True, None],
        [np.bool_(True), np.bool_(False)],
        ["a", None, "c"],
        ["a", math.nan],
        ["a", math.nan, None],
        [None, None],
        [None, math.nan],
        ["a", 1],
        [1, True],
    ],
)
def test_rows_give_the_records_of_their_frame(column):
    rows = Rows([{"x": v, "y": "k"} for v in column] + [{"y": "missing x"}], ["x", "y"])
    expected = records(pd.DataFrame(rows.rows, columns=rows.columns))
    got = rows.records()
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert all(same(g[k], e[k]) for k in e), (g, e)


def test_rows_with_whole_number_columns_give_the_records_of_their_frame():
    rows = Rows([{"n": 3.0}, {"n": None}, {"n": np.int64(2)}], ["n"], {"n": "Int64"})
    assert rows.records() == records(rows.frame()) == [{"n": 3}, {"n": None}, {"n": 2}]


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "atmpcli" / "scenarios").glob("*.yaml")))
def test_the_comparison_tables_as_rows_are_the_frames_records(name):
    from atmpcli.analysis.compare import compare
    from atmpcli.scenario.catalog import resolve
    from atmpcli.scenario.compile import load_scenario

    result = compare(load_scenario(resolve(name)))
    for table in ("strategies", "incremental", "payments", "long", "survival"):
        got = result.records_of(table)
        expected = records(result.tables()[table])
        assert len(got) == len(expected), table
        for g, e in zip(got, expected, strict=True):
            assert g.keys() == e.keys() and all(same(g[k], e[k]) for k in e), (name, table, g, e)

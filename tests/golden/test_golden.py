"""Every renderer on two bundled scenarios (and the budget-impact one), compared with golden files.

A change to a table, a CSV, a JSON document, a workbook or the report shows up as a diff of the files
under tests/golden/ in review. ``make golden`` rewrites them and prints ``git diff --stat`` of the result.
Figures are not compared here (their bytes depend on the matplotlib build); tests/cli/test_plots_workbook.py
checks that they are drawn.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.report.csv_json import cell

runner = CliRunner()
SCENARIOS = ["hiv_chancellor", "cart_pediatric_all"]
# (name of the golden file without extension, arguments after the scenario, extension)
RENDERERS = [
    ("compare", ["compare"], "txt"),
    ("compare", ["compare", "-f", "csv"], "csv"),
    ("compare", ["compare", "-f", "json"], "json"),
    ("compare-long", ["compare", "--long", "-f", "csv"], "csv"),
    ("trace", ["trace"], "txt"),
    ("trace", ["trace", "-f", "csv"], "csv"),
    ("show", ["show"], "txt"),
    ("show", ["show", "-f", "csv"], "csv"),
    ("psa", ["psa", "-n", "100", "--seed", "1"], "txt"),
    ("psa", ["psa", "-n", "100", "--seed", "1", "-f", "csv"], "csv"),
    ("psa", ["psa", "-n", "100", "--seed", "1", "-f", "json"], "json"),
    ("dsa", ["dsa"], "txt"),
    ("dsa", ["dsa", "-f", "csv"], "csv"),
]
FILES = [("compare", ["compare"], "md"), ("compare", ["compare"], "html"), ("compare", ["compare"], "xlsx")]


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def xlsx_text(path: Path) -> str:
    """A workbook as text: per sheet its name, then each row's values, and the number format of each column."""
    openpyxl = pytest.importorskip("openpyxl")
    out = []
    for ws in openpyxl.load_workbook(path).worksheets:
        rows = list(ws.iter_rows())
        formats = [c.number_format for c in rows[1]] if len(rows) > 1 else []
        out.append(f"## {ws.title} (frozen at {ws.freeze_panes}; formats: {' | '.join(formats)})")
        out += ["\t".join(str(cell(c.value)) for c in row) for row in rows]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("stem", "args", "ext"), RENDERERS, ids=[f"{r[0]}.{r[2]}" for r in RENDERERS])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_stdout_renderers(golden, scenario, stem, args, ext):
    golden(f"{scenario}/{stem}.{ext}", run(args[0], scenario, *args[1:]))


@pytest.mark.parametrize(("stem", "args", "ext"), FILES, ids=[f"{r[0]}.{r[2]}" for r in FILES])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_file_renderers(golden, tmp_path, scenario, stem, args, ext):
    target = tmp_path / f"out.{ext}"
    run(args[0], scenario, *args[1:], "-o", str(target))
    text = xlsx_text(target) if ext == "xlsx" else target.read_text(encoding="utf-8")
    golden(f"{scenario}/{stem}.{ext}" + (".txt" if ext == "xlsx" else ""), text)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("ext", ["md", "html"])
def test_report(golden, tmp_path, scenario, ext):
    target = tmp_path / f"report.{ext}"
    run("report", scenario, "-o", str(target), "--psa-samples", "100", "--no-figures")
    golden(f"{scenario}/report.{ext}", target.read_text(encoding="utf-8"))


EVPPI = ["--evppi", "u_S1", "--evppi", "c_trtA,c_trtB", "--evppi-method", "gam", "--wtp", "100000"]
EVSI = ["--study", "normal:u_S1", "--sd", "0.2", "-n", "200", "--size", "25,100", "--wtp", "120000"]
EVSI += ["--population", "1000", "--cost", "50000", "--cost-per-patient", "100"]
HERC = "strategy,cost,effect\nUC,5000,1\nA,12000,1.5\nB,10000,2\nC,25000,3\nD,35000,4\nE,55000,5\n"
OTHERS = [
    ("cart_pediatric_all/variants.txt", ["variants", "cart_pediatric_all"]),
    ("cart_pediatric_all/variants.csv", ["variants", "cart_pediatric_all", "-f", "csv"]),
    ("cart_pediatric_all/threshold.txt", ["threshold", "cart_pediatric_all", "-p", "c_tisagenlecleucel"]),
    ("cart_pediatric_all/threshold.csv", ["threshold", "cart_pediatric_all", "-p", "c_tisagenlecleucel", "-f", "csv"]),
    ("cart_belgium_budget/budget-impact.txt", ["budget-impact", "cart_belgium_budget"]),
    ("cart_belgium_budget/budget-impact.csv", ["budget-impact", "cart_belgium_budget", "-f", "csv"]),
    ("sick_sicker/dsa-two-way.txt", ["dsa", "sick_sicker", "--two-way", "c_trtB,u_S1", "--steps", "3"]),
    ("sick_sicker/psa-evppi.txt", ["psa", "sick_sicker", "-n", "200", *EVPPI]),
    ("sick_sicker/evsi.txt", ["evsi", "sick_sicker", *EVSI]),
    ("sick_sicker/evsi.csv", ["evsi", "sick_sicker", *EVSI, "-f", "csv"]),
    ("cll8_fcr_psm/compare.txt", ["compare", "cll8_fcr_psm"]),
    ("cll8_fcr_psm/compare.json", ["compare", "cll8_fcr_psm", "-f", "json"]),
]


@pytest.mark.parametrize(("name", "args"), OTHERS, ids=[o[0] for o in OTHERS])
def test_other_renderers(golden, name, args):
    golden(name, run(*args))


def test_icers(golden, tmp_path):
    path = tmp_path / "herc.csv"
    path.write_text(HERC)
    golden("icers/herc.txt", run("icers", str(path)))
    golden("icers/herc.csv", run("icers", str(path), "-f", "csv"))


# what people see at 60, 80, 100 and 160 columns (tests/cli/test_table_widths.py checks every command)
AT_WIDTHS = [
    ("cart_pediatric_all/compare", ["compare", "cart_pediatric_all"]),
    ("cll8_fcr_psm/compare", ["compare", "cll8_fcr_psm"]),
    ("egfr_test_and_treat/compare", ["compare", "egfr_test_and_treat"]),
    ("cart_pediatric_all/dsa", ["dsa", "cart_pediatric_all"]),
    ("cart_pediatric_all/threshold", ["threshold", "cart_pediatric_all", "-p", "c_tisagenlecleucel"]),
]


@pytest.mark.parametrize("width", [60, 80, 100, 160])
@pytest.mark.parametrize(("stem", "args"), AT_WIDTHS, ids=[a[0] for a in AT_WIDTHS])
def test_tables_at_widths(golden, stem, args, width):
    result = runner.invoke(app, args, env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    golden(f"{stem}-{width}cols.txt", result.stdout)


def test_report_with_verification(golden, tmp_path):
    """report --verify: the verification table in item 17 (hiv_chancellor: Dirichlet rows moved to their extremes)."""
    target = tmp_path / "report.md"
    run("report", "hiv_chancellor", "-o", str(target), "--verify", "--no-figures")
    golden("hiv_chancellor/report_verified.md", target.read_text(encoding="utf-8"))

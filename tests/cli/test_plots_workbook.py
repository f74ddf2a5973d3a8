"""Workbooks checked cell by cell with openpyxl; figures produced and non-empty."""

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()
openpyxl = pytest.importorskip("openpyxl")


def test_compare_workbook_cell_by_cell(tmp_path):
    path = tmp_path / "hiv.xlsx"
    result = runner.invoke(app, ["compare", "hiv_chancellor", "-o", str(path)])
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Index",
        "Settings",
        "Parameters",
        "Results",
        "Incremental",
        "Trace monotherapy",
        "Trace combination",
    ]
    res = wb["Results"]
    header = [c.value for c in res[1]]
    cost, icer = header.index("cost") + 1, header.index("icer") + 1
    assert res.cell(2, 1).value == "monotherapy"
    assert res.cell(2, cost).value == pytest.approx(44663.4535637, rel=1e-11)  # a number, not text
    assert res.cell(2, cost).number_format == "#,##0"
    assert res.cell(3, icer).value == pytest.approx(6275.9556, rel=1e-8)
    assert res.cell(2, icer).value is None  # undefined ICER: an empty cell
    trace = wb["Trace monotherapy"]
    assert [c.value for c in trace[1]] == ["cycle", "years", "A", "B", "C", "D"]
    assert trace.cell(3, 3).value == pytest.approx(0.72145328719723)  # A after cycle 1
    settings = {r[0].value: r[1].value for r in wb["Settings"].iter_rows(min_row=2)}
    assert settings["discount_costs"] == 0.06 and settings["currency"] == "GBP"
    params = {r[0].value: r for r in wb["Parameters"].iter_rows(min_row=2)}
    assert params["rr_combination"][3].value.startswith("lognormal(")


def test_other_commands_write_their_table_as_a_sheet(tmp_path):
    path = tmp_path / "psa.xlsx"
    assert runner.invoke(app, ["psa", "sick_sicker", "-n", "100", "-o", str(path)]).exit_code == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Index", "PSA", "Settings", "Parameters"]
    assert [c.value for c in wb["PSA"][1]] == ["measure", "strategy", "wtp", "parameters", "value"]


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "cart_pediatric_all"],
        ["psa", "sick_sicker", "-n", "200", "--wtp-grid", "0:150000:50000"],
        ["dsa", "sick_sicker", "--strategy", "B", "--wtp", "100000"],
        ["budget-impact", "cart_belgium_budget"],
        ["dsa", "sick_sicker", "--two-way", "c_trtB,u_S1", "--steps", "4", "--strategy", "B", "--wtp", "100000"],
        ["trace", "sick_sicker"],
    ],
)
@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plots_are_written(args, suffix, tmp_path):
    path = tmp_path / f"figure{suffix}"
    result = runner.invoke(app, [*args, "--plot", str(path)])
    assert result.exit_code == 0, result.stderr
    assert path.stat().st_size > 5000
    assert f"wrote {path}" in result.stderr  # no command takes --plot and draws nothing


def test_plot_needs_png_svg_or_pdf(tmp_path):
    result = runner.invoke(app, ["compare", "hiv_chancellor", "--plot", str(tmp_path / "f.gif")])
    assert result.exit_code == 2

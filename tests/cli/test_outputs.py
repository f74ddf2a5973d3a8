"""Spreadsheet CSV options, the icers command and JSON provenance."""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()


def ok(*args, input=None):
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_continental_csv_round_trips_with_pandas():
    plain = pd.read_csv(io.StringIO(ok("compare", "sick_sicker", "-f", "csv")))
    euro = pd.read_csv(
        io.StringIO(ok("compare", "sick_sicker", "-f", "csv", "--sep", ";", "--decimal", ",")), sep=";", decimal=","
    )
    pd.testing.assert_frame_equal(plain, euro)


def test_byte_order_mark():
    out = ok("compare", "hiv_chancellor", "-f", "csv", "--bom")
    assert out.startswith("\ufeffstrategy,")
    assert "\ufeff" not in ok("compare", "hiv_chancellor", "-f", "csv")


def test_bad_csv_style_is_a_usage_error():
    assert runner.invoke(app, ["compare", "hiv_chancellor", "-f", "csv", "--sep", ",", "--decimal", ","]).exit_code == 2


HERC = "strategy,cost,effect\nUC,5000,1\nA,12000,1.5\nB,10000,2\nC,25000,3\nD,35000,4\nE,55000,5\n"


def test_icers_on_the_dampack_herc_example_from_stdin():
    # dampack tests/testthat/test_calculate_icers.R (validation-public.md case 4)
    df = pd.read_csv(io.StringIO(ok("icers", "-", "-f", "csv", input=HERC))).set_index("strategy")
    assert df["status"].to_dict() == {"UC": "ND", "B": "ND", "A": "D", "C": "ED", "D": "ND", "E": "ND"}
    assert df.loc[["B", "D", "E"], "icer"].tolist() == pytest.approx([5000, 12500, 20000])


def test_icers_from_a_file_with_other_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "Effect,Strategy,Cost,note\n6.48273,No treat,163771.0,x\n6.52861,Treat all,164848.7,y\n"
        "6.52861,Test & treat,163765.1,z\n"
    )
    doc = json.loads(ok("icers", str(path), "-f", "json"))
    assert doc["frontier"] == ["Test & treat"]


def test_icers_errors(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("strategy,cost\nA,1\n")
    result = runner.invoke(app, ["icers", str(path)])
    assert result.exit_code == 1 and result.stderr == f"error: {path}:1: no column effect (columns: strategy, cost)\n"


def test_json_provenance():
    doc = json.loads(ok("psa", "sick_sicker", "-n", "50", "--seed", "9", "-f", "json", "--set", "c_trtA=11000"))
    prov = doc["provenance"]
    assert prov["seed"] == 9 and prov["overrides"]["set"] == {"c_trtA": 11000}
    assert len(prov["scenario_sha256"]) == 64 and prov["generated_at"].endswith("+00:00")


def test_output_file_format_from_extension(tmp_path):
    for suffix in (".csv", ".json", ".txt"):
        target = tmp_path / f"r{suffix}"
        result = runner.invoke(app, ["compare", "hiv_chancellor", "--output", str(target)])
        assert result.exit_code == 0, result.stderr
        assert result.stdout == "" and result.stderr == f"wrote {target}\n"
    assert pd.read_csv(tmp_path / "r.csv").loc[1, "strategy"] == "combination"
    assert json.loads((tmp_path / "r.json").read_text())["comparator"] == "monotherapy"
    assert "Zidovudine" in (tmp_path / "r.txt").read_text() and "\x1b[" not in (tmp_path / "r.txt").read_text()
    quiet = runner.invoke(app, ["--quiet", "compare", "hiv_chancellor", "-o", str(tmp_path / "q.csv")])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_no_partial_file_after_an_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\ncurrency: EUR\nstrategies: {a: {label: a}}\n")
    target = tmp_path / "out.csv"
    result = runner.invoke(app, ["compare", str(bad), "-o", str(target)])
    assert result.exit_code == 1 and not target.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no temporary file left either


def test_unsupported_output_extension(tmp_path):
    result = runner.invoke(app, ["compare", "hiv_chancellor", "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and not (tmp_path / "r.pdf").exists()


def test_markdown_and_html_tables(tmp_path):
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    assert runner.invoke(app, ["compare", "hiv_chancellor", "-o", str(md)]).exit_code == 0
    assert runner.invoke(app, ["icers", "-", "-o", str(page)], input=HERC).exit_code == 0
    assert md.read_text().startswith("# Results\n\n| strategy | label |")
    assert "| combination | Zidovudine + lamivudine | false | 50601.651331203735 |" in md.read_text()
    assert '<td style="text-align:left">UC</td>' in page.read_text() and page.read_text().startswith("<!DOCTYPE html>")

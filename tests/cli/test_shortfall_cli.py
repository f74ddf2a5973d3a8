"""atmpcli shortfall: outputs, user norms and bad input."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from atmpcli.analysis.shortfall import BY_AGE_COLUMNS, SUMMARY_COLUMNS, shortfall
from atmpcli.cli import app

BASE = ["shortfall", "--start-age", "12", "--female", "0.5", "--discount", "0.035"]


def run(*args):
    return CliRunner().invoke(app, [*args])


def test_csv_is_the_api_result():
    result = run(*BASE, "--qalys", "9.5", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(row) == SUMMARY_COLUMNS
    api = shortfall(12, 0.5, 0.035, qalys=9.5)
    assert float(row["qale"]) == api.qale
    assert float(row["absolute_shortfall"]) == api.absolute_shortfall
    assert row["severity_weight"] == "1.2"
    assert row["norms"] == "england-dsu-2014"


def test_table_at_80_columns_shows_the_shortfall_and_weight():
    result = CliRunner().invoke(app, [*BASE, "--qalys", "9.5"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    out = result.stdout
    assert "QALYs without the condition (QALE)" in out and "23.79" in out
    assert "Absolute QALY shortfall" in out and "14.29" in out
    assert "60.06%" in out and "x 1.2" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_without_qalys_there_is_no_shortfall():
    result = run(*BASE, "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["result"]["qale"] == pytest.approx(23.787387, abs=1e-6)
    assert doc["result"]["severity_weight"] is None and doc["by_age"] is None
    assert "shortfall" not in run(*BASE).stdout.lower()


def test_by_age_rows():
    result = run(*BASE, "--norms", "england-cw", "--by-age", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == BY_AGE_COLUMNS
    assert [int(r["age"]) for r in rows] == list(range(12, 101))
    assert float(rows[-1]["cumulative_qalys"]) == pytest.approx(shortfall(12, 0.5, 0.035, "england-cw").qale)


def test_norms_from_a_csv_file_with_qx(tmp_path):
    """A user's own life table as qx: three ages, utility 1 and no deaths before the last age give
    person-years 1, 1, 0.5 (half a year at the oldest age when everyone dies), undiscounted."""
    path = tmp_path / "norms.csv"
    path.write_text(
        "age,sex,qx,utility\n"
        + "".join(f"{a},{s},{q},1\n" for s in ("female", "male") for a, q in ((80, 0), (81, 0), (82, 1)))
    )
    result = run(
        "shortfall", "--start-age", "80", "--female", "1", "--discount", "0", "--norms", str(path), "-f", "csv"
    )
    assert result.exit_code == 0, result.stderr
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert float(row["qale"]) == pytest.approx(2.5)
    assert float(row["life_expectancy"]) == pytest.approx(2.5)


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--start-age", "100", "--female", "0.5", "--discount", "0.035"],
            "start age must be a whole number of years from 0 to 99",
        ),
        (["--start-age", "50", "--female", "50", "--discount", "0.035"], "share of women must be between 0 and 1"),
        (["--start-age", "50", "--female", "0.5", "--discount", "3.5"], "discount rate is a fraction"),
        (["--start-age", "50", "--female", "0.5", "--discount", "0", "--qalys", "-1"], "must be a non-negative number"),
        (["--start-age", "50", "--female", "0.5", "--discount", "0", "--norms", "wales"], "unknown norms 'wales'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(args, message):
    result = run("shortfall", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and message in line


def test_bad_norms_file_names_the_row_and_field(tmp_path):
    path = tmp_path / "norms.csv"
    path.write_text("age,sex,lx,dx,utility\n0,female,100000,10,0.9\n1,woman,99990,10,0.9\n")
    result = run("shortfall", "--start-age", "0", "--female", "1", "--discount", "0", "--norms", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path}:3: sex: expected female or male, got 'woman'"
    path.write_text("age,sex,utility\n0,female,0.9\n")
    result = run("shortfall", "--start-age", "0", "--female", "1", "--discount", "0", "--norms", str(path))
    assert "missing lx, dx" in result.stderr
    result = run(
        "shortfall", "--start-age", "0", "--female", "1", "--discount", "0", "--norms", str(tmp_path / "x.csv")
    )
    assert result.stderr.strip() == f"error: {tmp_path / 'x.csv'}: file not found"


def test_a_fractional_age_is_a_usage_error():
    result = run("shortfall", "--start-age", "12.5", "--female", "0.5", "--discount", "0.035")
    assert result.exit_code == 2

"""compare --severity / --benchmarks: outputs are the API's, bad input is one line."""

import csv
import io
import json

from typer.testing import CliRunner

from atmpcli.analysis.price_benchmarks import BENCHMARK_COLUMNS
from atmpcli.analysis.weighted_decisions import DECISION_COLUMNS
from atmpcli.api import load
from atmpcli.cli import app
from tests.conftest import DATA

TOY = str(DATA / "rules_toy.yaml")


def run(*args, **env):
    return CliRunner().invoke(app, [*args], env={"COLUMNS": "80", **env})


def test_severity_csv_is_the_api_frame():
    result = run("compare", TOY, "--severity", "--price", "price", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == DECISION_COLUMNS
    api = load(TOY).decision_rules(price="price")
    assert [r["rule"] for r in rows] == list(api["rule"])
    assert [float(r["max_price"]) for r in rows] == list(api["max_price"])


def test_benchmarks_json_has_every_table():
    result = run("compare", TOY, "--benchmarks", "--price", "price", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["price_parameter"] == "price"
    assert list(doc["benchmarks"][0]) == BENCHMARK_COLUMNS and len(doc["benchmarks"]) == 12
    assert doc["evlyg"][0]["strategy"] == "gt" and doc["severity"][0]["strategy"] == "soc"
    csv_out = run("compare", TOY, "--benchmarks", "--price", "price", "-f", "csv").stdout
    assert csv_out.splitlines()[0] == ",".join(BENCHMARK_COLUMNS)


def test_tables_fit_80_columns():
    for flag in ("--severity", "--benchmarks"):
        result = run(
            "compare",
            "cart_pediatric_all",
            flag,
            "--price",
            "c_tisagenlecleucel",
            "--set",
            "settings.severity.female=0.4",
        )
        assert result.exit_code == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= 80
    out = run("compare", TOY, "--severity", "--price", "price").stdout
    assert "NICE severity weight" in out and "x 1.7" in out
    assert "Weighted decisions: gt vs soc (USD)" in out
    # the severity-weighted row: ICER 1,710 / (1.7 x 1.164) = 864; max price 300,000 + 170,000 x 1.164 - 1,710
    assert "│ severity │    1.7 │   100,000 │   864 │  196,170 │   496,170 │" in out


def test_bad_input_is_one_line():
    bad = run("compare", TOY, "--severity", "--price", "nope")
    assert bad.exit_code == 1 and bad.stderr.strip().splitlines() == [
        "error: --price: 'nope' is not a parameter with a number for its value"
    ]
    age = run("compare", TOY, "--severity", "--set", "settings.start_age=40.5")
    assert age.exit_code == 1 and "severity.start_age" in age.stderr and len(age.stderr.strip().splitlines()) == 1
    norms = run("compare", TOY, "--severity", "--set", "settings.severity.norms=england-xx")
    assert norms.exit_code == 1 and "settings.severity.norms: unknown norms 'england-xx'" in norms.stderr
    both = run("compare", TOY, "--severity", "--benchmarks")
    assert both.exit_code == 2
    assert run("compare", TOY, "--severity", "--long").exit_code == 2


def test_every_column_is_documented():
    import re

    from atmpcli.analysis.price_benchmarks import EVLYG_COLUMNS
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "output-format.md").read_text()
    documented = {n.strip() for span in re.findall(r"`([^`]+)`", text) for n in span.split(",")}
    for column in [*DECISION_COLUMNS, *BENCHMARK_COLUMNS, *EVLYG_COLUMNS, "zin_reference_value"]:
        assert column in documented, column


def test_options_the_rules_cannot_honour_are_refused(tmp_path):
    """--per cohort and --plot would be ignored by --severity/--benchmarks: a usage error instead."""
    for flag in ("--severity", "--benchmarks"):
        per = run("compare", TOY, flag, "--per", "cohort")
        assert per.exit_code == 2 and "--per: only for the comparison, not with --severity/--benchmarks" in per.stderr
        plot = run("compare", TOY, flag, "--plot", str(tmp_path / "x.png"))
        assert plot.exit_code == 2 and "--plot" in plot.stderr and not (tmp_path / "x.png").exists()
    assert run("compare", TOY, "--severity", "--per", "person").exit_code == 0


def test_psa_severity_with_a_results_file_is_refused(tmp_path):
    results = tmp_path / "r.csv"
    results.write_text("cost_a,effect_a,cost_b,effect_b\n1,1,2,2\n")
    bad = run("psa", "--results", str(results), "--wtp", "1000", "--severity")
    assert bad.exit_code == 2 and "--severity: needs a SCENARIO" in bad.stderr

"""threshold --severity and psa --severity on tests/data/rules_toy.yaml (see tests/unit/test_weighted_decisions.py).

The toy's severity weight is 1.7 (0.375 QALYs against a QALE of 34.9). The maximum price at the
severity-weighted threshold, found by bisection, must be compare --severity's linear max_price:
300,000 + 170,000 x 1.164 - 1,710 = 496,170.
"""

import csv
import io

import pytest
from typer.testing import CliRunner

from atmpcli.analysis.threshold import threshold
from atmpcli.analysis.weighted_decisions import severity_weight
from atmpcli.cli import app
from atmpcli.errors import AtmpError
from atmpcli.scenario.compile import load_scenario
from tests.conftest import DATA

TOY = DATA / "rules_toy.yaml"
DQ, DC = 1.164, 1_710


def test_severity_weight_of_the_toy():
    assert severity_weight(load_scenario(TOY)) == 1.7


def test_threshold_at_the_severity_weighted_threshold_is_the_linear_max_price():
    model = load_scenario(TOY)
    (point,) = threshold(model, "price", "gt", [100_000], weight=1.7).points
    assert point.wtp == 100_000 and "weighted x 1.7" in point.note
    assert point.value == pytest.approx(300_000 + 170_000 * DQ - DC, rel=1e-8)
    (plain,) = threshold(model, "price", "gt", [100_000]).points
    assert plain.value == pytest.approx(300_000 + 100_000 * DQ - DC, rel=1e-8)


def test_threshold_and_psa_commands(tmp_path):
    run = CliRunner().invoke
    out = run(app, ["threshold", str(TOY), "-p", "price", "--strategy", "gt", "--severity", "-f", "csv"])
    assert out.exit_code == 0, out.stderr
    (row,) = list(csv.DictReader(io.StringIO(out.stdout)))
    assert float(row["wtp"]) == 100_000 and float(row["threshold"]) == pytest.approx(496_170, rel=1e-8)
    assert "severity weight x 1.7" in out.stderr
    uncertain = tmp_path / "toy.yaml"  # the PSA needs something to sample
    gamma = "c_sick: {value: 400000, distribution: {type: gamma, se: 40000}}"
    uncertain.write_text(TOY.read_text().replace("c_sick: 400000", gamma))
    psa = run(app, ["psa", str(uncertain), "--samples", "20", "--severity", "-f", "csv"])
    assert psa.exit_code == 0, psa.stderr
    assert "also at 170,000" in psa.stderr
    rows = list(csv.DictReader(io.StringIO(psa.stdout)))
    ceac = {float(r["wtp"]) for r in rows if r["measure"] == "prob_cost_effective"}
    assert ceac == {100_000.0, 170_000.0}


def test_severity_needs_its_settings():
    text = TOY.read_text().replace("  severity: {female: 0.5}\n", "")
    with pytest.raises(AtmpError, match="settings.severity"):
        severity_weight(load_scenario(TOY, text=text))

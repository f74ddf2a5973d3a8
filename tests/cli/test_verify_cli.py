"""atmpcli verify on the command line: the table, CSV and JSON, and exit 1 naming the failed test."""

from __future__ import annotations

import io
import json

import pandas as pd
import yaml
from typer.testing import CliRunner

from atmpcli.analysis.verification import VERIFY_COLUMNS
from atmpcli.cli import app
from tests.conftest import bundled

runner = CliRunner()


def test_verify_csv_json_and_table():
    csv = runner.invoke(app, ["verify", "sick_sicker", "--format", "csv"])
    assert csv.exit_code == 0, csv.stderr
    frame = pd.read_csv(io.StringIO(csv.stdout), keep_default_na=False)
    assert list(frame.columns) == VERIFY_COLUMNS
    assert set(frame.status) == {"pass", "not applicable"}
    doc = json.loads(runner.invoke(app, ["verify", "sick_sicker", "--format", "json"]).stdout)
    assert doc["passed"] is True and len(doc["checks"]) == len(frame)
    table = runner.invoke(app, ["verify", "sick_sicker"], env={"COLUMNS": "80"})
    assert table.exit_code == 0
    assert "zero_mortality" in table.stdout and "all 44 checks passed or do not apply" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_verify_exits_1_and_names_the_failed_test(tmp_path):
    data = yaml.safe_load(bundled("sick_sicker").read_text())
    data["states"]["S1"]["costs"]["state"] = "-c_S1"  # a cost with the wrong sign
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["verify", str(path), "--format", "csv"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "error: verification failed: cost_monotone"
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert set(frame[frame.status == "fail"].check) == {"cost_monotone"}


def test_the_api_returns_what_the_cli_writes():
    import atmpcli

    frame = atmpcli.load("icer_hiv_screening").verify()
    csv = runner.invoke(app, ["verify", "icer_hiv_screening", "--format", "csv"]).stdout
    expected = pd.read_csv(io.StringIO(csv), keep_default_na=False)
    assert list(frame.columns) == list(expected.columns) and len(frame) == len(expected)
    assert list(frame["status"]) == list(expected["status"])
    assert list(frame["detail"]) == list(expected["detail"])

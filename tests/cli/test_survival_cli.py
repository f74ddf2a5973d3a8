"""atmpcli survival reconstruct / fit: outputs, tables at 80 columns, figures, and one-line errors."""

import json
import math
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.model.lifetable import Background
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "survival"
runner = CliRunner()


def run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env or {"COLUMNS": "80"})


def test_reconstruct_writes_ipd(tmp_path):
    out = tmp_path / "ipd.csv"
    result = run(
        "survival",
        "reconstruct",
        EXAMPLES / "ovarian_km.csv",
        "--at-risk",
        EXAMPLES / "ovarian_at_risk.csv",
        "--events",
        12,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.stderr
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["time", "event"]
    assert len(ipd) == 26 and ipd["event"].sum() == 12
    original = pd.read_csv(EXAMPLES / "ovarian.csv")
    # the example curve is the exact KM of the ovarian data: event times come back exactly
    assert sorted(ipd.loc[ipd["event"] == 1, "time"]) == sorted(original.loc[original["event"] == 1, "time"])
    assert "flat there" in result.stderr


def test_reconstruct_json_and_table():
    args = ("survival", "reconstruct", EXAMPLES / "ovarian_km.csv", "--at-risk", EXAMPLES / "ovarian_at_risk.csv")
    doc = json.loads(run(*args, "-f", "json").stdout)
    assert [r["at_risk_published"] for r in doc["intervals"]] == [26, 23, 18, 11, 7, 5, 2]
    assert len(doc["ipd"]) == 26
    table = run(*args).stdout
    assert "At risk (reconstructed)" in table and "…" not in table


def test_fit_csv_one_row_per_model():
    result = run(
        "survival", "fit", EXAMPLES / "ovarian.csv", "--dist", "exp,weibull,lnorm", "--times", "365,730", "-f", "csv"
    )
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(StringIO(result.stdout))
    assert df["model"].tolist() == ["exp", "weibull", "lnorm"]
    assert {"loglik", "aic", "bic", "median", "rmst", "survival_at_365", "survival_at_730"} <= set(df.columns)
    lnorm = df.set_index("model").loc["lnorm"]
    assert lnorm["loglik"] == pytest.approx(-97.12174204265681, rel=1e-6)  # flexsurv's value (tests/reference)
    assert lnorm["aic"] == pytest.approx(2 * 2 + 2 * 97.12174204265681, rel=1e-6)
    assert df["delta_aic"].min() == 0


def test_fit_by_group_json_document():
    result = run(
        "survival",
        "fit",
        EXAMPLES / "ovarian.csv",
        "--group",
        "rx",
        "--dist",
        "weibull",
        "--times",
        "365",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [m["group"] for m in doc["models"]] == ["1", "2"]
    assert {p["parameter"] for p in doc["parameters"]} == {"shape", "scale"}
    assert len(doc["covariance"]) == 2 * 4
    assert {r["time"] for r in doc["predictions"]} == {365.0}
    assert doc["kaplan_meier"][0]["survival"] == 1.0


def test_fit_table_fits_80_columns_without_cutting_numbers():
    result = run("survival", "fit", EXAMPLES / "ovarian.csv", "--cure", "--times", "100,365,730,1095,1460,1825,3650")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    assert "weibull_cure" in result.stdout and "S(3650)" in result.stdout


def test_fit_with_life_table_and_plot(tmp_path):
    png = tmp_path / "fits.png"
    result = run(
        "survival", "fit", EXAMPLES / "ovarian.csv", "--dist", "weibull,lnorm", "--cure",
        "--life-table", EXAMPLES / "england_life_table_2017_19.csv", "--start-age", 56, "--female", 1,
        "--times", "3650", "--plot", png, "-f", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert png.stat().st_size > 20_000
    df = pd.read_csv(StringIO(result.stdout)).set_index("model")
    assert df["relative"].all()
    # a relative-survival cure model: survival at 10 years is below the cure fraction (background deaths)
    assert df.loc["weibull_cure", "survival_at_3650"] < df.loc["weibull_cure", "cure_fraction"]
    assert "--time-unit" in result.stderr


def test_life_table_reproduces_ons_lx():
    """The bundled ONS table: survival from 12 to 62 equals the ratio of ONS's lx (99463.8 -> 89470.6 men)."""
    from atmpcli.analysis.survival.data import read_life_table

    table = read_life_table(EXAMPLES / "england_life_table_2017_19.csv")
    men = Background(table, start_age=12, female=0.0, years_per_unit=1.0)
    women = Background(table, start_age=12, female=1.0, years_per_unit=1.0)
    assert men.survival(np.array([50.0]))[0, 0] == pytest.approx(89470.6 / 99463.8, rel=2e-5)
    assert women.survival(np.array([50.0]))[0, 0] == pytest.approx(93180.6 / 99548.5, rel=2e-5)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


BAD_FIT = {
    "negative_time": ("time,event\n5,1\n-2,0\n", "data.csv:3: time: negative time -2"),
    "zero_time": ("time,event\n0,1\n4,1\n", "data.csv:2: time: time 0: parametric models need times > 0"),
    "event_not_0_1": ("time,event\n5,1\n6,2\n", "data.csv:3: event: expected 1 (event) or 0 (censored), got 2"),
    "no_events": (
        "time,event\n5,0\n6,0\n",
        "data.csv: event: no events: a survival model cannot be fitted without events",
    ),
    "missing_column": ("t,event\n5,1\n", "data.csv:1: time: no such column (columns: t, event)"),
    "not_a_number": ("time,event\n5,1\nabc,1\n", "data.csv:3: time: expected a number, got 'abc'"),
}


@pytest.mark.parametrize("case", list(BAD_FIT))
def test_bad_patient_data_one_line(case, tmp_path):
    text, expected = BAD_FIT[case]
    path = _write(tmp_path, "data.csv", text)
    result = run("survival", "fit", path, "--dist", "exp")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}{expected.removeprefix('data.csv')}"), lines[0]


def test_unknown_family_is_a_usage_error():
    result = run("survival", "fit", EXAMPLES / "ovarian.csv", "--dist", "weibul")
    assert result.exit_code == 2
    assert "unknown family 'weibul'" in result.stderr


BAD_CURVE = {
    "rise": (
        "time,survival\n0,1\n1,0.8\n2,0.9\n",
        "time,at_risk\n0,30\n",
        "km.csv:4: survival: the curve rises from 0.8 to 0.9",
    ),
    "above_one": (
        "time,survival\n0,1\n1,1.2\n",
        "time,at_risk\n0,30\n",
        "km.csv:3: survival: survival 1.2 is outside [0, 1]",
    ),
    "below_zero": (
        "time,survival\n0,1\n1,-0.1\n",
        "time,at_risk\n0,30\n",
        "km.csv:3: survival: survival -0.1 is outside [0, 1]",
    ),
    "contradiction": (
        "time,survival\n0,1\n1,1\n1,0.5\n5,0.5\n",
        "time,at_risk\n0,100\n2,90\n",
        "risk.csv:3: at_risk: 90 at risk at time 2, but the curve's drop since time 0 leaves at most 50",
    ),
    "at_risk_rises": (
        "time,survival\n0,1\n3,0.5\n",
        "time,at_risk\n0,10\n1,12\n",
        "risk.csv:3: at_risk: 12 at risk is more than the 10",
    ),
    "at_risk_column": (
        "time,survival\n0,1\n3,0.5\n",
        "time,n\n0,10\n",
        "risk.csv:1: at_risk: no such column (columns: time, n)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CURVE))
def test_bad_reconstruction_input_one_line(case, tmp_path):
    curve, risk, expected = BAD_CURVE[case]
    km = _write(tmp_path, "km.csv", curve)
    rk = _write(tmp_path, "risk.csv", risk)
    result = run("survival", "reconstruct", km, "--at-risk", rk, "-f", "csv")
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    file, rest = expected.split(":", 1)
    assert lines[0].startswith(f"error: {tmp_path / file}:{rest}"), lines[0]


def test_life_table_needs_start_age(tmp_path):
    result = run(
        "survival", "fit", EXAMPLES / "ovarian.csv", "--life-table", EXAMPLES / "england_life_table_2017_19.csv"
    )
    assert result.exit_code == 2
    assert "--start-age" in result.stderr


def test_bad_life_table_names_row(tmp_path):
    lt = _write(tmp_path, "lt.csv", "age,qx\n0,0.01\n1,1.5\n")
    result = run("survival", "fit", EXAMPLES / "ovarian.csv", "--dist", "exp", "--life-table", lt, "--start-age", 50)
    assert result.exit_code == 1
    assert f"error: {lt}:3: qx: expected a value in [0, 1], got 1.5" in result.stderr


def test_fit_output_never_has_silent_nan():
    result = run("survival", "fit", EXAMPLES / "ovarian.csv", "--cure", "-f", "json")
    doc = json.loads(result.stdout)
    for m in doc["models"]:
        if m["status"] != "ok":
            assert m["message"], m["model"]
        elif m["median"] is None:
            assert "not reached" in m["message"]
        for key in ("loglik", "aic", "bic"):
            assert m[key] is None or math.isfinite(m[key])


def test_readme_survival_example(tmp_path, monkeypatch):
    """The README's reconstruct -> fit commands, run as written: the table shown there is what they print."""
    monkeypatch.chdir(ROOT)
    ipd = tmp_path / "ipd.csv"
    rec = run(
        "survival",
        "reconstruct",
        "examples/survival/ovarian_km.csv",
        "--at-risk",
        "examples/survival/ovarian_at_risk.csv",
        "--events",
        12,
        "-o",
        ipd,
    )
    assert rec.exit_code == 0, rec.stderr
    fit = run("survival", "fit", ipd, "--dist", "weibull,lnorm,spline1", "--cure", "--times", "365,1825")
    assert fit.exit_code == 0, fit.stderr
    readme = (ROOT / "README.md").read_text()
    rows = [line.rstrip() for line in fit.stdout.splitlines()[:12] if line.startswith("│")]
    assert len(rows) == 5
    for line in rows:
        assert line in readme, line


def test_printed_parameters_typed_into_a_curve_give_the_printed_survival():
    """What docs/survival.md promises: the parameters as printed, typed into model.survival.Curve."""
    from atmpcli.model.survival import Curve

    doc = json.loads(
        run(
            "survival",
            "fit",
            EXAMPLES / "ovarian.csv",
            "--dist",
            "weibull,spline1,lnorm",
            "--cure",
            "--times",
            "365,1825",
            "-f",
            "json",
        ).stdout
    )
    for model in ("weibull", "spline1", "lnorm_cure"):
        rows = [p for p in doc["parameters"] if p["model"] == model]
        params = {p["parameter"]: p["estimate"] for p in rows if p["transform"] != "fixed"}
        knots = [p["estimate"] for p in rows if p["transform"] == "fixed"] or None
        family = next(m["family"] for m in doc["models"] if m["model"] == model)
        cure = params.pop("theta", None)
        s = Curve(family, params, knots=knots, cure=cure).survival([365.0, 1825.0])[0]
        row = next(m for m in doc["models"] if m["model"] == model)
        np.testing.assert_allclose(s, [row["survival_at_365"], row["survival_at_1825"]], rtol=1e-12)

"""`atmpcli evsi` and `psa --evppi-method`: the outputs people read and the errors they get."""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()
STUDY = ["evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "-n", "800", "--wtp", "120000"]


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_evsi_csv_with_enbs_and_the_optimal_size():
    args = [*STUDY, "--size", "25,100,400", "--population", "10000", "--cost", "200000", "--cost-per-patient", "1000"]
    df = pd.read_csv(io.StringIO(ok(*args, "-f", "csv")))
    assert list(df.columns) == ["measure", "size", "followup", "wtp", "value"]
    evsi = df[df.measure == "evsi"].set_index("size")["value"]
    assert list(evsi.index) == [25, 100, 400]
    evppi = df[df.measure == "evppi"]["value"].iloc[0]
    assert 0 < evsi[25] < evppi * 1.1
    cost = df[df.measure == "study_cost"].set_index("size")["value"]
    assert list(cost) == [225000, 300000, 600000]
    enbs = df[df.measure == "enbs"].set_index("size")["value"]
    assert enbs.round(6).equals((evsi * 10000 - cost).round(6))
    assert df[df.measure == "optimal_size"]["value"].iloc[0] == enbs.idxmax()
    assert ok(*args, "-f", "csv") == ok(*args, "-f", "csv")  # reproducible


def test_evsi_table_and_json_at_80_columns():
    result = runner.invoke(app, [*STUDY, "--size", "25,100"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "EVSI of n observations of u_S1 (sd 0.2)" in result.stdout
    assert "EVPPI of u_S1" in result.stdout and " ± " in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    doc = json.loads(ok(*STUDY, "--size", "25", "-f", "json"))
    assert doc["evsi"]["study"]["design"] == "normal" and doc["evsi"]["designs"][0]["size"] == 25


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--study", "normal:u_S1"], 2, "standard deviation"),
        (["--study", "weibull:u_S1"], 2, "unknown study design"),
        (["--study", "survival:r_HD"], 2, "needs --followup"),
        (["--study", "binomial:u_S1", "--size", "0,10"], 2, "positive whole"),
        (["--study", "binomial:nothing"], 1, "--study: no draws of nothing"),
        (["--study", "poisson:u_S1", "--cost", "10"], 1, "study costs need --population"),
    ],
)
def test_evsi_errors(args, code, message):
    result = runner.invoke(app, ["evsi", "sick_sicker", "-n", "50", "--wtp", "1", *args])
    assert result.exit_code == code, result.stdout
    assert message in result.stderr and result.stdout == ""


def test_psa_evppi_methods_and_standard_errors():
    base = ["psa", "sick_sicker", "-n", "600", "-f", "csv", "--wtp", "120000", "--evppi", "u_S1"]
    values = {}
    for method in ("gam", "gp", "splines"):
        df = pd.read_csv(io.StringIO(ok(*base, "--evppi-method", method)))
        ev = df[df.measure == "evppi"]["value"].iloc[0]
        se = df[df.measure == "evppi_se"]["value"].iloc[0]
        assert se > 0
        values[method] = (ev, se)
    # three metamodels of the same sample agree within their standard errors
    (a, sa), (b, sb) = values["gam"], values["gp"]
    assert abs(a - b) < 3 * (sa + sb)
    doc = json.loads(ok(*base[:-2], "-f", "json", "--evppi", "u_S1,u_S2"))
    assert doc["evppi"][0]["method"] == "gam" and len(doc["evppi"][0]["se"]) == 1
    bad = runner.invoke(app, [*base, "--evppi-method", "bart"])
    assert bad.exit_code == 2 and "unknown EVPPI method" in bad.stderr


def test_evsi_and_comparator_on_another_tools_results(tmp_path):
    samples = tmp_path / "psa.csv"
    ok("psa", "sick_sicker", "-n", "800", "-f", "csv", "--wtp", "120000", "--per-sample", str(samples))
    run = runner.invoke(
        app,
        [
            "evsi",
            "--results",
            str(samples),
            "--study",
            "normal:u_S1",
            "--sd",
            "0.2",
            "--size",
            "50",
            "--wtp",
            "120000",
            "-f",
            "csv",
        ],
    )
    assert run.exit_code == 0, run.stderr
    assert "layout cost_<s>/effect_<s>" in run.stderr
    from_file = pd.read_csv(io.StringIO(run.stdout)).query("measure == 'evsi'")["value"].item()
    direct = (
        pd.read_csv(io.StringIO(ok(*STUDY, "--size", "50", "-f", "csv"))).query("measure == 'evsi'")["value"].item()
    )
    assert from_file == pytest.approx(direct)  # the same samples, the same study data
    psa = runner.invoke(app, ["psa", "--results", str(samples), "--wtp", "1", "--comparator", "B", "-f", "json"])
    assert json.loads(psa.stdout)["comparator"] == "B"
    bad = runner.invoke(app, ["psa", "--results", str(samples), "--wtp", "1", "--comparator", "C"])
    assert bad.exit_code == 1 and "--comparator: no strategy 'C' (strategies: SoC, A, B, AB)" in bad.stderr


def test_api_returns_what_the_cli_writes():
    import atmpcli

    frame = atmpcli.load("sick_sicker").evsi("normal:u_S1", [25, 100], [120000], samples=800, sd=0.2)
    cli = pd.read_csv(io.StringIO(ok(*STUDY, "--size", "25,100", "-f", "csv")))
    assert list(frame.columns) == list(cli.columns)
    assert frame["value"].to_numpy() == pytest.approx(cli["value"].to_numpy())

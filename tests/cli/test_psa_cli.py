"""`atmpcli psa`: reproducible, parseable, and honest about bad input."""

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_fixed_seed_gives_identical_output():
    args = ("psa", "sick_sicker", "-n", "500", "--seed", "7", "-f", "csv", "--wtp", "100000")
    assert ok(*args) == ok(*args)
    assert ok(*args) != ok("psa", "sick_sicker", "-n", "500", "--seed", "8", "-f", "csv", "--wtp", "100000")


def test_csv_is_tidy_and_ceac_sums_to_one():
    df = pd.read_csv(
        io.StringIO(
            ok(
                "psa",
                "sick_sicker",
                "-n",
                "500",
                "-f",
                "csv",
                "--wtp-grid",
                "0:200000:50000",
                "--evppi",
                "c_trtA",
                "--population",
                "1000",
            )
        )
    )
    assert list(df.columns) == ["measure", "strategy", "wtp", "parameters", "value"]
    ceac = df[df.measure == "prob_cost_effective"].groupby("wtp")["value"].sum()
    assert list(ceac.index) == [0, 50000, 100000, 150000, 200000]
    assert ceac.round(12).eq(1).all()
    evpi = df[df.measure == "evpi"].set_index("wtp")["value"]
    pop = df[df.measure == "evpi_population"].set_index("wtp")["value"]
    assert (pop == evpi * 1000).all()
    assert set(df[df.measure == "evppi"]["parameters"]) == {"c_trtA"}


def test_json_document():
    doc = json.loads(ok("psa", "sick_sicker", "-n", "300", "-f", "json", "--wtp", "100000"))
    assert doc["psa"]["samples"] == 300 and doc["psa"]["seed"] == 1
    assert [s["strategy"] for s in doc["strategies"]] == ["SoC", "A", "B", "AB"]
    assert doc["strategies"][0]["inc_cost"] is None
    assert doc["ceaf"][0]["wtp"] == 100000 and len(doc["evpi"]) == 1


def test_per_sample_file_round_trips_through_results(tmp_path: Path):
    out = tmp_path / "samples.csv"
    direct = ok("psa", "sick_sicker", "-n", "400", "-f", "csv", "--wtp", "90000", "--per-sample", str(out))
    per = pd.read_csv(out)
    assert len(per) == 400 and "cost_SoC" in per and "effect_AB" in per and "c_trtA" in per
    run = runner.invoke(app, ["psa", "--results", str(out), "-f", "csv", "--wtp", "90000", "--evppi", "c_trtA"])
    assert run.exit_code == 0
    assert "4 strategies (SoC, A, B, AB), 400 samples, layout cost_<s>/effect_<s>" in run.stderr
    assert "ignored columns: sample" in run.stderr
    again = run.stdout
    pick = lambda text, m: pd.read_csv(io.StringIO(text)).query("measure == @m")["value"].tolist()  # noqa: E731
    assert pick(direct, "prob_cost_effective") == pytest.approx(pick(again, "prob_cost_effective"))
    assert pick(direct, "evpi") == pytest.approx(pick(again, "evpi"))
    assert pick(again, "evppi")  # the parameter columns of the same file feed EVPPI


def test_draws_file_runs_the_model_on_given_parameter_sets(tmp_path: Path):
    draws = tmp_path / "draws.csv"
    draws.write_text("c_trtA,c_trtB\n12000,13000\n24000,13000\n")
    df = pd.read_csv(io.StringIO(ok("psa", "sick_sicker", "--draws", str(draws), "-f", "csv", "--wtp", "1")))
    cost_a = df.query("measure == 'cost_mean' and strategy == 'A'")["value"].item()
    base = pd.read_csv(io.StringIO(ok("compare", "sick_sicker", "-f", "csv"))).set_index("strategy")
    # cost of A is linear in c_trtA: the mean over (12000, 24000) is the cost at 18000
    treat = base.loc["A", "cost_treatment"]
    assert cost_a == pytest.approx(base.loc["A", "cost"] + treat * 0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["psa", "heemod_intro"], "no parameter has a distribution"),
        (["psa", "sick_sicker", "-n", "50", "--evppi", "not_a_parameter"], "--evppi: no draws of not_a_parameter"),
    ],
)
def test_errors(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""


def test_draws_with_other_columns_pass_with_a_note(tmp_path: Path):
    draws = tmp_path / "d.csv"
    draws.write_text("iteration,c_trtA,source\n1,12000,trial\n2,13000,trial\n")
    result = runner.invoke(app, ["psa", "sick_sicker", "--draws", str(draws), "-f", "csv", "--wtp", "1"])
    assert result.exit_code == 0
    assert result.stderr == f"{draws}: ignoring columns that are not parameters of the scenario: iteration, source\n"
    none = tmp_path / "none.csv"
    none.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["psa", "sick_sicker", "--draws", str(none)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {none}:1: no column is a parameter of the scenario (columns: a, b)\n"
    bad = tmp_path / "bad.csv"
    bad.write_text("c_trtA,note\n12000,x\nabc,y\n")
    result = runner.invoke(app, ["psa", "sick_sicker", "--draws", str(bad)])
    assert result.stderr == f"error: {bad}:3:1: column c_trtA: expected a number, got 'abc'\n"


def test_results_file_errors_name_the_line(tmp_path: Path):
    bad = tmp_path / "r.csv"
    bad.write_text("cost_a,effect_a\n1,2\n3,x\n")
    result = runner.invoke(app, ["psa", "--results", str(bad), "--wtp", "1"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {bad}:3:2: column effect_a: expected a number, got 'x'\n"


def test_usage_errors():
    assert runner.invoke(app, ["psa"]).exit_code == 2
    assert runner.invoke(app, ["psa", "sick_sicker", "--wtp-grid", "1:2"]).exit_code == 2

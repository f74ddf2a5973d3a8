"""The Python API returns exactly the frame the CLI writes as CSV, for every analysis and every bundled scenario.

Both run in this process: the CLI through Typer's runner (its CSV parsed back with pandas), the API through
``atmpcli.load``. Where the CLI reports bad input (a scenario without distributions has no PSA), the API
raises the same error. Sample counts are small: the point is the shape and the numbers, not the PSA.
"""

import io
import json
import math
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

import atmpcli
from atmpcli.cli import app
from atmpcli.errors import AtmpError
from tests.conftest import ROOT, SCENARIOS

runner = CliRunner()
BUNDLED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
OVARIAN = ROOT / "examples" / "survival"


def _cells(frame: pd.DataFrame, column: str) -> list:
    """A column as plain values, with every kind of empty (None, NaN, <NA>, "") as None."""
    out = []
    for v in frame[column].tolist():
        if v is None or v is pd.NA or v == "" or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, bool):
            out.append(v)
        elif isinstance(v, int | float):
            out.append(float(v))
        else:
            out.append(str(v))
    return out


def assert_same(api: pd.DataFrame, cli_csv: str) -> None:
    cli = pd.read_csv(io.StringIO(cli_csv), keep_default_na=False, na_values=[""], float_precision="round_trip")
    assert [str(c) for c in api.columns] == list(cli.columns)
    assert len(api) == len(cli)
    for column in cli.columns:
        got, expected = _cells(api, column), _cells(cli, column)
        if [type(v) for v in got] != [type(v) for v in expected]:  # e.g. a text column of numbers in the CSV
            got, expected = (
                [None if v is None else str(v) for v in got],
                [None if v is None else str(v) for v in expected],
            )
        assert got == expected, column  # exact: the CSV writes every float in full


def run_both(cli_args: list[str], api_call) -> None:
    result = runner.invoke(app, [*cli_args, "-f", "csv"])
    if result.exit_code == 2:
        pytest.skip(f"not applicable: {result.stderr.strip().splitlines()[-1]}")
    if result.exit_code == 1:
        with pytest.raises(AtmpError) as error:
            api_call()
        assert f"error: {str(error.value).splitlines()[0]}" == result.stderr.splitlines()[0]
        return
    assert result.exit_code == 0, result.stderr
    assert_same(api_call(), result.stdout)


ANALYSES = {
    "compare": (["compare"], lambda m: m.compare()),
    "compare_long": (["compare", "--long"], lambda m: m.compare(long=True)),
    "compare_cohort": (
        ["compare", "--per", "cohort", "--wtp", "30000"],
        lambda m: m.compare(wtp=[30000], per="cohort"),
    ),
    "trace": (["trace"], lambda m: m.trace()),
    "show": (["show"], lambda m: m.show()),
    "psa": (["psa", "-n", "40", "--seed", "2"], lambda m: m.psa(samples=40, seed=2)),
    "dsa": (["dsa"], lambda m: m.dsa()),
    "variants": (["variants"], lambda m: m.variants()),
    "budget_impact": (["budget-impact"], lambda m: m.budget_impact()),
    "equity": (["equity"], lambda m: m.equity()),
    "equity_by_subgroup": (["equity", "--by-subgroup"], lambda m: m.equity(by_subgroup=True)),
}


@pytest.mark.parametrize("analysis", list(ANALYSES))
@pytest.mark.parametrize("name", BUNDLED)
def test_api_frame_is_the_cli_csv(name, analysis):
    args, call = ANALYSES[analysis]
    run_both([args[0], name, *args[1:]], lambda: call(atmpcli.load(name)))


@pytest.mark.parametrize("name", BUNDLED)
def test_threshold_frame_is_the_cli_csv(name):
    model = atmpcli.load(name)
    show = model.show()
    inputs = show[(show["formula"] == "") & show["value"].notna()]["parameter"].tolist()
    if not inputs or len(model.strategies) < 2 or not model.scenario.settings.wtp:
        pytest.skip("no input parameter, a single strategy or no threshold")
    parameter = next((p for p in inputs if p.startswith("c_")), inputs[0])
    run_both(["threshold", name, "-p", parameter], lambda: model.threshold(parameter))


def test_other_analyses_of_the_api_are_the_cli_csv(tmp_path):
    herc = "strategy,cost,effect\nUC,5000,1\nA,12000,1.5\nB,10000,2\nC,25000,3\nD,35000,4\nE,55000,5\n"
    path = tmp_path / "herc.csv"
    path.write_text(herc)
    table = pd.read_csv(path)
    run_both(["icers", str(path)], lambda: atmpcli.icers(table.strategy, table.cost, table.effect).frame)
    sets = {"c_trtA": 11000.0}
    run_both(
        ["dsa", "sick_sicker", "--two-way", "c_trtB,u_S1", "--steps", "3", "--set", "c_trtA=11000"],
        lambda: atmpcli.load("sick_sicker", sets=sets).dsa(two_way=["c_trtB", "u_S1"], steps=3),
    )
    run_both(
        ["psa", "sick_sicker", "-n", "30", "--evppi", "c_trtA", "--wtp", "100000", "--reference-case", "uk_nice_2026"],
        lambda: atmpcli.load("sick_sicker", reference_case="uk_nice_2026").psa(
            samples=30, wtp=[100000], evppi=[["c_trtA"]]
        ),
    )
    run_both(
        ["psa", "sick_sicker", "-n", "60", "--evppi", "u_S1", "--evppi-method", "gam", "--wtp", "100000"],
        lambda: atmpcli.load("sick_sicker").psa(samples=60, wtp=[100000], evppi=[["u_S1"]], evppi_method="gam"),
    )
    study = ["--study", "normal:u_S1", "--sd", "0.2", "-n", "80", "--size", "25,100", "--wtp", "120000"]
    run_both(
        ["evsi", "sick_sicker", *study, "--population", "1000", "--cost", "5000", "--cost-per-patient", "10"],
        lambda: atmpcli.load("sick_sicker").evsi(
            "normal:u_S1", [25, 100], [120000], samples=80, sd=0.2, population=1000, study_costs=(5000, 10, 0)
        ),
    )
    fit = ["survival", "fit", str(OVARIAN / "ovarian.csv"), "--dist", "weibull,lnorm", "--cure", "--times", "365"]
    run_both(
        fit, lambda: atmpcli.fit_survival(OVARIAN / "ovarian.csv", dist="weibull,lnorm", cure=True, times=[365]).frame
    )
    km, risk = OVARIAN / "ovarian_km.csv", OVARIAN / "ovarian_at_risk.csv"
    run_both(
        ["survival", "reconstruct", str(km), "--at-risk", str(risk), "--events", "12"],
        lambda: atmpcli.reconstruct_survival(km, risk, events=12).frame,
    )
    run_both(
        ["shortfall", "--start-age", "40", "--female", "0.3", "--discount", "0.035", "--qalys", "12"],
        lambda: atmpcli.shortfall(40, 0.3, 0.035, qalys=12).frame,
    )
    run_both(
        ["shortfall", "--start-age", "40", "--female", "0.3", "--discount", "0.035", "--by-age"],
        lambda: atmpcli.shortfall(40, 0.3, 0.035).select("by_age").frame,
    )


def test_per_sample_frame_is_the_per_sample_file(tmp_path):
    path = tmp_path / "samples.csv"
    assert runner.invoke(app, ["psa", "sick_sicker", "-n", "30", "--per-sample", str(path), "-f", "csv"]).exit_code == 0
    assert_same(atmpcli.load("sick_sicker").psa(samples=30, per_sample=True), path.read_text())


def test_survival_checks_and_warnings_of_the_api_are_the_cli_json(tmp_path):
    from atmpcli.analysis.result import records
    from atmpcli.report.csv_json import jsonable
    from tests.cli.test_survival_scenario_cli import BASE

    path = tmp_path / "above.yaml"  # PFS above OS, and curves above the general population: warnings
    path.write_text(BASE.replace("sdlog: 1.1}}", "sdlog: 1.1}, cure: 0.6}").replace("scale: 14}", "scale: 400}"))
    for name in ("cll8_fcr_psm", str(path)):
        result = runner.invoke(app, ["compare", name, "-f", "json"])
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        model = atmpcli.load(name)
        assert jsonable(records(model.survival_checks())) == doc["survival"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.compare()
        assert [str(w.message) for w in caught] == doc["warnings"]
        assert [f"warning: {w}" for w in doc["warnings"]] == [
            line for line in result.stderr.splitlines() if line.startswith("warning: ")
        ]
    assert doc["warnings"]  # the second scenario has some


def test_severity_options_of_the_api_are_the_cli_csv():
    """threshold --severity and psa --severity: Model.threshold(severity=True) and Model.psa(severity=True)."""
    toy = str(ROOT / "tests" / "data" / "rules_toy.yaml")
    run_both(
        ["threshold", toy, "-p", "price", "--severity"], lambda: atmpcli.load(toy).threshold("price", severity=True)
    )
    # the toy's maximum price at 1.7 x USD 100,000 (tests/unit/test_weighted_decisions.py): 300,000 + 170,000 dQ - dC
    weighted = atmpcli.load(toy).threshold("price", severity=True)
    assert weighted["threshold"][0] == pytest.approx(300_000 + 170_000 * 1.164 - 1_710, abs=0.01)
    female = {"settings.severity.female": 0.4}
    run_both(
        ["psa", "cart_pediatric_all", "-n", "20", "--severity", "--set", "settings.severity.female=0.4"],
        lambda: atmpcli.load("cart_pediatric_all", sets=female).psa(samples=20, severity=True),
    )

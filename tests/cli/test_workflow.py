"""init templates, show, and extends."""

import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

runner = CliRunner()


@pytest.mark.parametrize("template", ["markov", "tree", "test-and-treat", "cell-therapy", "psm"])
def test_init_templates_validate_and_compare(template, tmp_path):
    result = runner.invoke(app, ["init", "mine", "--template", template, "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    path = tmp_path / "mine.yaml"
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    compared = runner.invoke(app, ["compare", str(path), "-f", "csv"])
    assert compared.exit_code == 0, compared.stderr
    assert load_scenario(path).name == "mine"
    again = runner.invoke(app, ["init", "mine", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "exists already" in again.stderr


def test_show_lists_parameters():
    result = runner.invoke(app, ["show", "sick_sicker", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False).set_index("parameter")
    assert df.loc["r_HS1", "distribution"] == "gamma(shape=30.0, rate=200.0)"
    assert df.loc["p_HS1", "formula"] == "rate_to_prob(r_HS1)"
    assert float(df.loc["p_HS1", "value"]) == pytest.approx(1 - 2.718281828459045**-0.15)
    assert df.loc["use_B", "set_by_strategy"] == "B;AB"


def test_extends_changes_exactly_what_it_says(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {bundled('hiv_chancellor')}\ntitle: cheaper\nparameters:\n  c_zidovudine: 0\n")
    base = {r["strategy"]: r for r in __import__("atmpcli").load("hiv_chancellor").compare().to_dict("records")}
    got = runner.invoke(app, ["compare", str(child), "-f", "csv"])
    assert got.exit_code == 0, got.stderr
    rows = pd.read_csv(io.StringIO(got.stdout)).set_index("strategy")
    for s in ("monotherapy", "combination"):
        assert rows.loc[s, "cost_medical"] == pytest.approx(base[s]["cost_medical"])
        assert rows.loc[s, "life_years"] == pytest.approx(base[s]["life_years"])
        assert rows.loc[s, "cost_drug"] < base[s]["cost_drug"]
    # distributions of the base survive a child that only changes the value
    assert "rr_combination" in load_scenario(child).uncertain


def test_extends_errors(tmp_path):
    loop = tmp_path / "a.yaml"
    loop.write_text("extends: a.yaml\ntitle: x\n")
    result = runner.invoke(app, ["validate", str(loop)])
    assert result.stderr.startswith(f"error: {loop}:1:10: extends: circular extends: a.yaml -> a.yaml")
    missing = tmp_path / "b.yaml"
    missing.write_text("extends: nope.yaml\ntitle: x\n")
    assert "base scenario nope.yaml not found" in runner.invoke(app, ["validate", str(missing)]).stderr


def test_readme_path_from_init_to_workbook_report_and_figures(tmp_path, monkeypatch):
    # the README's "Your own scenario" commands, as a new user runs them
    monkeypatch.chdir(tmp_path)
    for args in (
        ["init", "my_model", "--template", "test-and-treat"],
        ["validate", "my_model.yaml"],
        ["compare", "my_model.yaml", "--plot", "my_model.png"],
        ["compare", "my_model.yaml", "-o", "my_model.xlsx"],
        ["workbook", "my_model.yaml", "-o", "my_model_live.xlsx"],
        ["report", "my_model.yaml", "-o", "my_model.html", "--psa-samples", "300"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.stderr)
    files = ("my_model.yaml", "my_model.png", "my_model.xlsx", "my_model_live.xlsx", "my_model.html")
    for name in files:
        assert (tmp_path / name).stat().st_size > 500, name
    assert not (tmp_path / "my_model_files").exists()  # the HTML report holds its figures
    assert (tmp_path / "my_model.html").read_text().count("<figure>") >= 2

"""--set, --variant and the variants command change exactly what they say."""

import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()


def csv(*args):
    result = runner.invoke(app, [*args, "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout)).set_index("strategy")


def test_set_changes_only_the_named_parameter():
    base = csv("compare", "hiv_chancellor")
    changed = csv("compare", "hiv_chancellor", "--set", "c_zidovudine=0")
    # zidovudine is given in every alive state of both arms: the drug cost falls by it, nothing else moves
    assert (changed["cost_medical"] == base["cost_medical"]).all()
    assert (changed["life_years"] == base["life_years"]).all()
    assert (changed["cost_drug"] < base["cost_drug"]).all()
    assert changed.loc["monotherapy", "cost_drug"] == pytest.approx(0)


def test_set_a_setting_and_scientific_notation():
    undiscounted = csv("compare", "hiv_chancellor", "--set", "settings.discount.costs=0")
    assert undiscounted.loc["monotherapy", "cost"] == pytest.approx(
        undiscounted.loc["monotherapy", "cost_undiscounted"]
    )
    tiny = csv("compare", "hiv_chancellor", "--set", "rr_combination=1e-3")
    assert tiny.loc["combination", "life_years"] > csv("compare", "hiv_chancellor").loc["combination", "life_years"]


def test_variant_equals_the_same_set():
    by_variant = csv("compare", "cart_pediatric_all", "--variant", "conservative_durability")
    by_set = csv("compare", "cart_pediatric_all", "--set", "late_relapse=0.03")
    pd.testing.assert_frame_equal(by_variant, by_set)


def test_variants_command_runs_base_and_every_variant():
    result = runner.invoke(app, ["variants", "cart_pediatric_all", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(io.StringIO(result.stdout))
    assert list(df["variant"].unique()) == [
        "base case",
        "conservative_durability",
        "low_remission",
        "discount_1_5",
        "point_of_care",
        "instalments",
    ]
    icer = df[df.strategy == "cart_paid_on_result"].set_index("variant")["icer"]
    assert icer["conservative_durability"] > icer["base case"] > icer["discount_1_5"]
    assert "nmb_100000" in df.columns


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "hiv_chancellor", "--set", "rr=0.5x"], "parameters.rr: cannot parse formula '0.5x'"),
        (["compare", "hiv_chancellor", "--set", "r=0.5"], "--set r: unknown parameter"),
        (
            ["compare", "hiv_chancellor", "--variant", "nope"],
            "unknown variant 'nope' (the scenario defines no variants)",
        ),
        (["compare", "cart_pediatric_all", "--variant", "low_remision"], "(did you mean 'low_remission'?)"),
    ],
)
def test_bad_overrides(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.stderr


def test_set_needs_name_equals_value():
    assert runner.invoke(app, ["compare", "hiv_chancellor", "--set", "novalue"]).exit_code == 2


def test_dsa_and_threshold_commands():
    result = runner.invoke(app, ["dsa", "hiv_chancellor", "--percent", "10", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(io.StringIO(result.stdout))
    assert list(df["swing"]) == sorted(df["swing"], reverse=True)
    result = runner.invoke(
        app,
        [
            "threshold",
            "cart_pediatric_all",
            "-p",
            "c_tisagenlecleucel",
            "--strategy",
            "cart_paid_on_result",
            "--wtp-grid",
            "50000:150000:50000",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    import json

    rows = json.loads(result.stdout)["rows"]
    assert [r["wtp"] for r in rows] == [50000, 100000, 150000]
    assert rows[0]["threshold"] < rows[1]["threshold"] < rows[2]["threshold"]
    two = runner.invoke(app, ["dsa", "sick_sicker", "--two-way", "c_trtB,u_S1", "--steps", "3", "-f", "csv"])
    assert two.exit_code == 0 and len(pd.read_csv(io.StringIO(two.stdout))) == 9

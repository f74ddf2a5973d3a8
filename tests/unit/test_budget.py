"""Budget impact and reference-case presets against hand calculations."""

import numpy as np
import pytest
from typer.testing import CliRunner

from atmpcli.analysis.budget import budget_impact, cost_by_year
from atmpcli.cli import app
from atmpcli.errors import ScenarioError
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

PRODUCT_ONLY = {  # everything but the product price set to 0, nobody lost before infusion
    "p_failure": 0.0,
    "p_failure_poc": 0.0,
    "hazard_waiting": 0.0,
    "c_pathway": 0.0,
    "c_salvage": 0.0,
    "c_remission_year": 0.0,
    "c_progressed_year": 0.0,
}


def run(variant=None, sets=None):
    sc = load_scenario(bundled("cart_belgium_budget"), variant=variant, sets=sets)
    return budget_impact(sc.spec.budget_impact, evaluate(sc), sc.settings.cycle_length)


def test_product_only_budget_matches_the_hand_calculation():
    # atmp-economics.md S8: year 1 EUR 20.0M vs 4.5M; year 2 EUR 36.0M vs 8.0M (50 then 90 patients)
    central = run(sets=PRODUCT_ONLY)
    assert central.total("with")[:2] == pytest.approx([50 * 400000, 90 * 400000])
    assert central.total("without")[:2] == pytest.approx([0, 0])
    poc = run("point_of_care_scaled_up", PRODUCT_ONLY)
    assert poc.total("with")[:2] == pytest.approx([50 * 89000, 90 * 89000])
    assert poc.total("with")[:2] == pytest.approx([4.45e6, 8.01e6])  # "EUR 4.5M" and "EUR 8.0M", rounded


def test_capacity_makes_patients_wait():
    res = run("point_of_care", PRODUCT_ONLY)
    assert res.started["with"]["cart_poc"].tolist() == pytest.approx([40, 40, 40, 40, 40])
    # year 1 demand 50: 10 wait; year 2 demand 90 + 10: 60 wait; ...
    assert res.waiting["with"]["cart_poc"].tolist() == pytest.approx([10, 60, 110, 160, 210])


def test_costs_follow_patients_over_the_years():
    sc = load_scenario(bundled("cart_belgium_budget"))
    outcomes = evaluate(sc)
    res = budget_impact(sc.spec.budget_impact, outcomes, 1.0)
    per = {o.strategy: cost_by_year(o, 1.0, 5) for o in outcomes}
    started = res.started["with"]
    year3 = sum(started[s][y0] * per[s][2 - y0] for s in started for y0 in range(3))
    assert res.total("with")[2] == pytest.approx(year3)
    # the per-patient costs by year add up to the undiscounted lifetime cost when the horizon is long enough
    long = cost_by_year(outcomes[1], 1.0, 31)
    assert long.sum() == pytest.approx(float(outcomes[1].cost_undiscounted[0]))


def test_discounted_budget():
    undiscounted = run(sets=PRODUCT_ONLY)
    sc = load_scenario(bundled("cart_belgium_budget"), sets=PRODUCT_ONLY)
    discounted = budget_impact(sc.spec.budget_impact, evaluate(sc), 1.0, discount=0.03)
    assert discounted.total("with") == pytest.approx(undiscounted.total("with") / 1.03 ** np.arange(5))


def test_budget_impact_command():
    result = CliRunner().invoke(app, ["budget-impact", "cart_belgium_budget", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "world,year,strategy,patients,waiting,cost"
    assert sum(1 for line in lines if line.startswith("incremental,")) == 5
    missing = CliRunner().invoke(app, ["budget-impact", "hiv_chancellor"])
    assert missing.exit_code == 1 and "no budget_impact section" in missing.stderr


@pytest.mark.parametrize(
    ("case", "costs", "effects"),
    [
        ("be_kce", 0.03, 0.015),
        ("nl_zin_2024", 0.03, 0.015),
        ("uk_nice_2026", 0.035, 0.035),
        ("uk_nice_1_5", 0.015, 0.015),
        ("us_icer", 0.03, 0.03),
    ],
)
def test_reference_cases_set_discount_rates(case, costs, effects):
    sc = load_scenario(bundled("hiv_chancellor"), reference_case=case)
    assert (sc.settings.discount.costs, sc.settings.discount.effects) == (costs, effects)


def test_reference_case_thresholds_only_in_their_currency():
    us = load_scenario(bundled("sick_sicker"), reference_case="us_icer")
    assert us.settings.wtp == [100000.0, 150000.0]
    nice_on_usd = load_scenario(bundled("sick_sicker"), reference_case="uk_nice_2026")
    assert nice_on_usd.settings.wtp == [50000, 100000, 150000]  # the scenario's own, never converted GBP values
    gbp = load_scenario(bundled("cyp2c19_stroke"))
    assert gbp.settings.wtp == [25000.0, 35000.0] and gbp.settings.discount.costs == 0.035


def test_explicit_settings_win_over_the_scenario_preset(write_scenario):
    text = (
        bundled("cart_belgium_budget")
        .read_text()
        .replace("  reference_case: be_kce\n", "  reference_case: be_kce\n  discount: 0.05\n")
    )
    sc = load_scenario(write_scenario(text))
    assert sc.settings.discount.costs == 0.05
    with pytest.raises(ScenarioError, match="unknown reference case 'be_kc' \\(did you mean 'be_kce'\\?\\)"):
        load_scenario(write_scenario(text.replace("reference_case: be_kce", "reference_case: be_kc")))

"""ICERs and dominance (validation-public.md case 4): the HERC six-strategy textbook example used in
dampack's tests/testthat/test_calculate_icers.R, a tie, and Paltiel et al., Ann Intern Med 2006."""

import math

import pytest

from atmpcli.analysis.compare import compare
from atmpcli.analysis.dominance_and_icers import incremental_analysis
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled


def rows(name):
    return {r["strategy"]: r for r in compare(load_scenario(bundled(name))).rows}


def test_herc_six_strategies():
    r = rows("icer_herc_six")
    assert {k: v["status"] for k, v in r.items()} == {"UC": "ND", "A": "D", "B": "ND", "C": "ED", "D": "ND", "E": "ND"}
    assert r["B"]["icer"] == pytest.approx(5000) and r["B"]["reference"] == "UC"
    assert r["D"]["icer"] == pytest.approx(12500) and r["D"]["reference"] == "B"
    assert r["E"]["icer"] == pytest.approx(20000) and r["E"]["reference"] == "D"
    assert math.isnan(r["C"]["icer"]) and math.isnan(r["A"]["icer"]) and math.isnan(r["UC"]["icer"])


def test_equal_effect_at_higher_cost_is_dominated():
    r = rows("icer_tie")
    assert r["test_and_treat"]["status"] == "ND"
    assert r["treat_all"]["status"] == "D"
    assert r["no_treatment"]["status"] == "D"


def test_paltiel_hiv_screening():
    r = rows("icer_hiv_screening")
    assert r["one_time"]["icer"] == pytest.approx(37500, rel=1e-9)
    assert r["every_5_years"]["icer"] == pytest.approx(58285.71429, rel=1e-9)
    assert r["every_3_years"]["icer"] == pytest.approx(100800, rel=1e-9)
    assert r["annual"]["status"] == "D"


def test_extended_dominance_is_iterated():
    # Removing C (ICER 30 after A) exposes B (ICER 20 vs A then 100/6 to D): both must go.
    res = incremental_analysis(["O", "A", "B", "C", "D"], [0, 10, 30, 60, 100], [0, 1, 2, 3, 6])
    assert res.status == ["ND", "ND", "ED", "ED", "ND"]
    assert res.frontier == ["O", "A", "D"]
    assert res.icer[4] == pytest.approx(90 / 5)


def test_identical_strategies_keep_the_first():
    res = incremental_analysis(["x", "y"], [1.0, 1.0], [2.0, 2.0])
    assert res.status == ["ND", "D"]


def test_cost_saving_dominant_strategy():
    # dampack issue #37: a cheaper and better strategy must not crash the analysis
    res = incremental_analysis(["old", "new"], [100.0, 50.0], [1.0, 2.0])
    assert res.status == ["D", "ND"] and res.frontier == ["new"]

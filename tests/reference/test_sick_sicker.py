"""Sick-Sicker: Alarid-Escudero et al., "An Introductory Tutorial on Cohort State-Transition Models in R
Using a Cost-Effectiveness Analysis Example", Medical Decision Making 2023;43(1):3-20 (code:
DARTH-git/cohort-modeling-tutorial-intro). Targets from shared/reference/validation-public.md, case 2."""

import pytest
from numpy.testing import assert_allclose

from atmpcli.analysis.compare import compare
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled, load_variant

PUBLISHED = {  # strategy: (cost, QALYs, ICER or None, status)
    "SoC": (151579.865957390, 20.7113314643222, None, "ND"),
    "B": (259100.410617004, 22.1844651408455, 72987.6360666531, "ND"),
    "AB": (378875.198394492, 23.1368441350026, 125763.785753687, "ND"),
    "A": (284804.513370572, 21.4986628084376, None, "D"),
}


@pytest.fixture(scope="module")
def result():
    return {r["strategy"]: r for r in compare(load_scenario(bundled("sick_sicker"))).rows}


@pytest.mark.parametrize("strategy", PUBLISHED)
def test_costs_qalys_icers_and_dominance(result, strategy):
    cost, qalys, icer, status = PUBLISHED[strategy]
    row = result[strategy]
    assert_allclose(row["cost"], cost, rtol=1e-9)
    assert_allclose(row["qalys"], qalys, rtol=1e-9)
    assert row["status"] == status
    if icer is not None:
        assert_allclose(row["icer"], icer, rtol=1e-9)


def test_soc_trace():
    soc = evaluate_strategy(load_scenario(bundled("sick_sicker")), "SoC")
    assert_allclose(soc.trace[0, 1], [0.858988280741124, 0.139013717926210, 0, 0.00199800133266692], rtol=1e-12)
    assert_allclose(
        soc.trace[0, 75], [0.115723450555984, 0.0341785363064315, 0.317061535511313, 0.533036477626272], rtol=1e-10
    )


@pytest.mark.parametrize(
    ("method", "cost", "qalys"),
    [
        ("half-cycle", 152262.291, 21.0381509),  # DARTH's diagnostic figures, printed to these digits
        ("none", 153541.413, 21.5544866),
    ],
)
def test_other_conventions(method, cost, qalys):
    soc = evaluate_strategy(load_variant("sick_sicker", {"method": method}), "SoC")
    assert soc.cost[0] == pytest.approx(cost, abs=0.0005)
    assert soc.qalys[0] == pytest.approx(qalys, abs=5e-8)

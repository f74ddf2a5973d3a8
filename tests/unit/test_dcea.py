"""The distributional CEA of a scenario (analysis/dcea.py): tests/data/equity_toy.yaml by hand, and the
bundled England sickle cell scenario against its sources and the York calculator's formulas."""

import math
from decimal import Decimal, getcontext
from fractions import Fraction
from pathlib import Path

import pytest

import atmpcli
from atmpcli.analysis.dcea import SUBGROUP_COLUMNS, SUMMARY_COLUMNS

TOY = Path(__file__).parents[1] / "data" / "equity_toy.yaml"


def _rows(result, index):
    return result.summary[result.summary["index"] == index].iloc[0]


def test_toy_by_hand():
    """Ten patients, 3:1 in the poorer half: 7.5 and 2.5 recipients gain 2 QALYs each (15 and 5). They cost
    18,000 each, 180,000 in all: 18 QALYs forgone at 10,000 per QALY, 9 per half per capita. Net +6 and -4
    (2 in all); QALE 60.06 and 79.96. Atkinson e = 2 (harmonic mean, exact in fractions) and Kolm a = 0.1
    (by math.log/exp) before and after; x 200 people for the equity-weighted NHB, x 10,000 for the NMB."""
    result = atmpcli.load(TOY).results.equity()
    assert list(result.summary.columns) == SUMMARY_COLUMNS
    assert list(result.subgroups.columns) == SUBGROUP_COLUMNS
    g = result.subgroups.set_index("subgroup")
    assert g["recipients"].tolist() == [7.5, 2.5]
    assert g["health_benefit"].tolist() == [15, 5]
    assert g["opportunity_cost"].tolist() == pytest.approx([9, 9])
    assert g["net_health_benefit"].tolist() == pytest.approx([6, -4])
    assert g["qale_after"].tolist() == pytest.approx([60.06, 79.96])
    assert g["weight_atkinson"].tolist() == pytest.approx([(8 / 7) ** 2, (6 / 7) ** 2])

    a = _rows(result, "atkinson")
    assert (a.recipients, a.inc_cost, a.inc_qalys, a.total_cost) == (10, 18_000, 2, 180_000)
    assert (a.health_benefit, a.opportunity_cost, a.net_health_benefit) == pytest.approx((20, 18, 2))
    assert a.nmb == pytest.approx(20_000)

    def harmonic(x, y):
        return 2 / (1 / x + 1 / y)

    before, after = harmonic(Fraction(60), Fraction(80)), harmonic(Fraction(6006, 100), Fraction(7996, 100))
    assert a.ede_before == pytest.approx(480 / 7, rel=1e-14)
    assert a.ede_change == pytest.approx(float(after - before), rel=1e-12)
    assert a.equity_weighted_nhb == pytest.approx(200 * float(after - before), rel=1e-12)
    assert a.equity_impact == pytest.approx(200 * float(after - before) - 2, rel=1e-12)
    assert a.equity_weighted_nmb == pytest.approx(10_000 * 200 * float(after - before), rel=1e-12)
    assert a.inequality_before == pytest.approx(1 / 49)  # 1 - (480/7) / 70
    assert a.quadrant == "more health, less inequality"

    def kolm(x, y):
        return -10 * math.log((math.exp(-0.1 * x) + math.exp(-0.1 * y)) / 2)

    k = _rows(result, "kolm")
    assert k.ede_change == pytest.approx(kolm(60.06, 79.96) - kolm(60, 80), rel=1e-9)
    assert k.equity_weighted_nhb == pytest.approx(200 * (kolm(60.06, 79.96) - kolm(60, 80)), rel=1e-9)
    assert k.inequality_before == pytest.approx(70 - kolm(60, 80))


def test_toy_rules_uptake_and_multipliers():
    """Opportunity costs spread 70/30: 12.6 and 5.4 QALYs. Half the richer patients take it up and their
    gain is 1.5 times as large: 7.5 and 1.25 recipients, benefits 15 and 3.75, cost 157,500."""
    model = atmpcli.load(
        TOY,
        sets={"equity.subgroups.poor.opportunity_cost_share": 0.7, "equity.subgroups.rich.opportunity_cost_share": 0.3},
    )
    g = model.results.equity().subgroups.set_index("subgroup")
    assert g["opportunity_cost"].tolist() == pytest.approx([12.6, 5.4])
    assert g["opportunity_cost_share"].tolist() == pytest.approx([0.7, 0.3])
    model = atmpcli.load(TOY, sets={"equity.subgroups.rich.uptake": 0.5, "equity.subgroups.rich.effect": 1.5})
    result = model.results.equity()
    g = result.subgroups.set_index("subgroup")
    assert g["recipients"].tolist() == [7.5, 1.25]
    assert g["health_benefit"].tolist() == pytest.approx([15, 3.75])
    assert _rows(result, "kolm").total_cost == pytest.approx(157_500)


def test_aversion_of_zero_is_the_unweighted_net_health_benefit():
    """With no inequality aversion the EDE is the mean: the equity-weighted NHB is the NHB, impact 0."""
    result = atmpcli.load(TOY).results.equity(atkinson=0, kolm=0)
    assert result.summary["equity_weighted_nhb"].tolist() == pytest.approx([2, 2], rel=1e-12)
    assert result.summary["equity_impact"].tolist() == pytest.approx([0, 0], abs=1e-9)


def test_bundled_sickle_cell_scenario_against_its_sources():
    """scd_gene_therapy_dcea: the York calculator's QALE (gap 11.87 QALYs = Love-Koh et al. 2015's
    published gap at birth), Love-Koh et al. 2020's 26 % / 14 % opportunity-cost shares, HES D57 episodes
    aged 12+ (4,378 / 4,080 / 910 / 910 / 646 of 10,924), 50 patients, GBP 15,000 per QALY forgone."""
    result = atmpcli.load("scd_gene_therapy_dcea").results.equity()
    g = result.subgroups
    assert g["qale"].iloc[-1] - g["qale"].iloc[0] == pytest.approx(11.87, abs=0.005)
    assert g["opportunity_cost_share"].tolist() == [0.26, 0.22, 0.22, 0.16, 0.14]
    assert g["recipients"].tolist() == pytest.approx([50 * n / 10_924 for n in (4378, 4080, 910, 910, 646)])
    a = _rows(result, "atkinson")
    assert a.aversion == 10.95 and _rows(result, "kolm").aversion == 0.15
    # by hand from the base case: 50 patients x dQ, less 50 x dC / 15,000
    assert a.net_health_benefit == pytest.approx(50 * a.inc_qalys - 50 * a.inc_cost / 15_000, rel=1e-12)
    assert g["opportunity_cost"].iloc[0] == pytest.approx(0.26 * 50 * a.inc_cost / 15_000, rel=1e-12)
    assert a.equity_weighted_nmb == pytest.approx(15_000 * a.equity_weighted_nhb, rel=1e-12)


def test_bundled_scenario_against_the_york_calculator_formula_in_decimals():
    """The York calculator (functions_revised.R, table_atkinson_raw) computes the equity-weighted QALYs as
    (EDE after - EDE before) x population, EDE from population-weighted QALE, after = QALE + net QALYs /
    subgroup population. The same in 60-digit decimals, from the subgroup table."""
    result = atmpcli.load("scd_gene_therapy_dcea").results.equity()
    g = result.subgroups
    getcontext().prec = 60
    pop = [Decimal(repr(x)) for x in g["population"]]
    h0 = [Decimal(repr(x)) for x in g["qale"]]
    h1 = [h + Decimal(repr(n)) / p for h, n, p in zip(h0, g["net_health_benefit"], pop, strict=True)]
    total = sum(pop)

    def atkinson(h, e=Decimal("10.95")):
        mean_utility = sum(p * (x.ln() * (1 - e)).exp() for p, x in zip(pop, h, strict=True)) / total
        return (mean_utility.ln() / (1 - e)).exp()

    def kolm(h, a=Decimal("0.15")):
        return -(sum(p * (-a * x).exp() for p, x in zip(pop, h, strict=True)) / total).ln() / a

    assert _rows(result, "atkinson").equity_weighted_nhb == pytest.approx(
        float((atkinson(h1) - atkinson(h0)) * total), rel=1e-9
    )
    assert _rows(result, "kolm").equity_weighted_nhb == pytest.approx(float((kolm(h1) - kolm(h0)) * total), rel=1e-9)

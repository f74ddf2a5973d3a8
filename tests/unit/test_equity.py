"""Distributional CEA: EDE health, its change and equity weights, by hand and against independent implementations."""

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from atmpcli.analysis.equity import (
    ATKINSON_EPSILON_ENGLAND,
    KOLM_ALPHA_ENGLAND,
    atkinson_ede,
    distribution,
    ede,
    ede_change,
    equity_weights,
    inequality_index,
    kolm_ede,
    opportunity_cost_shares,
)

HEALTH = np.array([62.0, 66.0, 70.0, 72.0, 74.0])
SHARES = np.array([0.2, 0.2, 0.2, 0.2, 0.2])


def test_england_aversion_values_of_robson_et_al_2017():
    """Robson M et al. Eliciting the level of health inequality aversion in England. Health Econ
    2017;26:1328-1334: median Atkinson 10.95, Kolm 0.15 (abstract)."""
    assert (ATKINSON_EPSILON_ENGLAND, KOLM_ALPHA_ENGLAND) == (10.95, 0.15)


def test_two_and_three_group_toys_by_hand():
    """Two halves with QALE 60 and 80: Atkinson e = 2 is the harmonic mean, 2 / (1/60 + 1/80) = 480/7;
    Kolm a = 0.1 is -10 ln(e^-6 / 2 + e^-8 / 2) = 60 - 10 ln((1 + e^-2) / 2) = 65.6622. Three groups
    (50, 60, 70) with shares 1/4, 1/2, 1/4: Atkinson e = 1 is 50^(1/4) 60^(1/2) 70^(1/4) = 59.5789."""
    assert atkinson_ede([60, 80], [0.5, 0.5], 2.0) == pytest.approx(480 / 7, rel=1e-14)
    assert kolm_ede([60, 80], [0.5, 0.5], 0.1) == pytest.approx(60 - 10 * math.log((1 + math.exp(-2)) / 2))
    assert kolm_ede([60, 80], [0.5, 0.5], 0.1) == pytest.approx(65.6622, abs=5e-5)
    geometric = 50**0.25 * 60**0.5 * 70**0.25
    assert atkinson_ede([50, 60, 70], [0.25, 0.5, 0.25], 1.0) == pytest.approx(geometric, rel=1e-14)
    assert geometric == pytest.approx(59.5789, abs=5e-5)
    # the indices: Atkinson 1 - EDE / mean = 1 - (480/7) / 70 = 1/49; Kolm mean - EDE
    assert inequality_index([60, 80], [0.5, 0.5], "atkinson", 2.0) == pytest.approx(1 / 49)
    assert inequality_index([60, 80], [0.5, 0.5], "kolm", 0.1) == pytest.approx(70 - 65.66219169516972)


def test_atkinson_special_cases_against_scipy_means():
    h, w = np.array([60.0, 80.0, 75.0]), np.array([0.5, 0.3, 0.2])
    assert atkinson_ede(h, w, 0.0) == pytest.approx(np.average(h, weights=w))
    assert atkinson_ede(h, w, 1.0) == pytest.approx(stats.gmean(h, weights=w))
    assert atkinson_ede(h, w, 2.0) == pytest.approx(stats.hmean(h, weights=w))
    assert atkinson_ede([60.0, 80.0], epsilon=1.0) == pytest.approx(np.sqrt(60 * 80))


def test_kolm_against_logsumexp_and_its_limits():
    h, w = np.array([60.0, 80.0, 75.0]), np.array([0.5, 0.3, 0.2])
    assert kolm_ede(h, w, 0.15) == pytest.approx(-logsumexp(-0.15 * h, b=w) / 0.15, rel=1e-12)
    assert kolm_ede(h, w, 0.0) == pytest.approx(np.average(h, weights=w))
    assert kolm_ede(h, w, 1e-8) == pytest.approx(np.average(h, weights=w))
    # normal health: EDE = mean - alpha * variance / 2 exactly; a large sample gets close
    rng = np.random.default_rng(1)
    x = rng.normal(70, 5, 400_000)
    assert kolm_ede(x, np.full(x.size, 1 / x.size), 0.15) == pytest.approx(70 - 0.15 * 25 / 2, abs=0.05)


def test_ede_of_equal_health_is_that_health_and_inequality_lowers_it():
    assert atkinson_ede([70, 70, 70]) == pytest.approx(70)
    assert kolm_ede([70, 70, 70]) == pytest.approx(70)
    assert atkinson_ede(HEALTH, SHARES) < HEALTH.mean()
    assert kolm_ede(HEALTH, SHARES) < HEALTH.mean()


def _decimal_ede(h, w, index, a, d=None):
    """The EDE of h + d in 60-digit decimal arithmetic (the sum taken in decimals too): an implementation
    that cancellation cannot touch."""
    getcontext().prec = 60
    dec = [Decimal(repr(float(x))) for x in (np.zeros(len(h)) if d is None else d)]
    h = [Decimal(repr(float(x))) + di for x, di in zip(h, dec, strict=True)]
    w, a = [Decimal(repr(float(x))) for x in w], Decimal(repr(a))
    if index == "atkinson" and a == 1:
        return sum(wi * hi.ln() for hi, wi in zip(h, w, strict=True)).exp()
    if index == "atkinson":
        s = sum(wi * (hi.ln() * (1 - a)).exp() for hi, wi in zip(h, w, strict=True))
        return (s.ln() / (1 - a)).exp()
    return -sum(wi * (-a * hi).exp() for hi, wi in zip(h, w, strict=True)).ln() / a


@pytest.mark.parametrize("index, aversion", [("atkinson", 10.95), ("atkinson", 1.0), ("atkinson", 0.5), ("kolm", 0.15)])
@pytest.mark.parametrize("scale", [1e-7, 1e-3, 1.0])
def test_ede_change_against_60_digit_arithmetic(index, aversion, scale):
    """A programme changes QALE per person by 1e-7 QALYs or less: a plain difference of two EDEs near 70
    keeps about 9 digits; ede_change keeps them all (to 1e-10 relative here)."""
    d = np.array([3.0, -1.0, 0.5, -2.0, 1.0]) * scale
    exact = _decimal_ede(HEALTH, SHARES, index, aversion, d) - _decimal_ede(HEALTH, SHARES, index, aversion)
    got = ede_change(HEALTH, d, SHARES, index, aversion)
    assert got == pytest.approx(float(exact), rel=1e-10)
    assert ede_change(HEALTH, np.zeros(5), SHARES, index, aversion) == 0


def test_ede_change_of_an_equal_gain():
    """Kolm is translation invariant: everyone +0.1 raises the EDE by exactly 0.1. Atkinson is scale
    invariant: everyone x 1.01 raises it by 1 %."""
    assert ede_change(HEALTH, np.full(5, 0.1), SHARES, "kolm", 0.15) == pytest.approx(0.1, rel=1e-12)
    before = atkinson_ede(HEALTH, SHARES, 10.95)
    assert ede_change(HEALTH, HEALTH * 0.01, SHARES, "atkinson", 10.95) == pytest.approx(0.01 * before, rel=1e-12)


def test_weights_six_to_seven_times_for_the_fifths_robson_et_al_used():
    """Robson et al.: at current QALE these aversions weight gains to the poorest fifth "six to seven
    times as highly" as to the richest fifth. Their code (github.com/miqdadasaria, relative_weights)
    takes the fifths' QALE as 62, 68, 70, 72, 74 and the unrounded medians 10.946 and 0.152. By hand:
    Atkinson (74/62)^10.946 = 6.94, Kolm exp(0.152 x 12) = 6.20."""
    fifths = [62, 68, 70, 72, 74]
    a = equity_weights(fifths, None, "atkinson", 10.946)
    k = equity_weights(fifths, None, "kolm", 0.152)
    assert a[0] / a[-1] == pytest.approx((74 / 62) ** 10.946)
    assert k[0] / k[-1] == pytest.approx(math.exp(0.152 * 12))
    assert round(a[0] / a[-1], 2) == 6.94 and round(k[0] / k[-1], 2) == 6.20
    assert 6 < k[0] / k[-1] < a[0] / a[-1] < 7


def test_weights_are_the_derivative_of_population_ede_health():
    """weight_i = d(N EDE) / d(total health of subgroup i): (EDE / h_i)^e or exp(a (EDE - h_i)); by hand on
    60 / 80 halves at e = 2, (480/7 / 60)^2 = (8/7)^2 and (480/7 / 80)^2 = (6/7)^2; and against a central
    difference of the EDE."""
    assert equity_weights([60, 80], [0.5, 0.5], "atkinson", 2.0) == pytest.approx([(8 / 7) ** 2, (6 / 7) ** 2])
    n = 1000.0
    for index, a in (("atkinson", 10.95), ("kolm", 0.15)):
        w = equity_weights(HEALTH, SHARES, index, a)
        for i in range(5):
            bump = np.zeros(5)
            bump[i] = 1e-3 / (n * SHARES[i])  # 0.001 QALYs to the subgroup, spread over its people
            numeric = n * (ede(HEALTH + bump, SHARES, index, a) - ede(HEALTH - bump, SHARES, index, a)) / 2e-3
            assert w[i] == pytest.approx(numeric, rel=1e-6)


def test_opportunity_cost_rules():
    assert opportunity_cost_shares(SHARES).tolist() == SHARES.tolist()
    # Love-Koh et al. 2020: 26 % on the most deprived fifth, 14 % on the least (the middle three as the
    # York calculator's "steep" scenario)
    steep = [0.26, 0.22, 0.22, 0.16, 0.14]
    assert opportunity_cost_shares(SHARES, "subgroups", steep).tolist() == steep
    with pytest.raises(ValueError, match="summing to 1"):
        opportunity_cost_shares(SHARES, "subgroups", [0.5, 0.5, 0, 0, 0.1])
    with pytest.raises(ValueError, match="per_capita or subgroups"):
        opportunity_cost_shares(SHARES, "random")


def test_distribution_by_hand_with_exact_fractions():
    """Halves of 100 people with QALE 60 and 80; the patients gain 15 and 5 QALYs; 180,000 spent at
    10,000 per QALY forgoes 18 QALYs, 9 per half per capita: net +6 and -4, QALE 60.06 and 79.96. With
    e = 2, exact rationals give the change in the harmonic mean; x 200 people it is the equity-weighted
    net health benefit."""
    d = distribution([60, 80], [100, 100], [15, 5], net_cost=180_000, threshold=10_000)
    assert d.opportunity_cost.tolist() == [9, 9]
    assert d.net_health_benefit.tolist() == [6, -4]
    assert d.total_net_health_benefit == 2
    assert d.after == pytest.approx([60.06, 79.96])

    def harmonic(a, b):
        return 2 / (1 / a + 1 / b)

    exact = harmonic(Fraction(6006, 100), Fraction(7996, 100)) - harmonic(Fraction(60), Fraction(80))
    assert d.ede_change("atkinson", 2.0) == pytest.approx(float(exact), rel=1e-12)
    assert d.equity_weighted_net_health_benefit("atkinson", 2.0) == pytest.approx(200 * float(exact), rel=1e-12)
    assert d.equity_impact("atkinson", 2.0) == pytest.approx(200 * float(exact) - 2, rel=1e-12)
    assert float(200 * exact) == pytest.approx(4.8904034, abs=1e-7)
    # first order: sum of weights x net QALYs, weights (8/7)^2 and (6/7)^2
    assert (8 / 7) ** 2 * 6 - (6 / 7) ** 2 * 4 == pytest.approx(
        d.equity_weighted_net_health_benefit("atkinson", 2.0), rel=0.01
    )
    # opportunity costs spread 70 / 30 instead: 12.6 and 5.4 QALYs
    steep = distribution([60, 80], [100, 100], [15, 5], 180_000, 10_000, [0.7, 0.3])
    assert steep.opportunity_cost == pytest.approx([12.6, 5.4])
    assert steep.equity_impact("kolm", 0.1) < d.equity_impact("kolm", 0.1)


def test_bad_inputs():
    with pytest.raises(ValueError, match="positive health"):
        atkinson_ede([0, 70])
    with pytest.raises(ValueError, match="after the change"):
        ede_change([1, 70], [-2, 0], None, "atkinson", 2)
    with pytest.raises(ValueError, match="unknown inequality index"):
        ede([60, 70], None, "gini")
    with pytest.raises(ValueError, match="population sizes"):
        distribution([60, 70], [0, 10], [1, 1], 0, 1)

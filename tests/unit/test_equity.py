"""Distributional CEA: EDE health and equity weights, by hand and against independent implementations."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from atmpcli.analysis.equity import (
    ATKINSON_EPSILON_ENGLAND,
    KOLM_ALPHA_ENGLAND,
    atkinson_ede,
    distribution,
    equity_weights,
    kolm_ede,
    opportunity_cost_shares,
)

HEALTH = np.array([62.0, 66.0, 70.0, 72.0, 74.0])
SHARES = np.array([0.2, 0.2, 0.2, 0.2, 0.2])


def test_england_aversion_values_of_robson_et_al_2017():
    """Robson M et al. Eliciting the level of health inequality aversion in England. Health Econ
    2017;26:1328-1334: median Atkinson 10.95, Kolm 0.15."""
    assert (ATKINSON_EPSILON_ENGLAND, KOLM_ALPHA_ENGLAND) == (10.95, 0.15)


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


def test_weights_six_to_seven_times_for_a_twelve_year_gap():
    """Robson et al.: at current QALE these aversions weight gains to the poorest fifth "six to seven
    times as highly" as to the richest fifth. By hand for a 12-QALY gap (62 vs 74):
    Atkinson (74/62)^10.95 = 6.94, Kolm exp(0.15 * 12) = 6.05."""
    a = equity_weights([62, 74])
    k = equity_weights([62, 74], index="kolm")
    assert a[0] / a[1] == pytest.approx((74 / 62) ** 10.95)
    assert k[0] / k[1] == pytest.approx(np.exp(1.8))
    assert 6 < k[0] / k[1] < a[0] / a[1] < 7
    assert np.sum(SHARES * equity_weights(HEALTH, SHARES)) == pytest.approx(1)


def test_distribution_by_hand():
    """A programme gains .5, .4, .3, .2, .1 QALYs per person by fifth and costs 10,000 per person of the
    population at 20,000 per QALY: .5 QALY forgone per person, spread per head."""
    d = distribution(HEALTH, SHARES, [0.5, 0.4, 0.3, 0.2, 0.1], net_cost=10_000, threshold=20_000)
    assert d.net_health_benefit == pytest.approx([0.0, -0.1, -0.2, -0.3, -0.4])
    assert d.total_net_health_benefit == pytest.approx(-0.2)
    # gains go to the worse off, so EDE falls by less than the mean and inequality falls
    assert -0.2 < d.ede_change < 0
    assert d.inequality_change < 0
    assert d.equity_weighted_net_health_benefit == pytest.approx(d.ede_change, rel=0.05)
    assert d.equity_weighted_nmb == pytest.approx(20_000 * d.equity_weighted_net_health_benefit)


def test_opportunity_cost_rules():
    assert opportunity_cost_shares(SHARES).tolist() == SHARES.tolist()
    # Love-Koh et al. 2020 put 26 % on the most deprived fifth and 14 % on the least; the middle three are
    # the user's to give (here the remaining 60 % evenly)
    custom = [0.26, 0.2, 0.2, 0.2, 0.14]
    assert opportunity_cost_shares(SHARES, "custom", custom).tolist() == custom
    d = distribution(HEALTH, SHARES, [0] * 5, 10_000, 20_000, "custom", custom)
    assert d.net_health_benefit == pytest.approx([-0.65, -0.5, -0.5, -0.5, -0.35])
    with pytest.raises(ValueError, match="summing to 1"):
        opportunity_cost_shares(SHARES, "custom", [0.5, 0.5, 0, 0, 0.1])

"""heemod's HIV model, probabilistic and deterministic sensitivity analyses as published (issue 15).

Sources (pierucci/heemod, commit 98c7da0e78d358f71d866c6a748c596217c5a78b):
- vignettes/e_probabilistic.Rmd, "Probabilistic Uncertainty Analysis"; its printed output in
  docs/articles/e_probabilistic.html: summary(pm) of run_psa(N = 100), totals for 1,000 people.
- vignettes/f_sensitivity.Rmd, "Deterministic Sensitivity Analysis"; the printed res_dsa table in
  docs/articles/f_sensitivity.html (20 cycles, define_dsa(rr, .4, .6, cost_zido, 1500, 3000,
  cost_lami, 1500, 3000, dr, .04, .08)).
heemod's distributions (R/density.R): lognormal(mean, sdlog) has meanlog = log(mean) - sdlog^2 / 2;
binomial(prob, size) is qbinom(u, size, prob) / size; multinomial(...) normalises gamma(shape = n) draws
(a Dirichlet). The PSA means are compared within the Monte-Carlo error of heemod's 100 draws and ours,
both estimated from our samples; an independent numpy simulation of the same distributions checks ours.
"""

from __future__ import annotations

import numpy as np
import pytest

from atmpcli.analysis.dsa import sensitivity
from atmpcli.analysis.psa import run_psa
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

# docs/articles/e_probabilistic.html, "Values" of summary(pm), divided by the 1,000 people of the cohort
VIGNETTE_PSA = {"mono": (49908189 / 1000, 8848.125 / 1000), "comb": (94582460 / 1000, 18083.147 / 1000)}
VIGNETTE_N = 100
# the "Differences" row: cost 44674.27 and effect 9.235022 per person, ICER 4837.484
VIGNETTE_DIFFERENCE = (44674.27, 9.235022)

# docs/articles/f_sensitivity.html: ICER of comb vs mono (printed to 7 significant digits) at each bound
VIGNETTE_DSA_ICER = {
    "cost_lami": (5435.845, 7915.129),
    "cost_zido": (5999.681, 6780.024),
    "dr": (7714.097, 5389.047),
    "rr": (5570.083, 7328.966),
}
# ... and the discounted total cost (cost_total) of each strategy for 1,000 people at dr = 0.04 and 0.08
VIGNETTE_DSA_COST = {0.04: (53238469, 97480846), 0.08: (44351921, 75259528)}
VIGNETTE_DSA_LIFE_YEARS = (8463.387, 14198.651)


@pytest.fixture(scope="module")
def psa():
    return run_psa(load_scenario(bundled("heemod_hiv_psa")), 20000, seed=11, keep_draws=True)


def test_psa_means_match_the_vignette_within_monte_carlo_error(psa):
    n = psa.samples
    for k, strategy in enumerate(psa.strategies):
        for values, published in (
            (psa.costs[:, k], VIGNETTE_PSA[strategy][0]),
            (psa.effects[:, k], VIGNETTE_PSA[strategy][1]),
        ):
            se = values.std(ddof=1) * np.sqrt(1 / VIGNETTE_N + 1 / n)  # heemod's mean of 100 and ours
            assert abs(values.mean() - published) < 3 * se, (strategy, values.mean(), published, se)
    dc, de = psa.incremental()
    for values, published in ((dc[:, 1], VIGNETTE_DIFFERENCE[0]), (de[:, 1], VIGNETTE_DIFFERENCE[1])):
        se = values.std(ddof=1) * np.sqrt(1 / VIGNETTE_N + 1 / n)
        assert abs(values.mean() - published) < 3 * se


def test_binomial_draws_are_counts_out_of_40(psa):
    p = psa.draws["p_CD_mono"]
    np.testing.assert_allclose(p * 40, np.round(p * 40), atol=1e-12)  # k / 40, as qbinom(u, 40, .25) / 40
    n = len(p)
    assert abs(p.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 40 / n)
    var, expected = p.var(ddof=1), 0.25 * 0.75 / 40
    assert abs(var - expected) < 4 * expected * np.sqrt(2 / (n - 1))  # normal approximation of var's error
    rows = np.stack([psa.draws[f"p_A{s}_mono"] for s in "ABCD"], axis=1)
    np.testing.assert_allclose(rows.sum(axis=1), 1, atol=1e-12)  # the Dirichlet row out of A sums to 1


def simulate(rr, p_cd, p_a, cycles=50, rate=0.06):
    """The vignette's model in numpy: one cohort per sample (life-table counting, heemod's discount())."""
    n = len(rr)
    health, drugs = np.array([2756.0, 3052.0, 9007.0, 0.0]), {"mono": 2278.0, "comb": 2278.0 + 2086.0}
    out = {}
    for strategy, m in (("mono", np.ones(n)), ("comb", rr)):
        ab, ac, ad = (p_a[:, j] * m for j in (1, 2, 3))
        aa = p_a[:, 0] if strategy == "mono" else 1 - (ab + ac + ad)
        bc, bd, cd = 0.407 * m, 0.012 * m, p_cd * m
        P = np.zeros((n, 4, 4))
        P[:, 0] = np.stack([aa, ab, ac, ad], axis=1)
        P[:, 1, 1:] = np.stack([1 - bc - bd, bc, bd], axis=1)
        P[:, 2, 2:] = np.stack([1 - cd, cd], axis=1)
        P[:, 3, 3] = 1
        cost_per_state = health + np.array([drugs[strategy]] * 3 + [0.0])
        m_prev = np.tile([1.0, 0, 0, 0], (n, 1))
        cost = life_years = np.zeros(n)
        for k in range(1, cycles + 1):
            m_next = np.einsum("si,sij->sj", m_prev, P)
            counted = (m_prev + m_next) / 2  # heemod's life-table count of cycle k
            cost = cost + counted @ cost_per_state / (1 + rate) ** (k - 1)  # discount(first = FALSE)
            life_years = life_years + counted[:, :3].sum(axis=1)
            m_prev = m_next
        out[strategy] = (cost, life_years)
    return out


def test_the_deterministic_model_equals_a_numpy_cohort():
    mono, comb = evaluate(load_scenario(bundled("heemod_hiv_psa")))
    got = simulate(np.array([0.509]), np.array([0.25]), np.array([[0.721, 0.202, 0.067, 0.010]]))
    for o, strategy in ((mono, "mono"), (comb, "comb")):
        np.testing.assert_allclose([o.cost[0], o.life_years[0]], [v[0] for v in got[strategy]], rtol=1e-12)


def test_psa_means_equal_an_independent_numpy_simulation(psa):
    rng = np.random.default_rng(2024)
    n, sdlog = 20000, 0.173
    rr = rng.lognormal(np.log(0.509) - sdlog**2 / 2, sdlog, n)
    p_cd = rng.binomial(40, 0.25, n) / 40
    g = rng.gamma(np.array([721.0, 202, 67, 10]), 1.0, (n, 4))  # heemod's multinomial(): gamma draws normalised
    sim = simulate(rr, p_cd, g / g.sum(axis=1, keepdims=True))
    for k, strategy in enumerate(psa.strategies):
        for ours, theirs in ((psa.costs[:, k], sim[strategy][0]), (psa.effects[:, k], sim[strategy][1])):
            se = np.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / n)
            assert abs(ours.mean() - theirs.mean()) < 4 * se, (strategy, ours.mean(), theirs.mean(), se)
            assert ours.std() == pytest.approx(theirs.std(), rel=0.05)


def test_the_dsa_vignette_as_published():
    sc = load_scenario(bundled("heemod_hiv_psa"), variant="dsa_vignette")
    ow = sensitivity(sc, parameters=list(VIGNETTE_DSA_ICER), outcome="icer")
    for i, r in enumerate(ow.ranges):
        low, high = VIGNETTE_DSA_ICER[r.parameter]
        assert ow.low_values[i] == pytest.approx(low, abs=6e-4)  # printed to 3 decimals
        assert ow.high_values[i] == pytest.approx(high, abs=6e-4)
    for rate, costs in VIGNETTE_DSA_COST.items():
        outcomes = evaluate(load_scenario(bundled("heemod_hiv_psa"), variant="dsa_vignette", sets={"dr": rate}))
        for o, published, life_years in zip(outcomes, costs, VIGNETTE_DSA_LIFE_YEARS, strict=True):
            assert o.cost[0] * 1000 == pytest.approx(published, abs=0.6)  # printed to the unit
            assert o.life_years[0] * 1000 == pytest.approx(life_years, abs=6e-4)

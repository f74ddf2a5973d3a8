"""EVSI by the regression method against closed forms, exact preposterior sums and voi's published example."""

import math

import numpy as np
import pytest
from scipy import stats

from atmpcli.analysis.evsi import StudyCosts, effective_population, run_evsi
from atmpcli.analysis.psa import PSASamples
from atmpcli.analysis.studies import Study


def psa(effect: np.ndarray, cost: np.ndarray, **draws: np.ndarray) -> PSASamples:
    """Two strategies: the first with zero cost and effect, the second with these."""
    n = effect.size
    return PSASamples(
        ["old", "new"], np.column_stack([np.zeros(n), cost]), np.column_stack([np.zeros(n), effect]), 0, draws
    )


def normal_loss(m: float, s: float) -> float:
    """E[max(0, X)] - max(0, m) for X ~ N(m, s^2)."""
    return s * stats.norm.pdf(m / s) + m * stats.norm.cdf(m / s) - max(m, 0.0)


def test_voi_vignette_normal_example():
    # voi's package overview (Jackson, voi 1.0.3 vignette "voi for Value of Information calculation"):
    # p1 ~ N(1, 1), p2 ~ N(0, 2), effects p1 and costs p2 of treatment 2, 10,000 samples; a study of n
    # observations x ~ N(p1, 1): evsi(outputs_cea, inputs, study = "normal_known", n = c(100, 1000), pars = "p1")
    # printed 0.0798 0.1667 0.2536 (n = 100) and 0.0822 0.1705 0.2589 (n = 1000) at k = 1, 2, 3.
    # Exactly, E[k p1 - p2 | data] ~ N(k, k^2 n / (n + 1)), so EVSI = k L(sqrt(n / (n + 1))) with L the
    # normal loss at mean 1: 0.0821 0.1642 0.2464 and 0.0832 0.1664 0.2496.
    rng = np.random.default_rng(2024)
    p1, p2 = rng.normal(1, 1, 10_000), rng.normal(0, 2, 10_000)
    r = run_evsi(psa(p1, p2, p1=p1, p2=p2), Study("normal", ("p1",), sd=1.0), [100, 1000], [1, 2, 3])
    voi = np.array([[0.07976014, 0.16666306, 0.25356597], [0.08216435, 0.17052103, 0.25887874]])
    exact = np.array([[k * normal_loss(1, math.sqrt(n / (n + 1))) for k in (1, 2, 3)] for n in (100, 1000)])
    # both voi's and this estimate carry the Monte Carlo error of a 10,000-sample PSA with noisy costs:
    # about 0.009 k between samples (more than the metamodel's standard error alone, about 0.005 k)
    assert np.all(np.abs(r.evsi - exact) < 0.03 * np.array([1, 2, 3]))
    assert np.all(np.abs(r.evsi - voi) < 0.03 * np.array([1, 2, 3]))
    assert np.all(r.evsi[0] <= r.evsi[1] + 3 * r.se[1]) and np.all(r.evsi[1] <= r.evppi + 3 * r.evppi_se)


def test_normal_study_matches_the_closed_form_without_other_noise():
    rng = np.random.default_rng(7)
    theta = rng.normal(0.5, 1.0, 20_000)
    r = run_evsi(
        psa(theta, np.zeros_like(theta), theta=theta), Study("normal", ("theta",), sd=2.0), [4, 16, 64], [1.0], se=False
    )
    for j, n in enumerate((4, 16, 64)):
        # preposterior mean ~ N(0.5, v n / (n + sd^2)) with prior variance v = 1
        exact = normal_loss(0.5, math.sqrt(n / (n + 4.0)))
        assert r.evsi[j, 0] == pytest.approx(exact, rel=0.04), n


def test_binomial_study_matches_the_exact_beta_binomial_sum():
    # p ~ Beta(6, 14); the new strategy gains p and costs 0.31 (at lambda = 1 its expected INB is -0.01);
    # EVSI = sum_y P(y) max(0, E[p | y] - 0.31) - 0 with y beta-binomial and E[p | y] = (6 + y) / (20 + n)
    rng = np.random.default_rng(3)
    p = rng.beta(6, 14, 20_000)
    r = run_evsi(psa(p, np.full_like(p, 0.31), p=p), Study("binomial", ("p",)), [10, 50, 200], [1.0], se=False)
    for j, n in enumerate((10, 50, 200)):
        y = np.arange(n + 1)
        exact = float((stats.betabinom.pmf(y, n, 6, 14) * np.maximum((6 + y) / (20 + n) - 0.31, 0)).sum())
        assert r.evsi[j, 0] == pytest.approx(exact, rel=0.05, abs=2e-4), n


def test_poisson_study_matches_the_exact_gamma_poisson_sum():
    # rate ~ Gamma(shape 20, rate 100) (mean 0.2); effect = rate, cost 0.21; y ~ Poisson(rate n) is
    # negative binomial(20, 100 / (100 + n)) and E[rate | y] = (20 + y) / (100 + n)
    rng = np.random.default_rng(5)
    lam = rng.gamma(20, 1 / 100, 20_000)
    r = run_evsi(psa(lam, np.full_like(lam, 0.21), lam=lam), Study("poisson", ("lam",)), [50, 500], [1.0], se=False)
    for j, n in enumerate((50, 500)):
        y = np.arange(0, 2000)
        exact = float((stats.nbinom.pmf(y, 20, 100 / (100 + n)) * np.maximum((20 + y) / (100 + n) - 0.21, 0)).sum())
        assert r.evsi[j, 0] == pytest.approx(exact, rel=0.05, abs=2e-4), n


def test_gamma_study_matches_the_conjugate_preposterior_mean():
    # mean cost m = 1 / rate with rate ~ Gamma(a, b): the mean of n exponential observations (cv = 1) updates
    # rate to Gamma(a + n, b + n xbar), so E[m | data] = (b + n xbar) / (a + n - 1); effect = -m, cost -1.05
    a, b = 30.0, 30.0
    rng = np.random.default_rng(11)
    m = 1 / rng.gamma(a, 1 / b, 20_000)
    r = run_evsi(psa(-m, np.full_like(m, -1.05), m=m), Study("gamma", ("m",)), [20], [1.0], se=False)
    big = np.random.default_rng(12)
    mm = 1 / big.gamma(a, 1 / b, 400_000)
    xbar = big.gamma(20, mm / 20)
    exact = np.maximum(1.05 - (b + 20 * xbar) / (a + 19), 0).mean() - max(1.05 - mm.mean(), 0)
    assert r.evsi[0, 0] == pytest.approx(exact, rel=0.06)


def test_survival_study_matches_the_conjugate_exponential_update():
    # rate ~ Gamma(40, 200) per year; n patients followed t years: events d and time at risk E update it
    # to Gamma(40 + d, 200 + E) (censoring keeps the gamma conjugate). Effect = -rate, cost -0.21.
    rng = np.random.default_rng(13)
    lam = rng.gamma(40, 1 / 200, 20_000)
    study = Study("survival", ("lam",))
    r = run_evsi(psa(-lam, np.full_like(lam, -0.21), lam=lam), study, [50], [1.0], followups=[1.0, 4.0], se=False)
    big = np.random.default_rng(14)
    ll = big.gamma(40, 1 / 200, 100_000)
    for j, t in enumerate((1.0, 4.0)):
        summary = study.simulate({"lam": ll}, 50, t, big)
        post = (40 + summary[:, 0]) / (200 + summary[:, 1])
        exact = np.maximum(0.21 - post, 0).mean() - max(0.21 - ll.mean(), 0)
        assert r.evsi[j, 0] == pytest.approx(exact, rel=0.06), t
    assert r.evsi[1, 0] > r.evsi[0, 0]  # longer follow-up, more events, more information


def test_cure_study_matches_nested_monte_carlo():
    # cure fraction ~ Beta(40, 60), rate among the uncured ~ Gamma(50, 100) a year; INB = 10 cure - 0.5 rate
    # - 3.75 (mean 0). The reference is the nested (two-level) Monte Carlo EVSI: 3,000 simulated studies,
    # each with its exact posterior mean by importance weights on 15,000 prior draws and the likelihood
    # [(1 - pi) rate]^d exp(-rate S) [pi + (1 - pi) exp(-rate t)]^(n - d) (d events, S their total time).
    rng = np.random.default_rng(17)
    cure, lam = rng.beta(40, 60, 10_000), rng.gamma(50, 1 / 100, 10_000)
    res = psa(10 * cure - 0.5 * lam, np.full_like(cure, 3.75), cure=cure, lam=lam)
    study = Study("cure", ("cure", "lam"))
    r = run_evsi(res, study, [100], [1.0], followups=[1.0, 4.0], se=False)
    big = np.random.default_rng(99)
    qc, ql = big.beta(40, 60, 15_000), big.gamma(50, 1 / 100, 15_000)
    for j, t in enumerate((1.0, 4.0)):
        data = study.simulate({"cure": big.beta(40, 60, 3000), "lam": big.gamma(50, 1 / 100, 3000)}, 100, t, big)
        post = np.empty(len(data))
        for s in range(0, len(data), 500):
            d, exposure = data[s : s + 500, :1], data[s : s + 500, 1:]
            at_event = exposure - (100 - d) * t
            loglik = d * np.log((1 - qc) * ql) - ql * at_event + (100 - d) * np.log(qc + (1 - qc) * np.exp(-ql * t))
            w = np.exp(loglik - loglik.max(axis=1, keepdims=True))
            post[s : s + 500] = (w * (10 * qc - 0.5 * ql - 3.75)).sum(axis=1) / w.sum(axis=1)
        nested = np.maximum(post, 0).mean() - max((10 * qc - 0.5 * ql - 3.75).mean(), 0)
        assert r.evsi[j, 0] == pytest.approx(nested, rel=0.08), t
    assert r.evsi[0, 0] < r.evsi[1, 0] < r.evppi[0]  # more follow-up, more information, never above EVPPI


def test_study_data_have_the_designs_distribution():
    draws = {"p": np.full(200_000, 0.3), "m": np.full(200_000, 5.0), "lam": np.full(200_000, 0.2)}
    rng = np.random.default_rng(0)
    y = Study("binomial", ("p",)).simulate(draws, 40, None, rng)[:, 0]
    assert y.mean() == pytest.approx(12, rel=0.01) and y.var() == pytest.approx(40 * 0.3 * 0.7, rel=0.02)
    xbar = Study("gamma", ("m",), cv=0.5).simulate(draws, 10, None, rng)[:, 0]
    assert xbar.mean() == pytest.approx(5, rel=0.005) and xbar.std() == pytest.approx(5 * 0.5 / math.sqrt(10), rel=0.01)
    d, exposure = Study("survival", ("lam",)).simulate(draws, 30, 2.0, rng).T
    assert d.mean() == pytest.approx(30 * (1 - math.exp(-0.4)), rel=0.01)
    # expected time at risk of one patient followed 2 years: (1 - exp(-rate t)) / rate
    assert exposure.mean() == pytest.approx(30 * (1 - math.exp(-0.4)) / 0.2, rel=0.01)
    # event-free after 3 years: uncured with probability (1 - pi) S(3) / (pi + (1 - pi) S(3)), S(t) = exp(-rate t)
    draws["pi"] = np.full(200_000, 0.3)
    d, _ = Study("cure", ("pi", "lam"), after=3.0).simulate(draws, 30, 2.0, rng).T
    s3 = math.exp(-0.6)
    assert d.mean() == pytest.approx(30 * 0.7 * s3 / (0.3 + 0.7 * s3) * (1 - math.exp(-0.4)), rel=0.01)


def test_enbs_and_the_optimal_size_by_hand():
    rng = np.random.default_rng(19)
    p = rng.beta(6, 14, 5000)
    res = psa(p, np.full_like(p, 0.31), p=p)
    costs = StudyCosts(fixed=100.0, per_patient=2.0)
    r = run_evsi(res, Study("binomial", ("p",)), [10, 50, 200], [1.0], population=10_000, costs=costs, se=False)
    assert list(r.cost) == [120.0, 200.0, 500.0]
    assert r.enbs[:, 0] == pytest.approx(r.evsi[:, 0] * 10_000 - r.cost)
    assert r.optimal() == [int(np.argmax(r.enbs[:, 0]))]
    trial = StudyCosts(per_patient=1.0).of(Study("trial", ("p", "p")), 30, None)
    assert trial == 60  # 30 per arm
    assert effective_population(1000, 10, 0.035) == pytest.approx(1000 * (1 - math.exp(-0.35)) / 0.035)
    assert effective_population(1000, 10, 0.0) == 10_000 and effective_population(1000) == 1000


def test_bad_studies_are_refused():
    with pytest.raises(ValueError, match="unknown study design"):
        Study("bayesian", ("p",))
    with pytest.raises(ValueError, match="informs 2 parameters"):
        Study("trial", ("p",))
    with pytest.raises(ValueError, match="standard deviation"):
        Study("normal", ("u",))
    p = np.full(10, 1.5)
    with pytest.raises(ValueError, match="outside"):
        Study("binomial", ("p",)).simulate({"p": p}, 5, None, np.random.default_rng(0))

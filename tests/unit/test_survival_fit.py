"""Fitting: likelihoods written out by hand, simulate-and-recover, cure and relative survival, failures."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize

from atmpcli.analysis.survival.fit import SurvivalData, fit_survival, median, rmst
from atmpcli.analysis.survival.likelihood import ModelSpec, log_likelihood, spline_knots, with_natural
from atmpcli.analysis.survival.mle import fit_mle
from atmpcli.model.lifetable import Background, LifeTable
from atmpcli.model.survival import Curve
from tests.conftest import ROOT

RNG_SEED = 2012


def _data(n=60, seed=1):
    rng = np.random.default_rng(seed)
    t = rng.weibull(1.3, n) * 8
    c = rng.uniform(2, 15, n)
    return np.minimum(t, c), (t <= c).astype(int)


def _by_hand(log_f, log_s, t, e):
    """sum over patients of d log f + (1 - d) log S, one patient at a time."""
    return sum(log_f(ti) if ei else log_s(ti) for ti, ei in zip(t, e, strict=True))


def test_gompertz_likelihood_by_hand():
    t, e = _data()
    a, b = 0.07, 0.05
    hand = _by_hand(
        lambda x: math.log(b) + a * x - b / a * (math.exp(a * x) - 1), lambda x: -b / a * (math.exp(a * x) - 1), t, e
    )
    spec = ModelSpec("gompertz")
    assert log_likelihood(spec, with_natural(spec, {"shape": a, "rate": b}), t, e)[0] == pytest.approx(hand, rel=1e-12)


@pytest.mark.parametrize("q", [0.7, -0.6])
def test_gengamma_likelihood_by_hand(q):
    """Prentice's density written out; S by numerical integration of that density (no incomplete gamma)."""
    t, e = _data()
    mu, sigma = 1.8, 0.9
    k = q**-2

    def density(x):
        w = (math.log(x) - mu) / sigma
        return abs(q) / (sigma * x * math.gamma(k)) * k**k * math.exp(k * (q * w - math.exp(q * w)))

    def surv(x):
        return integrate.quad(density, x, np.inf, epsabs=0, epsrel=1e-12, limit=200)[0]

    hand = _by_hand(lambda x: math.log(density(x)), lambda x: math.log(surv(x)), t, e)
    spec = ModelSpec("gengamma")
    assert log_likelihood(spec, with_natural(spec, {"mu": mu, "sigma": sigma, "Q": q}), t, e)[0] == pytest.approx(
        hand, rel=1e-8
    )


def test_spline_likelihood_by_hand():
    t, e = _data()
    knots = spline_knots(t, e, 2)
    g = [-2.5, 1.4, 0.03, -0.05]
    kmin, kmax = knots[0], knots[-1]

    def s_and_ds(x):
        s, ds = g[0] + g[1] * x, g[1]
        for j, kj in enumerate(knots[1:-1]):
            lam = (kmax - kj) / (kmax - kmin)
            s += g[j + 2] * (max(x - kj, 0) ** 3 - lam * max(x - kmin, 0) ** 3 - (1 - lam) * max(x - kmax, 0) ** 3)
            ds += g[j + 2] * 3 * (max(x - kj, 0) ** 2 - lam * max(x - kmin, 0) ** 2 - (1 - lam) * max(x - kmax, 0) ** 2)
        return s, ds

    def log_f(x):
        s, ds = s_and_ds(math.log(x))
        return math.log(ds / x) + s - math.exp(s)

    hand = _by_hand(log_f, lambda x: -math.exp(s_and_ds(math.log(x))[0]), t, e)
    spec = ModelSpec("spline", knots=knots)
    assert log_likelihood(spec, np.array(g), t, e)[0] == pytest.approx(hand, rel=1e-12)


def test_cure_and_relative_survival_likelihood_by_hand():
    t, e = _data()
    theta, a, b, h_bg = 0.3, 1.4, 6.0, 0.01

    def log_f(x):  # excess-hazard likelihood: log(h* + lambda) + log S_rel
        s_u = math.exp(-((x / b) ** a))
        s = theta + (1 - theta) * s_u
        lam = (1 - theta) * (a / b) * (x / b) ** (a - 1) * s_u / s
        return math.log(h_bg + lam) + math.log(s)

    def log_s(x):
        return math.log(theta + (1 - theta) * math.exp(-((x / b) ** a)))

    hand = _by_hand(log_f, log_s, t, e)
    spec = ModelSpec("weibull", cure=True)
    x = with_natural(spec, {"theta": theta, "shape": a, "scale": b})
    assert log_likelihood(spec, x, t, e, np.full(t.size, math.log(h_bg)))[0] == pytest.approx(hand, rel=1e-12)


def _simulate(curve, n, seed, censor_at):
    """Event times by inverting S on a fine grid (any family), censored uniformly and at censor_at."""
    rng = np.random.default_rng(seed)
    grid = np.geomspace(1e-4, 1e3, 40_000)
    s = curve.survival(grid)[0]
    u = rng.random(n)
    idx = np.searchsorted(-s, -u)  # s decreases
    latent = np.where(idx < grid.size, grid[np.minimum(idx, grid.size - 1)], np.inf)
    c = np.minimum(rng.uniform(0, 2 * censor_at, n), censor_at)
    return np.minimum(latent, c), (latent <= c).astype(int)


RECOVER = [
    (ModelSpec("weibull"), {"shape": 1.4, "scale": 5.0}),
    (ModelSpec("gompertz"), {"shape": 0.15, "rate": 0.08}),
    (ModelSpec("llogis"), {"shape": 1.8, "scale": 4.0}),
    (ModelSpec("lnorm"), {"meanlog": 1.5, "sdlog": 0.9}),
    (ModelSpec("gengamma"), {"mu": 1.5, "sigma": 0.8, "Q": -0.5}),
    (ModelSpec("weibull", cure=True), {"theta": 0.35, "shape": 1.6, "scale": 3.0}),
    (ModelSpec("lnorm", cure=True), {"theta": 0.25, "meanlog": 1.0, "sdlog": 0.7}),
]


@pytest.mark.parametrize(("spec", "truth"), RECOVER, ids=[s.name for s, _ in RECOVER])
def test_simulate_and_recover_within_standard_errors(spec, truth):
    x_true = with_natural(spec, truth)
    t, e = _simulate(spec.curve(x_true), 2000, RNG_SEED, censor_at=20.0)
    fit = fit_mle(spec, t, e)
    assert fit.converged, fit.problem
    se = np.sqrt(np.diag(fit.cov))
    assert np.all(np.abs(fit.est - x_true) < 3.5 * se), (fit.est, x_true, se)


def test_relative_survival_recovers_excess_hazard():
    table = LifeTable(np.array([0.0, 60.0]), male=np.array([0.02, 0.08]), female=np.array([0.01, 0.05]))
    bg = Background(table, start_age=50, female=0.5, years_per_unit=1.0)
    rng = np.random.default_rng(5)
    n = 3000
    excess = rng.exponential(1 / 0.15, n)
    female = rng.random(n) < 0.5
    # background death times by sex, by inverting each sex's piecewise-constant hazard
    e1 = rng.exponential(1, n)
    r0 = np.where(female, 0.01, 0.02)
    r1 = np.where(female, 0.05, 0.08)
    background = np.where(e1 < r0 * 10, e1 / r0, 10 + (e1 - r0 * 10) / r1)
    latent = np.minimum(excess, background)
    c = rng.uniform(0, 25, n)
    t, e = np.minimum(latent, c), (latent <= c).astype(int)
    fit = fit_mle(ModelSpec("exp"), t, e, bg.log_hazard_cumhaz(t)[0][0])
    se = math.sqrt(fit.cov[0, 0])
    assert abs(fit.est[0] - math.log(0.15)) < 3 * se
    naive = fit_mle(ModelSpec("exp"), t, e)  # ignoring background mortality overstates the excess hazard
    assert naive.est[0] > fit.est[0] + 3 * se


def test_median_and_rmst_closed_forms():
    weib = Curve("weibull", {"shape": 1.7, "scale": 4.0})
    assert median(weib, 10.0) == pytest.approx(4.0 * math.log(2) ** (1 / 1.7), rel=1e-9)
    expo = Curve("exp", {"rate": 0.2})
    assert rmst(expo, 7.0) == pytest.approx((1 - math.exp(-1.4)) / 0.2, rel=1e-12)
    steep = Curve("weibull", {"shape": 0.4, "scale": 2.0})  # infinite hazard at 0
    exact = integrate.quad(lambda x: math.exp(-((x / 2.0) ** 0.4)), 0, 5, limit=200, epsrel=1e-12)[0]
    assert rmst(steep, 5.0) == pytest.approx(exact, rel=1e-8)
    assert math.isnan(median(Curve("exp", {"rate": 0.2}, cure=0.6), 10.0))


def test_cure_model_without_plateau_says_so():
    rng = np.random.default_rng(3)
    latent = rng.weibull(1.0, 300) * 10
    c = np.minimum(rng.uniform(0, 12, 300), 6.0)  # short follow-up, steadily falling curve
    t, e = np.minimum(latent, c), (latent <= c).astype(int)
    res = fit_survival(SurvivalData(t, e, np.array(["all"] * t.size)), ["weibull"], cure=True)
    row = res.summary.set_index("model").loc["weibull_cure"]
    assert row["status"] == "no_plateau"
    assert "plateau" in row["message"]
    assert math.isnan(row["cure_fraction"])


def test_cure_fraction_with_plateau_has_confidence_interval():
    spec = ModelSpec("weibull", cure=True)
    t, e = _simulate(spec.curve(with_natural(spec, {"theta": 0.4, "shape": 2.0, "scale": 3.0})), 500, 1, censor_at=25.0)
    res = fit_survival(SurvivalData(t, e, np.array(["all"] * t.size)), ["weibull"], cure=True, times=[1.0, 50.0])
    row = res.summary.set_index("model").loc["weibull_cure"]
    assert row["status"] == "ok"
    assert row["cure_lower"] < row["cure_fraction"] < row["cure_upper"]
    assert row["cure_lower"] < 0.4 < row["cure_upper"]
    assert row["survival_at_50"] == pytest.approx(row["cure_fraction"], rel=1e-6)  # uncured all had events by 50


def test_degenerate_fit_is_reported_not_silent():
    # the ovarian data (examples/survival): gengamma as a cure model collapses (a shape parameter runs off)
    ovarian = pd.read_csv(ROOT / "examples" / "survival" / "ovarian.csv")
    t, e = ovarian["time"].to_numpy(float), ovarian["event"].to_numpy(int)
    res = fit_survival(SurvivalData(t, e, np.array(["all"] * t.size)), ["gengamma"], cure=True, times=[365.0])
    row = res.summary.set_index("model").loc["gengamma_cure"]
    assert row["status"] == "not_converged"
    assert row["message"].startswith("did not converge")
    assert math.isnan(row["median"]) and math.isnan(row["delta_aic"])
    assert res.predictions[res.predictions["model"] == "gengamma_cure"].empty


def test_groups_are_fitted_separately_and_aic_ranks_within_group():
    t1, e1 = _data(80, 1)
    t2, e2 = _data(80, 2)
    data = SurvivalData(np.concatenate([t1, t2 * 2]), np.concatenate([e1, e2]), np.array(["a"] * 80 + ["b"] * 80))
    res = fit_survival(data, ["exp", "weibull"])
    alone = fit_mle(ModelSpec("weibull"), t2 * 2, e2)
    row = res.summary[(res.summary["group"] == "b") & (res.summary["model"] == "weibull")].iloc[0]
    assert row["loglik"] == pytest.approx(alone.loglik, rel=1e-10)
    for _, rows in res.summary.groupby("group"):
        assert rows["delta_aic"].min() == 0


def test_standard_errors_match_a_profile_likelihood_curvature():
    t, e = _data(200, 4)
    fit = fit_mle(ModelSpec("weibull"), t, e)

    def profile(log_shape):  # maximise over log scale for fixed log shape
        return -optimize.minimize_scalar(
            lambda ls: -log_likelihood(ModelSpec("weibull"), np.array([log_shape, ls]), t, e)[0],
            bracket=(fit.est[1] - 1, fit.est[1] + 1),
        ).fun

    h = 1e-3
    curvature = (profile(fit.est[0] + h) - 2 * profile(fit.est[0]) + profile(fit.est[0] - h)) / h**2
    assert math.sqrt(fit.cov[0, 0]) == pytest.approx(1 / math.sqrt(-curvature), rel=1e-3)

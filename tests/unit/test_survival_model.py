"""model/survival.py, model/lifetable.py, model/psm.py against independent closed forms (scipy.stats)."""

import numpy as np
import pytest
from scipy import stats

from atmpcli.model.lifetable import Background, LifeTable, rate_from_qx
from atmpcli.model.psm import partition
from atmpcli.model.survival import Curve, family_log_hazard_cumhaz, floor_to_background, spline_basis

T = np.array([0.01, 0.3, 1.0, 2.5, 7.0, 20.0])

# each family in flexsurv's parameterisation and the same distribution in scipy.stats
CASES = [
    ("exp", {"rate": 0.3}, stats.expon(scale=1 / 0.3)),
    ("weibull", {"shape": 1.7, "scale": 4.0}, stats.weibull_min(1.7, scale=4.0)),
    ("weibull", {"shape": 0.6, "scale": 4.0}, stats.weibull_min(0.6, scale=4.0)),
    ("gompertz", {"shape": 0.2, "rate": 0.05}, stats.gompertz(0.05 / 0.2, scale=1 / 0.2)),  # h = rate e^(shape t)
    ("llogis", {"shape": 2.2, "scale": 3.0}, stats.fisk(2.2, scale=3.0)),
    ("lnorm", {"meanlog": 1.1, "sdlog": 0.8}, stats.lognorm(0.8, scale=np.exp(1.1))),
    # Prentice's generalised gamma as Stacy's (scipy gengamma): a = 1/Q^2, c = Q/sigma, scale = e^mu a^(-sigma/Q)
    (
        "gengamma",
        {"mu": 1.2, "sigma": 0.7, "Q": 0.6},
        stats.gengamma(1 / 0.36, 0.6 / 0.7, scale=np.exp(1.2) * (1 / 0.36) ** (-0.7 / 0.6)),
    ),
    (
        "gengamma",
        {"mu": 1.2, "sigma": 0.7, "Q": -0.8},
        stats.gengamma(1 / 0.64, -0.8 / 0.7, scale=np.exp(1.2) * (1 / 0.64) ** (0.7 / 0.8)),
    ),
    ("gengamma", {"mu": 1.2, "sigma": 0.7, "Q": 1.0}, stats.weibull_min(1 / 0.7, scale=np.exp(1.2))),
    ("gengamma", {"mu": 0.4, "sigma": 1.2, "Q": 1.2}, stats.gamma(1 / 1.44, scale=np.exp(0.4) * 1.44)),  # Q = sigma
    ("gengamma", {"mu": 1.2, "sigma": 0.7, "Q": 0.0}, stats.lognorm(0.7, scale=np.exp(1.2))),
]


@pytest.mark.parametrize(("family", "params", "dist"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_family_matches_scipy(family, params, dist):
    log_h, cumhaz = family_log_hazard_cumhaz(family, params, T)
    np.testing.assert_allclose(np.exp(-cumhaz[0]), dist.sf(T), rtol=1e-9)
    np.testing.assert_allclose(np.exp(log_h[0]), dist.pdf(T) / dist.sf(T), rtol=1e-8)


def test_gengamma_values_from_flexsurv_tests():
    # flexsurv tests/testthat/test_gengamma.R: dgengamma(1:4, mu=0, sigma=1, Q=1) and pgengamma(...)
    t = np.array([1.0, 2.0, 3.0, 4.0])
    log_h, cumhaz = family_log_hazard_cumhaz("gengamma", {"mu": 0, "sigma": 1, "Q": 1}, t)
    density = np.exp(log_h[0] - cumhaz[0])
    np.testing.assert_allclose(density, [0.367879441171442, 0.135335283236613, 0.0497870683678639, 0.0183156388887342])
    np.testing.assert_allclose(
        1 - np.exp(-cumhaz[0]), [0.632120558828558, 0.864664716763387, 0.950212931632136, 0.981684361111266]
    )


def test_gengamma_near_zero_q_is_continuous():
    ref = stats.lognorm(1.2, scale=np.exp(0.4)).sf(T)
    for q in (1e-3, -1e-3, 2e-5, -2e-5, 1e-8):
        s = np.exp(-family_log_hazard_cumhaz("gengamma", {"mu": 0.4, "sigma": 1.2, "Q": q}, T)[1][0])
        assert np.max(np.abs(s - ref)) < 0.2 * abs(q) + 1e-12


def test_gompertz_negative_shape_plateaus_at_exp_rate_over_shape():
    s = np.exp(-family_log_hazard_cumhaz("gompertz", {"shape": -0.5, "rate": 0.4}, np.array([1e3, 1e6]))[1][0])
    np.testing.assert_allclose(s, np.exp(0.4 / -0.5))


def test_spline_without_internal_knots_is_weibull():
    # flexsurv's Survspline example: gamma = (log(1 / b^a), a) is a Weibull(shape a, scale b)
    a, b = 1 / 0.786, np.exp(1.82)
    curve = Curve("spline", {"gamma0": np.log(1 / b**a), "gamma1": a}, knots=np.array([-10.0, 10.0]))
    np.testing.assert_allclose(curve.survival(T)[0], stats.weibull_min(a, scale=b).sf(T), rtol=1e-12)
    np.testing.assert_allclose(
        curve.hazard(T)[0], stats.weibull_min(a, scale=b).pdf(T) / stats.weibull_min(a, scale=b).sf(T), rtol=1e-10
    )


def test_spline_basis_by_hand():
    # knots (0, 1, 3) on log time, x = 2: v1 = (2-1)^3 - (2/3)(2-0)^3 - (1/3)*0 = 1 - 16/3
    b, db = spline_basis(np.array([2.0]), np.array([0.0, 1.0, 3.0]))
    np.testing.assert_allclose(b[0], [1.0, 2.0, 1 - 16 / 3])
    np.testing.assert_allclose(db[0], [0.0, 1.0, 3 * (1 - (2 / 3) * 4)])


def test_spline_hazard_is_derivative_of_cumulative_hazard():
    curve = Curve(
        "spline",
        {"gamma0": -2.0, "gamma1": 1.3, "gamma2": 0.05, "gamma3": -0.02},
        knots=np.array([-1.0, 0.5, 1.5, 3.0]),
    )
    t = np.linspace(0.5, 30, 50)
    eps = 1e-6
    numeric = (curve.cumhaz(t + eps) - curve.cumhaz(t - eps)) / (2 * eps)
    np.testing.assert_allclose(curve.hazard(t), numeric, rtol=1e-6)


def test_mixture_cure_survival_and_hazard():
    base = stats.weibull_min(1.5, scale=2.0)
    curve = Curve("weibull", {"shape": 1.5, "scale": 2.0}, cure=0.3)
    np.testing.assert_allclose(curve.survival(T)[0], 0.3 + 0.7 * base.sf(T), rtol=1e-12)
    np.testing.assert_allclose(curve.hazard(T)[0], 0.7 * base.pdf(T) / (0.3 + 0.7 * base.sf(T)), rtol=1e-10)


def test_hazard_ratio_and_acceleration_factor():
    ref = Curve("llogis", {"shape": 2.0, "scale": 3.0})
    np.testing.assert_allclose(
        Curve("llogis", {"shape": 2.0, "scale": 3.0}, hazard_ratio=0.6).survival(T), ref.survival(T) ** 0.6
    )
    slower = Curve("llogis", {"shape": 2.0, "scale": 3.0}, acceleration=1.5)
    np.testing.assert_allclose(slower.survival(T), ref.survival(T / 1.5))
    np.testing.assert_allclose(slower.hazard(T), ref.hazard(T / 1.5) / 1.5)


def test_vectorised_over_samples_equals_one_by_one():
    shapes, scales = np.array([0.8, 1.0, 1.9]), np.array([2.0, 5.0, 9.0])
    together = Curve(
        "weibull",
        {"shape": shapes, "scale": scales},
        cure=np.array([0.1, 0.2, 0.3]),
        hazard_ratio=np.array([1.0, 0.5, 0.9]),
    )
    for i in range(3):
        alone = Curve(
            "weibull",
            {"shape": shapes[i], "scale": scales[i]},
            cure=[0.1, 0.2, 0.3][i],
            hazard_ratio=[1.0, 0.5, 0.9][i],
        )
        np.testing.assert_allclose(together.survival(T)[i], alone.survival(T)[0])
        np.testing.assert_allclose(together.hazard(T)[i], alone.hazard(T)[0])
    assert together.survival(T).shape == (3, T.size)


@pytest.mark.parametrize(("family", "params", "dist"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_stable_far_beyond_follow_up(family, params, dist):
    t = np.array([0.0, 1e-12, 1e3, 1e5, 2.2e4 * 365])
    log_h, cumhaz = family_log_hazard_cumhaz(family, params, t)
    s = np.exp(-cumhaz)
    assert not np.any(np.isnan(log_h)) and not np.any(np.isnan(cumhaz))
    assert s[0, 0] == 1 and np.all(np.diff(s[0]) <= 0) and np.all(s >= 0)


def test_background_constant_rates_mix_survival_not_hazards():
    table = LifeTable(np.array([0.0, 50.0]), male=np.array([0.02, 0.02]), female=np.array([0.01, 0.01]))
    bg = Background(table, start_age=30, female=0.4, smr=1.5, years_per_unit=1 / 12)
    t = np.array([0.0, 12.0, 120.0])  # months
    years = t / 12
    s = 0.4 * np.exp(-1.5 * 0.01 * years) + 0.6 * np.exp(-1.5 * 0.02 * years)
    np.testing.assert_allclose(bg.survival(t)[0], s)
    h = (0.4 * np.exp(-0.015 * years) * 0.015 + 0.6 * np.exp(-0.03 * years) * 0.03) / s / 12  # per month
    np.testing.assert_allclose(bg.hazard(t)[0], h)


def test_background_ages_along_the_table():
    table = LifeTable(np.array([0.0, 10.0, 20.0]), male=rate_from_qx(np.array([0.1, 0.2, 0.5])), female=np.zeros(3))
    bg = Background(table, start_age=5, female=0.0)
    # 5 years at -log(0.9), 10 at -log(0.8), then 5 at -log(0.5)
    np.testing.assert_allclose(bg.survival(np.array([20.0]))[0, 0], 0.9**5 * 0.8**10 * 0.5**5)


def test_relative_survival_and_cure_point():
    table = LifeTable(np.array([0.0]), male=np.array([0.05]), female=np.array([0.05]))
    bg = Background(table, start_age=10)
    rel = Curve("exp", {"rate": 0.2}, background=bg, relative=True)
    np.testing.assert_allclose(rel.survival(T)[0], np.exp(-0.25 * T))
    cured = Curve("exp", {"rate": 0.2}, background=bg, cure_point=5.0)
    t = np.array([2.0, 5.0, 8.0])
    np.testing.assert_allclose(cured.survival(t)[0], [np.exp(-0.4), np.exp(-1.0), np.exp(-1.0 - 0.05 * 3)])
    np.testing.assert_allclose(cured.hazard(t)[0], [0.2, 0.2, 0.05])


def test_floor_keeps_hazard_above_background():
    t = np.linspace(0, 10, 11)
    model = np.array([0.5 * t**0.5])
    bg = np.array([0.1 * t])
    floored = floor_to_background(t, model, bg)
    assert np.all(np.diff(floored) >= np.diff(bg) - 1e-15)
    assert np.all(np.diff(floored) >= np.diff(model) - 1e-15)


def test_psm_partition_caps_pfs_at_os_and_counts():
    os_ = np.array([[1.0, 0.8, 0.5, 0.3]])
    pfs = np.array([[1.0, 0.6, 0.55, 0.1]])
    psm = partition(pfs, os_)
    np.testing.assert_allclose(psm.progression_free, [[1.0, 0.6, 0.5, 0.1]])
    np.testing.assert_allclose(psm.progressed, [[0.0, 0.2, 0.0, 0.2]])
    np.testing.assert_allclose(psm.dead, [[0.0, 0.2, 0.5, 0.7]])
    assert psm.pfs_above_os.tolist() == [1]
    np.testing.assert_allclose(psm.trace.sum(axis=-1), 1.0)


def test_psm_rejects_probabilities_outside_0_1():
    with pytest.raises(ValueError, match="OS must be"):
        partition(np.array([0.5]), np.array([1.5]))


@pytest.mark.parametrize(("family", "params", "dist"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_cumulative_hazard_alone_is_the_same(family, params, dist):
    from atmpcli.model.survival import family_cumhaz

    t = np.concatenate([[0.0], T])
    np.testing.assert_array_equal(family_cumhaz(family, params, t), family_log_hazard_cumhaz(family, params, t)[1])

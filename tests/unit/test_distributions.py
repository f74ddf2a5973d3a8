"""Distributions: method-of-moments conversions and sampled moments (hand formulas in the comments)."""

import math

import numpy as np
import pytest

from atmpcli.model.distributions import Z975, canonical

RNG_SIZE = 400_000


def sample(kind, given, value=0.0, seed=3):
    d = canonical(kind, given, value)
    return d, d.sample(np.random.default_rng(seed), RNG_SIZE)


@pytest.mark.parametrize(
    ("kind", "mean", "se"),
    [
        ("gamma", 2000.0, 200.0),
        ("beta", 0.3, 0.05),
        ("lognormal", 3.0, 0.4),
        ("normal", -1.5, 0.7),
    ],
)
def test_mean_and_se_are_reproduced(kind, mean, se):
    d, x = sample(kind, {"se": se}, value=mean)
    assert d.mean == pytest.approx(mean, rel=1e-12)
    assert x.mean() == pytest.approx(mean, abs=5 * se / math.sqrt(RNG_SIZE))
    assert x.std() == pytest.approx(se, rel=0.01)


def test_method_of_moments_by_hand():
    # gamma: shape = mean^2 / se^2, scale = se^2 / mean
    assert canonical("gamma", {"se": 200}, 2000).params == pytest.approx((100, 20))
    # beta: alpha = m (m(1-m)/se^2 - 1), beta = (1-m)(...)
    assert canonical("beta", {"mean": 0.3, "se": 0.05}, 0).params == pytest.approx((0.3 * 83, 0.7 * 83))
    # lognormal from a 95 % interval: meanlog = (ln lo + ln hi)/2, sdlog = (ln hi - ln lo)/(2 * 1.96)
    d = canonical("lognormal", {"low": 2.0, "high": 4.5}, 3.0)
    assert d.params == pytest.approx(((math.log(2) + math.log(4.5)) / 2, (math.log(4.5) - math.log(2)) / (2 * Z975)))
    assert canonical("gamma", {"shape": 30, "rate": 200}, 0).params == pytest.approx((30, 1 / 200))


def test_native_parameters_sample_as_stated():
    # Sick-Sicker's gamma(shape 30, rate 200): mean 0.15, sd sqrt(30)/200
    _, x = sample("gamma", {"shape": 30, "rate": 200})
    assert x.mean() == pytest.approx(0.15, rel=0.002)
    assert x.std() == pytest.approx(math.sqrt(30) / 200, rel=0.01)
    # beta(130, 45): mean 130/175
    _, x = sample("beta", {"alpha": 130, "beta": 45})
    assert x.mean() == pytest.approx(130 / 175, rel=0.001)


def test_bounded_distributions_stay_in_range():
    for kind, given in [
        ("uniform", {"min": 1, "max": 2}),
        ("triangular", {"min": 1, "mode": 1.2, "max": 2}),
        ("pert", {"min": 1, "mode": 1.2, "max": 2}),
        ("truncnormal", {"sd": 1, "lower": 0, "upper": 0.5}),
    ]:
        d, x = sample(kind, given, value=0.2)
        lo, hi = (0, 0.5) if kind == "truncnormal" else (1, 2)
        assert x.min() >= lo and x.max() <= hi
        assert x.mean() == pytest.approx(d.mean, abs=0.005)
    # PERT mean (min + 4 mode + max) / 6
    assert canonical("pert", {"min": 1, "mode": 1.2, "max": 2}, 0).mean == pytest.approx((1 + 4.8 + 2) / 6)


def test_quantiles_invert_the_cdf():
    d = canonical("normal", {"sd": 2}, 10)
    assert d.quantile(0.975) == pytest.approx(10 + 2 * Z975)
    assert canonical("uniform", {"min": 0, "max": 4}, 0).quantile(0.25) == pytest.approx(1)


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("beta", {"mean": 0.5, "se": 0.6}, "too large for a beta"),
        ("beta", {"se": 0.1}, "strictly between 0 and 1"),
        ("gamma", {"se": 0}, "se must be positive"),
        ("uniform", {"min": 3, "max": 1}, "min 3 is above max 1"),
        ("triangular", {"min": 0, "mode": 5, "max": 1}, "mode 5 is outside"),
    ],
)
def test_impossible_parameterisations(kind, given, message):
    with pytest.raises(ValueError, match=message):
        canonical(kind, given, 1.5 if kind == "beta" and "mean" not in given else 0.5)


JOINT = """
title: joint errors
currency: EUR
parameters:
  x: {value: 1, distribution: {type: gamma, se: 0.1}}
  y: {value: 2}
  a: 0.5
  b: 0.5
GROUPS
tree: {branches: [{name: o, p: 1, costs: {all: x + y + a + b}, qalys: 1}]}
strategies: {s: {label: s}}
"""


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            "correlation:\n  - {parameters: [x, y], matrix: [[1, 0.5], [0.5, 1]]}",
            "correlation[0].parameters: 'y' needs a (non-fixed) distribution to be correlated",
        ),
        (
            "correlation:\n  - {parameters: [x, x], matrix: [[1, 2], [2, 1]]}",
            "correlation[0].matrix: a correlation matrix must be symmetric",
        ),
        ("correlation:\n  - {parameters: [x, y], matrix: [[1, 0.5]]}", "expected a 2 x 2 matrix"),
        ("dirichlet:\n  - {parameters: [a, x], alpha: [1, 1]}", "'x' has its own distribution"),
        ("dirichlet:\n  - {parameters: [a, zz], alpha: [1, 1]}", "unknown parameter 'zz'"),
        ("dirichlet:\n  - {parameters: [a, b], alpha: [1, 1, 1]}", "2 parameters but 3 alpha values"),
    ],
)
def test_joint_distribution_errors(groups, message, write_scenario):
    from atmpcli.errors import ScenarioError
    from atmpcli.scenario.compile import load_scenario

    with pytest.raises(
        ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")
    ):
        load_scenario(write_scenario(JOINT.replace("GROUPS", groups)))


def test_binomial_is_heemods_proportion_of_successes():
    # heemod's binomial(prob, size) draws qbinom(u, size, prob) / size: a proportion on the grid 0, 1/size, ..., 1
    from scipy import stats

    d, x = sample("binomial", {"size": 40}, value=0.25)
    assert d.params == (0.25, 40.0) and d.mean == 0.25
    assert set(np.unique(x * 40)) <= set(range(41)) and np.allclose(x * 40, np.round(x * 40))
    assert x.mean() == pytest.approx(0.25, abs=5 * math.sqrt(0.25 * 0.75 / 40 / RNG_SIZE))
    assert x.var() == pytest.approx(0.25 * 0.75 / 40, rel=0.01)  # p(1 - p) / n
    freq = np.bincount(np.round(x * 40).astype(int), minlength=41) / RNG_SIZE
    assert freq[10] == pytest.approx(stats.binom.pmf(10, 40, 0.25), abs=0.003)
    u = np.array([0.025, 0.5, 0.975])
    assert d.quantile(u) == pytest.approx(stats.binom.ppf(u, 40, 0.25) / 40)  # 5/40, 10/40, 16/40
    assert list(d.quantile(u) * 40) == [5, 10, 16]
    assert (x >= 0.45).mean() == pytest.approx(stats.binom.sf(17, 40, 0.25), abs=0.0006)  # 0.00465
    assert canonical("binomial", {"prob": 0.1, "size": 10}, 0.9).params == (0.1, 10.0)  # prob overrides the value


def test_poisson_counts():
    from scipy import stats

    d, x = sample("poisson", {"mean": 3.5})
    assert d.mean == 3.5 and np.allclose(x, np.round(x))
    assert x.mean() == pytest.approx(3.5, abs=5 * math.sqrt(3.5 / RNG_SIZE)) and x.var() == pytest.approx(3.5, rel=0.01)
    assert (x == 0).mean() == pytest.approx(math.exp(-3.5), abs=0.002)  # e^-3.5 = 0.0302
    assert d.quantile(np.array([0.5, 0.99])) == pytest.approx(stats.poisson.ppf([0.5, 0.99], 3.5))  # 3 and 9
    assert canonical("poisson", {}, 2.0).params == (2.0,)  # the mean defaults to the value


@pytest.mark.parametrize(
    ("kind", "given", "value", "message"),
    [
        ("binomial", {"size": 10}, 1.5, "prob between 0 and 1"),
        ("binomial", {"size": 2.5}, 0.5, "whole size"),
        ("poisson", {"mean": -1}, 0, "at least 0"),
    ],
)
def test_binomial_and_poisson_errors(kind, given, value, message):
    with pytest.raises(ValueError, match=message):
        canonical(kind, given, value)


def test_binomial_in_a_scenario(write_scenario):
    from atmpcli.analysis.sampling import sampler
    from atmpcli.scenario.compile import load_scenario

    text = """
title: binomial draws
currency: EUR
parameters:
  p_cd: {value: 0.25, distribution: {type: binomial, size: 40}}
  events: {value: 3, distribution: {type: poisson}}
tree: {branches: [{name: o, p: 1, costs: {all: "1000 * p_cd + events"}, qalys: 1}]}
strategies:
  only: {label: x}
"""
    d = sampler(load_scenario(write_scenario(text))).draw(1, 0, 20_000)
    assert np.allclose(d["p_cd"] * 40, np.round(d["p_cd"] * 40)) and d["p_cd"].mean() == pytest.approx(0.25, abs=0.003)
    assert d["events"].mean() == pytest.approx(3, abs=0.05)
    bad = text.replace("size: 40", "size: 40, sd: 1")
    from atmpcli.errors import ScenarioError

    with pytest.raises(ScenarioError, match="sd does not apply to a binomial distribution"):
        load_scenario(write_scenario(bad))

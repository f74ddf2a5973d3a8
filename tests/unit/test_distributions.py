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

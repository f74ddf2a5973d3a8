"""docs/survival.md's typing-in examples: the printed estimates of the bundled ovarian fits, typed into scenarios,
give the fitted curves (to the printed digits), and the printed covariance is the fit's."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.analysis.survival.data import read_patients
from atmpcli.analysis.survival.fit import fit_survival
from atmpcli.model.parameters import Parameters
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT

OVARIAN = ROOT / "examples" / "survival" / "ovarian.csv"
DAYS = np.array([30.0, 365.25, 1000.0, 1826.25, 7305.0])

TYPED = {
    "weibull": "family: weibull\n    parameters: {shape: 1.10806, scale: 1225.42}",
    "lnorm_cure": "family: lnorm\n    parameters: {meanlog: 5.97783, sdlog: 0.852341}\n    cure: 0.405262",
    "spline1": (
        "family: spline\n    parameters: {gamma0: -12.1651, gamma1: 1.94499, gamma2: 0.348766}\n"
        "    knots: [4.07754, 5.88318, 6.45834]"
    ),
}
SCENARIO = """
title: typed in
currency: EUR
settings: {{cycle_length: 1, cycles: 20, effect: life_years}}
survival:
  os:
    time_unit: days
    {curve}
states:
  alive: {{}}
  dead: {{alive: false}}
partitioned_survival:
  main: {{states: [alive, dead], os: os}}
strategies:
  only: {{label: x}}
"""


@pytest.fixture(scope="module")
def fits():
    data = read_patients(OVARIAN)
    return {c.model: c for c in fit_survival(data, ["weibull", "lnorm", "spline1"], cure=True).curves}


@pytest.mark.parametrize("model", TYPED)
def test_typed_estimates_give_the_fitted_curve(model, fits, write_scenario):
    sc = load_scenario(write_scenario(SCENARIO.format(curve=TYPED[model])))
    env = Parameters(sc, None, None, 1).base
    typed = sc.survival.survival("os", env, DAYS / 365.25)[0]
    assert_allclose(typed, fits[model].curve.survival(DAYS)[0], rtol=2e-5)


def test_the_printed_covariance_is_the_fits(fits):
    # docs/survival.md, step 2: vcov(fit) of the Weibull, rounded to 6 significant digits
    printed = np.array([[0.0643153, -0.0338516], [-0.0338516, 0.0856896]])
    assert_allclose(fits["weibull"].cov, printed, rtol=1e-5)

"""Curves in scenarios: trees, pathways and payments in front of a partitioned survival model; PSA draws of
curve parameters (flexsurv's normboot); DSA ranges; fitted curves; variants for the choice of family."""

import math
import shutil

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import special

from atmpcli.analysis.dsa import ranges
from atmpcli.analysis.psa import run_psa
from atmpcli.analysis.sampling import sampler
from atmpcli.analysis.survival.data import read_patients
from atmpcli.analysis.survival.fit import fit_survival
from atmpcli.analysis.variants import scenario_analysis
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT

OVARIAN = ROOT / "examples" / "survival" / "ovarian.csv"

CART = """
title: CAR-T pathway in front of a PSM
currency: EUR
settings: {cycle_length: 0.25, cycles: 40, discount: 0.03, effect: life_years}
survival:
  efs_cart: {family: exp, time_unit: years, parameters: {rate: 0.2}, cure: 0.4}
  os_cart: {family: exp, time_unit: years, parameters: {rate: 0.1}, cure: 0.45}
  efs_sc: {family: exp, time_unit: years, parameters: {rate: 0.9}}
  os_sc: {family: exp, time_unit: years, parameters: {rate: 0.5}}
parameters:
  price: 300000
states:
  efs_cart: {}
  efs_sc: {}
  relapsed: {}
  dead: {alive: false}
partitioned_survival:
  cart: {states: [efs_cart, relapsed, dead], pfs: efs_cart, os: os_cart}
  salvage: {states: [efs_sc, relapsed, dead], pfs: efs_sc, os: os_sc}
population:
  subgroups: {all: {prevalence: 1}}
treatments:
  salvage: {response: 1, response_state: efs_sc, no_response_state: efs_sc}
  cart:
    response: 1
    response_state: efs_cart
    no_response_state: efs_cart
    pathway:
      price: price
      payment: {type: outcome_based, times: [0, 1, 2], fractions: [0.5, 0.25, 0.25], condition: in_states, states: [efs_cart]}
      manufacturing_failure: 0.08
      failure_treatment: salvage
      vein_to_vein_days: 30
      dropout_hazard_per_month: 0.1
      dropout_state: dead
strategies:
  salvage: {label: salvage, treat_all: salvage}
  cart: {label: CAR-T, treat_all: cart}
"""


def _exp_cure(rate, cure, t):
    return cure + (1 - cure) * np.exp(-rate * t)


def test_pathway_sends_its_leaves_into_the_partitions(write_scenario):
    sc = load_scenario(write_scenario(CART))
    salvage, cart = evaluate(sc)
    t = np.arange(41) * 0.25
    fail = 0.08
    drop = (1 - fail) * (1 - math.exp(-0.1 * 30 / 30.4375))
    infused = 1 - fail - drop
    efs_cart, os_cart = _exp_cure(0.2, 0.4, t), _exp_cure(0.1, 0.45, t)
    efs_sc, os_sc = np.exp(-0.9 * t), np.exp(-0.5 * t)
    assert_allclose(cart.trace[0, :, 0], infused * efs_cart, rtol=1e-12)
    assert_allclose(cart.trace[0, :, 1], fail * efs_sc, rtol=1e-12)
    assert_allclose(cart.trace[0, :, 2], infused * (os_cart - efs_cart) + fail * (os_sc - efs_sc), rtol=1e-12)
    assert_allclose(cart.trace[0, :, 3], drop + infused * (1 - os_cart) + fail * (1 - os_sc), rtol=1e-12)
    assert_allclose(salvage.trace[0, :, 1], efs_sc, rtol=1e-12)
    # the payer pays half at infusion and a quarter at years 1 and 2 for those still event-free (infused)
    pv = 300000 * (0.5 + 0.25 * efs_cart[4] / 1.03 + 0.25 * efs_cart[8] / 1.03**2)
    assert_allclose(cart.infused.payments[0].present_value, pv, rtol=1e-12)
    assert_allclose(cart.payments[0].present_value, infused * pv, rtol=1e-12)


TEST_AND_TREAT = """
title: test-and-treat in front of a PSM
currency: EUR
settings: {cycle_length: 0.5, cycles: 20, effect: life_years}
survival:
  pfs_resp: {family: weibull, time_unit: years, parameters: {shape: 1.2, scale: 3}}
  os_resp: {family: weibull, time_unit: years, parameters: {shape: 1.1, scale: 5}}
  pfs_non: {family: exp, time_unit: years, parameters: {rate: 1.0}}
  os_non: {family: exp, time_unit: years, parameters: {rate: 0.4}}
states:
  pf_resp: {}
  pf_non: {}
  progressed: {}
  dead: {alive: false}
partitioned_survival:
  responders: {states: [pf_resp, progressed, dead], pfs: pfs_resp, os: os_resp}
  others: {states: [pf_non, progressed, dead], pfs: pfs_non, os: os_non}
population:
  subgroups: {pos: {prevalence: 0.2}, neg: {prevalence: rest}}
tests:
  marker: {positive_for: pos, sensitivity: 0.9, specificity: 0.95}
treatments:
  targeted: {response: {pos: 0.7, neg: 0.05}, response_state: pf_resp, no_response_state: pf_non}
  chemo: {response: 0.3, response_state: pf_resp, no_response_state: pf_non}
strategies:
  chemo: {label: chemo for all, treat_all: chemo}
  test: {label: test and treat, test: marker, positive: targeted, negative: chemo}
"""


def test_test_and_treat_in_front_of_a_psm(write_scenario):
    sc = load_scenario(write_scenario(TEST_AND_TREAT))
    chemo, test = evaluate(sc)
    t = np.arange(21) * 0.5
    pfs_resp = np.exp(-((t / 3) ** 1.2))
    responders = 0.2 * (0.9 * 0.7 + 0.1 * 0.3) + 0.8 * (0.05 * 0.05 + 0.95 * 0.3)
    assert_allclose(test.responders, responders, rtol=1e-12)
    assert_allclose(test.trace[0, :, 0], responders * pfs_resp, rtol=1e-12)
    assert_allclose(test.trace[0, :, 1], (1 - responders) * np.exp(-t), rtol=1e-12)
    assert_allclose(chemo.trace[0, :, 0], 0.3 * pfs_resp, rtol=1e-12)


NORMBOOT = """
title: normboot
currency: EUR
settings: {cycle_length: 1, cycles: 10, effect: life_years}
survival:
  os:
    family: weibull
    time_unit: years
    parameters: {shape: 1.3, scale: 4.0}
    cure: 0.25
    covariance:
      parameters: [cure, shape, scale]
      matrix: [[0.09, 0.01, -0.02], [0.01, 0.04, 0.015], [-0.02, 0.015, 0.05]]
states:
  alive: {}
  dead: {alive: false}
partitioned_survival:
  main: {states: [alive, dead], os: os}
strategies:
  only: {label: x}
"""
COV = np.array([[0.09, 0.01, -0.02], [0.01, 0.04, 0.015], [-0.02, 0.015, 0.05]])


def test_psa_draws_are_flexsurvs_normboot_multivariate_normal(write_scenario):
    sc = load_scenario(write_scenario(NORMBOOT))
    n = 200_000
    draws = sampler(sc).draw(seed=11, start=0, size=n)
    est = np.column_stack([special.logit(draws["os_cure"]), np.log(draws["os_shape"]), np.log(draws["os_scale"])])
    target = np.array([special.logit(0.25), np.log(1.3), np.log(4.0)])
    se = np.sqrt(np.diag(COV) / n)
    assert np.all(np.abs(est.mean(axis=0) - target) < 4 * se)
    assert_allclose(np.cov(est, rowvar=False), COV, rtol=0.03, atol=5e-4)
    # the same seed gives the same draws, however the samples are split into chunks
    again = sampler(sc).draw(seed=11, start=150_000, size=10)
    assert_allclose(again["os_shape"], draws["os_shape"][150_000:150_010])


def test_psa_evaluates_the_drawn_curves(write_scenario):
    sc = load_scenario(write_scenario(NORMBOOT))
    result = run_psa(sc, 500, seed=3, keep_draws=True)
    d = result.draws
    t = np.arange(11.0)
    s = d["os_cure"][:, None] + (1 - d["os_cure"][:, None]) * np.exp(
        -((t / d["os_scale"][:, None]) ** d["os_shape"][:, None])
    )
    w = np.r_[0.5, np.ones(9), 0.5]  # life-table counting
    assert_allclose(result.effects[:, 0], s @ w, rtol=1e-12)


def test_dsa_ranges_of_curve_parameters_are_flexsurvs_confidence_limits(write_scenario):
    sc = load_scenario(write_scenario(NORMBOOT))
    got = {r.parameter: (r.low, r.high) for r in ranges(sc, ["os_shape", "os_cure"])}
    z = 1.959963984540054
    assert_allclose(got["os_shape"], np.exp(np.log(1.3) + np.array([-z, z]) * 0.2), rtol=1e-9)
    assert_allclose(got["os_cure"], special.expit(special.logit(0.25) + np.array([-z, z]) * 0.3), rtol=1e-9)


FITTED = """
title: fitted
currency: EUR
settings: {{cycle_length: 0.25, cycles: 40, effect: life_years}}
survival:
  os: {{time_unit: days, fit: {{file: {file}, family: {family}, group: rx, level: "2"}}}}
states:
  alive: {{}}
  dead: {{alive: false}}
partitioned_survival:
  main: {{states: [alive, dead], os: os}}
strategies:
  only: {{label: x}}
variants:
  lognormal: {{changes: {{survival.os.fit.family: lnorm}}}}
"""


def fitted(write_scenario, family: str = "weibull"):
    """The FITTED scenario with the patient data next to it (a scenario reads files in its folder only)."""
    path = write_scenario(FITTED.format(file=OVARIAN.name, family=family))
    shutil.copy(OVARIAN, path.parent)
    return path


def test_fit_at_load_time_is_the_survival_fit_estimate(write_scenario):
    sc = load_scenario(fitted(write_scenario))
    data = read_patients(OVARIAN, group="rx")
    mask = data.group == "2"
    fits = fit_survival(type(data)(data.time[mask], data.event[mask], data.group[mask]), ["weibull"])
    (curve,) = fits.curves
    base = sc.parameters
    assert float(base["os_shape"].formula.evaluate({})) == pytest.approx(math.exp(curve.est[0]), rel=1e-12)
    assert float(base["os_scale"].formula.evaluate({})) == pytest.approx(math.exp(curve.est[1]), rel=1e-12)
    (o,) = evaluate(sc)
    t = np.arange(41) * 0.25 * 365.25
    s = np.exp(-((t / math.exp(curve.est[1])) ** math.exp(curve.est[0])))
    assert_allclose(o.trace[0, :, 0], s, rtol=1e-12)
    # its covariance is the PSA's: the normboot marginal of log shape has the fit's standard error
    assert sc.uncertain["os_shape"].given["sdlog"].formula.evaluate({}) == pytest.approx(math.sqrt(curve.cov[0, 0]))


def test_a_variant_chooses_another_family(write_scenario):
    path = fitted(write_scenario)
    base = load_scenario(path)
    lnorm = load_scenario(path, variant="lognormal")
    assert set(lnorm.parameters) >= {"os_meanlog", "os_sdlog"} and "os_shape" not in lnorm.parameters
    rows = scenario_analysis(lambda v: load_scenario(path, variant=v), ["lognormal"]).rows
    effects = {r["variant"]: r["effect"] for r in rows}
    assert effects["base case"] == pytest.approx(float(evaluate(base)[0].life_years[0]), rel=1e-12)
    assert effects["lognormal"] == pytest.approx(float(evaluate(lnorm)[0].life_years[0]), rel=1e-12)
    assert abs(effects["lognormal"] / effects["base case"] - 1) > 1e-3  # the family matters

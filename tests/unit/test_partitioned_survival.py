"""Partitioned survival models and curves in scenarios, checked by hand: areas under the curves with the
scenario's counting convention written out as loops, Markov probabilities from curves, the general-population
floor, the cure point, hazard ratios and acceleration factors with waning."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.model.cycle_correction_and_discounting import correction_weights
from atmpcli.model.evaluate import evaluate
from atmpcli.model.lifetable import population_cumhaz
from atmpcli.model.parameters import Parameters
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT

LIFE_TABLE = ROOT / "examples" / "survival" / "england_life_table_2017_19.csv"

PSM = """
title: hand PSM
currency: EUR
settings: {{cycle_length: {dt}, cycles: {n}, discount: {r}, method: {method}}}
survival:
  pfs: {{family: exp, time_unit: years, parameters: {{rate: 0.4}}}}
  os: {{family: exp, time_unit: years, parameters: {{rate: 0.15}}}}
  pfs_new: {{family: exp, time_unit: months, parameters: {{rate: 0.02}}}}
  os_new: {{family: exp, time_unit: months, parameters: {{rate: 0.01}}}}
states:
  pf: {{costs: {{care: 1200}}, utility: 0.8}}
  pd: {{costs: {{care: 5000}}, utility: 0.5}}
  dead: {{alive: false}}
transition_rewards:
  - {{to: dead, costs: {{terminal: 7000}}}}
partitioned_survival:
  main: {{states: [pf, pd, dead], pfs: {{soc: pfs, new: pfs_new}}, os: {{soc: os, new: os_new}}}}
strategies:
  soc: {{label: standard}}
  new: {{label: new}}
"""


def _hand_totals(rate_pfs: float, rate_os: float, dt: float, n: int, r: float, method: str) -> dict[str, float]:
    """The areas under the curves by a loop over time points with the counting convention's weights."""
    w = correction_weights(method, n)
    cost = qalys = ly = terminal = 0.0
    for k in range(n + 1):
        t = k * dt
        disc = (1 + r) ** -t
        pfs, os = math.exp(-rate_pfs * t), math.exp(-rate_os * t)
        pf, pd = min(pfs, os), os - min(pfs, os)
        cost += w[k] * disc * (1200 * pf + 5000 * pd) * dt
        qalys += w[k] * disc * (0.8 * pf + 0.5 * pd) * dt
        ly += w[k] * disc * os * dt
        if k > 0:  # deaths in cycle k: the fall of OS, one-off at death
            terminal += w[k] * disc * 7000 * (math.exp(-rate_os * (t - dt)) - os)
    return {"cost": cost + terminal, "qalys": qalys, "ly": ly}


@pytest.mark.parametrize("method", ["life-table", "end", "beginning", "simpson"])
def test_psm_totals_are_the_areas_under_the_curves(write_scenario, method):
    dt, n, r = 0.25, 40, 0.035
    sc = load_scenario(write_scenario(PSM.format(dt=dt, n=n, r=r, method=method)))
    soc, new = evaluate(sc)
    for o, (a, b) in ((soc, (0.4, 0.15)), (new, (0.24, 0.12))):  # months -> years: 0.02 x 12, 0.01 x 12
        hand = _hand_totals(a, b, dt, n, r, method)
        assert_allclose(o.cost, hand["cost"], rtol=1e-12)
        assert_allclose(o.qalys, hand["qalys"], rtol=1e-12)
        assert_allclose(o.life_years, hand["ly"], rtol=1e-12)


def test_psm_occupancy_and_pfs_capped_at_os(write_scenario):
    # strategy new gets a PFS curve that falls more slowly than its OS: PFS above OS, to be capped
    text = PSM.format(dt=0.5, n=10, r=0, method="life-table").replace("pfs_new}", "pfs_new_slow}")
    text = text.replace(
        "\nsurvival:\n", "\nsurvival:\n  pfs_new_slow: {family: exp, time_unit: years, parameters: {rate: 0.05}}\n"
    )
    sc = load_scenario(write_scenario(text))
    soc, new = evaluate(sc)
    t = np.arange(11) * 0.5
    assert_allclose(soc.trace[0, :, 0], np.exp(-0.4 * t), rtol=1e-14)
    assert_allclose(soc.trace[0, :, 1], np.exp(-0.15 * t) - np.exp(-0.4 * t), rtol=1e-13, atol=1e-15)
    assert_allclose(soc.trace[0].sum(axis=1), 1.0, rtol=1e-14)
    # new: PFS (0.05/y) above OS (0.12/y) after t = 0: capped, nobody in the progressed state
    assert_allclose(new.trace[0, :, 0], np.exp(-0.12 * t), rtol=1e-14)
    assert_allclose(new.trace[0, :, 1], 0.0, atol=1e-15)
    assert int(new.survival.pfs_above_os["main"][0]) == 10  # every time point but t = 0


MARKOV = """
title: Markov from a curve
currency: EUR
settings: {{cycle_length: {dt}, cycles: {n}, effect: life_years}}
survival:
  os: {{family: weibull, time_unit: months, parameters: {{shape: 1.4, scale: 30}}}}
parameters:
  p_die: "event_prob(os, time, time + {dt})"
  p_post: "event_prob(os, (state_time - 1) * {dt}, state_time * {dt})"
states:
  alive: {{}}
  post: {{tunnel_cycles: {n}}}
  dead: {{alive: false}}
transitions:
  alive: {{alive: rest, dead: p_die}}
  post: {{post: rest, dead: p_post}}
  dead: {{dead: 1}}
strategies:
  from_start: {{label: in alive}}
  in_tunnel: {{label: in post, initial: {{post: 1}}}}
"""


def test_markov_probabilities_from_a_curve_by_hand(write_scenario):
    dt, n = 0.25, 24
    sc = load_scenario(write_scenario(MARKOV.format(dt=dt, n=n)))
    params = Parameters(sc, sc.strategies[0], None, 1)
    p = params.value(sc.parameters["p_die"], params.context("cycle"))[0, :, 0]
    for k in range(1, n + 1):  # cycle k runs from (k - 1) dt to k dt; the curve is in months
        t0, t1 = 12 * (k - 1) * dt, 12 * k * dt
        hand = 1 - math.exp(-((t1 / 30) ** 1.4 - (t0 / 30) ** 1.4))
        assert p[k - 1] == pytest.approx(hand, rel=1e-12)
    by_time, in_tunnel = evaluate(sc)
    s = np.exp(-((12 * np.arange(n + 1) * dt / 30) ** 1.4))
    assert_allclose(by_time.trace[0, :, 0], s, rtol=1e-12)  # the conditional probabilities telescope to S(t)
    assert_allclose(in_tunnel.trace[0, :, 1], s, rtol=1e-12)  # time since entry into the tunnel state


FLOORED = """
title: floor and cure point
currency: EUR
settings: {{cycle_length: 0.5, cycles: 100, start_age: 60, effect: life_years}}
general_population: {{life_table: {table}, female: 0.3, smr: 1.4}}
survival:
  base: {{family: weibull, time_unit: years, parameters: {{shape: 0.7, scale: 6}}, cure: 0.35}}
  floored: {{family: weibull, time_unit: years, parameters: {{shape: 0.7, scale: 6}}, cure: 0.35, floor: true}}
  cured_at_5: {{family: weibull, time_unit: years, parameters: {{shape: 0.7, scale: 6}}, cure_point: 5}}
  hr: {{reference: base, hazard_ratio: 0.6, waning: {{start: 3, end: 8}}}}
  af: {{reference: base, acceleration_factor: 1.5}}
  excess: {{family: exp, time_unit: years, parameters: {{rate: 0.1}}, relative: true}}
states:
  alive: {{}}
  dead: {{alive: false}}
partitioned_survival:
  main: {{states: [alive, dead], os: floored}}
strategies:
  only: {{label: x}}
"""


@pytest.fixture
def floored(write_scenario):
    sc = load_scenario(write_scenario(FLOORED.format(table=LIFE_TABLE)))
    params = Parameters(sc, sc.strategies[0], None, 1)
    return sc.survival, params.base, sc.survival.general_population


def _weibull_cure(t):
    return 0.35 + 0.65 * np.exp(-((t / 6) ** 0.7))


def test_floor_keeps_the_hazard_at_least_the_general_populations(floored):
    surv, env, gp = floored
    t = np.arange(101) * 0.5
    pop = population_cumhaz(gp.table, 60, 0.3, 1.4, t)  # x SMR 1.4
    base, floor = surv.grid("base", env, 100)[0], surv.grid("floored", env, 100)[0]
    assert_allclose(np.exp(-base), _weibull_cure(t), rtol=1e-12)
    assert_allclose(np.diff(floor), np.maximum(np.diff(base), np.diff(pop)), rtol=1e-12)
    assert np.any(np.diff(pop) > np.diff(base))  # the floor bites: the cured fraction would outlive the population


def test_cure_point_follows_the_population_after_it(floored):
    surv, env, gp = floored
    t = np.arange(101) * 0.5
    h = surv.grid("cured_at_5", env, 100)[0]
    pop = population_cumhaz(gp.table, 60, 0.3, 1.4, t)
    before = t <= 5
    assert_allclose(h[before], (t[before] / 6) ** 0.7, rtol=1e-12)
    assert_allclose(
        h[~before], (5 / 6) ** 0.7 + pop[~before] - population_cumhaz(gp.table, 60, 0.3, 1.4, 5.0), rtol=1e-12
    )


def test_hazard_ratio_wanes_linearly_at_cycle_midpoints(floored):
    surv, env, _ = floored
    t = np.arange(101) * 0.5
    ref = -np.log(_weibull_cure(t))
    hand = [0.0]
    for k in range(1, 101):
        mid = (t[k - 1] + t[k]) / 2
        left = min(max((8 - mid) / (8 - 3), 0.0), 1.0)  # full effect until year 3, none from year 8
        hand.append(hand[-1] + (1 + (0.6 - 1) * left) * (ref[k] - ref[k - 1]))
    assert_allclose(surv.grid("hr", env, 100)[0], hand, rtol=1e-12)
    # between grid points: linear in H
    assert_allclose(surv.cumhaz("hr", env, [[0.75]])[0, 0], (hand[1] + hand[2]) / 2, rtol=1e-12)


def test_acceleration_factor_stretches_time_exactly(floored):
    surv, env, _ = floored
    t = np.array([0.3, 1.0, 7.7, 30.0])
    assert_allclose(surv.survival("af", env, t)[0], _weibull_cure(t / 1.5), rtol=1e-12)


def test_relative_survival_adds_the_general_population_hazard(floored):
    surv, env, gp = floored
    t = np.array([1.0, 10.0, 40.0])
    pop = population_cumhaz(gp.table, 60, 0.3, 1.4, t)
    assert_allclose(surv.cumhaz("excess", env, t)[0], 0.1 * t + pop, rtol=1e-12)


def test_general_population_as_a_curve_in_formulas(write_scenario):
    text = FLOORED.format(table=LIFE_TABLE).replace(
        "states:\n", 'parameters:\n  p_gp: "event_prob(general_population, time, time + 0.5)"\nstates:\n'
    )
    sc = load_scenario(write_scenario(text))
    params = Parameters(sc, sc.strategies[0], None, 1)
    p = params.value(sc.parameters["p_gp"], params.context("cycle"))[0, :, 0]
    gp = sc.survival.general_population
    h = population_cumhaz(gp.table, 60, 0.3, 1.4, np.arange(101) * 0.5)
    assert_allclose(p, -np.expm1(-np.diff(h)), rtol=1e-12)

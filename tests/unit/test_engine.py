"""The engine on small scenarios checked against hand calculations or a hand-expanded model."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.analysis.compare import compare
from atmpcli.model.evaluate import evaluate, evaluate_strategy
from atmpcli.scenario.compile import load_scenario
from tests.conftest import DATA, bundled

TUNNEL = """
title: tunnel
currency: EUR
settings: {cycles: 8, discount: 0.04, method: half-cycle}
parameters:
  p_event: 0.2
states:
  well: {costs: {c: 100}, utility: 0.9}
  post: {tunnel_cycles: 3, costs: {c: "ifelse(state_time == 1, 5000, ifelse(state_time == 2, 1000, 200))"},
         utility: "0.5 + 0.1 * state_time"}
  dead: {alive: false}
transitions:
  well: {well: rest, post: p_event, dead: 0.01}
  post: {post: rest, dead: "0.3 / state_time"}
  dead: {dead: 1}
strategies:
  only: {label: x}
"""

EXPANDED = """
title: tunnel written out by hand
currency: EUR
settings: {cycles: 8, discount: 0.04, method: half-cycle}
states:
  well: {costs: {c: 100}, utility: 0.9}
  post1: {costs: {c: 5000}, utility: 0.6}
  post2: {costs: {c: 1000}, utility: 0.7}
  post3: {costs: {c: 200}, utility: 0.8}
  dead: {alive: false}
transitions:
  well: {well: rest, post1: 0.2, dead: 0.01}
  post1: {post2: rest, dead: 0.3}
  post2: {post3: rest, dead: 0.15}
  post3: {post3: rest, dead: 0.1}
  dead: {dead: 1}
strategies:
  only: {label: x}
"""


def test_tunnel_state_equals_the_hand_expanded_model(write_scenario):
    (a,) = evaluate(load_scenario(write_scenario(TUNNEL, "a.yaml")))
    (b,) = evaluate(load_scenario(write_scenario(EXPANDED, "b.yaml")))
    assert_allclose(a.cost, b.cost, rtol=1e-13)
    assert_allclose(a.qalys, b.qalys, rtol=1e-13)
    assert_allclose(a.life_years, b.life_years, rtol=1e-13)
    post = b.trace[0, :, 1:4].sum(axis=1)
    assert_allclose(a.trace[0, :, 1], post, rtol=1e-13)  # reported on the user's state


TWO_STATE = """
title: transition reward
currency: EUR
settings: {cycles: 3, discount: {costs: 0.1, effects: 0}, method: end}
states:
  alive: {costs: {care: 0}, utility: 1}
  dead: {alive: false}
transitions:
  alive: {alive: rest, dead: 0.2}
  dead: {dead: 1}
transition_rewards:
  - {to: dead, costs: {terminal: 1000}, qalys: -0.1}
start: {costs: {screening: 50}}
strategies:
  only: {label: x}
"""


def test_transition_rewards_and_start_costs_by_hand(write_scenario):
    (o,) = evaluate(load_scenario(write_scenario(TWO_STATE)))
    # deaths in cycles 1..3: 0.2, 0.16, 0.128, each counted at the end of its cycle and discounted
    deaths = np.array([0.2, 0.16, 0.128])
    assert o.costs["terminal"][0] == pytest.approx(1000 * (deaths / 1.1 ** np.arange(1, 4)).sum())
    assert o.costs["screening"][0] == pytest.approx(50)  # at time 0: not discounted
    alive = np.array([0.8, 0.64, 0.512])
    assert o.qalys[0] == pytest.approx(alive.sum() - 0.1 * deaths.sum())


def test_state_values_per_year_scale_with_cycle_length(write_scenario):
    text = TWO_STATE.replace("cycles: 3", "cycle_length: 0.5, cycles: 3").replace("transition_rewards:", "x_:")
    text = text.replace("x_:\n  - {to: dead, costs: {terminal: 1000}, qalys: -0.1}\n", "")
    (o,) = evaluate(load_scenario(write_scenario(text)))
    assert o.life_years[0] == pytest.approx(0.5 * (0.8 + 0.64 + 0.512))
    # 1 QALY per half-year cycle is more than full health: declared, as the sanity checks require
    per_cycle = text.replace("method: end}", "method: end, state_values_per: cycle, utility_range: [-1, 2]}")
    (c,) = evaluate(load_scenario(write_scenario(per_cycle, "c.yaml")))
    assert c.qalys[0] == pytest.approx(0.8 + 0.64 + 0.512)


def test_ipass_responders_per_thousand():
    # atmp-economics.md section 1.2: 116 / 271 / 303 responders per 1,000 (hand calculation)
    rows = {r["strategy"]: r for r in compare(load_scenario(bundled("egfr_test_and_treat"))).rows}
    assert rows["tki_for_all"]["responder_fraction"] * 1000 == pytest.approx(116.15)
    assert rows["chemo_for_all"]["responder_fraction"] * 1000 == pytest.approx(270.7)
    assert rows["test_and_treat"]["responder_fraction"] * 1000 == pytest.approx(302.8535)
    assert round(rows["test_and_treat"]["responder_fraction"] * 1000) == 303


def test_tree_costs_and_entry_into_states():
    sc = load_scenario(bundled("egfr_test_and_treat"))
    o = evaluate_strategy(sc, "test_and_treat")
    tested_positive = 0.15 * 0.95 + 0.85 * 0.01
    assert o.costs["test"][0] == pytest.approx(300)
    assert o.costs["drug"][0] == pytest.approx(tested_positive * 30000 + (1 - tested_positive) * 10000)
    assert o.trace[0, 0].sum() == pytest.approx(1.0)  # everyone enters the cohort model
    assert o.trace[0, 0, 0] == pytest.approx(0.3028535)  # responders start in Responding


def test_cart_pathway_conserves_mass_and_charges_only_the_infused():
    sc = load_scenario(bundled("cart_pediatric_all"))
    o = evaluate_strategy(sc, "cart")
    assert_allclose(o.trace[0].sum(axis=1), 1.0, rtol=1e-12)
    assert sum(o.leaves.values())[0] == pytest.approx(1.0)
    infused = 1 - 8 / 97 - 10 / 97
    assert o.costs["product"][0] == pytest.approx(475000 * infused)
    assert o.responders[0] == pytest.approx(8 / 97 * 0.20 + infused * 0.82)


def test_lookup_table_by_age(write_scenario, tmp_path):
    (tmp_path / "mortality.csv").write_text((DATA / "mortality.csv").read_text())
    text = """
title: life table
currency: EUR
settings: {cycles: 3, cycle_length: 5, start_age: 5, method: beginning}
tables:
  qx: {file: mortality.csv, key: age, value: q}
states:
  alive: {utility: 1}
  dead: {alive: false}
transitions:
  alive: {alive: rest, dead: qx(age)}
  dead: {dead: 1}
strategies:
  only: {label: x}
"""
    (o,) = evaluate(load_scenario(write_scenario(text)))
    # cycles start at ages 5, 10, 15: q = 0.01, 0.02, 0.02 (step look-up)
    assert_allclose(o.trace[0, :, 0], [1, 0.99, 0.99 * 0.98, 0.99 * 0.98 * 0.98])


def test_many_samples_equal_separate_evaluations():
    sc = load_scenario(bundled("sick_sicker"))
    draws = {"r_HS1": np.array([0.1, 0.15, 0.2]), "c_S2": np.array([10000.0, 15000.0, 20000.0])}
    batch = evaluate_strategy(sc, "B", draws)
    for s in range(3):
        single = evaluate_strategy(sc, "B", {k: v[s : s + 1] for k, v in draws.items()})
        assert batch.cost[s] == pytest.approx(single.cost[0], rel=1e-13)
        assert batch.qalys[s] == pytest.approx(single.qalys[0], rel=1e-13)
    base = evaluate_strategy(sc, "B")
    assert batch.cost[1] == pytest.approx(base.cost[0], rel=1e-13)


def test_time_dependent_transitions_use_cycle_numbers():
    sc = load_scenario(bundled("hiv_chancellor"))
    combo = evaluate_strategy(sc, "combination")
    # relative risk 0.509 in cycles 1 and 2 only; from cycle 3 the monotherapy matrix applies
    p_ab = 350 / 1734
    assert combo.trace[0, 1, 1] == pytest.approx(p_ab * 0.509)

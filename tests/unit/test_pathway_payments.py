"""Cell/gene-therapy pathway and payment models against hand calculations (atmp-economics.md 2.3-2.5)."""

import math

import numpy as np
import pytest

from atmpcli.analysis.compare import compare
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.payment_schedules import annuity_instalment, schedule
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

# One therapy priced 2.0 M; responders stay in Response with S(t) = 1, .90, .85, .80, .78 at t = 0..4.
MODEL = """
title: payments
currency: USD
settings: {cycles: 5, discount: {costs: 0.03, effects: 0.03}, method: end}
parameters:
  price: 2000000
  lose: "ifelse(cycle == 1, 0.10, ifelse(cycle == 2, 1 - 0.85 / 0.90, ifelse(cycle == 3, 1 - 0.80 / 0.85, ifelse(cycle == 4, 1 - 0.78 / 0.80, 0))))"
states:
  Response: {utility: 1}
  Lost: {utility: 0.5}
transitions:
  Response: {Response: rest, Lost: lose}
  Lost: {Lost: 1}
population: {subgroups: {all: {prevalence: 1}}}
treatments:
  gt:
    response: 1
    response_state: Response
    no_response_state: Lost
    pathway:
      price: price
      payment: PAYMENT
strategies:
  gene_therapy: {treat_all: gt}
"""


def product_cost(payment: str, write) -> float:
    sc = load_scenario(write(MODEL.replace("PAYMENT", payment)))
    return float(evaluate_strategy(sc, "gene_therapy").costs["product"][0])


def test_instalments_present_value(write_scenario):
    # $2.0M in 5 equal yearly instalments from t = 0, discounted at 3 %: $1.887M (own calculation, 2.3)
    pv = product_cost("{type: instalments, instalments: 5}", write_scenario)
    assert pv == pytest.approx(400000 * sum(1.03**-t for t in range(5)))
    assert round(pv / 1e3) / 1e3 == 1.887
    assert product_cost("{type: upfront}", write_scenario) == pytest.approx(2.0e6)


def test_instalments_paid_only_while_in_response(write_scenario):
    # the same instalments, each paid only if the patient is still in response: expected PV $1.640M
    pv = product_cost(
        "{type: outcome_based, times: [0, 1, 2, 3, 4], fractions: [0.2, 0.2, 0.2, 0.2, 0.2], "
        "condition: in_states, states: [Response]}",
        write_scenario,
    )
    assert pv == pytest.approx(400000 * sum(s * 1.03**-t for t, s in enumerate([1, 0.9, 0.85, 0.8, 0.78])))
    assert round(pv / 1e3) / 1e3 == 1.640


def test_financing_rate_and_rebate(write_scenario):
    # with 5 % financing, each instalment is the annuity that repays 2.0 M at 5 %
    a = 2e6 / sum(1.05**-k for k in range(5))
    assert annuity_instalment(np.array([2e6]), 5, 0.05)[0] == pytest.approx(a)
    pv = product_cost("{type: instalments, instalments: 5, financing_rate: 0.05}", write_scenario)
    assert pv == pytest.approx(a * sum(1.03**-t for t in range(5)))
    # upfront with a 17 % refund if not in response at year 4 (S = 0.78): refund 0.17 * 0.22 * price at t = 4
    rebate = product_cost(
        "{type: upfront, rebate_fraction: 0.17, rebate_time: 4, condition: in_states, states: [Response]}",
        write_scenario,
    )
    assert rebate == pytest.approx(2e6 - 2e6 * 0.17 * 0.22 * 1.03**-4)


def test_cash_flows_by_year():
    flow = schedule("instalments", np.array([2e6]), instalments=5)
    assert flow.by_year(6)[0].tolist() == [400000.0] * 5 + [0.0]
    assert flow.nominal[0] == pytest.approx(2e6)


def test_pathway_itt_and_infused():
    sc = load_scenario(bundled("cart_pediatric_all"))
    o = evaluate_strategy(sc, "cart")
    mf, ni = 8 / 97, 10 / 97
    # ELIANA: the drop-out hazard over 54 days reproduces 10 of 97 not infused
    assert o.metrics["infused"][0] == pytest.approx(1 - mf - ni)
    assert o.leaves["eligible/cart/pathway/dropout"][0] == pytest.approx(ni)
    assert o.costs["product"][0] == pytest.approx(475000 * (1 - mf - ni))  # not charged when not infused
    assert o.costs["cart_pathway"][0] == pytest.approx(15000 + 60000 * (1 - mf - ni))  # apheresis for all
    assert o.infused is not None
    assert o.infused.responders[0] == pytest.approx(0.82)
    assert o.infused.costs["product"][0] == pytest.approx(475000)
    assert o.responders[0] == pytest.approx(mf * 0.20 + (1 - mf - ni) * 0.82)


def test_shorter_vein_to_vein_time_loses_fewer_patients():
    base = {r["strategy"]: r for r in compare(load_scenario(bundled("cart_pediatric_all"))).rows}
    poc = {
        r["strategy"]: r for r in compare(load_scenario(bundled("cart_pediatric_all"), variant="point_of_care")).rows
    }
    h = -math.log(1 - (10 / 97) / (89 / 97)) / (54 / 30.4375)
    dropout_24 = (89 / 97) * (1 - math.exp(-h * 24 / 30.4375))
    assert poc["cart"]["infused_fraction"] == pytest.approx(1 - 8 / 97 - dropout_24)
    assert poc["cart"]["qalys"] > base["cart"]["qalys"]


def test_charge_if_not_infused(write_scenario):
    text = (
        bundled("cart_pediatric_all").read_text().replace("charge_if_not_infused: false", "charge_if_not_infused: true")
    )
    sc = load_scenario(write_scenario(text))
    assert evaluate_strategy(sc, "cart").costs["product"][0] == pytest.approx(475000)

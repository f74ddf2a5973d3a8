"""Test-and-treat trees: misclassification, failures and retests, delays, generated strategies, errors."""

import numpy as np
import pytest

from atmpcli.analysis.compare import compare
from atmpcli.errors import ScenarioError
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

BASE = """
title: t
currency: EUR
settings: {effect: responders}
parameters:
  f: 0.1
population:
  subgroups:
    pos: {prevalence: 0.3}
    neg: {prevalence: rest}
tests:
  t1: {positive_for: pos, sensitivity: 0.9, specificity: 0.8, cost: 100, failure_rate: f, turnaround_days: 10,
       delay_qalys_per_day: 0.001}
treatments:
  x: {response: {pos: 0.6, neg: 0.1}, costs: {drug: 1000}}
  y: {response: 0.3, costs: {drug: 200}}
strategies:
  tnt: {test: t1, positive: x, negative: y}
"""


def load(text, write):
    return load_scenario(write(text))


def test_perfect_test_at_prevalence_one_equals_treat_all():
    sets = {"prevalence": 1.0, "sensitivity": 1.0, "specificity": 1.0, "c_test": 0.0}
    rows = {r["strategy"]: r for r in compare(load_scenario(bundled("egfr_test_and_treat"), sets=sets)).rows}
    for column in ("cost", "qalys", "life_years", "responder_fraction"):
        assert rows["test_and_treat"][column] == pytest.approx(rows["tki_for_all"][column], rel=1e-12)


def test_failures_retests_and_delay_by_hand(write_scenario):
    sc = load(BASE, write_scenario)
    o = evaluate_strategy(sc, "tnt")
    f2 = 0.1**2  # failed once, repeated once, failed again
    assert o.costs["test"][0] == pytest.approx(100 * 1.1)  # 1 + failure_rate tests per person
    assert o.qalys[0] == pytest.approx(-0.001 * 10 * 1.1)
    tp, fn = 0.3 * (1 - f2) * 0.9, 0.3 * (1 - f2) * 0.1
    fp, tn = 0.7 * (1 - f2) * 0.2, 0.7 * (1 - f2) * 0.8
    assert o.metrics["true_positive"][0] == pytest.approx(tp)
    assert o.metrics["no_result"][0] == pytest.approx(f2)
    assert tp + fn + fp + tn + f2 == pytest.approx(1)
    # no result -> treated as negative (y); responders: TP x(+) + FP x(-) + (FN + TN + no result) y
    expected = tp * 0.6 + fp * 0.1 + (fn + tn + f2) * 0.3
    assert o.responders[0] == pytest.approx(expected)
    assert o.metrics["responders_missed"][0] == pytest.approx((fn + 0.3 * f2) * 0.6)
    assert sum(o.leaves.values())[0] == pytest.approx(1)
    assert o.costs["drug"][0] == pytest.approx((tp + fp) * 1000 + (1 - tp - fp) * 200)


def test_on_failure_positive_and_untreated(write_scenario):
    pos = load(
        BASE.replace("delay_qalys_per_day: 0.001}", "delay_qalys_per_day: 0.001, on_failure: positive}"), write_scenario
    )
    o = evaluate_strategy(pos, "tnt")
    f2 = 0.01
    treated_x = 0.3 * 0.99 * 0.9 + 0.7 * 0.99 * 0.2 + f2
    assert o.costs["drug"][0] == pytest.approx(treated_x * 1000 + (1 - treated_x) * 200)


def test_generated_strategies(write_scenario):
    text = BASE.replace("strategies:\n  tnt: {test: t1, positive: x, negative: y}\n", "generate_strategies: true\n")
    sc = load(text, write_scenario)
    assert [s.name for s in sc.strategies] == ["treat_all_x", "treat_all_y", "test_t1_x_else_y", "test_t1_y_else_x"]
    rows = {r["strategy"]: r for r in compare(sc).rows}
    assert rows["treat_all_x"]["responder_fraction"] == pytest.approx(0.3 * 0.6 + 0.7 * 0.1)
    assert np.isnan(rows["treat_all_x"]["ppv"]) and rows["test_t1_x_else_y"]["ppv"] > 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("positive: x, negative: y}", "positive: z, negative: y}", "strategies.tnt.positive: unknown treatment 'z'"),
        (
            "y: {response: 0.3,",
            "y: {response: {pos: 0.3},",
            "treatments.y.response: no response probability for subgroup 'neg'",
        ),
        ("positive_for: pos,", "positive_for: poss,", "unknown subgroup 'poss' (did you mean 'pos'?)"),
        ("tnt: {test: t1, positive: x, negative: y}", "tnt: {test: t1, positive: x}", "needs positive and negative"),
        (
            "tnt: {test: t1, positive: x, negative: y}",
            "tnt: {treat_all: x, treat_none: true}",
            "give one of tree, treat_all, test or treat_none, not treat_all and treat_none",
        ),
    ],
)
def test_errors(old, new, message, write_scenario):
    assert old in BASE
    with pytest.raises(ScenarioError) as err:
        load(BASE.replace(old, new), write_scenario)
    assert message in str(err.value)


def test_treat_none_needs_an_untreated_state(write_scenario):
    text = """
title: t
currency: EUR
states: {a: {utility: 1}, b: {utility: 0.5}}
transitions: {a: {a: 1}, b: {b: 1}}
settings: {cycles: 2}
population: {subgroups: {all: {prevalence: 1}}}
treatments: {x: {response: 0.5, response_state: a, no_response_state: b}}
strategies:
  none: {treat_none: true}
  x: {treat_all: x}
"""
    with pytest.raises(ScenarioError, match="treat_none needs population.untreated_state"):
        load(text, write_scenario)
    ok = load(
        text.replace(
            "population: {subgroups: {all: {prevalence: 1}}}",
            "population: {subgroups: {all: {prevalence: 1}}, untreated_state: b}",
        ),
        write_scenario,
    )
    rows = {r["strategy"]: r for r in compare(ok).rows}
    # 2 cycles, life-table weights 1/2, 1, 1/2: 2 person-years; x: half in a (u 1), half in b (u 0.5)
    assert rows["x"]["qalys"] == pytest.approx(0.75 * 2)
    assert rows["none"]["qalys"] == pytest.approx(0.5 * 2)

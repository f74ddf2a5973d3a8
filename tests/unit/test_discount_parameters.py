"""Discount rates and thresholds written as parameters (issue 15): DSA rows and PSA draws on them.

The numbers come from hand calculations on a two-state model, from separate runs with the rate set as a
number (``--set settings.discount.costs=...``, the independent method), and from numerical integration.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from scipy import integrate

from atmpcli.analysis.compare import compare
from atmpcli.analysis.dsa import sensitivity
from atmpcli.analysis.psa import run_psa
from atmpcli.errors import ModelError, ScenarioError
from atmpcli.model.cycle_correction_and_discounting import reward_weights
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

# Two states, 3 yearly cycles, counted at the end of each cycle: 80 % survive each cycle, so the cohort
# alive after cycles 1..3 is 0.8, 0.64, 0.512. `new` costs 500 a year more while alive and gives 0.1
# more utility; costs are discounted at dr_c, effects not.
TWO_STATE = """
title: two states
currency: EUR
settings:
  cycles: 3
  method: end
  discount: {costs: dr_c, effects: 0}
  wtp: [k]
parameters:
  dr_c: {value: 0.05, low: 0.0, high: 0.06, distribution: {type: uniform, min: 0, max: 0.06}}
  k: {value: 10000, low: 4000, high: 50000}
  p_die: 0.2
  new: 0
states:
  alive: {costs: {care: 1000 + 500 * new}, utility: 0.5 + 0.1 * new}
  dead: {alive: false}
transitions:
  alive: {alive: rest, dead: p_die}
  dead: {dead: 1}
strategies:
  old: {label: "usual care"}
  new: {parameters: {new: 1}}
"""
ALIVE = np.array([0.8, 0.64, 0.512])


def extra_cost(rate: float) -> float:
    """By hand: 500 a year while alive, discounted at t = 1, 2, 3."""
    return float(500 * (ALIVE / (1 + rate) ** np.arange(1, 4)).sum())


EXTRA_QALYS = 0.1 * ALIVE.sum()  # 0.1952, undiscounted


def test_a_discount_rate_parameter_by_hand(write_scenario):
    path = write_scenario(TWO_STATE)
    for rate in (0.05, 0.0, 0.035):
        rows = {r["strategy"]: r for r in compare(load_scenario(path, sets={"dr_c": rate})).rows}
        assert rows["new"]["cost"] - rows["old"]["cost"] == pytest.approx(extra_cost(rate), rel=1e-13)
    assert extra_cost(0.05) == pytest.approx(892.3442392830143, rel=1e-13)  # 500 (0.8/1.05 + ...), by hand


def test_dsa_rows_on_the_discount_rate_and_the_threshold_by_hand(write_scenario):
    sc = load_scenario(write_scenario(TWO_STATE))
    ow = sensitivity(sc, outcome="inc_nmb")
    rows = ow.tornado.set_index("parameter")
    nmb = lambda k, rate: k * EXTRA_QALYS - extra_cost(rate)  # noqa: E731
    assert rows.loc["dr_c", "value_low"] == pytest.approx(nmb(10000, 0.0), rel=1e-12)
    assert rows.loc["dr_c", "value_high"] == pytest.approx(nmb(10000, 0.06), rel=1e-12)
    assert rows.loc["k", "value_low"] == pytest.approx(nmb(4000, 0.05), rel=1e-12)
    assert rows.loc["k", "value_high"] == pytest.approx(nmb(50000, 0.05), rel=1e-12)
    assert ow.base_value == pytest.approx(nmb(10000, 0.05), rel=1e-12)
    # a threshold given on the command line is fixed: the row on k no longer moves the NMB
    fixed = sensitivity(sc, outcome="inc_nmb", wtp=10000).tornado.set_index("parameter")
    assert fixed.loc["k", "swing"] == 0
    # two-way: the discount rate against the threshold, each cell by hand
    tw = sensitivity(sc, outcome="inc_nmb", two_way_parameters=["dr_c", "k"], steps=3).grid
    for _, row in tw.iterrows():
        assert row["value"] == pytest.approx(nmb(row["value_b"], row["value_a"]), rel=1e-12)
        assert row["optimal"] == ("new" if nmb(row["value_b"], row["value_a"]) > 0 else "old")


def test_heemod_dsa_discount_row_equals_separate_runs_with_set():
    # heemod's vignette 'Deterministic Sensitivity Analysis' varies dr in 0.04..0.08; NICE's
    # sensitivity case is 1.5 %. Each tornado value must be what a run with the rate as a number gives.
    sc = load_scenario(bundled("heemod_hiv_psa"), variant="dsa_vignette")
    for outcome, measure in (("inc_cost", "cost"), ("icer", "icer")):
        ow = sensitivity(sc, parameters=["dr"], outcome=outcome)
        for rate, got in ((0.04, ow.low_values[0]), (0.08, ow.high_values[0])):
            separate = load_scenario(
                bundled("heemod_hiv_psa"), variant="dsa_vignette", sets={"settings.discount.costs": rate}
            )
            rows = {r["strategy"]: r for r in compare(separate).rows}
            expected = rows["comb"][measure] - (rows["mono"][measure] if measure == "cost" else 0)
            assert got == pytest.approx(expected, rel=1e-12)
    nice = load_scenario(bundled("heemod_hiv_psa"), sets={"dr": 0.015})
    by_number = load_scenario(bundled("heemod_hiv_psa"), sets={"settings.discount.costs": 0.015})
    assert [o.cost[0] for o in evaluate(nice)] == pytest.approx([o.cost[0] for o in evaluate(by_number)], rel=1e-13)


def test_psa_on_the_discount_rate_per_sample_and_on_average(write_scenario):
    sc = load_scenario(write_scenario(TWO_STATE))
    psa = run_psa(sc, 4000, seed=3, keep_draws=True)
    rate = psa.draws["dr_c"]
    assert rate.min() >= 0 and rate.max() <= 0.06 and np.ptp(rate) > 0.05
    inc = psa.costs[:, 1] - psa.costs[:, 0]
    # each sample at its own rate, vectorised over samples: the hand formula at that sample's rate
    np.testing.assert_allclose(inc, [extra_cost(r) for r in rate], rtol=1e-13)
    # the mean over the uniform(0, 0.06) rate by numerical integration, within Monte-Carlo error
    expected, _ = integrate.quad(lambda r: extra_cost(r) / 0.06, 0, 0.06)
    se = inc.std(ddof=1) / np.sqrt(len(inc))
    assert abs(inc.mean() - expected) < 4 * se
    # the old strategy's total also follows its rate: 1000 a year while alive
    np.testing.assert_allclose(psa.costs[:, 0], 2 * np.array([extra_cost(r) for r in rate]), rtol=1e-13)


@pytest.mark.parametrize("method", ["life-table", "end", "beginning", "half-cycle", "simpson"])
@pytest.mark.parametrize("timing", ["time", "year-start", "cycle-start", "cycle-end"])
def test_weights_for_a_rate_per_sample_are_the_weights_of_each_rate(method, timing):
    if timing.startswith("cycle") and method not in ("beginning", "end", "life-table"):
        return
    rates = np.array([0.0, 0.015, 0.035, 0.06])
    got = reward_weights(method, 6, rates, 0.5, timing)
    assert got.shape == (7, 4)
    for s, r in enumerate(rates):
        np.testing.assert_array_equal(got[:, s], reward_weights(method, 6, float(r), 0.5, timing))


def test_discount_rate_written_as_one_formula_for_both(write_scenario):
    text = TWO_STATE.replace("discount: {costs: dr_c, effects: 0}", "discount: dr_c")
    rows = {r["strategy"]: r for r in compare(load_scenario(write_scenario(text), sets={"dr_c": 0.06})).rows}
    q = 0.1 * (ALIVE / 1.06 ** np.arange(1, 4)).sum()
    assert rows["new"]["qalys"] - rows["old"]["qalys"] == pytest.approx(q, rel=1e-13)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("discount: {costs: dr_c * cycle, effects: 0}", "cannot vary with cycle, time, age or state_time"),
        ("discount: {costs: dr_cc, effects: 0}", "unknown parameter 'dr_cc'"),
        ("discount: {costs: 1.5, effects: 0}", "a discount rate is between 0 and 1"),
        ("discount: {costs: dr_c + 1, effects: 0}", "discount rate 1.05 is outside \\[0, 1\\]"),
        ("wtp: [k]", None),
        ("wtp: [k - 20000]", "the threshold is -10000 in the base case"),
    ],
)
def test_bad_rates_and_thresholds_name_the_setting(write_scenario, change, message):
    key = change.split(":")[0]
    text = "\n".join(f"  {change}" if line.strip().startswith(f"{key}:") else line for line in TWO_STATE.splitlines())
    path = write_scenario(text)
    if message is None:
        load_scenario(path)
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = str(info.value)
    assert line.startswith(f"{path}:") and f"settings.{key}" in line
    assert re.search(message, line)


def test_a_drawn_rate_outside_0_1_names_the_sample(write_scenario):
    text = TWO_STATE.replace("{type: uniform, min: 0, max: 0.06}", "{type: normal, sd: 0.2}")
    sc = load_scenario(write_scenario(text))
    with pytest.raises((ScenarioError, ModelError), match=r"discount rate -?[0-9.e-]+ is outside \[0, 1\] in sample"):
        run_psa(sc, 50, seed=1)


def test_verify_passes_with_a_discount_parameter(write_scenario):
    from atmpcli.analysis.verification import verify

    for sc in (load_scenario(write_scenario(TWO_STATE)), load_scenario(bundled("heemod_hiv_psa"))):
        result = verify(sc)
        assert result.passed, result.table.to_string()


def test_psa_totals_too_large_to_summarise_are_an_error_not_inf(write_scenario):
    # 1e200 a year: each sample's total is finite, but its square (for the SD) is not
    text = TWO_STATE.replace("{care: 1000 + 500 * new}", "{care: 1e200 * (1 + new)}")
    with pytest.raises(ScenarioError, match=r"total cost of strategy old is \d\.\d+e\+200 in sample 1: beyond 1e\+150"):
        run_psa(load_scenario(write_scenario(text)), 16, seed=1)


@pytest.mark.parametrize(
    ("name", "variant"),
    [("cll8_fcr_psm", None), ("cart_pediatric_all", "instalments"), ("cart_pediatric_all", None)],
)
def test_a_dsa_row_on_the_rates_equals_separate_runs_in_every_engine(name, variant):
    # partitioned survival, payments over time (their present value) and outcome-based payments
    data = yaml.safe_load(bundled(name).read_text())
    data.setdefault("parameters", {})["dr"] = {"value": 0.035, "low": 0.0, "high": 0.06}
    data["settings"]["discount"] = "dr"
    sc = load_scenario(bundled(name), text=yaml.safe_dump(data, sort_keys=False), variant=variant)
    ow = sensitivity(sc, parameters=["dr"], outcome="inc_cost")
    for rate, got in ((0.0, ow.low_values[0]), (0.06, ow.high_values[0])):
        separate = load_scenario(bundled(name), variant=variant, sets={"settings.discount": rate})
        rows = {r["strategy"]: r for r in compare(separate).rows}
        assert got == pytest.approx(rows[ow.strategy]["cost"] - rows[ow.comparator]["cost"], rel=1e-12)

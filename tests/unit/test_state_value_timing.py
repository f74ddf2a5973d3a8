"""settings.state_value_timing: cycle, heemod's convention for state values that change over time.

heemod (R/correct_counts.R, R/strategy_eval.R compute_values) evaluates a state value once per cycle k
(model_time = k) and multiplies it by the corrected count of that cycle: (m[k-1] + m[k]) / 2 for
life-table, m[k-1] for beginning, m[k] for end. atmpcli's default counts values at time points instead.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.errors import ScenarioError
from atmpcli.model.cycle_correction_and_discounting import cycle_value_weights, reward_weights
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import load_variant

TWO_STATES = """\
title: Values per cycle
currency: EUR
settings:
  cycles: 3
  discount: {rate}
  discount_timing: {timing}
  state_value_timing: {value_timing}
parameters:
  c_alive: "100 * cycle"
states:
  alive: {{costs: {{care: c_alive}}, utility: 1}}
  dead: {{alive: false}}
transitions:
  alive: {{alive: rest, dead: 0.1}}
  dead: {{dead: 1}}
strategies:
  usual: {{label: Usual care}}
"""


def cost(write_scenario, rate=0.0, timing="time", value_timing="cycle") -> float:
    text = TWO_STATES.format(rate=rate, timing=timing, value_timing=value_timing)
    (outcome,) = evaluate(load_scenario(write_scenario(text)))
    return float(outcome.cost[0])


def test_by_hand(write_scenario):
    # alive: m = 1, 0.9, 0.81, 0.729; the cost of cycle k is 100 k
    heemod = 100 * (1 + 0.9) / 2 + 200 * (0.9 + 0.81) / 2 + 300 * (0.81 + 0.729) / 2  # 496.85
    points = 0 * 1 / 2 + 100 * 0.9 + 200 * 0.81 + 300 * 0.729 / 2  # time point t costs 100 t: 361.35
    assert_allclose(cost(write_scenario), heemod, rtol=1e-14)
    assert_allclose(cost(write_scenario, value_timing="time-point"), points, rtol=1e-14)
    # heemod's discount(x, r): cycle k at k - 1 years
    discounted = 100 * 1.9 / 2 + 200 * 1.71 / 2 / 1.05 + 300 * 1.539 / 2 / 1.05**2
    assert_allclose(cost(write_scenario, 0.05, "cycle-start"), discounted, rtol=1e-14)


def test_weights_add_up_to_the_time_point_weights():
    for method in ("life-table", "beginning", "end"):
        for timing in ("time", "year-start", "cycle-start", "cycle-end"):
            own, nxt = cycle_value_weights(method, 7, 0.035, 0.5, timing)
            assert own[0] == nxt[-1] == 0
            assert_allclose(own + nxt, reward_weights(method, 7, 0.035, 0.5, timing), rtol=1e-15)


def test_against_the_trace_of_heemods_introductory_model():
    # heemod_intro with values that change every cycle, combined on the trace as compute_values does
    states = {
        "A": {"costs": {"state": "1234 * 0.9 ^ cycle"}, "utility": 0.85},
        "B": {"costs": {"state": 4321}, "utility": "0.5 + 0.01 * cycle"},
    }
    settings = {"state_value_timing": "cycle", "discount": 0.06, "discount_timing": "cycle-start"}
    (outcome,) = evaluate(load_variant("heemod_intro", settings, states=states))
    m = outcome.trace[0]  # (n + 1, states) per person
    k = np.arange(1, 11)
    counted = (m[:-1] + m[1:]) / 2
    d = 1.06 ** -(k - 1.0)
    assert_allclose(outcome.cost[0], np.sum(d * (1234 * 0.9**k * counted[:, 0] + 4321 * counted[:, 1])), rtol=1e-13)
    assert_allclose(outcome.qalys[0], np.sum(d * (0.85 * counted[:, 0] + (0.5 + 0.01 * k) * counted[:, 1])), rtol=1e-13)
    undiscounted = np.sum(1234 * 0.9**k * counted[:, 0] + 4321 * counted[:, 1])
    assert_allclose(outcome.cost_undiscounted[0], undiscounted, rtol=1e-13)
    assert_allclose(outcome.cost_points[0].sum(), undiscounted, rtol=1e-13)  # the budget's cost per time point


def test_a_value_constant_in_time_is_the_same_either_way():
    (a,) = evaluate(load_variant("heemod_intro", {"state_value_timing": "cycle"}))
    assert_allclose(a.cost[0], 19796855.6588 / 1000, rtol=1e-11)  # heemod's published total (vignette)


TUNNEL = """\
title: Tunnel with values per cycle
currency: EUR
settings: {{cycles: 6, discount: 0.03, state_value_timing: cycle}}
states:
  well: {{costs: {{care: 0}}, utility: 1}}
{sick}
  dead: {{alive: false}}
transitions:
  well: {{well: rest, {entry}: 0.2, dead: 0.01}}
{rows}
  dead: {{dead: 1}}
strategies:
  usual: {{label: Usual care}}
"""


def test_a_tunnel_state_equals_its_sub_states_written_out(write_scenario):
    # a value of the clock and of state_time is evaluated cycle by cycle in the tunnel (Value.per_point)
    tunnel = TUNNEL.format(
        sick='  sick: {tunnel_cycles: 2, costs: {care: "100 * cycle + 10 * state_time"}, utility: 0.5}',
        entry="sick",
        rows="  sick: {sick: rest, dead: 0.2}",
    )
    spelled = TUNNEL.format(
        sick='  sick1: {costs: {care: "100 * cycle + 10"}, utility: 0.5}\n'
        '  sick2: {costs: {care: "100 * cycle + 20"}, utility: 0.5}',
        entry="sick1",
        rows="  sick1: {sick2: rest, dead: 0.2}\n  sick2: {sick2: rest, dead: 0.2}",
    )
    (a,), (b,) = (evaluate(load_scenario(write_scenario(t, f"{i}.yaml"))) for i, t in enumerate([tunnel, spelled]))
    assert_allclose(a.cost[0], b.cost[0], rtol=1e-13)
    assert a.cost[0] > 0


def test_needs_a_method_counting_cycle_starts_and_ends(write_scenario):
    text = (
        TWO_STATES.format(rate=0, timing="time", value_timing="cycle")
        .replace("  discount: 0\n", "  discount: 0\n  method: simpson\n")
        .replace("cycles: 3", "cycles: 4")
    )
    with pytest.raises(ScenarioError, match="need method beginning, end or life-table, not 'simpson'"):
        load_scenario(write_scenario(text))


@pytest.mark.parametrize("timing", ["time", "year-start", "cycle-start", "cycle-end"])
def test_per_cycle_weights_with_a_rate_per_sample_are_the_scalar_weights_side_by_side(timing):
    # a discount rate drawn per sample (settings.discount as a parameter) gives each sample its own column
    rates = np.array([0.0, 0.015, 0.035, 0.06])
    own, nxt = cycle_value_weights("life-table", 7, rates, 0.5, timing)
    for j, r in enumerate(rates):
        o, x = cycle_value_weights("life-table", 7, float(r), 0.5, timing)
        np.testing.assert_array_equal(own[:, j], o)
        np.testing.assert_array_equal(nxt[:, j], x)

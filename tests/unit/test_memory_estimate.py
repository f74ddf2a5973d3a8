"""The memory estimate follows the engine's arrays: states (tunnels expanded), cycles, time dependence, batch."""

import numpy as np
import pytest

from atmpcli.analysis.memory_estimate import Request, analysis_bytes, check_model, model_bytes, psa_chunk
from atmpcli.analysis.psa import run_psa, whole_blocks
from atmpcli.errors import ModelError, ScenarioError
from atmpcli.limits import GIB, MIB
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

MODEL = """\
title: Sizes
currency: EUR
settings: {cycles: 10, start_age: 40}
parameters:
  p_die: 0.1
states:
  well: {costs: {care: 10}, utility: 0.9}
  sick: {utility: 0.5}
  dead: {alive: false}
transitions:
  well: {well: rest, sick: 0.1, dead: p_die}
  sick: {sick: rest, dead: 0.2}
  dead: {dead: 1}
strategies:
  a: {label: A}
"""


def scenario(write_scenario, text: str = MODEL):
    return load_scenario(write_scenario(text))


def test_a_time_homogeneous_model(write_scenario):
    # per sample: 6 transition entries (well: rest, sick, dead; sick: rest, dead; dead: dead), 3 state values
    # (well's cost and utility, sick's utility), 7 vectors per state (occupancy now/next/flows, running sums),
    # and on the 11 time points the trace of 3 states and the cost, QALYs and life-years
    assert model_bytes(scenario(write_scenario), 1000) == 8 * 1000 * (6 + 3 + 7 * 3 + 11 * (3 + 3))


def test_time_dependence_through_a_parameter_multiplies_its_entry_by_the_cycles(write_scenario):
    text = MODEL.replace("  p_die: 0.1", "  p_die: 'ifelse(age > 45, 0.2, 0.1)'")
    # well -> dead now holds one value per cycle (10) instead of 1, twice (formula values, checked probabilities)
    assert model_bytes(scenario(write_scenario, text), 1000) == 8 * 1000 * (6 + 19 + 3 + 7 * 3 + 11 * (3 + 3))


def test_tunnels_and_transition_rewards(write_scenario):
    # sick as a 5-cycle tunnel: 7 expanded states, each with its 7 vectors; no states x states array and no
    # weighted copy for the transition reward (its flows are among the occupancy vectors); the trace is
    # kept on the user's 3 states
    text = MODEL.replace("  sick: {utility: 0.5}", "  sick: {utility: 0.5, tunnel_cycles: 5}")
    text += "transition_rewards:\n  - {to: dead, costs: {care: 100}}\n"
    assert model_bytes(scenario(write_scenario, text), 1000) == 8 * 1000 * (6 + 3 + 7 * 7 + 11 * (3 + 3))


def test_results_thresholds_and_draws_add_up(write_scenario):
    sc = scenario(write_scenario)
    plain = analysis_bytes(sc, Request(samples=5000, batch=1000), 1)
    assert plain == model_bytes(sc, 1000) + 8 * 5000 * 1 * 6
    more = analysis_bytes(sc, Request(samples=5000, batch=1000, thresholds=10, drawn=3, evppi_groups=(2,)), 1)
    # rows: 600 bytes x 10 thresholds x (2 + 3 + 1); draws 8 x 5,000 x 3 x 2; EVPPI basis 1 + 8 + 1 columns x 3
    assert more - plain == 600 * 10 * 6 + 8 * 5000 * 3 * 2 + 8 * 5000 * 10 * 3


def test_a_model_beyond_the_budget_is_refused_where_it_is_sized(write_scenario):
    text = MODEL.replace("  sick: {utility: 0.5}", "  sick: {utility: 0.5, tunnel_cycles: 10000}")
    text = text.replace("cycles: 10,", "cycles: 100000,")
    sc = scenario(write_scenario, text)
    with pytest.raises(ModelError) as err:
        check_model(sc, 4 * MIB)
    # 8 x (6 + 3 + 7 x 10,002 + 100,001 x 6) bytes = 5.1 MiB
    assert 8 * (6 + 3 + 7 * 10_002 + 100_001 * 6) / MIB == pytest.approx(5.11, abs=0.005)
    assert str(sc.located(err.value)).endswith(
        ":8:39: states.sick.tunnel_cycles: the model (10,002 states with tunnels expanded, 100,000 cycles) "
        "needs about 5.1 MiB of memory; --memory is 4 MiB"
    )
    check_model(sc, 6 * MIB)  # fits a larger budget


def test_psa_chunks_are_whole_blocks_or_fractions_of_one_that_fit_half_the_budget():
    sick_sicker = load_scenario(bundled("sick_sicker"))
    per_block = model_bytes(sick_sicker, 8192)  # about 36 MiB: 1 block fits in 128 MiB
    assert int(128 * MIB / 2 // per_block) == 1 and psa_chunk(sick_sicker, 128 * MIB) == 8192
    assert psa_chunk(sick_sicker, GIB) == psa_chunk(sick_sicker, 64 * GIB) == 8192  # at most MAX_CHUNK_BLOCKS (1)
    # 78 sub-states with state_time-dependent rows: about 13 KB per sample (the dense engine needed 7.3 MB)
    residence = load_scenario(bundled("sick_sicker_state_residence"))
    assert 10_000 < model_bytes(residence, 1) < 20_000
    assert psa_chunk(residence, GIB) == 8192
    # 64 MiB hold about 3,900 samples of 17 kB: the largest power-of-two fraction of a block is 2,048
    assert psa_chunk(residence, 128 * MIB) == 2048
    assert [whole_blocks(n) for n in (1, 3, 100, 8191, 8192, 20000)] == [1, 2, 64, 4096, 8192, 16384]


def test_a_psa_in_smaller_chunks_gives_identical_results():
    sc = load_scenario(bundled("sick_sicker"))
    a, b = run_psa(sc, 700, seed=3), run_psa(sc, 700, seed=3, chunk=64)
    assert np.array_equal(a.costs, b.costs) and np.array_equal(a.effects, b.effects)


def test_the_api_sizes_a_psa_too():
    import atmpcli

    with pytest.raises(ScenarioError, match=r"this PSA \(100,000,000 samples, 3 thresholds\) needs about .* GiB"):
        atmpcli.load("sick_sicker").psa(samples=100_000_000)
    with pytest.raises(ScenarioError, match="--memory is 1 MiB"):
        atmpcli.load("sick_sicker", memory=MIB).psa(samples=20_000)  # the results alone: 3.7 MiB


def test_a_gaussian_process_evppi_counts_its_matrix():
    """EVPPI by Gaussian process (analysis/gp.py) holds one n x n matrix, n = min(samples, 5,000), half as
    much again while it is factorised, and 200 posterior draws per response with their normal deviates:
    at 10,000 samples and 4 strategies (6 responses) 8 x (1.5 x 5,000^2 + 6 x 200 x 15,003) bytes."""
    gam = analysis_bytes(None, Request(samples=10_000, evppi_groups=(2,), evppi_method="gam"), 4)
    gp = analysis_bytes(None, Request(samples=10_000, evppi_groups=(2,), evppi_method="gp"), 4)
    assert gp - gam == pytest.approx(8 * (1.5 * 5000**2 + 6 * 200 * 15_003) - 8 * 10_000 * (1 + 8 + 1) * 3)
    auto = [analysis_bytes(None, Request(samples=10_000, evppi_groups=(p,)), 4) for p in (4, 5)]
    assert auto[1] - auto[0] > 400e6  # voi's rule: gam up to 4 parameters, gp beyond

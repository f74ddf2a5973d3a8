"""The cohort trace and its rewards."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from atmpcli.model.markov import cohort_trace, flows_into, state_rewards


def stochastic(raw):
    return raw / raw.sum(axis=-1, keepdims=True)


@given(
    arrays(float, (3, 4, 4), elements=st.floats(0.01, 1.0)),
    arrays(float, (3, 4), elements=st.floats(0.0, 1.0)),
    st.integers(1, 30),
)
def test_trace_conserves_mass(raw, start, n):
    P = stochastic(raw)[:, None]
    trace = cohort_trace(start, P, n)
    assert_allclose(trace.sum(axis=2), np.repeat(start.sum(axis=1)[:, None], n + 1, axis=1), rtol=1e-10, atol=1e-12)
    assert (trace >= 0).all()


def test_trace_matches_a_plain_loop_with_time_varying_matrices():
    rng = np.random.default_rng(1)
    P = stochastic(rng.random((2, 5, 3, 3)))
    start = np.array([[1.0, 0, 0], [0.5, 0.5, 0]])
    trace = cohort_trace(start, P, 5)
    for s in range(2):
        m = start[s]
        for k in range(5):
            m = m @ P[s, k]
            assert_allclose(trace[s, k + 1], m)


def test_state_rewards_and_flows():
    P = np.array([[[[0.9, 0.1], [0.0, 1.0]]]])
    trace = cohort_trace(np.array([[1.0, 0.0]]), P, 2)  # [1, 0], [.9, .1], [.81, .19]
    assert_allclose(state_rewards(trace, np.array([10.0, 0.0])), [[10, 9, 8.1]])
    entering_dead = flows_into(trace, P, np.array([[0.0, 1.0], [0.0, 0.0]]))
    assert_allclose(entering_dead, [[0, 0.1, 0.09]])

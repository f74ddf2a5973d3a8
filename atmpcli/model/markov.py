"""Cohort state-transition model: the trace and its expected rewards, batched over samples.

Shapes: S samples, n cycles, N states. Transition arrays are (S, T, N, N) with T = n when anything
varies with time and T = 1 otherwise (the fast path: one matrix reused every cycle).
"""

from __future__ import annotations

import numpy as np


def cohort_trace(start: np.ndarray, transitions: np.ndarray, n_cycles: int) -> np.ndarray:
    """State occupancy m[t] for t = 0..n: m[t] = m[t-1] @ P[t] (P[t] is the matrix of cycle t)."""
    samples, n_states = start.shape
    trace = np.empty((samples, n_cycles + 1, n_states))
    trace[:, 0] = start
    varying = transitions.shape[1] > 1
    m = start[:, None, :]
    for k in range(n_cycles):
        m = m @ transitions[:, k if varying else 0]
        trace[:, k + 1] = m[:, 0]
    return trace


def state_rewards(trace: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Expected reward at each time point: sum over states of occupancy x value. Returns (S, n+1).

    ``values`` broadcasts to (S, n+1, N): a per-state value that may vary by sample and time.
    """
    return np.einsum("stn,stn->st", trace, np.broadcast_to(values, trace.shape))


def flows_into(trace: np.ndarray, transitions: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Cohort share moving along the masked (from, to) pairs in each cycle; (S, n+1) with 0 at t = 0."""
    samples, points, _ = trace.shape
    out = np.zeros((samples, points))
    weighted = transitions * mask  # (S, T, N, N)
    if weighted.shape[1] == 1:
        out[:, 1:] = np.einsum("ski,sij->sk", trace[:, :-1], weighted[:, 0])
    else:
        out[:, 1:] = np.einsum("ski,skij->sk", trace[:, :-1], weighted)
    return out

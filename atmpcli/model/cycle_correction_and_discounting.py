"""Counting conventions, within-cycle corrections and discounting as one weight per time point.

The cohort is observed at time points t = 0..n (t = 0 is the starting distribution, t = k the state
after cycle k). A method gives each time point a weight; discounting multiplies it. Totals are then
``sum_t weight_t * reward_t``. See docs/methods.md for the formulas and their sources.
"""

from __future__ import annotations

import numpy as np

METHODS = ("beginning", "end", "life-table", "half-cycle", "trapezoid", "none", "simpson", "simpson-darth")


def correction_weights(method: str, n: int) -> np.ndarray:
    """Weights over time points 0..n for ``method`` (before discounting)."""
    w = np.ones(n + 1)
    if method == "beginning":
        w[n] = 0.0
    elif method == "end":
        w[0] = 0.0
    elif method in ("life-table", "half-cycle", "trapezoid"):
        w[0] = w[n] = 0.5
    elif method == "none":
        pass
    elif method == "simpson":
        if n % 2:
            raise ValueError("textbook Simpson needs an even number of cycles")
        w[1:n:2] = 4 / 3
        w[2:n:2] = 2 / 3
        w[0] = w[n] = 1 / 3
    elif method == "simpson-darth":
        # DARTH's gen_wcc(): 2/3 on odd t and 4/3 on even t (the reverse of textbook Simpson)
        w[1:n:2] = 2 / 3
        w[2:n:2] = 4 / 3
        w[0] = w[n] = 1 / 3
    else:
        raise ValueError(f"unknown method {method!r}")
    return w


def discount_factors(rate: float, times: np.ndarray) -> np.ndarray:
    """1 / (1 + rate) ** times, with ``times`` in years."""
    return np.power(1.0 + rate, -np.asarray(times, dtype=float))


def model_years_before(n: int, cycle_length: float) -> np.ndarray:
    """Whole years before the model year of each time point 0..n: time point t ends cycle t, which lies in
    model year ceil(t * cycle_length); time point 0 is in the first year."""
    # the tolerance keeps t = 12 of monthly cycles (0.9999999999999996 years) in the first year
    year = np.ceil(np.arange(n + 1) * cycle_length - 1e-9)
    return np.maximum(year - 1.0, 0.0)


def reward_weights(method: str, n: int, rate: float, cycle_length: float, timing: str = "time") -> np.ndarray:
    """Combined correction and discount weight for each time point 0..n.

    ``timing="time"`` discounts each time point t at t * cycle_length years. ``"year-start"`` discounts
    time point t (the end of cycle t) by the whole years before its model year began, as spreadsheets that
    discount by model year do. ``"cycle-start"`` and ``"cycle-end"`` first form a value per cycle k (from
    m[k-1], m[k] or their mean, by ``method``) and discount it at (k-1) or k cycles, as heemod does.
    """
    if timing == "time":
        return correction_weights(method, n) * discount_factors(rate, np.arange(n + 1) * cycle_length)
    if timing == "year-start":
        return correction_weights(method, n) * discount_factors(rate, model_years_before(n, cycle_length))
    k = np.arange(1, n + 1)
    d = discount_factors(rate, (k - 1 if timing == "cycle-start" else k) * cycle_length)
    w = np.zeros(n + 1)
    if method == "beginning":
        w[:-1] += d
    elif method == "end":
        w[1:] += d
    elif method == "life-table":
        w[:-1] += d / 2
        w[1:] += d / 2
    else:
        raise ValueError(f"timing {timing!r} needs method beginning, end or life-table")
    return w


# the share of a cycle's value counted on the occupancy at its start and at its end, per method
_CYCLE_SHARES = {"beginning": (1.0, 0.0), "end": (0.0, 1.0), "life-table": (0.5, 0.5)}
_CYCLE_SHARES.update({"half-cycle": _CYCLE_SHARES["life-table"], "trapezoid": _CYCLE_SHARES["life-table"]})
CYCLE_VALUE_METHODS = tuple(_CYCLE_SHARES)


def cycle_value_weights(
    method: str, n: int, rate: float, cycle_length: float, timing: str = "time"
) -> tuple[np.ndarray, np.ndarray]:
    """Weights for state values given per cycle k = 1..n (heemod's convention) instead of per time point.

    heemod forms the value of cycle k as c_k (a m[k-1] + b m[k]), with (a, b) = (1/2, 1/2) for life-table,
    (1, 0) for beginning and (0, 1) for end, where atmpcli's time points give a m[k-1] c[k-1] + b m[k] c[k].
    Returns (``own``, ``next``) over time points t = 0..n: the occupancy at t counts with
    ``own[t] * c[t] + next[t] * c[t + 1]`` (``own[0]`` and ``next[n]`` are 0). The discount is that of the
    cycle (``cycle-start``/``cycle-end``) or of the time point (``time``/``year-start``). For a value
    constant in time, ``own + next`` equals :func:`reward_weights`.
    """
    if method not in _CYCLE_SHARES:
        raise ValueError(f"values per cycle need method beginning, end or life-table, not {method!r}")
    a, b = _CYCLE_SHARES[method]
    own, nxt = np.zeros(n + 1), np.zeros(n + 1)
    if timing in ("cycle-start", "cycle-end"):
        k = np.arange(1, n + 1)
        d = discount_factors(rate, (k - 1 if timing == "cycle-start" else k) * cycle_length)
        own[1:], nxt[:-1] = b * d, a * d  # cycle k: its end is time point k, its start time point k - 1
        return own, nxt
    times = model_years_before(n, cycle_length) if timing == "year-start" else np.arange(n + 1) * cycle_length
    d = discount_factors(rate, times)
    own[1:], nxt[:-1] = b * d[1:], a * d[:-1]
    return own, nxt

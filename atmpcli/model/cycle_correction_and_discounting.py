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


Rate = float | np.ndarray  # one yearly rate, or one per sample (S,): a discount rate DSA or PSA varies


def discount_factors(rate: Rate, times: np.ndarray) -> np.ndarray:
    """1 / (1 + rate) ** times, with ``times`` in years: (T,), or (T, S) for a rate per sample."""
    t = np.asarray(times, dtype=float)
    r = np.asarray(rate, dtype=float)
    return np.power(1.0 + r, -(t[:, None] if r.ndim else t))


def model_years_before(n: int, cycle_length: float) -> np.ndarray:
    """Whole years before the model year of each time point 0..n: time point t ends cycle t, which lies in
    model year ceil(t * cycle_length); time point 0 is in the first year."""
    # the tolerance keeps t = 12 of monthly cycles (0.9999999999999996 years) in the first year
    year = np.ceil(np.arange(n + 1) * cycle_length - 1e-9)
    return np.maximum(year - 1.0, 0.0)


def reward_weights(method: str, n: int, rate: Rate, cycle_length: float, timing: str = "time") -> np.ndarray:
    """Combined correction and discount weight for each time point 0..n: (n + 1,), or (n + 1, S) for a
    rate per sample.

    ``timing="time"`` discounts each time point t at t * cycle_length years. ``"year-start"`` discounts
    time point t (the end of cycle t) by the whole years before its model year began, as spreadsheets that
    discount by model year do. ``"cycle-start"`` and ``"cycle-end"`` first form a value per cycle k (from
    m[k-1], m[k] or their mean, by ``method``) and discount it at (k-1) or k cycles, as heemod does.
    """
    per_sample = np.ndim(rate) > 0
    if timing in ("time", "year-start"):
        c = correction_weights(method, n)
        years = np.arange(n + 1) * cycle_length if timing == "time" else model_years_before(n, cycle_length)
        return (c[:, None] if per_sample else c) * discount_factors(rate, years)
    k = np.arange(1, n + 1)
    d = discount_factors(rate, (k - 1 if timing == "cycle-start" else k) * cycle_length)
    w = np.zeros((n + 1, *np.shape(rate)))
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
    method: str, n: int, rate: Rate, cycle_length: float, timing: str = "time"
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
    own, nxt = np.zeros((n + 1, *np.shape(rate))), np.zeros((n + 1, *np.shape(rate)))  # (n + 1, S) per sample
    if timing in ("cycle-start", "cycle-end"):
        k = np.arange(1, n + 1)
        d = discount_factors(rate, (k - 1 if timing == "cycle-start" else k) * cycle_length)
        own[1:], nxt[:-1] = b * d, a * d  # cycle k: its end is time point k, its start time point k - 1
        return own, nxt
    times = model_years_before(n, cycle_length) if timing == "year-start" else np.arange(n + 1) * cycle_length
    d = discount_factors(rate, times)
    own[1:], nxt[:-1] = b * d[1:], a * d[:-1]
    return own, nxt


def weights_by_rate(
    method: str, n: int, cycle_length: float, timing: str, rates: dict[str, Rate]
) -> tuple[dict[str, float | str], dict[float | str, np.ndarray]]:
    """The reward weights of each named rate (e.g. costs, effects, none), computed once per distinct rate.

    Returns each name's key and the weights per key. A rate that is one number is keyed by its value, so
    that costs and effects at the same rate share one weighted sum; a rate per sample by the first name
    that has the same vector.
    """
    keys: dict[str, float | str] = {}
    vectors: dict[str, np.ndarray] = {}
    for name, r in rates.items():
        if np.ndim(r) == 0:
            keys[name] = float(r)
            continue
        keys[name] = next((k for k, v in vectors.items() if np.array_equal(v, r)), name)
        vectors.setdefault(keys[name], np.asarray(r))  # type: ignore[arg-type]
    weights = {k: reward_weights(method, n, rates[name], cycle_length, timing) for name, k in keys.items()}
    return keys, weights

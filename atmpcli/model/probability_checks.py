"""Checks that evaluated probabilities are probabilities, raising a :class:`ModelError` that names the
input, and where it matters the cycle, the cycles spent in a tunnel state, the sample and the strategy.

Arrays are (S, T, L): samples, cycles (or 1), cycles in state (or 1); the first offending entry is named.
An array of one cycle alone (the engine's per-cycle evaluation) passes that cycle as ``cycle``. Arrays
that pass are checked with two reductions and no temporary arrays; only a failing one is searched.
"""

from __future__ import annotations

import numpy as np

from atmpcli.errors import ModelError, Origin

ROW_TOLERANCE = 1e-9  # how far a transition row or a set of branch probabilities may stray from 1


def _located(
    bad: np.ndarray, index: tuple[int, ...], *, cycle_axis: bool, cycle: int | None = None
) -> dict[str, int | None]:
    """The cycle, state time and sample of ``index``, each only along an axis that varies."""
    s, t, d = index
    return {
        "cycle": cycle if cycle is not None else t + 1 if cycle_axis and bad.shape[1] > 1 else None,
        "state_time": d + 1 if bad.shape[2] > 1 else None,
        "sample": s + 1 if bad.shape[0] > 1 else None,
    }


def _first(bad: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(bad)[0])


def check_probability(
    a: np.ndarray, origin: Origin, what: str, strategy: str, *, cycle_axis: bool = False, cycle: int | None = None
) -> None:
    """Every entry of ``a`` in [0, 1]; ``what`` names it ("transition probability", "initial share")."""
    if a.min() >= 0 and a.max() <= 1:
        return
    bad = (a < 0) | (a > 1)
    if np.any(bad):
        index = _first(bad)
        where = _located(bad, index, cycle_axis=cycle_axis, cycle=cycle)
        raise ModelError(f"{what} {a[index]:.10g} is outside [0, 1]", origin, strategy=strategy, **where)


def check_total(
    total: np.ndarray,
    origin: Origin,
    subject: str,
    strategy: str,
    *,
    before_rest: bool,
    hint: str = "",
    worst: bool = False,
    cycle: int | None = None,
    high: float | None = None,
) -> float:
    """Probabilities summing to ``total`` (S, T, L): at most 1 before a ``rest`` complement, else 1.

    ``subject`` starts the message ("row sick sums", "initial shares sum"); ``hint`` follows "not 1".
    The first offending entry is named, or with ``worst`` the one furthest from the limit. Returns the
    largest total (``high``, when the caller has it already).
    """
    high = float(total.max()) if high is None else high
    if before_rest:
        passes = high <= 1 + ROW_TOLERANCE
    else:
        passes = high - 1 <= ROW_TOLERANCE and 1 - total.min() <= ROW_TOLERANCE
    if passes:
        return high
    distance = total if before_rest else np.abs(total - 1)
    bad = total > 1 + ROW_TOLERANCE if before_rest else distance > ROW_TOLERANCE
    if not np.any(bad):
        return high
    index = tuple(int(i) for i in np.unravel_index(np.argmax(distance), bad.shape)) if worst else _first(bad)
    where = _located(bad, index, cycle_axis=True, cycle=cycle)
    excess = " before 'rest', more than 1" if before_rest else f", not 1{hint}"
    raise ModelError(f"{subject} to {total[index]:.10g}{excess}", origin, strategy=strategy, **where)

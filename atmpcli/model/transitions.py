"""Transition probabilities: each row evaluated and checked on its own, kept sparse (target -> array).

A tunnel state of L cycles becomes L sub-states: its row is evaluated with ``state_time`` = 1..L along
the last axis; staying moves the cohort one sub-state on (the last one keeps it). Arrays of one row are
(S, T, L) with T = n when the row varies by cycle and T = 1 otherwise. A tunnel row that varies both by
cycle and by time in the state is evaluated one cycle at a time instead (T = 1, and L cut to the
sub-states the cohort can have reached), so no array over cycles x cycles in state is ever built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atmpcli.model.decision_model import State, TransitionRow
from atmpcli.model.parameters import Parameters
from atmpcli.model.probability_checks import check_probability, check_total

RowValues = dict[int, np.ndarray]  # target state -> probabilities (S, T, L), the `rest` complement included


@dataclass(frozen=True)
class TunnelLayout:
    """Where each state's sub-states sit once tunnels are expanded."""

    sizes: tuple[int, ...]  # sub-states per state (1 for an ordinary state)
    offsets: np.ndarray  # index of each state's first sub-state; the last entry is the expanded size

    @classmethod
    def of(cls, states: list[State]) -> TunnelLayout:
        sizes = tuple(st.tunnel for st in states)
        return cls(sizes, np.concatenate([[0], np.cumsum(sizes)]).astype(int))

    @property
    def expanded(self) -> int:
        return int(self.offsets[-1])

    def expand_start(self, start: np.ndarray) -> np.ndarray:
        """(S, states) -> (S, sub-states): everyone enters a tunnel state at its first cycle."""
        out = np.zeros((start.shape[0], self.expanded))
        out[:, self.offsets[:-1]] = start
        return out


def row_values(
    row: TransitionRow,
    states: list[State],
    params: Parameters,
    cycle: int | None = None,
    reach: int = 1,
) -> RowValues:
    """One row's probabilities, checked: each in [0, 1], summing to 1 (or to at most 1 before ``rest``,
    which takes the complement). Every cycle at once, or with ``cycle`` that cycle alone for cycles in
    state 1..``reach`` (the sub-states of a tunnel the cohort can be in by then)."""
    tunnel = states[row.source].tunnel
    env = params.context("cycle", tunnel) if cycle is None else params.at_cycle(cycle, tunnel, reach)
    values: RowValues = {j: params.value(e, env) for j, e in row.probabilities.items()}
    total = _sum(list(values.values()))
    high = float(total.max())
    # entries >= 0 with a total <= 1 are each <= 1 too (a sum of non-negative numbers is at least each of
    # them, in floating point as well): one pass per entry, and each entry is checked only otherwise
    if high > 1 or any(not a.min() >= 0 for a in values.values()):
        for j, e in row.probabilities.items():
            what = "transition probability"
            check_probability(values[j], e.origin, what, params.strategy_name, cycle_axis=True, cycle=cycle)
    name = states[row.source].name
    high = check_total(
        total,
        row.origin,
        f"row {name} sums",
        params.strategy_name,
        before_rest=row.rest is not None,
        hint=" (use 'rest' for the complement)",
        cycle=cycle,
        high=high,
    )
    if row.rest is not None:
        rest = np.subtract(1.0, total, out=total)  # total is a new array: the sum made it
        # entries are >= 0, so 1 - total <= 1; and >= 0 unless the total passed 1 within the tolerance
        values[row.rest] = np.clip(rest, 0.0, 1.0, out=rest) if high > 1 else rest
    return values


def _sum(arrays: list[np.ndarray]) -> np.ndarray:
    """A new array with the sum, the smaller arrays added first (one pass over the largest shape).

    The order depends on the cycle and state-time axes only, not on the number of samples, so a sample's
    sum is the same in a chunk of any size."""
    arrays = sorted(arrays, key=lambda a: a.shape[1] * a.shape[2])
    if not arrays:
        return np.zeros((1, 1, 1))
    total = arrays[0] + (arrays[1] if len(arrays) > 1 else 0.0)
    for a in arrays[2:]:
        if np.broadcast_shapes(a.shape, total.shape) == total.shape:
            total += a
        else:
            total = total + a
    return total


def varies(row: TransitionRow, params: Parameters) -> tuple[bool, bool]:
    """Whether a row varies with the model's clock and with the time spent in its (tunnel) state."""
    clock = residence = False
    for e in row.probabilities.values():
        c, r = params.varies(e)
        clock, residence = clock or c, residence or r
    return clock, residence

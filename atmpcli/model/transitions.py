"""Transition probabilities: each row evaluated and checked on its own (sparse), then laid out as matrices.

A tunnel state of L cycles becomes L sub-states: its row is evaluated once with ``state_time`` = 1..L
along the last axis; staying moves the cohort one sub-state on (the last one keeps it). Arrays of one
row are (S, T, L) with T = n when anything varies by cycle and T = 1 otherwise.
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

    def fold(self, trace: np.ndarray) -> np.ndarray:
        """A trace (S, n+1, sub-states) on the user's states (nothing to fold without tunnels)."""
        if self.expanded == len(self.sizes):
            return trace
        return np.add.reduceat(trace, self.offsets[:-1], axis=2)

    def entry_mask(self, sources: frozenset[int], targets: frozenset[int]) -> np.ndarray:
        """(sub-states, sub-states) with 1 on moves from any sub-state of a source into a target."""
        n = self.expanded
        mask = np.zeros((n, n))
        for i in sources:
            for j in targets:
                if i != j:
                    mask[self.offsets[i] : self.offsets[i] + self.sizes[i], self.offsets[j]] = 1.0
        return mask


def row_values(row: TransitionRow, states: list[State], params: Parameters) -> RowValues:
    """One row's probabilities per cycle, checked: each in [0, 1], summing to 1 (or to at most 1 before
    ``rest``, which takes the complement)."""
    env = params.context("cycle", states[row.source].tunnel)
    values: RowValues = {}
    for j, e in row.probabilities.items():
        a = params.value(e, env)
        check_probability(a, e.origin, "transition probability", params.strategy_name, cycle_axis=True)
        values[j] = a
    total = sum(values.values(), np.zeros((1, 1, 1)))
    name = states[row.source].name
    check_total(
        total,
        row.origin,
        f"row {name} sums",
        params.strategy_name,
        before_rest=row.rest is not None,
        hint=" (use 'rest' for the complement)",
    )
    if row.rest is not None:
        values[row.rest] = np.clip(1.0 - total, 0.0, 1.0)
    return values


def transition_matrices(rows: list[RowValues], layout: TunnelLayout, samples: int) -> np.ndarray:
    """The rows as transition matrices (S, T, sub-states, sub-states)."""
    T = max((v.shape[1] for values in rows for v in values.values()), default=1)
    n = layout.expanded
    P = np.zeros((samples, T, n, n))
    for i, values in enumerate(rows):
        L, first = layout.sizes[i], layout.offsets[i]
        for j, v in values.items():
            v = np.broadcast_to(v, (samples, T, L))
            for d in range(L):
                target = first + min(d + 1, L - 1) if j == i else layout.offsets[j]
                P[:, :, first + d, target] += v[:, :, d]
    return P

"""The cohort kernel: state occupancy moved cycle by cycle along the sparse transition rows.

Layout (structure of arrays). Ordinary states are the rows of one (states, S) array, each a contiguous
vector over samples; a move i -> j is one multiply-add of two such vectors. A tunnel state of L cycles is
an (S, L) block of its sub-states: staying shifts the block one column on (the last column keeps its
cohort), leaving for another state sums the block (weighted by probabilities that may depend on the
time spent in the state) into that state's first sub-state. After k cycles only the first k sub-states
of a tunnel can hold anyone, so a cycle touches only those. Nothing of size states x states is built,
and the probabilities of a row are read as they were evaluated (model/transitions.py): once for the
whole run, once per cycle, or (tunnel rows that vary by cycle and by time in the state) cycle by cycle.

Every operation is elementwise over samples or a sum along one sample's own values, so a sample's
result does not depend on how many samples are evaluated with it (chunks and workers agree bit for bit).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from atmpcli.model.decision_model import State, TransitionRow
from atmpcli.model.parameters import Parameters
from atmpcli.model.transitions import TunnelLayout, row_values, varies

Pair = tuple[int, int]  # (source, target) user states


class KernelRow:
    """One transition row for the kernel: each cycle's probabilities by target, (S',) or (S', reach)."""

    def __init__(self, row: TransitionRow, states: list[State], params: Parameters) -> None:
        self.row, self.states, self.params = row, states, params
        self.source = row.source
        clock, residence = varies(row, params)
        self.per_cycle = states[row.source].tunnel > 1 and clock and residence
        # evaluated once: (kind, array) with kind "samples" (S',), "cycles" (n, S') or "sub" (S', L)
        self.fixed: dict[int, tuple[str, np.ndarray]] = {}
        if not self.per_cycle:
            self.fixed = {j: _laid_out(v) for j, v in row_values(row, states, params).items()}

    def at(self, k: int, reach: int) -> dict[int, np.ndarray]:
        """Cycle ``k``'s probabilities (1..n) for the sub-states 0..reach-1 the cohort can be in."""
        if self.per_cycle:
            values = row_values(self.row, self.states, self.params, cycle=k, reach=reach)
            return {j: v[:, 0, 0] if v.shape[2] == 1 else v[:, 0, :] for j, v in values.items()}
        out = {}
        for j, (kind, v) in self.fixed.items():
            out[j] = v if kind == "samples" else v[k - 1] if kind == "cycles" else v[:, :reach]
        return out


def _laid_out(v: np.ndarray) -> tuple[str, np.ndarray]:
    """A row's (S', T, L') probabilities as contiguous vectors over samples for the kernel."""
    if v.shape[1] > 1:  # varies by cycle (and then not by time in state): (n, S'), a vector per cycle
        return "cycles", np.ascontiguousarray(v[:, :, 0].T)
    if v.shape[2] > 1:
        return "sub", np.asfortranarray(v[:, 0, :])
    return "samples", v[:, 0, 0]


class Occupancy:
    """The cohort at one time point: ordinary states as rows of ``m`` (states, S), tunnels as (S, L) blocks."""

    def __init__(self, layout: TunnelLayout, samples: int) -> None:
        self.sizes = layout.sizes
        self.row = {i: r for r, i in enumerate(i for i, L in enumerate(layout.sizes) if L == 1)}
        self.m = np.zeros((len(self.row), samples))
        # samples contiguous (Fortran order): a sub-state is one sample vector, as in model/parameters.py
        self.blocks = {i: np.zeros((samples, L), order="F") for i, L in enumerate(layout.sizes) if L > 1}
        self.k = 0  # the time point held
        self._totals: dict[int, np.ndarray] = {}

    def reach(self, i: int) -> int:
        """Sub-states of tunnel ``i`` that can be occupied at this time point (everyone enters at the first)."""
        return min(self.k + 1, self.sizes[i])

    def state(self, i: int) -> np.ndarray:
        """Occupancy of user state ``i`` (S,): its row, or its tunnel's sub-states summed."""
        if i in self.row:
            return self.m[self.row[i]]
        if i not in self._totals:
            block = self.blocks[i][:, : self.reach(i)]
            self._totals[i] = block[:, 0] if block.shape[1] == 1 else block.sum(axis=1)
        return self._totals[i]

    def sub(self, i: int) -> np.ndarray:
        """Occupied sub-states of tunnel ``i``, (S, reach)."""
        return self.blocks[i][:, : self.reach(i)]

    def start(self, start: np.ndarray, layout: TunnelLayout) -> None:
        """Time 0 from the start distribution on the expanded states (S, sub-states)."""
        self.k, self._totals = 0, {}
        for i, r in self.row.items():
            self.m[r] = start[:, layout.offsets[i]]
        for i, block in self.blocks.items():
            block[:, :] = start[:, layout.offsets[i] : layout.offsets[i + 1]]

    def into(self, j: int) -> np.ndarray:
        """Where a move into user state ``j`` lands: its row, or its tunnel's first sub-state."""
        return self.m[self.row[j]] if j in self.row else self.blocks[j][:, 0]


class Kernel:
    """Moves the cohort one cycle along the rows; keeps the flows along ``pairs`` for transition rewards."""

    def __init__(self, rows: list[KernelRow], layout: TunnelLayout, samples: int, pairs: Iterable[Pair]) -> None:
        self.rows, self.layout = rows, layout
        self.pairs = set(pairs)
        self.now, self.next = Occupancy(layout, samples), Occupancy(layout, samples)

    def step(self, k: int) -> dict[Pair, np.ndarray]:
        """Cycle ``k``: from the occupancy at time k - 1 to time k; returns the flows along ``pairs``."""
        now, new = self.now, self.next
        written: set[int | tuple[int, str]] = set()
        flows: dict[Pair, np.ndarray] = {}
        for row in self.rows:
            i = row.source
            tunnel = i in now.blocks
            reach = now.reach(i) if tunnel else 1
            for j, p in row.at(k, reach).items():
                if tunnel and j == i:
                    _shift(now.sub(i), new.blocks[i], p, self.layout.sizes[i])
                    written.add((i, "shift"))
                    continue
                dest = new.into(j)
                if not tunnel and j not in written and (i, j) not in self.pairs:
                    np.multiply(now.state(i), p, out=dest)  # the first move into j: no temporary
                else:
                    amount = _amount(now, i, p) if tunnel else now.state(i) * p
                    if j in written:
                        dest += amount
                    else:
                        dest[...] = amount
                    if (i, j) in self.pairs:
                        flows[(i, j)] = amount
                written.add(j)
        self._clear_unwritten(new, written, k)
        self.now, self.next = new, now
        new.k, new._totals = k, {}
        return flows

    def _clear_unwritten(self, new: Occupancy, written: set, k: int) -> None:
        """States nothing moved into this cycle are empty (the buffer still holds an older time point)."""
        for j in new.row:
            if j not in written:
                new.m[new.row[j]] = 0.0
        for j, block in new.blocks.items():
            if j not in written:
                block[:, 0] = 0.0
            if (j, "shift") not in written:
                block[:, 1 : min(k + 1, block.shape[1])] = 0.0


def _amount(now: Occupancy, i: int, p: np.ndarray) -> np.ndarray:
    """What leaves tunnel ``i`` for one target: its total times p, or by sub-state when p depends on it."""
    if p.ndim == 1:
        return now.state(i) * p
    return np.einsum("sr,sr->s", now.sub(i), p)


def _shift(block: np.ndarray, out: np.ndarray, p: np.ndarray, size: int) -> None:
    """Staying in a tunnel: sub-state d moves to d + 1 (the last one keeps its cohort)."""
    reach = block.shape[1]
    q = p[:, None] if p.ndim == 1 else p
    if reach < size:
        np.multiply(block, q, out=out[:, 1 : reach + 1])
        return
    np.multiply(block[:, : size - 1], q[:, : size - 1], out=out[:, 1:size])
    out[:, size - 1] += block[:, size - 1] * q[:, -1]

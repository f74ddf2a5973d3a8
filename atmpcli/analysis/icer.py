"""Full incremental analysis: strong and extended dominance, the efficiency frontier and ICERs.

Strategies are ranked by cost. A strategy is *dominated* (D) when another costs no more and gives at
least as much effect, one of them strictly (so equal effect at higher cost is dominated; of two
identical strategies the later one listed is). Among the rest, a strategy is *extendedly dominated*
(ED) when its ICER exceeds that of the next more effective strategy; removal is repeated until the
frontier's ICERs increase. Each frontier strategy is compared with the previous one (its reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NOT_DOMINATED, DOMINATED, EXTENDED = "ND", "D", "ED"


@dataclass
class IncrementalAnalysis:
    strategies: list[str]
    status: list[str]
    reference: list[str | None]
    inc_cost: np.ndarray  # vs the reference; NaN off the frontier and for the first frontier strategy
    inc_effect: np.ndarray
    icer: np.ndarray
    frontier: list[str]  # in order of increasing cost


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))  # relative: invariant to the unit of cost


def incremental_analysis(
    strategies: Sequence[str], costs: Sequence[float], effects: Sequence[float]
) -> IncrementalAnalysis:
    names = list(strategies)
    c = np.asarray(costs, dtype=float)
    e = np.asarray(effects, dtype=float)
    n = len(names)
    if not (len(c) == len(e) == n):
        raise ValueError("strategies, costs and effects must have the same length")
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(e))):
        raise ValueError("costs and effects must be finite numbers")
    status = [NOT_DOMINATED] * n
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            cheaper_or_same = c[j] < c[i] or _same(c[j], c[i])
            better_or_same = e[j] > e[i] or _same(e[j], e[i])
            strictly = not (_same(c[j], c[i]) and _same(e[j], e[i]))
            if cheaper_or_same and better_or_same and (strictly or j < i):
                status[i] = DOMINATED
                break
    frontier = sorted((i for i in range(n) if status[i] == NOT_DOMINATED), key=lambda i: (c[i], -e[i]))
    while len(frontier) > 2:
        icers = [(c[b] - c[a]) / (e[b] - e[a]) for a, b in zip(frontier, frontier[1:], strict=False)]
        worse = next((k for k in range(len(icers) - 1) if icers[k] > icers[k + 1]), None)
        if worse is None:
            break
        status[frontier[worse + 1]] = EXTENDED
        del frontier[worse + 1]
    reference: list[str | None] = [None] * n
    inc_c, inc_e, icer = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for a, b in zip(frontier, frontier[1:], strict=False):
        reference[b] = names[a]
        inc_c[b], inc_e[b] = c[b] - c[a], e[b] - e[a]
        icer[b] = inc_c[b] / inc_e[b]
    return IncrementalAnalysis(names, status, reference, inc_c, inc_e, icer, [names[i] for i in frontier])

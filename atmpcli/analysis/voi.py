"""Decision uncertainty from per-sample costs and effects: summaries, CEAC, CEAF and EVPI (EVPPI: evppi.py).

All functions take ``costs`` and ``effects`` of shape (samples, strategies) and thresholds ``wtp``.
Net monetary benefit is NMB = wtp x effect - cost. Methods and references: docs/methods.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def nmb(costs: np.ndarray, effects: np.ndarray, wtp: float) -> np.ndarray:
    return wtp * effects - costs


def ceac(costs: np.ndarray, effects: np.ndarray, wtp: Sequence[float]) -> np.ndarray:
    """Probability that each strategy has the highest NMB, per threshold: shape (len(wtp), strategies)."""
    k = costs.shape[1]
    out = np.empty((len(wtp), k))
    for i, w in enumerate(wtp):
        best = np.argmax(nmb(costs, effects, w), axis=1)
        out[i] = np.bincount(best, minlength=k) / costs.shape[0]
    return out


def optimal(costs: np.ndarray, effects: np.ndarray, wtp: Sequence[float]) -> np.ndarray:
    """Index of the strategy with the highest expected NMB per threshold (the CEAF's strategy)."""
    mc, me = costs.mean(axis=0), effects.mean(axis=0)
    return np.array([int(np.argmax(w * me - mc)) for w in wtp])


def evpi(costs: np.ndarray, effects: np.ndarray, wtp: Sequence[float]) -> np.ndarray:
    """Expected value of perfect information per person: E[max_k NMB] - max_k E[NMB]."""
    out = np.empty(len(wtp))
    for i, w in enumerate(wtp):
        b = nmb(costs, effects, w)
        out[i] = b.max(axis=1).mean() - b.mean(axis=0).max()
    return np.maximum(out, 0.0)


@dataclass
class Summary:
    mean: np.ndarray
    low: np.ndarray  # 2.5th percentile
    high: np.ndarray  # 97.5th percentile


def summarise(x: np.ndarray) -> Summary:
    return Summary(x.mean(axis=0), np.percentile(x, 2.5, axis=0), np.percentile(x, 97.5, axis=0))

"""Value of information from per-sample costs and effects: EVPI (EVPPI: evppi.py; the CEAC: ceac.py).

All functions take ``costs`` and ``effects`` of shape (samples, strategies) and thresholds ``wtp``.
Net monetary benefit is NMB = wtp x effect - cost. Methods and references: docs/methods.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def nmb(costs: np.ndarray, effects: np.ndarray, wtp: float) -> np.ndarray:
    return wtp * effects - costs


def evpi(costs: np.ndarray, effects: np.ndarray, wtp: Sequence[float]) -> np.ndarray:
    """Expected value of perfect information per person: E[max_k NMB] - max_k E[NMB]."""
    out = np.empty(len(wtp))
    for i, w in enumerate(wtp):
        b = nmb(costs, effects, w)
        out[i] = b.max(axis=1).mean() - b.mean(axis=0).max()
    return np.maximum(out, 0.0)

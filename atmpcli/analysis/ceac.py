"""The cost-effectiveness acceptability curve (CEAC) and frontier (CEAF) from per-sample costs and effects.

Both functions take ``costs`` and ``effects`` of shape (samples, strategies) and thresholds ``wtp``;
net monetary benefit is NMB = wtp x effect - cost. The CEAC is the share of samples in which a strategy
has the highest NMB (ties go to the first strategy, as numpy's argmax); the CEAF marks, at each threshold,
the strategy with the highest *expected* NMB (Fenwick et al., Health Econ 2001;10:779-87), which need not
be the one most likely to be cost-effective. Methods: docs/methods.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from atmpcli.analysis.voi import nmb


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

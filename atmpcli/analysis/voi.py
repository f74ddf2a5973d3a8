"""Value of information from per-sample costs and effects: EVPI and EVPPI (the CEAC is in analysis/ceac.py).

All functions take ``costs`` and ``effects`` of shape (samples, strategies) and thresholds ``wtp``.
Net monetary benefit is NMB = wtp x effect - cost. Methods and references: docs/methods.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


# --------------------------------------------------------------------------- EVPPI


@dataclass
class EVPPIResult:
    parameters: list[str]
    evppi: np.ndarray  # per threshold, per person
    r2_cost: np.ndarray  # R^2 of the metamodel of each strategy's incremental cost (vs the first strategy)
    r2_effect: np.ndarray
    basis_size: int
    samples: int


def evppi(
    costs: np.ndarray, effects: np.ndarray, wtp: Sequence[float], x: np.ndarray, parameters: Sequence[str]
) -> EVPPIResult:
    """EVPPI of the parameters in ``x`` (samples, p) by a regression metamodel (Strong et al. 2014).

    The incremental cost and effect of each strategy (vs the first) are regressed on a basis of the
    parameters: natural cubic splines with 4 degrees of freedom per parameter, plus pairwise products of
    the (standardised) parameters for groups. EVPPI = E[max_k g_k(x)] - max_k E[g_k(x)], with g the
    fitted incremental NMB; because least squares is linear, g = wtp * fit(effect) - fit(cost).
    """
    x = np.asarray(x, dtype=float).reshape(costs.shape[0], -1)
    basis = design_matrix(x)
    inc_c = costs[:, 1:] - costs[:, :1]
    inc_e = effects[:, 1:] - effects[:, :1]
    fit_c, r2_c = _fit(basis, inc_c)
    fit_e, r2_e = _fit(basis, inc_e)
    out = np.empty(len(wtp))
    for i, w in enumerate(wtp):
        g = np.concatenate([np.zeros((x.shape[0], 1)), w * fit_e - fit_c], axis=1)
        out[i] = g.max(axis=1).mean() - g.mean(axis=0).max()
    return EVPPIResult(list(parameters), np.maximum(out, 0.0), r2_c, r2_e, basis.shape[1], x.shape[0])


def _fit(basis: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    fitted = basis @ coef
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    ss_res = ((y - fitted) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1 - ss_res / ss_tot, 1.0)
    return fitted, r2


def design_matrix(x: np.ndarray, df: int = 4) -> np.ndarray:
    """Intercept, a natural cubic spline basis per column, and pairwise products for groups."""
    cols = [np.ones(x.shape[0])]
    z = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    for j in range(x.shape[1]):
        cols.extend(natural_spline_basis(z[:, j], df).T)
    for a in range(x.shape[1]):
        for b in range(a + 1, x.shape[1]):
            cols.append(z[:, a] * z[:, b])
    return np.column_stack(cols)


def natural_spline_basis(x: np.ndarray, df: int) -> np.ndarray:
    """Natural cubic spline basis (linear beyond the boundary knots), ``df`` columns, knots at quantiles.

    Truncated-power form of Hastie, Tibshirani & Friedman, Elements of Statistical Learning, eq. 5.4-5.5.
    """
    knots = np.unique(np.quantile(x, np.linspace(0, 1, df + 1)))
    if knots.size < 3:
        return x[:, None]

    def d(k: int) -> np.ndarray:
        num = np.maximum(x - knots[k], 0) ** 3 - np.maximum(x - knots[-1], 0) ** 3
        return num / (knots[-1] - knots[k])

    last = d(knots.size - 2)
    cols = [x] + [d(k) - last for k in range(knots.size - 2)]
    return np.column_stack(cols)

"""EVPPI by nonparametric regression on the PSA sample (Strong, Oakley & Brennan, MDM 2014;34:311-326).

The incremental cost and effect of every strategy against the first are regressed on the parameters of
interest; with fitted incremental net benefit g_k = lambda * fitted effect_k - fitted cost_k (and g = 0
for the first strategy), EVPPI = mean_i max_k g_ik - max_k mean_i g_ik. One fit of costs and effects
serves every threshold, as in R's voi. Methods:

- ``gam``: a penalised tensor-product cubic regression spline, smoothing by REML or GCV (voi's and
  SAVI's default: ``te(..., bs = "cr")``, see :mod:`atmpcli.analysis.gam`);
- ``gp``: Gaussian-process regression (SAVI; :mod:`atmpcli.analysis.gp`);
- ``splines``: least squares on natural cubic splines with pairwise products (atmpcli 0.x's method);
- ``auto``: ``gam`` for up to 4 parameters, ``gp`` beyond (voi's rule).

The standard error of each estimate is that of Strong et al. (2014), as voi reports it: the regression
coefficients (for a GP, the fitted values) are drawn from their posterior, the EVPPI is recomputed on
each draw, and the standard deviation of those EVPPIs is the standard error. It measures the Monte Carlo
error of the metamodel fit, not the error of the PSA sample's parameter draws themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

METHODS = ("auto", "gam", "gp", "splines")
GAM_MAX_PARAMETERS = 5  # a tensor product of 5 margins of 4 knots already has 1,024 coefficients
REPLICATES = {"gam": 500, "splines": 500, "gp": 200}  # draws for the standard error (precision ~3 %, ~5 %)
BATCH = 50  # replicate draws held in memory at once


@dataclass
class EVPPIResult:
    parameters: list[str]
    evppi: np.ndarray  # per threshold, per person
    se: np.ndarray  # standard error of each estimate (nan when not computed)
    r2_cost: np.ndarray  # R^2 of the metamodel of each strategy's incremental cost (vs the first strategy)
    r2_effect: np.ndarray
    basis_size: int  # regression coefficients (gam, splines) or samples the process was fitted on (gp)
    samples: int  # samples the metamodel was fitted on
    method: str  # gam, gp or splines (auto resolved)


def choose_method(method: str, parameters: int) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown EVPPI method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "auto":
        return "gam" if parameters <= 4 else "gp"
    if method == "gam" and parameters > GAM_MAX_PARAMETERS:
        raise ValueError(
            f"the gam method handles up to {GAM_MAX_PARAMETERS} parameters at once "
            f"(got {parameters}); use the gp method for larger groups"
        )
    return method


def gam_knots(parameters: int) -> int:
    """Knots per margin: mgcv's default 10 for one parameter; 5 (te's default) for 2-3; 4 beyond (SAVI, voi)."""
    return 10 if parameters == 1 else 5 if parameters <= 3 else 4


def evppi(
    costs: np.ndarray,
    effects: np.ndarray,
    wtp: Sequence[float],
    x: np.ndarray,
    parameters: Sequence[str],
    *,
    method: str = "auto",
    smoothing: str = "reml",
    se: bool = True,
    seed: int = 1,
) -> EVPPIResult:
    """EVPPI of the columns of ``x`` (samples, p) at each threshold, with its standard error."""
    x = np.asarray(x, dtype=float).reshape(costs.shape[0], -1)
    chosen = choose_method(method, x.shape[1])
    k = costs.shape[1] - 1
    responses = np.column_stack([costs[:, 1:] - costs[:, :1], effects[:, 1:] - effects[:, :1]])
    rng = np.random.default_rng(seed)
    replicates = REPLICATES[chosen] if se and k else 0
    if chosen == "gp":  # each fit draws its replicates at once (one n x n matrix at a time, analysis/gp.py)
        fits, basis_size = _fit_processes(x, responses, replicates, rng)
    else:
        fits, basis_size = fit_metamodels(chosen, x, responses, smoothing)
    fit_c, fit_e = fits[:k], fits[k:]
    fc = np.column_stack([f.fitted for f in fit_c]) if k else np.zeros((x.shape[0], 0))
    fe = np.column_stack([f.fitted for f in fit_e]) if k else np.zeros((x.shape[0], 0))
    wtp = list(wtp)
    value = np.array([_evppi(w * fe[:, :, None] - fc[:, :, None])[0] for w in wtp]).reshape(len(wtp))
    spread = np.full(len(wtp), np.nan)
    if replicates and chosen == "gp":
        spread = _standard_error(fit_c, fit_e, wtp, replicates, lambda f, start, size: f.draws[:, start : start + size])
    elif replicates:
        spread = _standard_error(fit_c, fit_e, wtp, replicates, lambda f, start, size: f.replicates(rng, size))
    return EVPPIResult(
        parameters=list(parameters),
        evppi=np.maximum(value, 0.0),
        se=spread,
        r2_cost=np.array([f.r2 for f in fit_c]),
        r2_effect=np.array([f.r2 for f in fit_e]),
        basis_size=basis_size,
        samples=int(fc.shape[0]),
        method=chosen,
    )


def fit_metamodels(method: str, x: np.ndarray, ys: np.ndarray, smoothing: str = "reml") -> tuple[list, int]:
    """Fit every column of ``ys`` on ``x``; returns the fits (each with ``fitted``, ``r2`` and, for gam and
    splines, ``replicates(rng, size)``; a Gaussian process's fit has no replicates: see :func:`evppi`) and
    the size of the basis."""
    if method == "gp":
        return _fit_processes(x, ys, 0, None)
    from atmpcli.analysis.gam import Design, fit_gam, tensor_design

    if method == "gam":
        design = tensor_design(x, gam_knots(x.shape[1]))
    else:
        design = Design(design_matrix(x), [])
    return fit_gam(design, ys, smoothing), design.size


def _fit_processes(x: np.ndarray, ys: np.ndarray, replicates: int, rng: np.random.Generator | None) -> tuple[list, int]:
    """Gaussian processes fitted one response at a time, each with its ``replicates`` posterior draws.

    The normal deviates are drawn first, in the order batch by batch and fit by fit in which the standard
    error reads them (:func:`_standard_error`), so the draws do not depend on fitting one at a time."""
    from atmpcli.analysis.gp import MAX_SAMPLES, fit_gp, replicate_normals

    n, q = min(x.shape[0], MAX_SAMPLES), x.shape[1] + 1
    normals: list[list] = [[] for _ in range(ys.shape[1])]
    for start in range(0, replicates, BATCH):
        for deviates in normals:
            deviates.append(replicate_normals(rng, n, q, min(BATCH, replicates - start)))
    fits = []
    for j, y in enumerate(ys.T):
        fits.append(fit_gp(x, y, normals=normals[j]))
        normals[j] = []
    return fits, n if fits else 0


def _evppi(g: np.ndarray) -> np.ndarray:
    """EVPPI per replicate from fitted incremental net benefits g (samples, strategies - 1, replicates)."""
    if g.shape[1] == 0:  # one strategy: nothing to choose
        return np.zeros(g.shape[2])
    best = np.maximum(g.max(axis=1), 0.0).mean(axis=0)  # the first strategy has g = 0
    current = np.maximum(g.mean(axis=0).max(axis=0), 0.0)
    return best - current


def _standard_error(
    fit_c: list, fit_e: list, wtp: list[float], replicates: int, draw: Callable[[Any, int, int], np.ndarray]
) -> np.ndarray:
    """Standard deviation of the EVPPI over posterior draws of the fits, ``draw(fit, start, size)`` giving
    replicates start..start + size - 1 of one fit, ``BATCH`` at a time."""
    draws: list[np.ndarray] = []
    done = 0
    while done < replicates:
        size = min(BATCH, replicates - done)
        rc = np.stack([draw(f, done, size) for f in fit_c], axis=1)  # (n, strategies - 1, size)
        re = np.stack([draw(f, done, size) for f in fit_e], axis=1)
        g = np.empty_like(rc)
        per_wtp = []
        for w in wtp:
            np.multiply(re, w, out=g)
            g -= rc
            per_wtp.append(_evppi(g))
        draws.append(np.array(per_wtp))
        done += size
    return np.concatenate(draws, axis=1).std(axis=1, ddof=1)


def design_matrix(x: np.ndarray, df: int = 4) -> np.ndarray:
    """The ``splines`` basis: intercept, a natural cubic spline per column, and pairwise products for groups."""
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

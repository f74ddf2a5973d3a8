"""Gaussian-process regression for EVPPI, as in SAVI and R's voi (Strong, Oakley & Brennan 2014, section 3.3).

The response is y = H beta + f(x) + e with H = (1, x), f a Gaussian process with squared-exponential
correlation exp(-sum_j ((x_j - x'_j) / delta_j)^2) and e independent noise with variance nu relative
to the process variance (the "nugget"); x is scaled to [0, 1]. The correlation lengths delta and the
nugget are the posterior mode under SAVI's vague priors, found on the first few hundred samples; the
regression is then fitted on at most ``max_samples`` samples (the cost is cubic in that number) and
its posterior draws are made at once, so that one n x n matrix is held at a time (analysis/evppi.py fits
the responses one after the other).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_SAMPLES = 5000  # voi's and SAVI's default
A_SIGMA, B_SIGMA = 0.001, 0.001  # inverse-gamma prior of the process variance
A_NU, B_NU = 0.001, 1.0  # inverse-gamma prior of the nugget
LOG_DELTA_SD = math.sqrt(1e5)  # normal prior of each log correlation length


ROWS = 256  # rows of a correlation matrix computed at once: no temporary of the matrix's size


def correlation(x: np.ndarray, y: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Squared-exponential correlation matrix between the rows of ``x`` and of ``y``."""
    out = np.zeros((x.shape[0], y.shape[0]))
    for r in range(0, x.shape[0], ROWS):
        block = out[r : r + ROWS]
        for j in range(x.shape[1]):
            diff = np.subtract.outer(x[r : r + ROWS, j], y[:, j])
            diff /= delta[j]
            np.square(diff, out=diff)
            block += diff
    np.negative(out, out=out)
    return np.exp(out, out=out)


def log_posterior(log_hyper: np.ndarray, y: np.ndarray, x: np.ndarray) -> float:
    """Log posterior density of (log delta, log nu), up to a constant (SAVI's ``post.density``)."""
    from scipy.linalg import cho_factor, cho_solve

    n, p = x.shape
    h = np.column_stack([np.ones(n), x])
    q = h.shape[1]
    delta, nu = np.exp(log_hyper[:p]), math.exp(log_hyper[p])
    a = correlation(x, x, delta)
    a[np.diag_indices(n)] += nu
    try:
        factor = cho_factor(a, lower=True)
    except np.linalg.LinAlgError:
        return -math.inf
    ainv_y, ainv_h = cho_solve(factor, y), cho_solve(factor, h)
    hah = h.T @ ainv_h + 1e-7 * np.eye(q)
    beta = np.linalg.solve(hah, h.T @ ainv_y)
    resid_ss = float(y @ ainv_y - 2 * beta @ (h.T @ ainv_y) + beta @ hah @ beta)
    log_prior = float((-0.5 * (log_hyper[:p] / LOG_DELTA_SD) ** 2).sum())
    log_prior += A_NU * math.log(B_NU) - math.lgamma(A_NU) - (A_NU + 1) * math.log(nu) - B_NU / nu
    _, log_det_hah = np.linalg.slogdet(hah)
    return (
        -float(np.log(np.diag(factor[0])).sum())
        - 0.5 * log_det_hah
        - (n - q + 2 * A_SIGMA) / 2 * math.log(max(resid_ss, 1e-300) / 2 + B_SIGMA)
        + log_prior
    )


def estimate_hyperparameters(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Posterior mode of (delta, nu) by Nelder-Mead, restarted until it stops moving (as SAVI does)."""
    from scipy.optimize import minimize

    start = np.zeros(x.shape[1] + 1)
    for _ in range(20):
        step = 0.1 * max(np.abs(start).max(), 1.0)  # R's optim() starting simplex
        simplex = np.vstack([start, start + step * np.eye(start.size)])
        res = minimize(
            lambda h: -log_posterior(h, y, x),
            start,
            method="Nelder-Mead",
            options={"initial_simplex": simplex, "xatol": 1e-6, "fatol": 1e-8, "maxiter": 10000},
        )
        moved = float(np.abs(res.x - start).sum())
        start = res.x
        if moved < 0.05:
            break
    return np.exp(start)


@dataclass
class GPFit:
    """A fitted process: the fitted values, R^2, hyperparameters and, when asked for, ``draws`` of the
    fitted values from their posterior (n, replicates). No n x n matrix outlives the fit."""

    fitted: np.ndarray
    r2: float
    hyper: np.ndarray  # delta_1..delta_p, nu
    draws: np.ndarray

    @property
    def samples(self) -> int:
        return int(self.fitted.size)


def replicate_normals(rng: np.random.Generator, n: int, q: int, size: int) -> tuple[np.ndarray, ...]:
    """The standard normal draws behind ``size`` replicates of one fit of n samples with q regression terms."""
    return rng.standard_normal((n, size)), rng.standard_normal((n, size)), rng.standard_normal((q, size))


def fit_gp(
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_samples: int = MAX_SAMPLES,
    hyper_samples: int | None = None,
    normals: Sequence[tuple[np.ndarray, ...]] = (),
) -> GPFit:
    """Fit the GP to the first ``max_samples`` rows; hyperparameters from the first ``hyper_samples``
    (default min(30 p, 250), as voi). ``normals`` (from :func:`replicate_normals`) give the posterior
    draws of the fitted values (:func:`_posterior_draws`).

    Memory: one n x n matrix at a time (n = ``max_samples`` at most: 200 MB at 5,000), however many
    responses are fitted, because each fit draws its replicates before the next one starts."""
    from scipy.linalg import cho_factor, cho_solve

    x = np.asarray(x, dtype=float).reshape(len(y), -1)[:max_samples]
    y = np.asarray(y, dtype=float)[:max_samples]
    lo, width = x.min(axis=0), np.ptp(x, axis=0)
    x = (x - lo) / np.where(width > 0, width, 1.0)
    n, p = x.shape
    m = min(hyper_samples or min(30 * p, 250), n)
    hyper = estimate_hyperparameters(y[:m], x[:m])
    delta, nu = hyper[:p], float(hyper[p])
    # f ~ N(0, A) for the replicates first, while the only n x n matrix is A's square root
    root = _root_of_correlation(x, delta) if normals else None
    paths = [root @ z_f for _, z_f, _ in normals]
    del root
    h = np.column_stack([np.ones(n), x])
    a = correlation(x, x, delta)
    a[np.diag_indices(n)] += nu
    # a is symmetric: a.T is the same matrix in Fortran order, which LAPACK factorises in place (no copy)
    factor = cho_factor(a.T, lower=True, overwrite_a=True)
    ainv_y, ainv_h = cho_solve(factor, y), cho_solve(factor, h)
    hah_inv = np.linalg.inv(h.T @ ainv_h + 1e-7 * np.eye(p + 1))
    beta = hah_inv @ (h.T @ ainv_y)
    resid = y - h @ beta
    ainv_resid = cho_solve(factor, resid)
    fitted = y - nu * ainv_resid  # H beta + A A*^-1 (y - H beta), since A A*^-1 = I - nu A*^-1
    sigma2 = float(resid @ ainv_resid) / max(n - p - 3, 1)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(((y - fitted) ** 2).sum()) / tss if tss > 0 else 1.0
    g = nu * cho_solve(factor, h)
    m_root = np.linalg.cholesky(hah_inv)
    parts = [
        _posterior_draws(fitted, sigma2, nu, factor, g, m_root, z_e, f, z_m)
        for (z_e, _, z_m), f in zip(normals, paths, strict=True)
    ]
    return GPFit(fitted, r2, hyper, np.concatenate(parts, axis=1) if parts else np.zeros((n, 0)))


def _posterior_draws(
    fitted: np.ndarray,
    sigma2: float,
    nu: float,
    factor: tuple,
    g: np.ndarray,
    m_root: np.ndarray,
    z_e: np.ndarray,
    f: np.ndarray,
    z_m: np.ndarray,
) -> np.ndarray:
    """Draws of the fitted values from their posterior N(fitted, V): shape (n, size).

    V = sigma^2 [nu (I - nu A*^-1) + G M G'] with G = nu A*^-1 H and M = (H' A*^-1 H)^-1 (SAVI's
    ``V``). The first part is drawn pathwise, -e + nu A*^-1 (f + e) with f ~ N(0, A) and e ~ N(0, nu
    I), which needs only Cholesky factors and no N x N eigendecomposition.
    """
    from scipy.linalg import cho_solve

    e = math.sqrt(nu) * z_e
    part = -e + nu * cho_solve(factor, f + e)
    part += g @ (m_root @ z_m)
    return fitted[:, None] + math.sqrt(sigma2) * part


def _root_of_correlation(x: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """A lower-triangular L with L L' = A (plus a little on the diagonal: a squared-exponential
    correlation matrix is numerically singular)."""
    from scipy.linalg import cholesky

    added, jitter = 0.0, 1e-10
    while True:
        a = correlation(x, x, delta)  # again after a failure: the factorisation works in place
        added += jitter
        a[np.diag_indices_from(a)] += added
        try:
            return cholesky(a.T, lower=True, overwrite_a=True, check_finite=False)  # in place, as in fit_gp
        except np.linalg.LinAlgError:
            jitter *= 10

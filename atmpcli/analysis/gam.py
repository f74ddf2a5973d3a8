"""Penalised regression splines (a Gaussian generalised additive model) for value-of-information metamodels.

This is the part of mgcv's ``gam()`` that EVPPI and EVSI need (Wood, *Generalized Additive Models*, 2nd
ed. 2017; Wood, JRSS-B 2011;73:3-36): cubic regression spline bases (mgcv's ``bs = "cr"``: knots at
quantiles of the unique values, coefficients are the function's values at the knots, penalty the
integrated squared second derivative), tensor products ``te()`` of such bases with one smoothing
parameter per margin, sum-to-zero identifiability constraints, and smoothing parameters chosen by REML
or GCV. One QR decomposition of the model matrix serves every response fitted on the same basis (the
incremental cost and effect of every strategy), and every smoothing-parameter trial works in the
small coefficient space, so the number of samples only costs one pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMOOTHING = ("reml", "gcv")
# log smoothing parameters are searched within these bounds (penalties scaled as mgcv scales them): past
# them a term is as good as unpenalised or as good as in its null space, and the log-determinant of
# the penalty loses accuracy when the smoothing parameters differ by more than about e^30
LOG_SP_BOUNDS = (-15.0, 15.0)


def cr_basis(x: np.ndarray, k: int, knots: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cubic regression spline basis (n, k) and its penalty (k, k), as mgcv's ``cr`` smooth (Wood 2017, 5.3.1).

    The knots are at quantiles of the unique values of ``x`` unless given (to evaluate at other points).
    """
    if knots is None:
        knots = np.quantile(np.unique(x), np.linspace(0, 1, k))
    h = np.diff(knots)
    d = np.zeros((k - 2, k))
    b = np.zeros((k - 2, k - 2))
    for i in range(k - 2):
        d[i, i : i + 3] = 1 / h[i], -1 / h[i] - 1 / h[i + 1], 1 / h[i + 1]
        b[i, i] = (h[i] + h[i + 1]) / 3
        if i < k - 3:
            b[i, i + 1] = b[i + 1, i] = h[i + 1] / 6
    f = np.linalg.solve(b, d)  # second derivatives at the interior knots, per knot value
    penalty = d.T @ f
    f = np.vstack([np.zeros(k), f, np.zeros(k)])  # natural spline: zero curvature at the ends
    j = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, k - 2)
    left, right, hj = x - knots[j], knots[j + 1] - x, h[j]
    basis = ((right**3 / hj - hj * right) / 6)[:, None] * f[j] + ((left**3 / hj - hj * left) / 6)[:, None] * f[j + 1]
    rows = np.arange(x.size)
    basis[rows, j] += right / hj
    basis[rows, j + 1] += left / hj
    return basis, (penalty + penalty.T) / 2


def _row_kron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a[:, :, None] * b[:, None, :]).reshape(a.shape[0], -1)


@dataclass
class Design:
    """A model matrix (intercept first) and its penalties (full size, one per smoothing parameter)."""

    X: np.ndarray
    penalties: list[np.ndarray]

    @property
    def size(self) -> int:
        return int(self.X.shape[1])


def tensor_design(x: np.ndarray, k: int | Sequence[int]) -> Design:
    """``y ~ te(x1, ..., xd, bs = "cr", k)``: an intercept and a constrained tensor product of cr margins.

    With one column this is ``s(x, bs = "cr", k)``. A margin with fewer unique values than ``k`` gets
    as many knots as it has values (a margin with one value is left out: it carries no information).
    """
    x = np.asarray(x, dtype=float).reshape(x.shape[0], -1)
    ks = [k] * x.shape[1] if isinstance(k, int) else list(k)
    margins = []
    for j in range(x.shape[1]):
        kj = min(ks[j], np.unique(x[:, j]).size)
        if kj >= 3:
            margins.append(cr_basis(x[:, j], kj))
        elif kj == 2:  # two values: a straight line, unpenalised
            margins.append((np.column_stack([np.ones(x.shape[0]), x[:, j]]), np.zeros((2, 2))))
    n = x.shape[0]
    if not margins:
        return Design(np.ones((n, 1)), [])
    basis = margins[0][0]
    for m, _ in margins[1:]:
        basis = _row_kron(basis, m)
    sizes = [m.shape[1] for m, _ in margins]
    penalties = []
    for j, (_, s) in enumerate(margins):
        if not s.any():
            continue
        full = np.ones((1, 1))
        for i, size in enumerate(sizes):
            full = np.kron(full, s if i == j else np.eye(size))
        penalties.append(full)
    # sum-to-zero constraint: the term is orthogonal to the intercept (mgcv absorbs it the same way)
    q, _ = np.linalg.qr(basis.sum(axis=0)[:, None], mode="complete")
    z = q[:, 1:]
    basis = basis @ z
    scale = np.linalg.norm(basis, ord=np.inf) ** 2  # mgcv's penalty scaling; it only shifts log(lambda)
    penalties = [z.T @ s @ z for s in penalties]
    penalties = [s * scale / np.linalg.norm(s, ord=1) for s in penalties]
    p = basis.shape[1] + 1
    embedded = []
    for s in penalties:
        e = np.zeros((p, p))
        e[1:, 1:] = s
        embedded.append(e)
    return Design(np.column_stack([np.ones(n), basis]), embedded)


@dataclass
class Fit:
    """One response fitted on a design: fitted values, coefficients and their Bayesian covariance."""

    design: Design
    coef: np.ndarray
    fitted: np.ndarray
    scale: float  # residual variance, D / (n - edf)
    edf: float
    log_sp: np.ndarray
    r2: float
    _root: np.ndarray  # R2 with R2'R2 = X'X + S_lambda, so Vp = scale * inv(R2) inv(R2)'

    def replicates(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Fitted values under ``size`` draws of the coefficients from N(coef, Vp): shape (n, size).

        This is how voi and SAVI give the standard error of a regression EVPPI (Strong et al. 2014).
        """
        z = rng.standard_normal((self.coef.size, size))
        draws = self.coef[:, None] + math.sqrt(self.scale) * (np.linalg.inv(self._root) @ z)
        return self.design.X @ draws


class _Reduced:
    """The least-squares problem of one design in coefficient space, shared by all its responses.

    Small dense operations only, and none with a matrix right-hand side for a triangular solve (a
    threaded BLAS makes those slow on a busy machine).
    """

    def __init__(self, design: Design) -> None:
        self.design = design
        self.q, self.r = np.linalg.qr(design.X)
        n, p = design.X.shape
        self.n = n
        self.roots = []  # E_j with E_j'E_j = S_j, so that sqrt(lambda_j) E_j stack into a root of S_lambda
        for pen in design.penalties:
            ev, vec = np.linalg.eigh(pen)
            keep = ev > ev.max() * 1e-12
            self.roots.append(np.sqrt(ev[keep])[:, None] * vec[:, keep].T)
        total = sum(design.penalties) if design.penalties else np.zeros((p, p))
        ev, vec = np.linalg.eigh(total)
        keep = ev > ev.max(initial=0.0) * 1e-9
        self.range = vec[:, keep]  # the penalties' range space: log|S_lambda|_+ is a determinant on it
        self.rank = int(keep.sum())
        self.null_dim = p - self.rank

    def solve(self, log_sp: np.ndarray, f: np.ndarray, rss0: float) -> dict[str, object]:
        from scipy.linalg import solve_triangular

        p = self.r.shape[0]
        weights = np.exp(log_sp)
        blocks = [self.r] + [math.sqrt(w) * e for w, e in zip(weights, self.roots, strict=True)]
        r2 = np.linalg.qr(np.vstack(blocks), mode="r")
        # X'X + S = R2'R2; the coefficients from the normal equations R'f
        coef = solve_triangular(r2, solve_triangular(r2, self.r.T @ f, trans="T"))
        resid = f - self.r @ coef
        s = np.zeros((p, p))
        for w, pen in zip(weights, self.design.penalties, strict=True):
            s += w * pen
        return {
            "coef": coef,
            "dev": rss0 + float(resid @ resid),
            "edf": float(((self.r @ np.linalg.inv(r2)) ** 2).sum()),  # tr((X'X + S)^-1 X'X)
            "root": r2,
            "pen": float(coef @ s @ coef),
            "log_det": 2 * float(np.log(np.abs(np.diag(r2))).sum()),
            "log_det_s": self._log_det_plus(s),
        }

    def _log_det_plus(self, s: np.ndarray) -> float:
        if not self.rank:
            return 0.0
        inner = self.range.T @ s @ self.range
        try:
            return 2 * float(np.log(np.diag(np.linalg.cholesky(inner))).sum())
        except np.linalg.LinAlgError:
            ev = np.linalg.eigvalsh(inner)
            return float(np.log(ev).sum()) if ev.min() > 0 else -math.inf

    def score(self, sol: dict, method: str) -> float:
        n = self.n
        if method == "gcv":
            return n * sol["dev"] / max(n - sol["edf"], 1e-9) ** 2
        if not math.isfinite(sol["log_det_s"]):
            return math.inf
        # REML for a Gaussian response with the scale profiled out (Wood 2011, sections 2-3)
        m = n - self.null_dim
        sigma2 = max((sol["dev"] + sol["pen"]) / m, 1e-300)
        return 0.5 * m * (1 + math.log(2 * math.pi * sigma2)) + 0.5 * sol["log_det"] - 0.5 * sol["log_det_s"]


def fit_gam(design: Design, ys: np.ndarray, smoothing: str = "reml") -> list[Fit]:
    """Fit each column of ``ys`` (n, r) on ``design``, choosing its smoothing parameters by REML or GCV."""
    if smoothing not in SMOOTHING:
        raise ValueError(f"unknown smoothing criterion {smoothing!r}")
    ys = np.asarray(ys, dtype=float).reshape(design.X.shape[0], -1)
    red = _Reduced(design)
    with single_threaded_blas():
        return [_fit_one(red, y, smoothing) for y in ys.T]


def single_threaded_blas():  # noqa: ANN201 - a context manager
    """Thousands of small matrix operations run faster on one BLAS thread, above all on a busy machine."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _fit_one(red: _Reduced, y: np.ndarray, smoothing: str) -> Fit:
    from scipy.optimize import minimize

    design = red.design
    m = len(design.penalties)
    # the criteria are invariant to the response's scale (up to a constant): work at unit scale so
    # that the optimiser's tolerances mean the same for costs in millions and effects in QALYs
    unit = float(y.std()) or 1.0
    f = red.q.T @ (y / unit)
    rss0 = max(float((y / unit) @ (y / unit) - f @ f), 0.0)

    def objective(rho: np.ndarray) -> float:
        return red.score(red.solve(rho, f, rss0), smoothing)

    rho = np.zeros(0)
    if m:
        # a coarse start guards against the local optima GCV is known for; then a bounded quasi-Newton
        rho = min((np.full(m, c) for c in (-8.0, -4.0, 0.0, 4.0, 8.0)), key=objective)
        res = minimize(
            objective,
            rho,
            method="L-BFGS-B",
            jac="3-point",
            bounds=[LOG_SP_BOUNDS] * m,
            options={"ftol": 1e-13, "gtol": 1e-9},
        )
        if res.fun <= objective(rho):
            rho = res.x
    sol = red.solve(rho, f * unit, rss0 * unit**2)
    tss = float(((y - y.mean()) ** 2).sum())
    return Fit(
        design=design,
        coef=sol["coef"],
        fitted=design.X @ sol["coef"],
        scale=sol["dev"] / max(red.n - sol["edf"], 1.0),
        edf=sol["edf"],
        log_sp=rho,
        r2=1 - sol["dev"] / tss if tss > 0 else 1.0,
        _root=sol["root"],
    )

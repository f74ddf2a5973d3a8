"""Maximum likelihood for one model: optimisation, Hessian, covariance, and why a fit failed.

The optimiser works on flexsurv's estimation scale (log for positive parameters, logit for a cure
fraction). Gradients and the Hessian are central finite differences of the vectorised
log-likelihood (all points of a stencil in one call). A fit that does not converge keeps its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from atmpcli.analysis.survival.likelihood import ModelSpec, initial_values, log_likelihood

GRADIENT_TOL = 1e-3  # largest |d loglik / d parameter| accepted at the optimum (when there is no covariance)
DECREMENT_TOL = 1e-7  # largest log-likelihood gain a further Newton step may promise at the optimum


@dataclass(frozen=True)
class MLE:
    """A maximum-likelihood fit on the estimation scale; ``problem`` is empty when all went well."""

    spec: ModelSpec
    est: np.ndarray
    cov: np.ndarray | None
    loglik: float
    converged: bool
    problem: str = ""

    @property
    def status(self) -> str:
        """ok, no_se (converged, information not invertible), not_converged, or failed (no finite start)."""
        if not np.all(np.isfinite(self.est)) or not np.isfinite(self.loglik):
            return "failed"
        if self.converged:
            return "ok"
        return "no_se" if self.cov is None and self.problem.startswith("the information") else "not_converged"


def _gradient(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    steps = np.diag(h)
    values = f(np.vstack([x + steps, x - steps]))
    p = x.size
    with np.errstate(all="ignore"):
        return (values[:p] - values[p:]) / (2 * h)


def hessian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of a vectorised function f((M, P)) -> (M,) at x (P,)."""
    p = x.size
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    e = np.diag(h)
    points = [x]
    for i in range(p):
        points += [x + e[i], x - e[i]]
        for j in range(i + 1, p):
            points += [x + e[i] + e[j], x + e[i] - e[j], x - e[i] + e[j], x - e[i] - e[j]]
    with np.errstate(all="ignore"):
        v = iter(f(np.vstack(points)))
    f0 = next(v)
    out = np.empty((p, p))
    cross: dict[tuple[int, int], list[float]] = {}
    plus_minus = []
    for i in range(p):
        plus_minus.append((next(v), next(v)))
        for j in range(i + 1, p):
            cross[(i, j)] = [next(v) for _ in range(4)]
    with np.errstate(all="ignore"):
        for i in range(p):
            fp, fm = plus_minus[i]
            out[i, i] = (fp - 2 * f0 + fm) / h[i] ** 2
            for j in range(i + 1, p):
                pp, pm, mp, mm = cross[(i, j)]
                out[i, j] = out[j, i] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
    return out


def fit_mle(
    spec: ModelSpec,
    time: np.ndarray,
    event: np.ndarray,
    background_log_h: np.ndarray | None = None,
    starts: list[np.ndarray] | None = None,
) -> MLE:
    """Maximise the log-likelihood from several starting points; covariance from the observed information."""

    def ll(x: np.ndarray) -> np.ndarray:
        return log_likelihood(spec, x, time, event, background_log_h)

    def negll(x: np.ndarray) -> float:
        value = float(ll(x)[0])
        return -value if np.isfinite(value) else 1e300

    def neggrad(x: np.ndarray) -> np.ndarray:
        g = -_gradient(ll, x)
        return np.where(np.isfinite(g), g, 0.0)

    candidates = starts if starts is not None else initial_values(spec, time, event)
    values = ll(np.vstack(candidates)) if candidates else np.array([])
    if not candidates or not np.any(np.isfinite(values)):
        return MLE(
            spec,
            np.full(len(spec.names), np.nan),
            None,
            float("nan"),
            False,
            "no starting values give a finite likelihood",
        )
    best = None
    for i in np.argsort(-values)[:2]:
        if not np.isfinite(values[i]):
            continue
        x = _optimise(negll, neggrad, candidates[i])
        if best is None or negll(x) < negll(best):
            best = x
    assert best is not None
    return _finish(spec, best, ll)


def _optimise(
    negll: Callable[[np.ndarray], float], neggrad: Callable[[np.ndarray], np.ndarray], x: np.ndarray
) -> np.ndarray:
    """BFGS; where it stops short of a zero gradient, Nelder-Mead (robust to flat or rough regions) then BFGS again."""
    for method in ("BFGS", "Nelder-Mead", "BFGS"):
        if method != "BFGS" or x is not None:
            opts = {"maxiter": 4000, "xatol": 1e-9, "fatol": 1e-11} if method == "Nelder-Mead" else {"maxiter": 2000}
            res = optimize.minimize(negll, x, method=method, jac=neggrad if method == "BFGS" else None, options=opts)
            if np.isfinite(res.fun) and res.fun <= negll(x):
                x = res.x
        g = neggrad(x)
        if np.all(np.isfinite(g)) and np.max(np.abs(g)) < GRADIENT_TOL / 10:
            break
    return x


def _finish(spec: ModelSpec, x: np.ndarray, ll: Callable[[np.ndarray], np.ndarray]) -> MLE:
    """Newton polish, then the covariance; report a gradient that is not ~0 or an information that is not positive."""
    value = float(ll(x)[0])
    if not np.isfinite(value):
        return MLE(spec, x, None, float("nan"), False, "the likelihood is zero at the optimiser's end point")
    for _ in range(5):  # Newton steps from the optimiser's end point: the log-likelihood to ~1e-10
        info = -hessian(ll, x)
        g = _gradient(ll, x)
        try:
            step = np.linalg.solve(info, g)
        except np.linalg.LinAlgError:
            break
        trial = x + step
        new = float(ll(trial)[0])
        if not (np.isfinite(new) and new >= value - 1e-12):
            break
        x, value = trial, new
        if np.max(np.abs(step)) < 1e-10:
            break
    g = _gradient(ll, x)
    info = -hessian(ll, x)
    cov, problem = None, ""
    if not np.all(np.isfinite(info)):
        problem = "the information matrix is not finite at the best point found: no standard errors"
    else:
        eig = np.linalg.eigvalsh((info + info.T) / 2)
        if eig.min() <= 1e-10 * max(1.0, eig.max()):
            problem = "the information matrix is not positive definite at the best point found (a parameter not identified, or the edge of the parameter space): no standard errors"
        else:
            cov = np.linalg.inv(info)
    gmax = float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else float("inf")
    if cov is not None and np.isfinite(gmax):
        # scale-free: the log-likelihood a Newton step would still gain (a gradient of 0.01 per unit of a
        # Gompertz shape measured per day is converged; the same gradient on a log scale may not be)
        converged = bool(0.5 * g @ cov @ g < DECREMENT_TOL)
    else:
        converged = gmax < GRADIENT_TOL
    runaway = _runaway(spec, x)
    if runaway:
        return MLE(spec, x, None, value, False, f"did not converge: degenerate fit, {runaway}")
    if not converged:
        problem = f"did not converge: largest gradient {gmax:.3g} at the best point found" + (
            f"; {problem}" if problem else ""
        )
    if converged and cov is None:  # at the optimum, but without standard errors
        return MLE(spec, x, None, value, False, problem)
    return MLE(spec, x, cov, value, converged, problem)


def _runaway(spec: ModelSpec, x: np.ndarray) -> str:
    """A parameter that ran off towards a boundary (a scale to 0, a shape to infinity), if any."""
    for name, tr, value in zip(spec.names, spec.transforms, x, strict=True):
        if name == "theta":
            continue
        limit = 15.0 if tr == "log" else 1e3
        if abs(value) > limit:
            natural = np.exp(value) if tr == "log" else value
            return f"{name} ran off to {natural:.3g}"
    return ""

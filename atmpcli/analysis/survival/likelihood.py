"""Models to fit and their right-censored log-likelihoods, vectorised over parameter vectors.

The log-likelihood of right-censored data is sum_i d_i log h(t_i) - H(t_i). With a life table it is
the relative-survival (excess-hazard) likelihood: h(t) = h*(t) + lambda(t), where h* is the
general-population hazard at the patient's attained age and lambda the modelled excess hazard:
sum_i d_i log(h*(t_i) + lambda(t_i)) - Lambda(t_i), leaving out the constant -sum_i H*(t_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from atmpcli.model.survival import (
    ALIASES,
    PARAMETERS,
    Curve,
    spline_basis,
    spline_parameters,
    to_estimation,
    to_natural,
    transform_of,
)

SPLINES = ("spline1", "spline2", "spline3")
DEFAULT_MODELS = ("exp", "weibull", "gompertz", "llogis", "lnorm", "gengamma", "spline1", "spline2", "spline3")


def canonical(name: str) -> str:
    """A family name as typed (flexsurv's, or the long English one) -> flexsurv's; ValueError if unknown."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in PARAMETERS or key in SPLINES:
        return key
    raise ValueError(f"unknown family '{name}' (families: {', '.join(DEFAULT_MODELS)})")


@dataclass(frozen=True)
class ModelSpec:
    """One model to fit: a family (or ``splineK``: K internal knots), optionally as a mixture cure model."""

    family: str
    cure: bool = False
    knots: tuple[float, ...] | None = None  # spline knots in log time, boundaries included

    @property
    def name(self) -> str:
        base = self.family if self.family != "spline" else f"spline{len(self.knots or ()) - 2}"
        return f"{base}_cure" if self.cure else base

    @property
    def names(self) -> tuple[str, ...]:
        """Natural parameter names in estimation order (flexsurvcure puts theta first)."""
        base = spline_parameters(np.asarray(self.knots)) if self.family == "spline" else PARAMETERS[self.family]
        return ("theta", *base) if self.cure else base

    @property
    def transforms(self) -> tuple[str, ...]:
        return tuple(transform_of(self.family, n) for n in self.names)

    def natural(self, est: np.ndarray) -> dict[str, np.ndarray]:
        """Estimation-scale vectors (M, P) -> natural parameters {name: (M,)}."""
        est = np.atleast_2d(est)
        return {n: to_natural(tr, est[:, i]) for i, (n, tr) in enumerate(zip(self.names, self.transforms, strict=True))}

    def curve(self, est: np.ndarray) -> Curve:
        p = self.natural(est)
        theta = p.pop("theta", None)
        knots = None if self.knots is None else np.asarray(self.knots)
        return Curve(self.family, p, knots=knots, cure=theta)


def spline_knots(time: np.ndarray, event: np.ndarray, internal: int) -> tuple[float, ...]:
    """flexsurvspline's default knots: quantiles of the log event times (R's type 7 = numpy's linear)."""
    logs = np.log(time[event == 1])
    return tuple(float(k) for k in np.quantile(logs, np.linspace(0, 1, internal + 2)))


def log_likelihood(
    spec: ModelSpec, est: np.ndarray, time: np.ndarray, event: np.ndarray, background_log_h: np.ndarray | None = None
) -> np.ndarray:
    """Log-likelihood of each row of ``est`` (M, P); -inf where the parameters give zero likelihood."""
    est = np.atleast_2d(np.asarray(est, dtype=float))
    with np.errstate(all="ignore"):
        log_h, cumhaz = spec.curve(est).log_hazard_cumhaz(time)
        if background_log_h is not None:
            log_h = np.logaddexp(log_h, background_log_h.reshape(1, -1))
        ll = np.sum(np.where(event == 1, log_h, 0.0), axis=1) - np.sum(cumhaz, axis=1)
    return np.where(np.isnan(ll), -np.inf, ll)


def _km_points(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival just after each distinct event time (for regression starting values)."""
    times = np.unique(time[event == 1])
    at_risk = np.array([np.sum(time >= u) for u in times])
    deaths = np.array([np.sum((time == u) & (event == 1)) for u in times])
    surv = np.cumprod(1 - deaths / at_risk)
    keep = (surv > 0) & (surv < 1)
    return times[keep], surv[keep]


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares (intercept, slope); (nan, nan) when there are too few points."""
    if x.size < 2 or np.ptp(x) == 0:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept), float(slope)


def initial_values(spec: ModelSpec, time: np.ndarray, event: np.ndarray) -> list[np.ndarray]:
    """Starting points on the estimation scale (the fit keeps the best), from the KM and the data."""
    rate = max(event.sum(), 0.5) / time.sum()
    t_km, s_km = _km_points(time, event)
    x = np.log(t_km) if t_km.size else np.array([])
    starts: list[list[float]] = []
    fam = spec.family
    if fam == "exp":
        starts = [[np.log(rate)]]
    elif fam in ("weibull", "llogis", "lnorm"):
        y = {"weibull": np.log(-np.log(s_km)), "llogis": np.log(1 / s_km - 1), "lnorm": stats.norm.ppf(1 - s_km)}[fam]
        c, a = _line(x, y)
        if not (np.isfinite(a) and a > 0):
            c, a = np.log(rate), 1.0
        if fam == "lnorm":
            starts = [[-c / a, -np.log(a)], [np.log(np.median(time)), 0.0]]
        else:
            starts = [[np.log(a), -c / a], [0.0, -np.log(rate)]]
    elif fam == "gompertz":
        starts = [[0.0, np.log(rate)], [0.001, np.log(1 / np.mean(time))]]
    elif fam == "gengamma":
        c, a = _line(x, stats.norm.ppf(1 - s_km))
        lnorm = [-c / a, -np.log(a)] if np.isfinite(a) and a > 0 else [np.log(np.median(time)), 0.0]
        c, a = _line(x, np.log(-np.log(s_km)))
        weib = [-c / a, -np.log(a), 1.0] if np.isfinite(a) and a > 0 else [-np.log(rate), 0.0, 1.0]
        starts = [[*lnorm, 0.1], [*lnorm, -0.1], weib]
    else:  # spline: regress log(-log S_KM) on the basis, as flexsurv does with a Cox fit's survival
        b, _ = spline_basis(x, np.asarray(spec.knots))
        y = np.log(-np.log(s_km))
        coef = np.linalg.lstsq(b, y, rcond=None)[0] if x.size >= b.shape[1] else np.full(b.shape[1], np.nan)
        c, a = _line(x, y)
        weib = np.zeros(b.shape[1])
        weib[:2] = [c, a] if np.isfinite(a) and a > 0 else [np.log(rate), 1.0]
        starts = [list(weib)] + ([list(coef)] if np.all(np.isfinite(coef)) else [])
    if spec.cure:
        plateau = float(s_km[-1]) if s_km.size else 0.5
        thetas = [min(max(plateau * f, 0.02), 0.95) for f in (0.9, 0.5)]
        starts = [[float(special.logit(th)), *s] for th in thetas for s in starts]
    return [np.asarray(s, dtype=float) for s in starts if np.all(np.isfinite(s))]


def with_natural(spec: ModelSpec, natural: dict[str, float]) -> np.ndarray:
    """Natural parameters (as typed from a publication) -> the estimation-scale vector."""
    return np.array([float(to_estimation(tr, natural[n])) for n, tr in zip(spec.names, spec.transforms, strict=True)])

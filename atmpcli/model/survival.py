"""Parametric survival curves in flexsurv's parameterisations, vectorised over PSA samples.

Every family is defined by its log hazard and its cumulative hazard, from which S(t) = exp(-H(t)).
Parameters are arrays of shape (S,) (one value per sample; scalars are S = 1) and times an array of
shape (T,); every function returns an (S, T) array. Formulas are written on the log scale so that
they stay finite far beyond follow-up (a 60-year horizon in days is t ~ 2e4).

Families and their natural parameters (flexsurv's names, so published estimates type in unchanged):

- ``exp``: rate
- ``weibull``: shape, scale (flexsurv ``weibull``, R's ``dweibull``)
- ``gompertz``: shape, rate (shape < 0 gives a plateau at exp(rate / shape))
- ``llogis``: shape, scale
- ``lnorm``: meanlog, sdlog
- ``gengamma``: mu, sigma, Q (Prentice 1974; Q = 0 is the lognormal, Q = 1 the Weibull)
- ``spline``: gamma0 ... gamma{m+1} with ``knots`` (log time, boundary knots included): Royston-Parmar
  model on the log cumulative hazard scale (flexsurv ``flexsurvspline(scale = "hazard")``)

A :class:`Curve` adds a mixture-cure fraction (flexsurvcure's ``theta``), a hazard ratio or an
acceleration factor, general-population mortality (relative survival) and a cure point.

scipy.special is imported inside the functions that use it: importing scipy costs a third of a second
at start-up, and every command imports this module (through the model's types) whether it has
survival curves or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from atmpcli.model.lifetable import Background

PARAMETERS: dict[str, tuple[str, ...]] = {
    "exp": ("rate",),
    "weibull": ("shape", "scale"),
    "gompertz": ("shape", "rate"),
    "llogis": ("shape", "scale"),
    "lnorm": ("meanlog", "sdlog"),
    "gengamma": ("mu", "sigma", "Q"),
}
FAMILIES = (*PARAMETERS, "spline")
ALIASES = {  # long English names as typed -> flexsurv's
    "exponential": "exp",
    "lognormal": "lnorm",
    "loglogistic": "llogis",
    "log-logistic": "llogis",
    "log-normal": "lnorm",
    "generalised-gamma": "gengamma",
    "generalized-gamma": "gengamma",
}
TINY = 1e-300  # hazards are evaluated at t = 0 as their right limit at this time
Q_LOGNORMAL = 1e-5  # |Q| below this: the generalised gamma is evaluated as its lognormal limit


def spline_parameters(knots: np.ndarray) -> tuple[str, ...]:
    """gamma0 ... gamma{m+1} for m internal knots (len(knots) = m + 2)."""
    return tuple(f"gamma{i}" for i in range(len(knots)))


def _columns(params: Mapping[str, object], names: tuple[str, ...]) -> list[np.ndarray]:
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"missing parameter(s): {', '.join(missing)}")
    return [np.asarray(params[n], dtype=float).reshape(-1, 1) for n in names]


def _norm_logsf(w: np.ndarray) -> np.ndarray:
    """log(1 - Phi(w)), as scipy.stats.norm.logsf computes it."""
    from scipy import special

    return special.log_ndtr(-w)


def _norm_logpdf(w: np.ndarray) -> np.ndarray:
    """log phi(w), as scipy.stats.norm.logpdf computes it."""
    return -(w**2) / 2.0 - np.log(np.sqrt(2 * np.pi))


def _log_time(t: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(t, TINY))


def _log_upper_gamma(k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """log Q(k, u), the regularised upper incomplete gamma, without underflow for large u."""
    from scipy import special

    out = special.gammaincc(k, u)
    small = out <= 0.5  # there log Q = log1p(-P) would lose digits: use Q itself
    big = ~small
    kb = np.broadcast_to(k, u.shape)
    out[big] = np.log1p(-special.gammainc(kb[big], u[big]))
    tail = small & (out < 1e-290)  # asymptotic series u^(k-1) e^-u / Gamma(k) * sum (k-1)...(k-n) / u^n
    out[small] = np.log(np.maximum(out[small], TINY))
    if np.any(tail):
        kk, uu = kb[tail], u[tail]
        term, total = np.ones_like(uu), np.ones_like(uu)
        for n in range(1, 12):
            term = term * (kk - n) / uu
            total = total + term
        out[tail] = (kk - 1) * np.log(uu) - uu - special.gammaln(kk) + np.log(np.abs(total))
    return out


def _log_lower_gamma(k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """log P(k, u), the regularised lower incomplete gamma, without underflow for small u."""
    from scipy import special

    out = special.gammainc(k, u)
    small = out <= 0.5
    big = ~small
    kb = np.broadcast_to(k, u.shape)
    out[big] = np.log1p(-special.gammaincc(kb[big], u[big]))
    tail = small & (out < 1e-290)  # series u^k e^-u / Gamma(k+1) * sum u^n / ((k+1)...(k+n))
    out[small] = np.log(np.maximum(out[small], TINY))
    if np.any(tail):
        kk, uu = kb[tail], u[tail]
        term, total = np.ones_like(uu), np.ones_like(uu)
        for n in range(1, 12):
            term = term * uu / (kk + n)
            total = total + term
        out[tail] = kk * np.log(uu) - uu - special.gammaln(kk + 1) + np.log(total)
    return out


def _gengamma(
    mu: np.ndarray, sigma: np.ndarray, q: np.ndarray, t: np.ndarray, hazard: bool = True
) -> tuple[np.ndarray | None, np.ndarray]:
    """(log hazard, cumulative hazard) of Prentice's generalised gamma, lognormal where |Q| is tiny.

    With ``hazard=False`` only the cumulative hazard is computed (the log hazard is None).
    """
    from scipy import special

    shape = np.broadcast_shapes(mu.shape, sigma.shape, q.shape, t.shape)
    w = np.broadcast_to((_log_time(t) - mu) / sigma, shape)
    q = np.broadcast_to(q, shape)
    sig = np.broadcast_to(sigma, shape)
    logt = np.broadcast_to(_log_time(t), shape)
    near0 = np.abs(q) < Q_LOGNORMAL
    log_f = None
    if np.any(near0):
        log_s = np.where(near0, _norm_logsf(w), 0.0)
        if hazard:
            log_f = np.where(near0, _norm_logpdf(w) - np.log(sig) - logt, 0.0)
    far = ~near0
    if np.all(far):  # the usual case: no masking copies
        k = 1.0 / q**2
        log_u = np.log(k) + q * w
        u = np.exp(np.minimum(log_u, 700.0))
        up = q > 0
        if np.all(up):
            log_s = _log_upper_gamma(k, u)
        elif not np.any(up):
            log_s = _log_lower_gamma(k, u)
        else:
            log_s = np.empty(shape)
            log_s[up] = _log_upper_gamma(k[up], u[up])
            log_s[~up] = _log_lower_gamma(k[~up], u[~up])
        if hazard:
            log_f = np.log(np.abs(q)) - np.log(sig) - logt - special.gammaln(k) + k * log_u - u
    elif np.any(far):
        qf, wf = q[far], w[far]
        k = 1.0 / qf**2
        log_u = np.log(k) + qf * wf
        u = np.exp(np.minimum(log_u, 700.0))
        log_s[far] = np.where(qf > 0, _log_upper_gamma(k, u), _log_lower_gamma(k, u))
        if hazard:  # log f = log|Q| - log(sigma t) - lgamma(k) + k log u - u
            assert log_f is not None
            log_f[far] = np.log(np.abs(qf)) - np.log(sig[far]) - logt[far] - special.gammaln(k) + k * log_u - u
    return (log_f - log_s if log_f is not None else None), -log_s


def spline_basis(x: np.ndarray, knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Royston-Parmar natural cubic spline basis in x = log t and its derivative: (..., K) arrays.

    Columns: 1, x, v_1(x) ... v_m(x) with v_j = (x - k_j)+^3 - l_j (x - k_min)+^3 - (1 - l_j)(x - k_max)+^3
    and l_j = (k_max - k_j) / (k_max - k_min), as flexsurv's ``basis``.
    """
    knots = np.asarray(knots, dtype=float)
    x = np.asarray(x, dtype=float)[..., None]
    kmin, kmax, inner = knots[0], knots[-1], knots[1:-1]
    lam = (kmax - inner) / (kmax - kmin)

    def plus(a: np.ndarray, p: int) -> np.ndarray:
        return np.maximum(a, 0.0) ** p

    b = plus(x - inner, 3) - lam * plus(x - kmin, 3) - (1 - lam) * plus(x - kmax, 3)
    db = 3 * (plus(x - inner, 2) - lam * plus(x - kmin, 2) - (1 - lam) * plus(x - kmax, 2))
    ones = np.ones_like(x)
    return np.concatenate([ones, x, b], axis=-1), np.concatenate([0 * ones, ones, db], axis=-1)


def _spline(gammas: np.ndarray, knots: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """gammas (S, K), t (1 or S, T); returns (log hazard, cumulative hazard).

    Where the spline decreases the hazard would be negative: it is 0 there (log hazard -inf), as in
    flexsurv, so such parameters get a zero likelihood rather than a negative density.
    """
    logt = _log_time(t)
    b, db = spline_basis(logt, knots)  # (1 or S, T, K)
    eta = np.sum(b * gammas[:, None, :], axis=-1)
    slope = np.sum(db * gammas[:, None, :], axis=-1)
    cumhaz = np.where(t > 0, np.exp(np.minimum(eta, 700.0)), 0.0)
    positive = slope > 0
    log_h = np.where(positive, eta + np.log(np.where(positive, slope, 1.0)) - logt, -np.inf)
    return log_h, cumhaz


def family_log_hazard_cumhaz(
    family: str, params: Mapping[str, object], t: np.ndarray, knots: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(log h(t), H(t)) of a family with parameters (S,) at times (T,) (or (S, T)): two (S, T) arrays."""
    from scipy import special

    t = np.asarray(t, dtype=float)
    t = t.reshape(1, -1) if t.ndim < 2 else t
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if family == "spline":
            if knots is None:
                raise ValueError("a spline needs its knots")
            cols = _columns(params, spline_parameters(knots))
            return _spline(np.hstack(cols), np.asarray(knots, dtype=float), t)
        if family not in PARAMETERS:
            raise ValueError(f"unknown family '{family}' (families: {', '.join(FAMILIES)})")
        p = _columns(params, PARAMETERS[family])
        logt = _log_time(t)
        if family == "exp":
            (rate,) = p
            return np.log(rate) + 0 * t, rate * t
        if family == "weibull":
            shape, scale = p
            z = logt - np.log(scale)
            return np.log(shape) - np.log(scale) + (shape - 1) * z, np.where(t > 0, np.exp(shape * z), 0.0)
        if family == "gompertz":
            shape, rate = p
            at = shape * t
            safe = np.where(shape == 0, 1.0, shape)
            cumhaz = np.where(shape == 0, rate * t, rate * np.expm1(at) / safe)
            return np.log(rate) + at, cumhaz
        if family == "llogis":
            shape, scale = p
            z = shape * (logt - np.log(scale))
            return np.log(shape) - logt + special.log_expit(z), np.where(t > 0, np.logaddexp(0.0, z), 0.0)
        if family == "lnorm":
            meanlog, sdlog = p
            w = (logt - meanlog) / sdlog
            log_s = _norm_logsf(w)
            log_h = _norm_logpdf(w) - np.log(sdlog) - logt - log_s
            return log_h, np.where(t > 0, -log_s, 0.0)
        mu, sigma, q = p
        log_h, cumhaz = _gengamma(mu, sigma, q, t)
        assert log_h is not None
        return log_h, np.where(t > 0, cumhaz, 0.0)


def family_cumhaz(
    family: str, params: Mapping[str, object], t: np.ndarray, knots: np.ndarray | None = None
) -> np.ndarray:
    """H(t) alone, (S, T): what a cohort model needs, without the log hazard (a third of the work for lnorm).

    The same numbers as ``family_log_hazard_cumhaz(...)[1]`` (the splines are computed by it).
    """
    from scipy import special

    t = np.asarray(t, dtype=float)
    t = t.reshape(1, -1) if t.ndim < 2 else t
    if family == "spline":
        return family_log_hazard_cumhaz(family, params, t, knots)[1]
    if family not in PARAMETERS:
        raise ValueError(f"unknown family '{family}' (families: {', '.join(FAMILIES)})")
    p = _columns(params, PARAMETERS[family])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if family == "exp":
            return p[0] * t
        if family == "gompertz":
            shape, rate = p
            safe = np.where(shape == 0, 1.0, shape)
            return np.where(shape == 0, rate * t, rate * np.expm1(shape * t) / safe)
        logt = _log_time(t)
        if family == "weibull":
            shape, scale = p
            return np.where(t > 0, np.exp(shape * (logt - np.log(scale))), 0.0)
        if family == "llogis":
            shape, scale = p
            return np.where(t > 0, np.logaddexp(0.0, shape * (logt - np.log(scale))), 0.0)
        if family == "lnorm":
            meanlog, sdlog = p
            return np.where(t > 0, -special.log_ndtr(-(logt - meanlog) / sdlog), 0.0)
        mu, sigma, q = p  # gengamma
        return np.where(t > 0, _gengamma(mu, sigma, q, t, hazard=False)[1], 0.0)


@dataclass(frozen=True)
class Curve:
    """One survival curve (per PSA sample): a family, optionally cured, shifted, with background mortality.

    - ``cure``: mixture-cure fraction theta (S,): S(t) = theta + (1 - theta) S_u(t) (flexsurvcure "mixture").
    - ``hazard_ratio``: S(t)^HR (proportional hazards on the whole curve).
    - ``acceleration``: S(t / AF): AF > 1 stretches time, i.e. prolongs survival.
    - ``background`` with ``relative=True``: the family is an excess hazard on top of general-population
      mortality, h(t) = h*(t) + lambda(t) (relative-survival fits).
    - ``cure_point`` (with ``background``): from that time on survivors follow general-population
      mortality (times the background's SMR) only.
    """

    family: str
    params: Mapping[str, object]
    knots: np.ndarray | None = None
    cure: object | None = None
    hazard_ratio: object | None = None
    acceleration: object | None = None
    background: Background | None = None
    relative: bool = False
    cure_point: float | None = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family '{self.family}' (families: {', '.join(FAMILIES)})")
        if (self.relative or self.cure_point is not None) and self.background is None:
            raise ValueError("relative survival and a cure point need a background (life table)")

    def _model(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log h, H) of the parametric part, with cure fraction and treatment effect."""
        tt = t.reshape(1, -1)
        if self.acceleration is not None:
            af = np.asarray(self.acceleration, dtype=float).reshape(-1, 1)
            log_h, cumhaz = self._cured(tt / af)
            log_h = log_h - np.log(af)
        else:
            log_h, cumhaz = self._cured(tt)
        if self.hazard_ratio is not None:
            hr = np.asarray(self.hazard_ratio, dtype=float).reshape(-1, 1)
            log_h, cumhaz = log_h + np.log(hr), cumhaz * hr
        return log_h, cumhaz

    def _cured(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log_h, cumhaz = family_log_hazard_cumhaz(self.family, self.params, t, self.knots)
        if self.cure is None:
            return log_h, cumhaz
        theta = np.asarray(self.cure, dtype=float).reshape(-1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_s = np.logaddexp(np.log(theta), np.log1p(-theta) - cumhaz)
            # once every uncured patient has had the event (H_u infinite) the hazard is 0
            log_h = np.where(np.isinf(cumhaz), -np.inf, np.log1p(-theta) + log_h - cumhaz - log_s)
        return log_h, -log_s

    def log_hazard_cumhaz(self, t: object) -> tuple[np.ndarray, np.ndarray]:
        """(log h(t), H(t)) of the whole curve: (S, T) arrays."""
        t = np.asarray(t, dtype=float).reshape(-1)
        if self.cure_point is not None:
            tc = float(self.cure_point)
            log_h, cumhaz = self._with_background(np.minimum(t, tc))
            bg = self.background
            assert bg is not None
            log_hb, cum_b = bg.log_hazard_cumhaz(t)
            _, cum_bc = bg.log_hazard_cumhaz(np.minimum(t, tc))
            after = t > tc
            return np.where(after, log_hb, log_h), cumhaz + (cum_b - cum_bc)
        return self._with_background(t)

    def _with_background(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log_h, cumhaz = self._model(t)
        if not self.relative:
            return log_h, cumhaz
        assert self.background is not None
        log_hb, cum_b = self.background.log_hazard_cumhaz(t)
        return np.logaddexp(log_h, log_hb), cumhaz + cum_b

    def survival(self, t: object) -> np.ndarray:
        """S(t), shape (S, T)."""
        return np.exp(-self.log_hazard_cumhaz(t)[1])

    def hazard(self, t: object) -> np.ndarray:
        """h(t), shape (S, T); at t = 0 its right limit."""
        return np.exp(self.log_hazard_cumhaz(t)[0])

    def cumhaz(self, t: object) -> np.ndarray:
        """H(t), shape (S, T)."""
        return self.log_hazard_cumhaz(t)[1]


def restricted_mean(survival: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Area under S on a time grid by the trapezoidal rule, per sample: (S, T) -> (S,)."""
    return np.trapezoid(survival, np.asarray(t, dtype=float), axis=-1)


def floor_to_background(t: np.ndarray, cumhaz: np.ndarray, background_cumhaz: np.ndarray) -> np.ndarray:
    """Cumulative hazard whose increments on the grid ``t`` are never below the background's.

    The general-population floor of NICE DSU TSD 21: on each interval the larger of the two hazard
    increments is used (exact when one hazard is above the other throughout the interval).
    """
    t = np.asarray(t, dtype=float)
    if np.any(np.diff(t) <= 0):
        raise ValueError("the time grid must increase")
    inc = np.maximum(np.diff(cumhaz, axis=-1), np.diff(background_cumhaz, axis=-1))
    start = np.broadcast_to(np.maximum(cumhaz[..., :1], background_cumhaz[..., :1]), inc.shape[:-1] + (1,))
    return np.concatenate([start, start + np.cumsum(inc, axis=-1)], axis=-1)


# flexsurv's estimation scale: positive parameters on the log scale, the cure fraction on the logit scale.
TRANSFORMS: dict[str, dict[str, str]] = {
    "exp": {"rate": "log"},
    "weibull": {"shape": "log", "scale": "log"},
    "gompertz": {"shape": "identity", "rate": "log"},
    "llogis": {"shape": "log", "scale": "log"},
    "lnorm": {"meanlog": "identity", "sdlog": "log"},
    "gengamma": {"mu": "identity", "sigma": "log", "Q": "identity"},
}


def transform_of(family: str, name: str) -> str:
    """'log', 'logit' or 'identity': the scale on which a parameter is estimated (and drawn for PSA)."""
    if name == "theta":
        return "logit"
    if family == "spline":
        return "identity"
    return TRANSFORMS[family][name]


def to_natural(transform: str, value: np.ndarray) -> np.ndarray:
    """Estimation scale -> natural scale."""
    from scipy import special

    value = np.asarray(value, dtype=float)
    if transform == "log":
        with np.errstate(over="ignore"):  # a fit that ran off is reported by its status, not a warning
            return np.exp(value)
    if transform == "logit":
        return special.expit(value)
    return value


def to_estimation(transform: str, value: np.ndarray) -> np.ndarray:
    """Natural scale -> estimation scale."""
    from scipy import special

    value = np.asarray(value, dtype=float)
    if transform == "log":
        return np.log(value)
    if transform == "logit":
        return special.logit(value)
    return value

"""Parameter distributions: canonical forms, sampling, and quantiles.

A distribution given in a scenario (by native parameters, by mean and standard error, or by a 95 %
interval) is first converted to one canonical form by the method of moments; sampling and quantiles
then work on that form. Independent parameters are drawn with numpy's Generator; correlated ones
through a Gaussian copula and the inverse CDF (scipy), which is also used for DSA percentiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z975 = 1.959963984540054  # the 97.5 % quantile of the standard normal


@dataclass(frozen=True)
class Distribution:
    """Canonical forms: normal(mean, sd), truncnormal(mean, sd, lower, upper), lognormal(meanlog, sdlog),
    gamma(shape, scale), beta(alpha, beta), uniform(min, max), triangular(min, mode, max),
    pert(min, mode, max), binomial(prob, size) (the proportion of successes, as heemod's binomial),
    poisson(mean) (a count), fixed(value), logitnormal(mu, sigma) (expit of a normal: a cure fraction drawn
    on flexsurvcure's estimation scale)."""

    kind: str
    params: tuple[float, ...]

    @property
    def mean(self) -> float:
        k, p = self.kind, self.params
        if k in ("normal", "fixed"):
            return p[0]
        if k == "lognormal":
            return math.exp(p[0] + p[1] ** 2 / 2)
        if k == "gamma":
            return p[0] * p[1]
        if k == "beta":
            return p[0] / (p[0] + p[1])
        if k == "uniform":
            return (p[0] + p[1]) / 2
        if k == "triangular":
            return sum(p) / 3
        if k == "pert":
            return (p[0] + 4 * p[1] + p[2]) / 6
        if k in ("binomial", "poisson"):
            return p[0]
        if k == "logitnormal":  # no closed form: Gauss-Hermite quadrature of expit(mu + sigma z)
            z, w = np.polynomial.hermite_e.hermegauss(40)
            return float(np.sum(w * _expit(p[0] + p[1] * z)) / math.sqrt(2 * math.pi))
        return float(self._frozen().mean())  # truncnormal

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        k, p = self.kind, self.params
        if k == "fixed":
            return np.full(size, p[0])
        if k == "normal":
            return rng.normal(p[0], p[1], size)
        if k == "lognormal":
            return rng.lognormal(p[0], p[1], size)
        if k == "gamma":
            return rng.gamma(p[0], p[1], size)
        if k == "beta":
            return rng.beta(p[0], p[1], size)
        if k == "uniform":
            return rng.uniform(p[0], p[1], size)
        if k == "triangular":
            return rng.triangular(p[0], p[1], p[2], size) if p[0] < p[2] else np.full(size, p[0])
        if k == "pert":
            a, b = _pert_shape(*p)
            return p[0] + (p[2] - p[0]) * rng.beta(a, b, size)
        if k == "binomial":
            return rng.binomial(int(p[1]), p[0], size) / p[1]
        if k == "poisson":
            return rng.poisson(p[0], size).astype(float)
        if k == "logitnormal":
            return _expit(rng.normal(p[0], p[1], size))
        return self.quantile(rng.random(size))  # truncnormal: inverse CDF

    def quantile(self, u: np.ndarray | float) -> np.ndarray:
        """Inverse CDF at probabilities ``u`` (for copulas and percentiles)."""
        u = np.asarray(u, dtype=float)
        if self.kind == "fixed":
            return np.full(u.shape, self.params[0])
        if self.kind == "uniform":
            return self.params[0] + u * (self.params[1] - self.params[0])
        if self.kind in ("logitnormal", "normal", "lognormal"):
            # scipy.special alone, not scipy.stats (a second of start-up); the same arithmetic as
            # stats.norm.ppf and stats.lognorm.ppf: the standard quantile times the scale plus the location
            from scipy.special import ndtri

            mu, sigma = self.params[0], self.params[1]
            if self.kind == "normal":
                return ndtri(u) * sigma + mu
            if self.kind == "lognormal":
                return np.exp(sigma * ndtri(u)) * math.exp(mu) + 0.0
            return _expit(mu + sigma * ndtri(u))
        q = np.asarray(self._frozen().ppf(u), dtype=float)
        return q / self.params[1] if self.kind == "binomial" else q

    def _frozen(self):  # noqa: ANN202 - a scipy frozen distribution
        from scipy import stats

        k, p = self.kind, self.params
        if k == "normal":
            return stats.norm(p[0], p[1])
        if k == "truncnormal":
            mean, sd, lo, hi = p
            return stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
        if k == "lognormal":
            return stats.lognorm(p[1], scale=math.exp(p[0]))
        if k == "gamma":
            return stats.gamma(p[0], scale=p[1])
        if k == "beta":
            return stats.beta(p[0], p[1])
        if k == "triangular":
            lo, mode, hi = p
            width = hi - lo
            return stats.triang((mode - lo) / width if width else 0.5, loc=lo, scale=width)
        if k == "pert":
            a, b = _pert_shape(*p)
            return stats.beta(a, b, loc=p[0], scale=p[2] - p[0])
        if k == "binomial":  # quantiles of the count, divided by size below
            return stats.binom(int(p[1]), p[0])
        if k == "poisson":
            return stats.poisson(p[0])
        raise ValueError(f"no quantile function for {k}")


def _pert_shape(lo: float, mode: float, hi: float) -> tuple[float, float]:
    width = hi - lo
    if width <= 0:
        return 1.0, 1.0
    return 1 + 4 * (mode - lo) / width, 1 + 4 * (hi - mode) / width


def canonical(kind: str, given: dict[str, float], value: float) -> Distribution:
    """Convert a scenario's parameterisation to the canonical form; ``value`` is the parameter's value.

    Raises ValueError with a readable message for impossible combinations.
    """
    g = given
    mean = g.get("mean", value)
    spread = g.get("sd", g.get("se"))
    if kind == "fixed":
        return Distribution("fixed", (value,))
    if kind == "normal":
        if "low" in g:
            return Distribution(
                "normal",
                ((g["low"] + g["high"]) / 2, _positive((g["high"] - g["low"]) / (2 * Z975), "the interval width")),
            )
        return Distribution("normal", (mean, _positive(spread, "sd")))
    if kind == "truncnormal":
        if not g["lower"] < g["upper"]:
            raise ValueError("lower must be below upper")
        return Distribution("truncnormal", (mean, _positive(spread, "sd"), g["lower"], g["upper"]))
    if kind == "lognormal":
        return _lognormal(g, mean, spread)
    if kind == "gamma":
        if "shape" in g:
            scale = g["scale"] if "scale" in g else 1 / _positive(g["rate"], "rate")
            return Distribution("gamma", (_positive(g["shape"], "shape"), _positive(scale, "scale")))
        _positive(mean, "mean")
        se = _positive(spread, "se")
        return Distribution("gamma", (mean**2 / se**2, se**2 / mean))
    if kind == "beta":
        if "alpha" in g:
            return Distribution("beta", (_positive(g["alpha"], "alpha"), _positive(g["beta"], "beta")))
        if not 0 < mean < 1:
            raise ValueError(f"a beta distribution needs a mean strictly between 0 and 1, got {mean:g}")
        se = _positive(spread, "se")
        k = mean * (1 - mean) / se**2 - 1
        if k <= 0:
            raise ValueError(f"se {se:g} is too large for a beta distribution with mean {mean:g}")
        return Distribution("beta", (mean * k, (1 - mean) * k))
    if kind == "binomial":
        prob, size = g.get("prob", value), g["size"]
        if not 0 <= prob <= 1:
            raise ValueError(f"a binomial distribution needs prob between 0 and 1, got {prob:g}")
        if not (size >= 1 and float(size).is_integer()):
            raise ValueError(f"a binomial distribution needs a whole size of at least 1, got {size:g}")
        return Distribution("binomial", (float(prob), float(size)))
    if kind == "poisson":
        if not mean >= 0:
            raise ValueError(f"a poisson distribution needs a mean of at least 0, got {mean:g}")
        return Distribution("poisson", (float(mean),))
    if kind == "uniform":
        return Distribution("uniform", _ordered(g["min"], g["max"]))
    if kind == "logitnormal":
        return Distribution("logitnormal", (g["mu"], _positive(g["sigma"], "sigma")))
    if kind in ("triangular", "pert"):
        lo, hi = _ordered(g["min"], g["max"])
        mode = g.get("mode", value)
        if not lo <= mode <= hi:
            raise ValueError(f"mode {mode:g} is outside [{lo:g}, {hi:g}]")
        return Distribution(kind, (lo, mode, hi))
    raise ValueError(f"unknown distribution type {kind!r}")


def _lognormal(g: dict[str, float], mean: float, spread: float | None) -> Distribution:
    """lognormal(meanlog, sdlog) from meanlog and sdlog, mean and sdlog, a 95 % interval, or mean and se."""
    if "meanlog" in g:
        return Distribution("lognormal", (g["meanlog"], _positive(g["sdlog"], "sdlog")))
    if "sdlog" in g:  # mean on the natural scale and sdlog, as heemod's lognormal(mean, sdlog)
        sdlog = _positive(g["sdlog"], "sdlog")
        return Distribution("lognormal", (math.log(_positive(mean, "mean")) - sdlog**2 / 2, sdlog))
    if "low" in g:
        lo, hi = _positive(g["low"], "low"), _positive(g["high"], "high")
        return Distribution(
            "lognormal",
            (
                (math.log(lo) + math.log(hi)) / 2,
                _positive((math.log(hi) - math.log(lo)) / (2 * Z975), "the interval width"),
            ),
        )
    _positive(mean, "mean")
    sdlog = math.sqrt(math.log1p((_positive(spread, "se") / mean) ** 2))
    return Distribution("lognormal", (math.log(mean) - sdlog**2 / 2, sdlog))


def _positive(x: float | None, what: str) -> float:
    if x is None or not x > 0:
        raise ValueError(f"{what} must be positive, got {x}")
    return float(x)


def _ordered(lo: float, hi: float) -> tuple[float, float]:
    if not lo <= hi:
        raise ValueError(f"min {lo:g} is above max {hi:g}")
    return float(lo), float(hi)


def _expit(x: np.ndarray | float) -> np.ndarray:
    from scipy.special import expit

    return expit(x)


def correlated_uniforms(rng: np.random.Generator, cholesky: np.ndarray, size: int) -> np.ndarray:
    """Uniforms with the rank structure of a Gaussian copula: Phi(Z L^T), shape (size, k)."""
    from scipy.special import ndtr

    z = rng.standard_normal((size, cholesky.shape[0])) @ cholesky.T
    return ndtr(z)

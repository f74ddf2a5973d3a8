"""Proposed studies for EVSI: how a study's summary data arise from the model's parameters.

Each design simulates, for every PSA sample, the summary statistics of one study of size n given that
sample's parameter values (the predictive distribution of the data under current information). The
regression method of EVSI (Strong et al. 2015) regresses net benefit on these summaries, so a design
needs no prior and no likelihood, only a way to generate data; the summaries below are sufficient for
the parameters of each design.

| kind | parameters | data from n | summary |
|---|---|---|---|
| binomial | p | n patients, each an event with probability p | events |
| trial | p1, p2 | n patients per arm | events per arm |
| normal | mean | n observations with known sd | sample mean |
| poisson | rate | n person-years (rate per person-year) | events |
| gamma | mean | n observations, gamma with known coefficient of variation | sample mean |
| survival | rate | n patients followed for t years, exponential event times | events, time at risk |
| cure | cure fraction, rate | n event-free patients followed t more years, mixture cure model | events, time at risk |
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = {"binomial": 1, "trial": 2, "normal": 1, "poisson": 1, "gamma": 1, "survival": 1, "cure": 2}
DESCRIPTION = {
    "binomial": "{n} patients, binary outcome ({p})",
    "trial": "two-arm trial, {n} per arm, binary outcome ({p})",
    "normal": "{n} observations of {p} (sd {sd:g})",
    "poisson": "events over {n} person-years ({p})",
    "gamma": "{n} observations of {p} (coefficient of variation {cv:g})",
    "survival": "{n} patients followed {t} years ({p})",
    "cure": "{n} event-free patients followed {t} more years ({p})",
}
CELLS = 2_000_000  # patient-level draws held at once by the survival designs


@dataclass(frozen=True)
class Study:
    kind: str
    parameters: tuple[str, ...]
    sd: float | None = None  # normal: sd of one observation
    cv: float = 1.0  # gamma: coefficient of variation of one observation (1: exponential)
    after: float = 0.0  # cure: years the patients have already been followed event-free

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown study design {self.kind!r}; expected one of {', '.join(KINDS)}")
        if len(self.parameters) != KINDS[self.kind]:
            want = KINDS[self.kind]
            raise ValueError(f"a {self.kind} study informs {want} parameter{'s' if want > 1 else ''}")
        if self.kind == "normal" and not (self.sd and self.sd > 0):
            raise ValueError("a normal study needs the standard deviation of one observation (--sd)")
        if not self.cv > 0 or self.after < 0:
            raise ValueError("the coefficient of variation must be positive and --after not negative")

    @property
    def follows_up(self) -> bool:
        return self.kind in ("survival", "cure")

    @property
    def summaries(self) -> list[str]:
        if self.kind == "trial":
            return ["events_arm1", "events_arm2"]
        if self.follows_up:
            return ["events", "time_at_risk"]
        return ["events" if self.kind in ("binomial", "poisson") else "sample_mean"]

    def participants(self, n: int) -> int:
        return 2 * n if self.kind == "trial" else n

    def describe(self, n: object = "n", followup: object = "t") -> str:
        return DESCRIPTION[self.kind].format(n=n, t=followup, p=", ".join(self.parameters), sd=self.sd or 0, cv=self.cv)

    def simulate(
        self, draws: dict[str, np.ndarray], n: int, followup: float | None, rng: np.random.Generator
    ) -> np.ndarray:
        """Summary statistics (samples, len(summaries)) of one study of size ``n`` per PSA sample."""
        x = [np.asarray(draws[p], dtype=float) for p in self.parameters]
        k = self.kind
        if k in ("binomial", "trial"):
            return np.column_stack(
                [rng.binomial(n, _probability(v, p)) for v, p in zip(x, self.parameters, strict=True)]
            )
        if k == "normal":
            return (x[0] + rng.normal(0.0, self.sd / math.sqrt(n), x[0].size))[:, None]
        if k == "poisson":
            return rng.poisson(_rate(x[0], self.parameters[0]) * n)[:, None].astype(float)
        if k == "gamma":
            shape = n / self.cv**2  # the sum of n gammas with shape 1/cv^2 is gamma with shape n/cv^2
            return (rng.gamma(shape, 1.0, x[0].size) * _rate(x[0], self.parameters[0]) / shape)[:, None]
        if followup is None or not followup > 0:
            raise ValueError(f"a {k} study needs a follow-up time in years (--followup)")
        rate = _rate(x[-1], self.parameters[-1])
        if k == "survival":
            share_events = np.ones_like(rate)
        else:
            cure = _probability(x[0], self.parameters[0])
            alive = cure + (1 - cure) * np.exp(-rate * self.after)
            share_events = (1 - cure) * np.exp(-rate * self.after) / np.where(alive > 0, alive, 1.0)
        return _followed(rate, share_events, n, followup, rng)


def _followed(rate: np.ndarray, uncured: np.ndarray, n: int, t: float, rng: np.random.Generator) -> np.ndarray:
    """Events and time at risk of n patients followed t years; a share ``uncured`` of them has
    exponential event times with ``rate`` (memoryless, so the time already followed does not matter)."""
    p_event = uncured * -np.expm1(-rate * t)
    events = rng.binomial(n, np.clip(p_event, 0.0, 1.0))
    time_with_event = np.zeros(rate.size)
    rows = max(1, CELLS // max(n, 1))
    for start in range(0, rate.size, rows):
        r = rate[start : start + rows, None]
        u = rng.random((r.shape[0], n))
        # event times given an event within t: inverse CDF of the exponential truncated at t
        times = np.where(r > 0, -np.log1p(u * np.expm1(-r * t)) / np.where(r > 0, r, 1.0), u * t)
        mask = np.arange(n)[None, :] < events[start : start + rows, None]
        time_with_event[start : start + rows] = (times * mask).sum(axis=1)
    return np.column_stack([events, time_with_event + (n - events) * t])


def _probability(v: np.ndarray, name: str) -> np.ndarray:
    if np.any((v < 0) | (v > 1)):
        raise ValueError(f"{name} is used as a probability but has draws outside [0, 1]")
    return v


def _rate(v: np.ndarray, name: str) -> np.ndarray:
    if np.any(v < 0):
        raise ValueError(f"{name} is used as a rate or mean but has negative draws")
    return v

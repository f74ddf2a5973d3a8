"""Distributional cost-effectiveness analysis (DCEA): equally distributed equivalent (EDE) health and
equity-weighted net health benefit across population subgroups (Asaria, Griffin, Cookson 2016; Cookson
et al. 2017, 2021).

Health is per person (e.g. quality-adjusted life expectancy) in each subgroup; ``shares`` are the
subgroups' shares of the population. Sources, aversion values and the opportunity-cost rule are in
docs/decision-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Median aversion of the English public (Robson et al., Health Econ 2017;26:1328-1334).
ATKINSON_EPSILON_ENGLAND = 10.95
KOLM_ALPHA_ENGLAND = 0.15


def _shares(shares: Any, n: int) -> np.ndarray:
    w = np.full(n, 1.0 / n) if shares is None else np.asarray(shares, float)
    if w.shape != (n,) or np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ValueError("population shares must be one non-negative number per subgroup, summing to 1")
    return w


def atkinson_ede(health: Any, shares: Any = None, epsilon: float = ATKINSON_EPSILON_ENGLAND) -> float:
    """Atkinson EDE: [sum w_i h_i^(1 - e)]^(1 / (1 - e)); the geometric mean when e = 1. Needs h > 0."""
    h = np.asarray(health, float)
    w = _shares(shares, h.size)
    if np.any(h <= 0):
        raise ValueError("the Atkinson EDE needs positive health in every subgroup")
    if epsilon == 1.0:
        return float(np.exp(np.sum(w * np.log(h))))
    # scaled by the maximum so that h^(1 - e) stays in range for large e
    top = h.max()
    return float(top * np.sum(w * (h / top) ** (1.0 - epsilon)) ** (1.0 / (1.0 - epsilon)))


def kolm_ede(health: Any, shares: Any = None, alpha: float = KOLM_ALPHA_ENGLAND) -> float:
    """Kolm EDE: -(1 / a) ln sum w_i exp(-a h_i); the mean when a = 0."""
    h = np.asarray(health, float)
    w = _shares(shares, h.size)
    mean = float(np.sum(w * h))
    if alpha == 0.0:
        return mean
    # around the mean, so exp() cannot overflow
    return mean - float(np.log(np.sum(w * np.exp(-alpha * (h - mean))))) / alpha


def ede(health: Any, shares: Any = None, index: str = "atkinson", aversion: float | None = None) -> float:
    if index == "atkinson":
        return atkinson_ede(health, shares, ATKINSON_EPSILON_ENGLAND if aversion is None else aversion)
    if index == "kolm":
        return kolm_ede(health, shares, KOLM_ALPHA_ENGLAND if aversion is None else aversion)
    raise ValueError(f"unknown inequality index '{index}': use atkinson or kolm")


def equity_weights(health: Any, shares: Any = None, index: str = "atkinson", aversion: float | None = None) -> Any:
    """Marginal social value of a unit of health in each subgroup, scaled to a population mean of 1:
    proportional to h^-e (Atkinson) or exp(-a h) (Kolm)."""
    h = np.asarray(health, float)
    w = _shares(shares, h.size)
    if index == "atkinson":
        e = ATKINSON_EPSILON_ENGLAND if aversion is None else aversion
        raw = (h / h.min()) ** -e
    elif index == "kolm":
        a = KOLM_ALPHA_ENGLAND if aversion is None else aversion
        raw = np.exp(-a * (h - h.min()))
    else:
        raise ValueError(f"unknown inequality index '{index}': use atkinson or kolm")
    return raw / np.sum(w * raw)


def opportunity_cost_shares(shares: Any, rule: str = "per_capita", custom: Any = None) -> np.ndarray:
    """How the health forgone elsewhere (net cost / threshold) falls on the subgroups.

    ``per_capita``: in proportion to population shares (everyone loses the same); ``custom``: the given
    shares, e.g. by deprivation fifth from Love-Koh et al. (Med Decis Making 2020), who estimate 26 % of
    the health effect of an NHS budget change falls on the most deprived fifth and 14 % on the least."""
    w = _shares(shares, np.asarray(shares).size)
    if rule == "per_capita":
        return w
    if rule == "custom":
        return _shares(custom, w.size)
    raise ValueError(f"unknown opportunity-cost rule '{rule}': use per_capita or custom")


@dataclass(frozen=True)
class Distribution:
    """A strategy's effect on the distribution of health against its comparator (per person)."""

    baseline: np.ndarray  # health per person in each subgroup without the decision
    after: np.ndarray  # with the health gains and the opportunity costs
    net_health_benefit: np.ndarray  # per person in each subgroup: gain - opportunity cost
    shares: np.ndarray
    index: str
    aversion: float
    threshold: float

    @property
    def total_net_health_benefit(self) -> float:
        """Efficiency: the population-mean net health benefit (x-axis of the equity-efficiency plane)."""
        return float(np.sum(self.shares * self.net_health_benefit))

    @property
    def ede_change(self) -> float:
        """Change in EDE health: the equity-weighted net health benefit per person."""
        return ede(self.after, self.shares, self.index, self.aversion) - ede(
            self.baseline, self.shares, self.index, self.aversion
        )

    @property
    def inequality_change(self) -> float:
        """Change in the gap between mean and EDE health (negative = inequality falls; the equity axis of
        the equity-efficiency impact plane is its negative, the reduction in inequality)."""
        return self.total_net_health_benefit - self.ede_change

    @property
    def equity_weighted_net_health_benefit(self) -> float:
        """Sum of share x equity weight x net health benefit, the weights taken at baseline health: the
        first-order (small-change) approximation of ``ede_change``."""
        weights = equity_weights(self.baseline, self.shares, self.index, self.aversion)
        return float(np.sum(self.shares * weights * self.net_health_benefit))

    @property
    def equity_weighted_nmb(self) -> float:
        """Equity-weighted net monetary benefit per person: threshold x the equity-weighted NHB."""
        return self.threshold * self.equity_weighted_net_health_benefit


def distribution(
    baseline: Any,
    shares: Any,
    health_gain: Any,
    net_cost: float,
    threshold: float,
    opportunity_cost: str = "per_capita",
    custom_shares: Any = None,
    index: str = "atkinson",
    aversion: float | None = None,
) -> Distribution:
    """Net health benefit by subgroup: the strategy's health gain per person in each subgroup minus the
    health forgone elsewhere, net_cost / threshold per person of the population, spread over the
    subgroups by ``opportunity_cost`` (per head of each subgroup: oc_share / population share)."""
    h0 = np.asarray(baseline, float)
    w = _shares(shares, h0.size)
    oc = opportunity_cost_shares(w, opportunity_cost, custom_shares)
    forgone = np.divide(net_cost / threshold * oc, w, out=np.zeros_like(w), where=w > 0)
    nhb = np.asarray(health_gain, float) - forgone
    default = ATKINSON_EPSILON_ENGLAND if index == "atkinson" else KOLM_ALPHA_ENGLAND
    return Distribution(h0, h0 + nhb, nhb, w, index, default if aversion is None else aversion, float(threshold))

"""Distributional cost-effectiveness analysis (DCEA): equally distributed equivalent (EDE) health, equity
weights and a strategy's effect on the distribution of health over population subgroups (Asaria,
Griffin, Cookson, Med Decis Making 2016; Love-Koh et al., Value Health 2019; the DCEA handbook, Cookson
et al. (eds), OUP 2020). Pure numpy: the scenario's `equity:` block is read in analysis/dcea.py.

Health is quality-adjusted life expectancy (QALE) per person in each subgroup of the whole population;
``shares`` are the subgroups' shares of that population. Formulas, sources and the aversion values are
in docs/decision-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Median aversion of the English public (Robson M, Asaria M, Cookson R, Tsuchiya A, Ali S. Health Econ
# 2017;26(10):1328-1334), as printed; the authors' code (github.com/miqdadasaria) uses 10.946 and 0.152.
ATKINSON_EPSILON_ENGLAND = 10.95
KOLM_ALPHA_ENGLAND = 0.15
INDICES = ("atkinson", "kolm")


def _shares(shares: Any, n: int) -> np.ndarray:
    w = np.full(n, 1.0 / n) if shares is None else np.asarray(shares, float)
    if w.shape != (n,) or np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ValueError("population shares must be one non-negative number per subgroup, summing to 1")
    return w


def _aversion(index: str, aversion: float | None) -> float:
    if index not in INDICES:
        raise ValueError(f"unknown inequality index '{index}': use atkinson or kolm")
    if aversion is not None:
        return float(aversion)
    return ATKINSON_EPSILON_ENGLAND if index == "atkinson" else KOLM_ALPHA_ENGLAND


def _positive(h: np.ndarray) -> None:
    if np.any(h <= 0):
        raise ValueError("the Atkinson EDE needs positive health in every subgroup")


def atkinson_ede(health: Any, shares: Any = None, epsilon: float = ATKINSON_EPSILON_ENGLAND) -> float:
    """Atkinson EDE: [sum w_i h_i^(1 - e)]^(1 / (1 - e)); the geometric mean when e = 1. Needs h > 0."""
    h = np.asarray(health, float)
    w = _shares(shares, h.size)
    _positive(h)
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
    a = _aversion(index, aversion)
    return atkinson_ede(health, shares, a) if index == "atkinson" else kolm_ede(health, shares, a)


def ede_change(
    health: Any, change: Any, shares: Any = None, index: str = "atkinson", aversion: float | None = None
) -> float:
    """EDE(health + change) - EDE(health), without the cancellation of subtracting two EDEs: a programme
    changes per-person health by 1e-6 QALYs or less, which a plain difference of numbers near 70 loses.

    Atkinson: EDE_0 ((1 + x)^(1 / (1 - e)) - 1), x = sum a_i ((1 + d_i / h_i)^(1 - e) - 1), a_i the
    shares of sum w h^(1 - e); Kolm: -(1 / a) ln(1 + sum b_i (exp(-a d_i) - 1)), b_i the shares of
    sum w exp(-a h). Both through expm1 and log1p."""
    h, d = np.asarray(health, float), np.asarray(change, float)
    w = _shares(shares, h.size)
    a = _aversion(index, aversion)
    if index == "kolm":
        if a == 0.0:
            return float(np.sum(w * d))
        b = w * np.exp(-a * (h - h.min()))
        return float(-np.log1p(np.sum(b / b.sum() * np.expm1(-a * d))) / a)
    _positive(h)
    if np.any(h + d <= 0):
        raise ValueError("the Atkinson EDE needs positive health in every subgroup after the change")
    rel = np.log1p(d / h)
    if a == 1.0:
        return atkinson_ede(h, w, 1.0) * float(np.expm1(np.sum(w * rel)))
    weight = w * (h / h.max()) ** (1.0 - a)
    x = float(np.sum(weight / weight.sum() * np.expm1((1.0 - a) * rel)))
    return atkinson_ede(h, w, a) * float(np.expm1(np.log1p(x) / (1.0 - a)))


def equity_weights(health: Any, shares: Any = None, index: str = "atkinson", aversion: float | None = None) -> Any:
    """The social value of one QALY to a person in each subgroup, in EDE QALYs of the population: the
    derivative of population EDE health (N x EDE) with respect to the subgroup's total health,
    (EDE / h_i)^e (Atkinson) or exp(a (EDE - h_i)) (Kolm). A subgroup at the EDE has weight 1; the ratio of
    two subgroups' weights is (h_j / h_i)^e or exp(a (h_j - h_i)); sum_i weight_i x QALYs_i is the
    first-order change in population EDE health."""
    h = np.asarray(health, float)
    w = _shares(shares, h.size)
    a = _aversion(index, aversion)
    level = ede(h, w, index, a)
    return (level / h) ** a if index == "atkinson" else np.exp(a * (level - h))


def inequality_index(health: Any, shares: Any = None, index: str = "atkinson", aversion: float | None = None) -> float:
    """Atkinson's index 1 - EDE / mean (relative, 0 to 1) or Kolm's mean - EDE (absolute, in QALYs)."""
    h = np.asarray(health, float)
    w = _shares(shares, h.size)
    mean, level = float(np.sum(w * h)), ede(h, w, index, aversion)
    return 1.0 - level / mean if index == "atkinson" else mean - level


def opportunity_cost_shares(shares: Any, rule: str = "per_capita", custom: Any = None) -> np.ndarray:
    """How the health forgone elsewhere (net cost / opportunity-cost threshold) falls on the subgroups.

    ``per_capita``: in proportion to population shares (everyone loses the same); ``subgroups``: the given
    shares, e.g. by deprivation fifth from Love-Koh et al. (Med Decis Making 2020;40(2):170-182): 26 %
    of the health effect of an NHS budget change falls on the most deprived fifth and 14 % on the least."""
    w = _shares(shares, np.asarray(shares).size)
    if rule == "per_capita":
        return w
    if rule == "subgroups":
        return _shares(custom, w.size)
    raise ValueError(f"unknown opportunity-cost rule '{rule}': use per_capita or subgroups")


@dataclass(frozen=True)
class Distribution:
    """A strategy's effect on the distribution of health in the whole population (aggregate DCEA): its
    patients' QALYs gained and the QALYs forgone by others, as totals per subgroup."""

    population: np.ndarray  # people in each subgroup
    baseline: np.ndarray  # QALE per person in each subgroup without the decision
    health_benefit: np.ndarray  # QALYs the strategy's recipients in each subgroup gain (totals)
    opportunity_cost: np.ndarray  # QALYs forgone elsewhere in each subgroup (totals)

    @property
    def shares(self) -> np.ndarray:
        return self.population / self.population.sum()

    @property
    def net_health_benefit(self) -> np.ndarray:
        return self.health_benefit - self.opportunity_cost

    @property
    def change(self) -> np.ndarray:
        """Change in QALE per person in each subgroup."""
        return self.net_health_benefit / self.population

    @property
    def after(self) -> np.ndarray:
        return self.baseline + self.change

    @property
    def total_net_health_benefit(self) -> float:
        """Efficiency: the population's net QALYs (x-axis of the equity-efficiency impact plane)."""
        return float(self.net_health_benefit.sum())

    def ede_change(self, index: str, aversion: float | None = None) -> float:
        """Change in EDE health per person."""
        return ede_change(self.baseline, self.change, self.shares, index, aversion)

    def equity_weighted_net_health_benefit(self, index: str, aversion: float | None = None) -> float:
        """Change in population EDE health, N x change in EDE: the net QALYs valued with inequality aversion."""
        return float(self.population.sum()) * self.ede_change(index, aversion)

    def equity_impact(self, index: str, aversion: float | None = None) -> float:
        """Equity-weighted minus unweighted net QALYs: the fall in the population's inequality cost, N x
        change in (mean - EDE), in QALYs (y-axis of the plane; positive when inequality falls)."""
        return self.equity_weighted_net_health_benefit(index, aversion) - self.total_net_health_benefit

    def weights(self, index: str, aversion: float | None = None) -> np.ndarray:
        return np.asarray(equity_weights(self.baseline, self.shares, index, aversion))


def distribution(
    baseline: Any,
    population: Any,
    health_benefit: Any,
    net_cost: float,
    threshold: float,
    opportunity_cost_share: Any = None,
) -> Distribution:
    """The distribution after a decision: ``health_benefit`` (QALYs gained per subgroup, totals) and the
    health forgone, net_cost / threshold QALYs, spread by ``opportunity_cost_share`` (default: per capita)."""
    n = np.asarray(population, float)
    if n.ndim != 1 or np.any(n <= 0):
        raise ValueError("population sizes must be one positive number per subgroup")
    oc = n / n.sum() if opportunity_cost_share is None else _shares(opportunity_cost_share, n.size)
    h0, gain = np.asarray(baseline, float), np.asarray(health_benefit, float)
    return Distribution(n, h0, gain, oc * net_cost / threshold)

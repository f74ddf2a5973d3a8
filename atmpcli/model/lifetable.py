"""General-population (background) mortality from a life table by age, for a cohort of a given sex mix.

A life table gives, for single (or grouped) years of age, the annual mortality rate of men and of
women (or the probability of death qx, converted with rate = -log(1 - qx)). The rate is constant
within each age band; beyond the last age the last rate applies. For a cohort aged ``start_age`` at
t = 0 with a share ``female`` of women, the population survival is the mix of the two sexes'
survivals (not of their hazards): S*(t) = f S_f(t) + (1 - f) S_m(t), each with its hazard times the
SMR. Model time is converted to years by ``years_per_unit`` (1/365.25 for days, 1/12 for months).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QX_MAX = 1 - 1e-12  # qx = 1 (the table's last row) becomes a very large but finite rate


def rate_from_qx(qx: np.ndarray) -> np.ndarray:
    """Annual hazard from an annual probability of death."""
    return -np.log1p(-np.minimum(np.asarray(qx, dtype=float), QX_MAX))


@dataclass(frozen=True)
class LifeTable:
    """Annual mortality rates by age band start ``ages`` (increasing), for men and women."""

    ages: np.ndarray
    male: np.ndarray
    female: np.ndarray

    def __post_init__(self) -> None:
        ages = np.asarray(self.ages, dtype=float)
        if ages.ndim != 1 or ages.size == 0 or np.any(np.diff(ages) <= 0):
            raise ValueError("life-table ages must increase")
        for name in ("male", "female"):
            rates = np.asarray(getattr(self, name), dtype=float)
            if rates.shape != ages.shape or np.any(~np.isfinite(rates)) or np.any(rates < 0):
                raise ValueError(f"life-table {name} rates must be non-negative numbers, one per age")

    def cumulative(self, sex: str, age: np.ndarray) -> np.ndarray:
        """Integral of the rate from the first age to ``age`` (piecewise linear in age)."""
        rates = np.asarray(getattr(self, sex), dtype=float)
        ages = np.asarray(self.ages, dtype=float)
        knots = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(ages))])
        age = np.asarray(age, dtype=float)
        inside = np.interp(age, ages, knots)
        beyond = np.maximum(age - ages[-1], 0.0) * rates[-1]
        return inside + beyond

    def rate(self, sex: str, age: np.ndarray) -> np.ndarray:
        rates = np.asarray(getattr(self, sex), dtype=float)
        idx = np.clip(np.searchsorted(self.ages, np.asarray(age, dtype=float), side="right") - 1, 0, None)
        return rates[idx]


@dataclass(frozen=True)
class Background:
    """General-population mortality of a cohort: life table, start age, share of women, SMR, time unit."""

    table: LifeTable
    start_age: float
    female: float = 0.5
    smr: object = 1.0
    years_per_unit: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.female <= 1:
            raise ValueError("the share of women must be between 0 and 1")
        if self.start_age < self.table.ages[0]:
            raise ValueError(f"start age {self.start_age:g} is below the life table's first age")
        if np.any(np.asarray(self.smr, dtype=float) <= 0) or self.years_per_unit <= 0:
            raise ValueError("the SMR and the time unit must be positive")

    def log_hazard_cumhaz(self, t: object) -> tuple[np.ndarray, np.ndarray]:
        """(log h*(t), H*(t)) per model time unit; shape (S, T) with S the number of SMR values."""
        t = np.asarray(t, dtype=float).reshape(1, -1)
        smr = np.asarray(self.smr, dtype=float).reshape(-1, 1)
        age = self.start_age + t * self.years_per_unit
        parts = []
        for sex, weight in (("female", self.female), ("male", 1 - self.female)):
            if weight == 0:
                continue
            cum = smr * (self.table.cumulative(sex, age) - self.table.cumulative(sex, self.start_age))
            rate = smr * self.table.rate(sex, age) * self.years_per_unit
            parts.append((np.log(weight) - cum, rate))
        log_s = np.logaddexp.reduce([p[0] for p in parts], axis=0) if len(parts) > 1 else parts[0][0]
        # h* = sum_w w S_w h_w / S*: the hazard of a random survivor of the mixed cohort
        with np.errstate(divide="ignore"):
            log_h = np.logaddexp.reduce([p[0] + np.log(p[1]) for p in parts], axis=0) - log_s
        return log_h, -log_s

    def survival(self, t: object) -> np.ndarray:
        return np.exp(-self.log_hazard_cumhaz(t)[1])

    def hazard(self, t: object) -> np.ndarray:
        return np.exp(self.log_hazard_cumhaz(t)[0])


def population_cumhaz(
    table: LifeTable, start_age: float, female: float, smr: object, t_years: np.ndarray
) -> np.ndarray:
    """H*(t) of a cohort aged ``start_age`` with a share ``female`` of women, times ``smr``, at ``t_years``.

    The same mix as :class:`Background` (the sexes' survivals, not their hazards, are averaged), for
    times of any shape that broadcasts with ``smr``: (S, 1) SMRs and (1, T) or (S, T) times give (S, T).
    """
    t = np.asarray(t_years, dtype=float)
    smr = np.asarray(smr, dtype=float)
    logs = []
    for sex, weight in (("female", female), ("male", 1 - female)):
        if weight == 0:
            continue
        cum = table.cumulative(sex, start_age + t) - table.cumulative(sex, start_age)
        logs.append(np.log(weight) - smr * cum)
    return -(np.logaddexp(*logs) if len(logs) == 2 else logs[0])

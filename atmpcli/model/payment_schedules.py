"""Payment schedules for one-time therapies: who pays what, when (atmp-economics.md 2.3).

A schedule is a list of payments at times (years since treatment) with amounts per sample. Amounts are
per person charged (e.g. per patient infused); the caller scales them by the share charged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class CashFlow:
    times: np.ndarray  # (k,) years
    amounts: np.ndarray  # (S, k)

    def scaled(self, factor: np.ndarray) -> CashFlow:
        return CashFlow(self.times, self.amounts * np.asarray(factor).reshape(-1, 1))

    def present_value(self, rate: float | np.ndarray) -> np.ndarray:
        """At a yearly rate, or one per sample (S,)."""
        # einsum, not a BLAS product, so that a sample's value does not depend on the samples beside it
        if np.ndim(rate):
            factors = np.power(1.0 + np.asarray(rate)[:, None], -self.times)
            return np.einsum("sk,sk->s", *np.broadcast_arrays(self.amounts, factors))
        return np.einsum("sk,k->s", self.amounts, np.power(1.0 + rate, -self.times))

    @property
    def nominal(self) -> np.ndarray:
        return self.amounts.sum(axis=1)

    def by_year(self, years: int) -> np.ndarray:
        """(S, years): payments falling in [y, y + 1); later ones in the last year shown are left out."""
        out = np.zeros((self.amounts.shape[0], years))
        for j, t in enumerate(self.times):
            y = int(np.floor(t + 1e-9))
            if y < years:
                out[:, y] += self.amounts[:, j]
        return out


def annuity_instalment(price: np.ndarray, n: int, financing_rate: float) -> np.ndarray:
    """Equal payments at t = 0..n-1 whose present value at the financing rate equals the price."""
    factor = np.power(1.0 + financing_rate, -np.arange(n)).sum()
    return np.asarray(price, dtype=float) / factor


def schedule(
    kind: str,
    price: np.ndarray,
    *,
    instalments: int = 1,
    financing_rate: float = 0.0,
    times: Sequence[float] = (),
    fractions: Sequence[float] = (),
    condition_at: Callable[[float], np.ndarray] | None = None,
    rebate_fraction: float = 0.0,
    rebate_time: float | None = None,
) -> CashFlow:
    """Payments per person charged. ``condition_at(t)`` is the probability that the outcome condition holds
    at time t (alive, or in response) among those charged; outcome-based payments and rebates use it."""
    price = np.atleast_1d(np.asarray(price, dtype=float))
    t_list: list[float] = []
    a_list: list[np.ndarray] = []
    if kind == "upfront":
        t_list, a_list = [0.0], [price]
    elif kind == "instalments":
        pay = annuity_instalment(price, instalments, financing_rate)
        t_list = [float(k) for k in range(instalments)]
        a_list = [pay] * instalments
    elif kind == "outcome_based":
        if condition_at is None:
            raise ValueError("outcome-based payments need the probability of the condition over time")
        for t, f in zip(times, fractions, strict=True):
            t_list.append(float(t))
            a_list.append(price * f * condition_at(float(t)))
    else:
        raise ValueError(f"unknown payment type {kind!r}")
    if rebate_fraction:
        if condition_at is None or rebate_time is None:
            raise ValueError("a rebate needs rebate_time and the probability of the condition")
        t_list.append(float(rebate_time))
        a_list.append(-price * rebate_fraction * (1.0 - condition_at(float(rebate_time))))
    amounts = np.column_stack([np.broadcast_to(a, price.shape) for a in a_list])
    return CashFlow(np.asarray(t_list), amounts)


@dataclass
class Payment:
    """What the payer pays for one therapy under a strategy, per person."""

    therapy: str
    flow: CashFlow  # undiscounted
    present_value: np.ndarray  # (S,) at the cost discount rate

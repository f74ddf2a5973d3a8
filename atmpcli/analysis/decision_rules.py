"""Decision rules HTA bodies apply on top of the ICER: NICE severity and HST QALY weights, ZIN reference
values, ICER's evLYG, health-benefit price benchmarks and shared-savings scenarios.

Pure functions on numbers or numpy arrays (so a PSA can pass one value per sample). Sources and the
exact wording of each rule are in docs/decision-rules.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# ICER's utility for a life-year gained in the evLYG: the average US general-population utility.
EVLYG_UTILITY = 0.851
ICER_THRESHOLDS = (100_000.0, 150_000.0)
ICER_COST_OFFSET_CAP = 150_000.0  # USD per year
ZIN_BANDS = ((0.10, 0.40, 20_000.0), (0.41, 0.70, 50_000.0), (0.71, 1.00, 80_000.0))


def _out(x: np.ndarray) -> Any:
    """A numpy scalar back as a float; arrays stay arrays."""
    return float(x) if np.ndim(x) == 0 else x


def nice_severity_weight(absolute_shortfall: Any, proportional_shortfall: Any) -> Any:
    """NICE PMG36 severity modifier: 1.7 if PS >= 0.95 or AS >= 18; 1.2 if PS >= 0.85 or AS >= 12; else 1."""
    a, p = np.asarray(absolute_shortfall, float), np.asarray(proportional_shortfall, float)
    return _out(np.where((p >= 0.95) | (a >= 18), 1.7, np.where((p >= 0.85) | (a >= 12), 1.2, 1.0)))


def nice_hst_weight(incremental_qalys_undiscounted: Any) -> Any:
    """NICE HST QALY weight: 1 up to 10 incremental (undiscounted, lifetime, per person) QALYs, 3 from 30,
    rising in equal increments in between: 1 + (dQ - 10) / 10."""
    q = np.asarray(incremental_qalys_undiscounted, float)
    return _out(np.clip(1.0 + (q - 10.0) / 10.0, 1.0, 3.0))


def zin_reference_value(proportional_shortfall: Any) -> Any:
    """Zorginstituut Nederland's reference value (EUR per QALY) for a proportional shortfall (ziektelast):
    0.10-0.40 -> 20,000; 0.41-0.70 -> 50,000; 0.71-1.00 -> 80,000; NaN below 0.10 (no class).

    ZIN states the classes to two decimals, so the shortfall is rounded to two decimals first."""
    p = np.round(np.asarray(proportional_shortfall, float), 2)
    value = np.full(p.shape, np.nan)
    for low, high, ref in ZIN_BANDS:
        value = np.where((p >= low) & (p <= high), ref, value)
    return _out(value)


def evlyg(
    alive: Any,
    utility: Any,
    comparator_alive: Any,
    comparator_utility: Any,
    discount_factors: Any = None,
    cycle_length: float = 1.0,
    life_year_utility: float = EVLYG_UTILITY,
) -> tuple[Any, Any]:
    """Equal-value life-years of a strategy and its comparator, from per-cycle arrays (last axis = cycles).

    ``alive`` is the share of the cohort alive in each cycle (after any within-cycle correction) and
    ``utility`` the mean utility of those alive. The life-years both arms live are valued at the
    strategy's own utility (as QALYs are); the life-years the strategy adds beyond the comparator's
    survival are valued at ``life_year_utility`` (ICER: 0.851) whatever the strategy's utility. The
    comparator's evLYs are its QALYs. Returns (evLY strategy, evLY comparator), discounted with
    ``discount_factors`` (one per cycle) when given; their difference is the evLYG.
    """
    s1, u1 = np.asarray(alive, float), np.asarray(utility, float)
    s0, u0 = np.asarray(comparator_alive, float), np.asarray(comparator_utility, float)
    d = np.ones(s1.shape[-1]) if discount_factors is None else np.asarray(discount_factors, float)
    shared = np.minimum(s1, s0)
    gained = np.maximum(s1 - s0, 0.0)
    strategy = ((shared * u1 + gained * life_year_utility) * d).sum(axis=-1) * cycle_length
    comparator = (s0 * u0 * d).sum(axis=-1) * cycle_length
    return _out(strategy), _out(comparator)


def credited_offsets(
    offsets: Any,
    discount_factors: Any = None,
    rule: str = "full",
    share: float = 0.5,
    cap_per_year: float = ICER_COST_OFFSET_CAP,
    cycle_length: float = 1.0,
) -> Any:
    """Discounted cost offsets credited to a therapy's price, from undiscounted offsets per cycle (the
    comparator's costs minus the therapy arm's costs other than the therapy's price; positive = savings).

    rule ``full``: all offsets; ``shared``: ICER's 50/50 shared savings, only ``share`` of each cycle's
    savings is credited; ``capped``: ICER's cost-offset cap, savings above ``cap_per_year`` per year (per
    person) are not credited. Extra costs (negative offsets) are always counted in full."""
    x = np.asarray(offsets, float)
    d = np.ones(x.shape[-1]) if discount_factors is None else np.asarray(discount_factors, float)
    if rule == "full":
        credited = x
    elif rule == "shared":
        credited = np.where(x > 0, share * x, x)
    elif rule == "capped":
        credited = np.minimum(x, cap_per_year * cycle_length)
    else:
        raise ValueError(f"unknown rule '{rule}': use full, shared or capped")
    return _out((credited * d).sum(axis=-1))


def price_at_threshold(
    threshold: Any, incremental_effect: Any, offsets: Any, other_incremental_cost: Any = 0.0, units: Any = 1.0
) -> Any:
    """The price at which the ICER equals ``threshold``: threshold * dE = units * price + other costs - offsets.

    ``units`` is the discounted number of priced units per person (1 for a one-time therapy given at
    the start to everyone; the infused share when some never receive it; the present value of an
    instalment schedule); ``offsets`` are the credited cost offsets (see ``credited_offsets``) and
    ``other_incremental_cost`` any incremental cost not counted as an offset."""
    t, e = np.asarray(threshold, float), np.asarray(incremental_effect, float)
    return _out((t * e + np.asarray(offsets, float) - np.asarray(other_incremental_cost, float)) / units)


def price_benchmarks(
    incremental_qalys: float,
    incremental_evlyg: float,
    offsets: float,
    other_incremental_cost: float = 0.0,
    units: float = 1.0,
    thresholds: tuple[float, ...] = ICER_THRESHOLDS,
) -> list[dict[str, Any]]:
    """ICER's health-benefit price benchmarks: the price at each threshold per QALY and per evLYG."""
    return [
        {
            "measure": measure,
            "threshold": t,
            "price": price_at_threshold(t, effect, offsets, other_incremental_cost, units),
        }
        for measure, effect in (("qaly", incremental_qalys), ("evlyg", incremental_evlyg))
        for t in thresholds
    ]

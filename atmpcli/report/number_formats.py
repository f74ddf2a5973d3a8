"""How numbers and codes read in tables for people: the only place where results are rounded for display."""

from __future__ import annotations

import math
from typing import Any

STATUS_TEXT = {"ND": "frontier", "D": "dominated", "ED": "ext. dominated"}
EFFECT_TEXT = {"qalys": "QALYs", "life_years": "life-years", "responders": "responders"}
UNIT_TEXT = {"qalys": "QALY", "life_years": "LY", "responders": "responder"}
SOURCE_TEXT = {"given": "given", "distribution": "2.5-97.5%", "percent": "+/- %"}
OUTCOME_TEXT = {
    "inc_nmb": "incremental NMB",
    "icer": "ICER",
    "inc_cost": "incremental cost",
    "inc_effect": "incremental effect",
}


def missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(x: float | None) -> str:
    """An amount of money: no decimals from 100 up, else two."""
    if missing(x):
        return "—"
    assert x is not None
    digits = 0 if abs(x) >= 100 or x == 0 else 2
    return f"{x:,.{digits}f}"


def money_with_se(value: float, se: float) -> str:
    """An estimate with its Monte Carlo standard error (EVPPI, EVSI): "1,051 ± 264"; no "±" without one."""
    return money(value) if missing(se) else f"{money(value)} ± {money(se)}"


def amount(x: float | None, digits: int = 3) -> str:
    if missing(x):
        return "—"
    return f"{x:,.{digits}f}"


def effect_amount(x: float | None, digits: int = 4) -> str:
    """A health effect (QALYs, life-years, responders) or an increment of one: ``digits`` decimals, more
    below 1 so that two significant digits show (0.00012, not 0.0001 or 0.00). Below 1e-9 in size it is
    rounding noise, shown as 0 (no "-0.0000")."""
    if missing(x):
        return "—"
    assert x is not None
    if abs(x) < 1e-9:
        x = 0.0
    elif abs(x) < 1:
        digits = max(digits, 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{digits}f}"


def compact(x: float | None) -> str:
    """Large amounts in millions (12.3 M), smaller ones as money()."""
    if not missing(x) and abs(x) >= 1e6:  # type: ignore[arg-type]
        return f"{x / 1e6:,.1f} M"  # type: ignore[operator]
    return money(x)


def count(x: float | None) -> str:
    return amount(x, 1)


def percent(x: float | None) -> str:
    return "—" if missing(x) else f"{x:.1%}"


def num(x: float) -> str:
    """A parameter value: thousands separators for large numbers, 4 significant digits otherwise."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def currency_or_units(currency: str) -> str:
    """The currency of a result, or "cost units" when it has none (per-sample results of another tool)."""
    return currency or "cost units"

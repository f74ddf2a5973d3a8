"""The tornado of a one-way analysis and the budget-impact chart.

Tornado (dampack's ``plot.owsa`` as a tornado): one row per parameter, largest swing at the top, labelled
with the range ("p_x (0.1–0.3)"); a bar from the base-case value to the outcome at the low value and one
to the outcome at the high value. When both move the outcome the same way the two bars share the row
side by side at half height, so neither hides the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from atmpcli.report.figures.comparison import per_effect
from atmpcli.report.figures.style import (
    HIGH_COLOUR,
    LOW_COLOUR,
    colours,
    figure_legend,
    integer_axis,
    legend_below,
    money_axis,
    new_figure,
    save_figure,
)
from atmpcli.report.number_formats import EFFECT_TEXT, money, num

if TYPE_CHECKING:
    from atmpcli.analysis.budget import BudgetImpact
    from atmpcli.analysis.dsa import OneWay


def outcome_label(ow: OneWay, scale: str = "") -> str:
    """The tornado's axis: the outcome, the strategies, the threshold when it matters and the unit
    (``scale``: "million " when the axis is in millions)."""
    currency = ow.units.currency or "cost units"
    vs = f"{ow.strategy} vs {ow.comparator}"
    per = f", per {ow.units.per}" if ow.units.per != "person" else ""
    if ow.outcome == "icer":
        return f"ICER of {vs} ({scale}{per_effect(currency, ow.units.effect)})"
    if ow.outcome == "inc_cost":
        return f"Incremental cost of {vs} ({scale}{currency}{per})"
    if ow.outcome == "inc_effect":
        return f"Incremental {EFFECT_TEXT.get(ow.units.effect, 'effect')} of {vs}{per}"
    wtp = f"{money(ow.wtp)} {per_effect(currency, ow.units.effect)}"
    return f"Incremental net monetary benefit of {vs} at {wtp} ({scale}{currency}{per})"


def tornado_rows(ow: OneWay) -> list[dict[str, Any]]:
    """One row per parameter from the largest swing down, with its label ``name (low–high)``."""
    return [r | {"label": f"{r['parameter']} ({num(r['low'])}–{num(r['high'])})"} for r in ow.rows]


def tornado(ax: Any, ow: OneWay) -> None:
    rows = tornado_rows(ow)[::-1]  # barh counts from the bottom: the largest swing ends at the top
    base = ow.base_value
    for y, r in enumerate(rows):
        d_low, d_high = r["value_low"] - base, r["value_high"] - base
        same_side = d_low * d_high > 0
        h = 0.38 if same_side else 0.72
        offset = h / 2 if same_side else 0.0
        ax.barh(y + offset, d_low, h, left=base, color=LOW_COLOUR, label="outcome at the low value")
        ax.barh(y - offset, d_high, h, left=base, color=HIGH_COLOUR, label="outcome at the high value")
        if not np.isfinite(r["swing"]) or r["swing"] == 0:
            ax.text(base, y, "  no change", va="center", fontsize=7, color="0.4")
    ax.axvline(base, color="black", lw=1.2, label=f"base case: {money(base)}")
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows], fontsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    values = [base] + [v for r in rows for v in (r["value_low"], r["value_high"])]
    big = money_axis(ax.xaxis, values) if ow.outcome != "inc_effect" else ""
    ax.set_xlabel(outcome_label(ow, big))
    ax.set_title("One-way sensitivity analysis (tornado)", loc="left", fontsize=11)
    ax.grid(axis="x", alpha=0.25)
    figure_legend(ax.figure, ax)


def draw_tornado(ow: OneWay) -> Any:
    fig = new_figure(9, 0.42 * len(ow.ranges) + 2.4)
    tornado(fig.subplots(), ow)
    return fig


def tornado_figure(ow: OneWay, path: Path) -> None:
    """``dsa --plot``: the tornado of a one-way analysis."""
    save_figure(draw_tornado(ow), path)


def draw_budget(result: BudgetImpact) -> Any:
    """Totals without and with the new strategies per year (the difference written over each pair), and the
    budget with them by strategy (stacked, in the strategies' colours)."""
    years = np.arange(1, result.years + 1)
    without, with_ = result.total("without"), result.total("with")
    currency = result.units.currency
    fig = new_figure(12, 4.8)
    a, b = fig.subplots(1, 2)
    a.bar(years - 0.2, without, 0.4, color="0.6", label="without the new strategies")
    a.bar(years + 0.2, with_, 0.4, color="#0072B2", label="with the new strategies")
    big = money_axis(a.yaxis, with_)
    scale = 1e6 if big else 1.0
    for x, lo, hi in zip(years, without, with_, strict=True):
        a.annotate(f"{'+' if hi >= lo else '−'}{money(abs(hi - lo) / scale)}", (x, max(lo, hi)), xytext=(0, 3),
                   textcoords="offset points", ha="center", fontsize=7.5)  # fmt: skip
    a.set_ylabel(f"Budget ({big}{currency})")
    a.set_title("Budget impact: totals (difference above)", loc="left", fontsize=11)
    a.margins(y=0.12)
    col = colours(result.strategies)
    bottom = np.zeros(result.years)
    for s in result.strategies:
        b.bar(years, result.cost["with"][s], 0.6, bottom=bottom, color=col[s], label=s)
        bottom = bottom + result.cost["with"][s]
    money_axis(b.yaxis, with_)
    b.set_ylabel(f"Budget with the new strategies ({big}{currency})")
    b.set_title("By strategy", loc="left", fontsize=11)
    for ax in (a, b):
        integer_axis(ax.xaxis, years)
        ax.set_xlabel("Year")
        ax.grid(axis="y", alpha=0.25)
        legend_below(ax, ncols=2)
    return fig


def budget_figure(result: BudgetImpact, path: Path) -> None:
    """``budget-impact --plot``."""
    save_figure(draw_budget(result), path)

"""Figures of a base-case comparison: the cost-effectiveness plane (dampack's ``plot.icers``), the cohort
trace of every strategy and the payer's payments by year.

The plane shows every strategy at its cost and effect, the efficiency frontier with each segment's ICER,
and a willingness-to-pay line per threshold through the cheapest frontier strategy: a strategy below a
line is cost-effective against it at that threshold.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from atmpcli.report.figures.style import (
    EFFECT_LABEL,
    EFFECT_UNIT,
    colours,
    figure_legend,
    integer_axis,
    legend_below,
    money_axis,
    new_figure,
    place_labels,
    save_figure,
    widen_flat,
)
from atmpcli.report.number_formats import STATUS_TEXT, money

if TYPE_CHECKING:
    from atmpcli.analysis.compare import Comparison

_TRACE_STYLES = ["-", (0, (5, 2)), (0, (1, 1.5)), (0, (5, 2, 1, 2))]
_WTP_DASHES = [(0, (4, 3)), (0, (1, 2)), (0, (6, 2, 1, 2))]


def per_effect(currency: str, effect: str) -> str:
    """The unit of an ICER or a threshold from the result's units, e.g. "USD/QALY"."""
    return f"{currency or 'cost units'}/{EFFECT_UNIT.get(effect, 'unit of effect')}"


LONG_NAME = 20  # characters: a strategy name longer than this is written on the plane as its key


def strategy_keys(names: list[str]) -> dict[str, str]:
    """Each strategy's label on the plane: its name, or when any name is long its number in the scenario
    ("1", "2", ...), the legend then reading "1: name" (long names crowd the plane and overlap)."""
    if max((len(n) for n in names), default=0) <= LONG_NAME:
        return {n: n for n in names}
    return {n: str(i + 1) for i, n in enumerate(names)}


def ce_plane(ax: Any, cmp: Comparison) -> None:
    """The plane on ``ax``: strategies (hollow when dominated), frontier, ICER and strategy labels, WTP lines."""
    s = cmp.strategies
    names, cost, effect = list(s["strategy"]), s["cost"].to_numpy(float), s["effect"].to_numpy(float)
    col = colours(names)
    key = strategy_keys(names)
    status = dict(zip(cmp.incremental.strategies, cmp.incremental.status, strict=True))
    for n, e, c in zip(names, effect, cost, strict=True):
        on = status[n] == "ND"
        label = (f"{key[n]}: " if key[n] != n else "") + (n if on else f"{n} ({STATUS_TEXT.get(status[n], status[n])})")
        ax.scatter(e, c, s=55, zorder=3, label=label, color=col[n] if on else "white", edgecolors=col[n], lw=1.8)
    where = {n: (e, c) for n, e, c in zip(names, effect, cost, strict=True)}
    front = [where[n] for n in cmp.incremental.frontier]
    if len(front) > 1:
        ax.plot(*zip(*front, strict=True), color="0.25", lw=1.2, zorder=2, label="efficiency frontier")
    ax.margins(0.15)
    unit = per_effect(cmp.units.currency, cmp.effect_name)
    if front:
        for k, w in enumerate(cmp.wtp[:3]):
            ax.axline(
                front[0], slope=w, color="0.45", lw=1, ls=_WTP_DASHES[k], zorder=1, label=f"WTP {money(w)} {unit}"
            )
    ax.set_xlabel(EFFECT_LABEL.get(cmp.effect_name, "Effect"))
    big = money_axis(ax.yaxis, cost)
    widen_flat(ax, effect, cost)
    ax.set_ylabel(f"Cost ({big}{cmp.units.currency}, discounted, per {cmp.per})")
    ax.set_title("Cost-effectiveness plane", loc="left", fontsize=11)
    ax.grid(alpha=0.25)
    legend_below(ax)
    labels = [(e, c, key[n], {}) for n, (e, c) in where.items() if len(names) <= 8 or status[n] == "ND"]
    icer = dict(zip(cmp.incremental.strategies, cmp.incremental.icer, strict=True))
    italic = {"fontsize": 7.5, "color": "0.25", "style": "italic"}
    for a, b, n in zip(front, front[1:], cmp.incremental.frontier[1:], strict=False):
        labels.append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, f"ICER {money(icer[n])}", italic))
    place_labels(ax, labels)


def trace_panels(fig: Any, cmp: Comparison, ncols: int = 3) -> list[Any]:
    """Small multiples on ``fig`` (a figure or subfigure): one panel per state, one line per strategy."""
    names = list(cmp.strategies["strategy"])
    col = colours(names)
    states = list(dict.fromkeys(cmp.trace["state"]))
    ncols = min(ncols, len(states))
    nrows = -(-len(states) // ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, state in zip(axes.flat, states, strict=False):
        rows = cmp.trace[cmp.trace["state"] == state]
        for k, n in enumerate(names):
            mine = rows[rows["strategy"] == n]
            if len(mine):  # dashes too: strategies with the same trace stay visible on top of each other
                ax.plot(mine["years"], mine["proportion"], color=col[n], lw=1.6, ls=_TRACE_STYLES[k % 4], label=n)
        ax.set_title(cmp.state_labels.get(state, state), loc="left", fontsize=10)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.25)
    for ax in axes.flat[len(states) :]:
        ax.set_visible(False)
    for k, ax in enumerate(axes.flat[: len(states)]):
        if k + ncols >= len(states):  # no panel under it
            ax.set_xlabel("Years")
    for ax in axes[:, 0]:
        ax.set_ylabel("Share of the cohort")
    figure_legend(fig, axes.flat[0])
    fig.suptitle("Cohort trace by state", x=0.02, ha="left", fontsize=11)
    return list(axes.flat[: len(states)])


def payments_panel(ax: Any, cmp: Comparison) -> None:
    """Bars per year (whole years on the axis), one colour per strategy, hatched per further therapy."""
    p = cmp.payments
    col = colours(list(cmp.strategies["strategy"]))
    pairs = list(dict.fromkeys(zip(p["strategy"], p["therapy"], strict=True)))
    width = 0.8 / len(pairs)
    hatches = ["", "//", "..", "xx"]
    for i, (strategy, therapy) in enumerate(pairs):
        mine = p[(p["strategy"] == strategy) & (p["therapy"] == therapy)]
        k = [t for s, t in pairs if s == strategy].index(therapy)
        label = strategy if therapy == strategy else f"{strategy}: {therapy}"
        x = mine["year"].to_numpy(float) + (i - (len(pairs) - 1) / 2) * width
        ax.bar(x, mine["amount"], width, color=col[strategy], hatch=hatches[k % 4], edgecolor="white", label=label)
    integer_axis(ax.xaxis, p["year"])
    ax.set_xlabel("Year since treatment")
    big = money_axis(ax.yaxis, p["amount"])
    ax.set_ylabel(f"Payment per person ({big}{cmp.units.currency}, undiscounted)")
    ax.set_title("What the payer pays", loc="left", fontsize=11)
    ax.grid(axis="y", alpha=0.25)
    legend_below(ax, ncols=1)


def draw_comparison(cmp: Comparison) -> Any:
    """The plane (and the payments when there are any) above the trace's small multiples."""
    pay = not cmp.payments.empty
    trace = cmp.has_cohort and not cmp.trace.empty
    n_states = len(set(cmp.trace["state"])) if trace else 0
    trace_rows = -(-n_states // 3)
    fig = new_figure(13 if pay else 9, 5.5 + 3.0 * trace_rows)
    top, bottom = fig.subfigures(2, 1, height_ratios=[5.5, 3.0 * trace_rows]) if trace else (fig, None)
    axes = top.subplots(1, 2, width_ratios=[3, 2]) if pay else [top.subplots()]
    if pay:
        payments_panel(axes[1], cmp)
    if bottom is not None:
        trace_panels(bottom, cmp)
    ce_plane(axes[0], cmp)  # last: its labels are placed in the final layout
    return fig


def comparison_figure(cmp: Comparison, path: Path) -> None:
    """``compare --plot``: the cost-effectiveness plane, the payments and the cohort trace in one file."""
    save_figure(draw_comparison(cmp), path)


def ce_plane_figure(cmp: Comparison, path: Path) -> None:
    fig = new_figure(8, 6)
    ce_plane(fig.subplots(), cmp)
    save_figure(fig, path)


def trace_figure(cmp: Comparison, path: Path) -> None:
    """The cohort trace of every strategy: one panel per state (nothing to draw without a cohort model)."""
    if cmp.trace.empty:
        raise ValueError("the scenario has no cohort trace to draw")
    n = len(set(cmp.trace["state"]))
    fig = new_figure(4 * min(3, n), 3.2 * -(-n // 3) + 0.8)
    trace_panels(fig, cmp)
    save_figure(fig, path)


def payments_figure(cmp: Comparison, path: Path) -> None:
    if cmp.payments.empty:
        raise ValueError("the scenario has no payments by year to draw")
    fig = new_figure(7, 4.5)
    payments_panel(fig.subplots(), cmp)
    save_figure(fig, path)

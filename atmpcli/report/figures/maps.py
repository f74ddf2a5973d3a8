"""The two-way sensitivity map and the cohort trace of ``atmpcli trace``.

Two-way (dampack's ``plot.twsa``): the grid of the two parameters' values, left the strategy with the
highest net monetary benefit in each cell (in the strategies' colours), right the outcome in each cell on
a diverging scale centred at 0 with the 0 contour drawn (where the decision between the two strategies
changes for an incremental net benefit). The trace: one panel per strategy, one line per state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from atmpcli.report.figures.style import OKABE_ITO, colours, figure_legend, money_axis, new_figure, save_figure

if TYPE_CHECKING:
    from atmpcli.analysis.dsa import TwoWay
    from atmpcli.analysis.trace import CohortTrace


def cell_edges(values: np.ndarray) -> np.ndarray:
    """The edges of the cells around grid values: midpoints inside, half a step beyond the ends."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2 or v[-1] == v[0]:
        half = max(abs(float(v[0])) * 0.05, 0.5)
        return np.array([v[0] - half, v[0] + half])
    mid = (v[:-1] + v[1:]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def _strategy_order(tw: TwoWay) -> list[str]:
    """The scenario's strategies in order (their colours), else those of the grid as they come."""
    if tw.inputs is not None and len(tw.inputs.strategies):
        return list(tw.inputs.strategies["strategy"])
    return list(dict.fromkeys(s for row in tw.optimal for s in row))


def optimal_panel(ax: Any, tw: TwoWay) -> None:
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from atmpcli.report.figures.comparison import per_effect
    from atmpcli.report.number_formats import money

    order = _strategy_order(tw)
    col = colours(order)
    shown = [s for s in order if any(s in row for row in tw.optimal)]
    index = np.array([[shown.index(s) for s in row] for row in tw.optimal], dtype=float)
    cmap = ListedColormap([col[s] for s in shown])
    ax.pcolormesh(cell_edges(tw.a_values), cell_edges(tw.b_values), index.T, cmap=cmap, vmin=-0.5,
                  vmax=len(shown) - 0.5, edgecolors="white", linewidth=0.5)  # fmt: skip
    threshold = f"{money(tw.wtp)} {per_effect(tw.units.currency, tw.units.effect)}"
    ax.set_title(f"Highest net monetary benefit at {threshold}", loc="left", fontsize=11)
    _axes_labels(ax, tw)
    ax.legend(handles=[Patch(color=col[s], label=s) for s in shown], loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncols=min(2, len(shown)), frameon=False, fontsize=8)  # fmt: skip


def outcome_panel(ax: Any, tw: TwoWay) -> Any:
    from atmpcli.report.figures.sensitivity import outcome_label

    v = np.asarray(tw.values, dtype=float)
    finite = v[np.isfinite(v)]
    top = float(np.max(np.abs(finite))) if finite.size else 1.0
    top = top or 1.0
    mesh = ax.pcolormesh(cell_edges(tw.a_values), cell_edges(tw.b_values), v.T, cmap="RdBu", vmin=-top, vmax=top,
                         edgecolors="white", linewidth=0.5)  # fmt: skip
    crosses = bool(finite.size and finite.min() < 0 < finite.max() and min(v.shape) > 1)
    if crosses:
        ax.contour(tw.a_values, tw.b_values, v.T, levels=[0.0], colors="black", linewidths=1.4)
    bar = ax.figure.colorbar(mesh, ax=ax, location="bottom", shrink=0.9, pad=0.02)
    big = money_axis(bar.ax.xaxis, finite) if tw.outcome != "inc_effect" else ""
    bar.set_label(outcome_label(tw, big), fontsize=8)  # type: ignore[arg-type]
    bar.ax.tick_params(labelsize=8)
    ax.set_title("The outcome" + (" (black line: where it is 0)" if crosses else ""), loc="left", fontsize=11)
    _axes_labels(ax, tw)
    return bar


def _axes_labels(ax: Any, tw: TwoWay) -> None:
    """Each axis named by its parameter; ticks at the grid's values when there are few, as the tables write them."""
    from atmpcli.report.number_formats import num

    ax.set_xlabel(tw.a.parameter)
    ax.set_ylabel(tw.b.parameter)
    for values, axis in ((tw.a_values, ax.xaxis), (tw.b_values, ax.yaxis)):
        if len(values) <= 7:
            axis.set_ticks(values, [num(v) for v in values])
    ax.tick_params(labelsize=8)


def draw_two_way(tw: TwoWay) -> Any:
    fig = new_figure(12, 5.8)
    left, right = fig.subplots(1, 2)
    optimal_panel(left, tw)
    outcome_panel(right, tw)
    return fig


def two_way_figure(tw: TwoWay, path: Path) -> None:
    """``dsa --two-way --plot``: which strategy is best, and the outcome, over the grid of two parameters."""
    save_figure(draw_two_way(tw), path)


def draw_trace(result: CohortTrace, ncols: int = 3) -> Any:
    """One panel per strategy (shared axes), one line per state in the states' order, the legend below."""
    from matplotlib.ticker import MaxNLocator

    names = result.strategies
    ncols = 2 if len(names) == 4 else min(ncols, len(names))
    nrows = -(-len(names) // ncols)
    fig = new_figure(4.2 * ncols, 3.2 * nrows + 1.0)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    state_colour = {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(result.states)}
    labels = _state_labels(result)
    for ax, name in zip(axes.flat, names, strict=False):
        mine = result.trace[result.trace["strategy"] == name]
        for state in result.states:
            rows = mine[mine["state"] == state]
            ax.plot(rows["years"], rows["proportion"], color=state_colour[state], lw=1.6,
                    label=labels.get(state, state))  # fmt: skip
        ax.set_title(name, loc="left", fontsize=10, wrap=True)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole years
        ax.grid(alpha=0.25)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for k, ax in enumerate(axes.flat[: len(names)]):
        if k + ncols >= len(names):
            ax.set_xlabel("Years")
            ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel("Share of the cohort")
    figure_legend(fig, axes.flat[0], ncols=min(6, len(result.states)))
    fig.suptitle("Cohort trace by strategy", x=0.02, ha="left", fontsize=11)
    return fig


def _state_labels(result: CohortTrace) -> dict[str, str]:
    states = result.inputs.states if result.inputs is not None else None
    if states is None or not len(states):
        return {}
    return dict(zip(states["state"], states["label"], strict=True))


def trace_figure(result: CohortTrace, path: Path) -> None:
    """``trace --plot``: the state occupancy over time, one panel per strategy."""
    if result.trace.empty:
        raise ValueError("the scenario has no cohort trace to draw")
    save_figure(draw_trace(result), path)

"""The equity-efficiency impact plane of a distributional CEA (``equity --plot``), as in the DCEA handbook
(Cookson et al., OUP 2020) and the York Health Equity Impact Calculator.

One panel per inequality index: x is the net health benefit (population QALYs, efficiency), y the equity
impact (the fall in the population's inequality cost, in QALYs: up is less inequality). The comparator
sits at the origin. Points above the dashed line x + y = 0 raise equity-weighted health (N x EDE):
along it the health gained and the inequality added cancel at the panel's aversion.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from atmpcli.report.figures.style import (
    colours,
    figure_legend,
    money_formatter,
    new_figure,
    place_labels,
    save_figure,
)

if TYPE_CHECKING:
    from atmpcli.analysis.dcea import DistributionalCEA

INDEX_TITLE = {"atkinson": "Atkinson, ε = {:g}", "kolm": "Kolm, α = {:g}"}
_CORNERS = [  # (x, y, text, ha, va) in axes fractions; the mixed quadrants' by the y-axis, off the diagonal
    (0.98, 0.98, "win-win:\nmore health,\nless inequality", "right", "top"),
    (0.48, 0.98, "less health,\nless inequality", "right", "top"),
    (0.02, 0.02, "lose-lose:\nless health,\nmore inequality", "left", "bottom"),
    (0.52, 0.02, "more health,\nmore inequality", "left", "bottom"),
]


def plane(ax: Any, result: DistributionalCEA, index: str) -> None:
    rows = result.summary[result.summary["index"] == index]
    col = colours(result.strategies)
    xs, ys = rows["net_health_benefit"].to_numpy(float), rows["equity_impact"].to_numpy(float)
    reach = max(1e-9, float(max(abs(xs).max(initial=0), abs(ys).max(initial=0)))) * 1.35
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.axhline(0, color="0.3", lw=0.8, zorder=1)
    ax.axvline(0, color="0.3", lw=0.8, zorder=1)
    ax.axline(
        (0, 0), slope=-1, color="0.45", lw=1, ls=(0, (4, 3)), zorder=1, label="no change in equity-weighted health"
    )
    for x, y, text, ha, va in _CORNERS:
        ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=7, color="0.45", style="italic")
    ax.scatter([0], [0], s=45, color="white", edgecolors=col[result.comparator], lw=1.6, zorder=3,
               label=f"{result.comparator} (comparator)")  # fmt: skip
    labels = []
    for r in rows.itertuples():
        ax.scatter(r.net_health_benefit, r.equity_impact, s=55, color=col[r.strategy], zorder=3, label=r.strategy)
        labels.append((r.net_health_benefit, r.equity_impact, r.strategy, {}))
    ax.set_title(INDEX_TITLE[index].format(result.aversion[index]), loc="left", fontsize=10)
    ax.set_xlabel("Net health benefit (QALYs)")
    ax.set_ylabel("Equity impact (QALYs; up: less inequality)")
    ax.xaxis.set_major_formatter(money_formatter())  # thousands separators
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_box_aspect(1)
    ax.grid(alpha=0.25)
    place_labels(ax, labels)


def draw_equity_plane(result: DistributionalCEA) -> Any:
    indices = list(dict.fromkeys(result.summary["index"]))
    fig = new_figure(5.2 * len(indices), 5.6)
    axes = fig.subplots(1, len(indices), squeeze=False)[0]
    for ax, index in zip(axes, indices, strict=True):
        plane(ax, result, index)
    fig.suptitle("Equity-efficiency impact plane", x=0.01, ha="left", fontsize=12)
    figure_legend(fig, axes[0], ncols=3)
    return fig


def equity_plane_figure(result: DistributionalCEA, path: Path) -> None:
    """``equity --plot``: the equity-efficiency impact plane."""
    save_figure(draw_equity_plane(result), path)

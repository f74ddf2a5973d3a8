"""Figures (PNG or SVG) for people and slide decks. matplotlib is imported only when a plot is asked for.

Each figure takes a result. A strategy keeps the same colour in every figure (its position in the
scenario), and axes carry the currency and the unit of effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from atmpcli.report.number_formats import currency_or_units

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.budget import BudgetImpact
    from atmpcli.analysis.compare import Comparison
    from atmpcli.analysis.dsa import OneWay
    from atmpcli.analysis.psa_summary import PSASummary

EFFECT_LABEL = {"qalys": "QALYs", "life_years": "Life-years", "responders": "Responders (share)"}


def pyplot() -> Any:
    """matplotlib.pyplot without a display (figures are written to files)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def colours(names: list[str]) -> dict[str, Any]:
    cmap = pyplot().get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


def _money_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))


def save_figure(fig: Any, path: Path) -> None:
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"--plot writes .png or .svg files, not '{path.suffix}'")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    pyplot().close(fig)


def comparison_figure(cmp: Comparison, path: Path) -> None:
    """Cost-effectiveness plane with the frontier; the cohort trace; the payer's payments by year."""
    plt = pyplot()
    rows = cmp.rows
    col = colours([r["strategy"] for r in rows])
    panels = 1 + cmp.has_cohort + (not cmp.payments.empty)
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    _ce_plane(axes[0][0], cmp, rows, col)
    k = 1
    if cmp.has_cohort:
        _trace_panel(axes[0][k], cmp)
        k += 1
    if not cmp.payments.empty:
        _payments_panel(axes[0][k], cmp, col)
    save_figure(fig, path)


def _ce_plane(ax: Any, cmp: Comparison, rows: list[dict[str, Any]], col: dict[str, Any]) -> None:
    for r in rows:
        ax.scatter(r["effect"], r["cost"], color=col[r["strategy"]], s=60, zorder=3, label=r["strategy"])
        ax.annotate(r["strategy"], (r["effect"], r["cost"]), textcoords="offset points", xytext=(5, 5), fontsize=8)
    frontier = [r for s in cmp.incremental.frontier for r in rows if r["strategy"] == s]
    ax.plot([r["effect"] for r in frontier], [r["cost"] for r in frontier], "k--", lw=1, label="efficiency frontier")
    ax.set_xlabel(EFFECT_LABEL[cmp.effect_name])
    ax.set_ylabel(f"Cost ({cmp.units.currency}, discounted)")
    _money_axis(ax.yaxis)
    ax.set_title("Cost-effectiveness plane")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def _trace_panel(ax: Any, cmp: Comparison) -> None:
    names = list(cmp.strategies["strategy"])
    strategy = next((s for s in names if s != cmp.comparator), names[0])
    wide = cmp.trace_by_state(strategy)
    for state in wide.columns[2:]:
        ax.plot(wide["years"], wide[state], label=cmp.state_labels.get(state, state))
    ax.set_xlabel("Years")
    ax.set_ylabel("Share of the cohort")
    ax.set_title(f"Cohort trace: {strategy}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def _payments_panel(ax: Any, cmp: Comparison, col: dict[str, Any]) -> None:
    pairs = list(dict.fromkeys(zip(cmp.payments["strategy"], cmp.payments["therapy"], strict=True)))
    width = 0.8 / len(pairs)
    for i, (strategy, therapy) in enumerate(pairs):
        mine = cmp.payments[(cmp.payments["strategy"] == strategy) & (cmp.payments["therapy"] == therapy)]
        ax.bar(mine["year"] + i * width, mine["amount"], width, color=col[strategy], label=f"{strategy}: {therapy}")
    ax.set_xlabel("Year since treatment")
    ax.set_ylabel(f"Payment per person ({cmp.units.currency})")
    ax.set_title("What the payer pays")
    ax.legend(fontsize=8)


def psa_figure(summary: PSASummary, path: Path) -> None:
    """Incremental cost-effectiveness plane (samples vs the comparator) and CEAC with the CEAF."""
    plt = pyplot()
    r = summary.psa
    currency = currency_or_units(summary.units.currency)
    col = colours(r.strategies)
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    comp = r.comparator
    inc_cost, inc_effect = r.incremental()
    n = min(r.samples, 2000)  # enough points to see the cloud, few enough to see through it
    for k, s in enumerate(r.strategies):
        if k == comp:
            continue
        a.scatter(
            inc_effect[:n, k],
            inc_cost[:n, k],
            s=4,
            alpha=0.4,
            color=col[s],
            label=s,
        )
    a.axhline(0, color="k", lw=0.5)
    a.axvline(0, color="k", lw=0.5)
    a.set_xlabel(f"Incremental {EFFECT_LABEL[summary.units.effect]} vs {r.strategies[comp]}")
    a.set_ylabel(f"Incremental cost ({currency})")
    _money_axis(a.yaxis)
    a.set_title("Cost-effectiveness plane (samples)")
    if len(r.strategies) > 1:
        a.legend(fontsize=8, markerscale=3)
    else:  # one strategy: nothing to compare (a legend with no entries would be a warning on stderr)
        _empty(a, "one strategy: nothing to compare")
    for k, s in enumerate(r.strategies):
        b.plot(summary.wtp, summary.ceac[:, k], color=col[s], label=s)
    b.plot(summary.wtp, summary.ceaf, "k.", ms=6, label="CEAF (highest expected NMB)")
    b.set_ylim(0, 1)
    b.set_xlabel(f"Willingness to pay ({currency} per unit of effect)")
    _money_axis(b.xaxis)
    b.set_ylabel("Probability cost-effective")
    b.set_title("CEAC and CEAF")
    if summary.wtp:
        b.legend(fontsize=8)
        b.grid(alpha=0.3)
    else:
        _empty(b, "no thresholds: give --wtp or --wtp-grid")
    save_figure(fig, path)


def _empty(ax: Any, text: str) -> None:
    """A panel with nothing to draw says why, without made-up ticks."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def tornado_figure(ow: OneWay, path: Path) -> None:
    plt = pyplot()
    rows = ow.rows[::-1]  # largest swing at the top
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.5))
    base = ow.base_value
    for y, r in enumerate(rows):
        ax.barh(y, r["value_low"] - base, left=base, color="tab:blue", label="low" if y == 0 else None)
        ax.barh(y, r["value_high"] - base, left=base, color="tab:orange", label="high" if y == 0 else None)
    ax.axvline(base, color="k", lw=1)
    ax.set_yticks(range(len(rows)), [r["parameter"] for r in rows], fontsize=8)
    ax.set_xlabel(f"{ow.outcome} of {ow.strategy} vs {ow.comparator} ({ow.units.currency})")
    _money_axis(ax.xaxis)
    ax.set_title("One-way sensitivity (tornado)")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def budget_figure(result: BudgetImpact, path: Path) -> None:
    plt = pyplot()
    years = np.arange(1, result.years + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(years - 0.2, result.total("without") / 1e6, 0.4, label="without the new strategies", color="tab:gray")
    ax.bar(years + 0.2, result.total("with") / 1e6, 0.4, label="with the new strategies", color="tab:blue")
    ax.set_xticks(years)
    ax.set_xlabel("Year")
    ax.set_ylabel(f"Budget (million {result.units.currency})")
    ax.set_title("Budget impact")
    ax.legend(fontsize=8)
    save_figure(fig, path)

"""Figures (PNG or SVG) for people and slide decks. matplotlib is imported only when a plot is asked for.

A strategy keeps the same colour in every figure (its position in the scenario), and axes carry the
currency and the unit of effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

EFFECT_LABEL = {"qalys": "QALYs", "life_years": "Life-years", "responders": "Responders (share)"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def colours(names: list[str]) -> dict[str, Any]:
    plt = _plt()
    cmap = plt.get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


def _money_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))


def _save(fig: Any, path: Path) -> None:
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"--plot writes .png or .svg files, not '{path.suffix}'")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    _plt().close(fig)


def comparison_figure(cmp: Any, path: Path) -> None:
    """Cost-effectiveness plane with the frontier; the cohort trace; the payer's payments by year."""
    plt = _plt()
    sc = cmp.scenario
    names = [r["strategy"] for r in cmp.rows]
    col = colours(names)
    payments = [(o.strategy, p) for o in cmp.outcomes for p in o.payments]
    panels = 1 + (sc.has_markov) + bool(payments)
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    ax = axes[0][0]
    for r in cmp.rows:
        ax.scatter(r["effect"], r["cost"], color=col[r["strategy"]], s=60, zorder=3, label=r["strategy"])
        ax.annotate(r["strategy"], (r["effect"], r["cost"]), textcoords="offset points", xytext=(5, 5), fontsize=8)
    frontier = [r for s in cmp.incremental.frontier for r in cmp.rows if r["strategy"] == s]
    ax.plot([r["effect"] for r in frontier], [r["cost"] for r in frontier], "k--", lw=1, label="efficiency frontier")
    ax.set_xlabel(EFFECT_LABEL[cmp.effect_name])
    ax.set_ylabel(f"Cost ({sc.spec.currency}, discounted)")
    _money_axis(ax.yaxis)
    ax.set_title("Cost-effectiveness plane")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    k = 1
    if sc.has_markov:
        ax = axes[0][k]
        k += 1
        o = next((o for o in cmp.outcomes if o.strategy != sc.comparator), cmp.outcomes[0])
        years = np.arange(o.trace.shape[1]) * sc.settings.cycle_length
        for j, st in enumerate(sc.states):
            ax.plot(years, o.trace[0, :, j], label=st.label)
        ax.set_xlabel("Years")
        ax.set_ylabel("Share of the cohort")
        ax.set_title(f"Cohort trace: {o.strategy}")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if payments:
        ax = axes[0][k]
        width = 0.8 / len(payments)
        for i, (strategy, p) in enumerate(payments):
            years = int(np.floor(p.flow.times.max() + 1e-9)) + 1
            ax.bar(
                np.arange(years) + i * width,
                p.flow.by_year(years)[0],
                width,
                color=col[strategy],
                label=f"{strategy}: {p.therapy}",
            )
        ax.set_xlabel("Year since treatment")
        ax.set_ylabel(f"Payment per person ({sc.spec.currency})")
        ax.set_title("What the payer pays")
        ax.legend(fontsize=8)
    _save(fig, path)


def psa_figure(summary: Any, currency: str, effect: str, path: Path) -> None:
    """Incremental cost-effectiveness plane (samples vs the comparator) and CEAC with the CEAF."""
    plt = _plt()
    r = summary.result
    col = colours(r.strategies)
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    comp = r.comparator
    for k, s in enumerate(r.strategies):
        if k == comp:
            continue
        n = min(r.samples, 2000)
        a.scatter(
            r.effects[:n, k] - r.effects[:n, comp],
            r.costs[:n, k] - r.costs[:n, comp],
            s=4,
            alpha=0.4,
            color=col[s],
            label=s,
        )
    a.axhline(0, color="k", lw=0.5)
    a.axvline(0, color="k", lw=0.5)
    a.set_xlabel(f"Incremental {EFFECT_LABEL[effect]} vs {r.strategies[comp]}")
    a.set_ylabel(f"Incremental cost ({currency})")
    _money_axis(a.yaxis)
    a.set_title("Cost-effectiveness plane (samples)")
    a.legend(fontsize=8, markerscale=3)
    for k, s in enumerate(r.strategies):
        b.plot(summary.wtp, summary.ceac[:, k], color=col[s], label=s)
    best = [summary.ceac[i, int(j)] for i, j in enumerate(summary.optimal)]
    b.plot(summary.wtp, best, "k.", ms=6, label="CEAF (highest expected NMB)")
    b.set_ylim(0, 1)
    b.set_xlabel(f"Willingness to pay ({currency} per unit of effect)")
    _money_axis(b.xaxis)
    b.set_ylabel("Probability cost-effective")
    b.set_title("CEAC and CEAF")
    b.legend(fontsize=8)
    b.grid(alpha=0.3)
    _save(fig, path)


def tornado_figure(ow: Any, currency: str, path: Path) -> None:
    plt = _plt()
    order = ow.order()[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(order) + 1.5))
    for y, i in enumerate(order):
        lo, hi = ow.low_values[i], ow.high_values[i]
        ax.barh(y, lo - ow.base_value, left=ow.base_value, color="tab:blue", label="low" if y == 0 else None)
        ax.barh(y, hi - ow.base_value, left=ow.base_value, color="tab:orange", label="high" if y == 0 else None)
    ax.axvline(ow.base_value, color="k", lw=1)
    ax.set_yticks(range(len(order)), [ow.ranges[i].parameter for i in order], fontsize=8)
    ax.set_xlabel(f"{ow.outcome} of {ow.strategy} vs {ow.comparator} ({currency})")
    _money_axis(ax.xaxis)
    ax.set_title("One-way sensitivity (tornado)")
    ax.legend(fontsize=8)
    _save(fig, path)


def budget_figure(result: Any, currency: str, path: Path) -> None:
    plt = _plt()
    years = np.arange(1, result.years + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(years - 0.2, result.total("without") / 1e6, 0.4, label="without the new strategies", color="tab:gray")
    ax.bar(years + 0.2, result.total("with") / 1e6, 0.4, label="with the new strategies", color="tab:blue")
    ax.set_xticks(years)
    ax.set_xlabel("Year")
    ax.set_ylabel(f"Budget (million {currency})")
    ax.set_title("Budget impact")
    ax.legend(fontsize=8)
    _save(fig, path)

"""Figures of a probabilistic sensitivity analysis, after BCEA's ``ceplane.plot``/``ceac.plot``/``evi.plot``
and dampack's ``plot.psa``/``plot.ceac``.

The incremental plane shows each strategy's samples against the comparator with their mean and 95%
ellipse (the bivariate normal with the samples' means and covariance, as dampack draws), and the
willingness-to-pay line through the origin: samples below it are cost-effective at that threshold. The
CEAC has one curve per strategy, the CEAF as a wide band over the curve of the strategy with the highest
expected net benefit, and the EVPI per person (and for the population, on a second axis) under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from atmpcli.report.figures.comparison import per_effect
from atmpcli.report.figures.style import (
    colours,
    figure_legend,
    money_axis,
    new_figure,
    save_figure,
    widen_flat,
)
from atmpcli.report.number_formats import EFFECT_TEXT, currency_or_units, money

if TYPE_CHECKING:
    from atmpcli.analysis.psa_summary import PSASummary

CHI2_2_95 = 5.991464547107979  # 95% quantile of the chi-squared distribution with 2 degrees of freedom
MAX_POINTS = 2000  # enough to see the cloud, few enough to see through it


def ellipse(x: np.ndarray, y: np.ndarray, level: float = CHI2_2_95, n: int = 120) -> np.ndarray | None:
    """Points (n, 2) of the ellipse holding 95% of a bivariate normal with the samples' mean and covariance;
    None when the samples lie on a line (no ellipse)."""
    cov = np.cov(np.vstack([x, y]))
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return None
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.sqrt(level) * np.vstack([np.cos(t), np.sin(t)])
    return (chol @ circle).T + [x.mean(), y.mean()]


def decision_thresholds(summary: PSASummary, wtp: Sequence[float] | None) -> list[float]:
    """The thresholds drawn on the plane: the scenario's, else the summary's when few, else its middle one."""
    if wtp:
        return list(wtp)[:3]
    return list(summary.wtp) if len(summary.wtp) <= 3 else [summary.wtp[len(summary.wtp) // 2]]


def psa_plane(ax: Any, summary: PSASummary, wtp: Sequence[float] | None = None) -> None:
    r = summary.psa
    col = colours(r.strategies)
    inc_cost, inc_effect = r.incremental()
    n = min(r.samples, MAX_POINTS)
    others = [k for k in range(len(r.strategies)) if k != r.comparator]
    for k in others:
        s = r.strategies[k]
        ax.scatter(inc_effect[:n, k], inc_cost[:n, k], s=4, alpha=0.3, color=col[s], lw=0, label=s, rasterized=True)
    for k in others:
        s = r.strategies[k]
        ring = ellipse(inc_effect[:, k], inc_cost[:, k])
        if ring is not None:
            ax.plot(ring[:, 0], ring[:, 1], color=col[s], lw=1.4, ls="--", gid=f"ellipse {s}")
        ax.scatter(inc_effect[:, k].mean(), inc_cost[:, k].mean(), s=70, color=col[s], edgecolors="black", zorder=4)
    ax.axhline(0, color="0.3", lw=0.6)
    ax.axvline(0, color="0.3", lw=0.6)
    ax.margins(0.08)
    currency = currency_or_units(summary.units.currency)
    unit = per_effect(currency, summary.units.effect)
    for w, dashes in zip(
        decision_thresholds(summary, wtp), [(0, (4, 3)), (0, (1, 2)), (0, (6, 2, 1, 2))], strict=False
    ):
        ax.axline((0, 0), slope=w, color="0.35", lw=1.1, ls=dashes, label=f"WTP {money(w)} {unit}")
    effect = EFFECT_TEXT.get(summary.units.effect, "effect")
    ax.set_xlabel(f"Incremental {effect} vs {r.strategies[r.comparator]}")
    big = money_axis(ax.yaxis, inc_cost[:n, others])
    widen_flat(ax, inc_effect[:n, others], inc_cost[:n, others])
    ax.set_ylabel(f"Incremental cost ({big}{currency})")
    ax.set_title(f"Incremental cost-effectiveness plane ({r.samples:,} samples)", loc="left", fontsize=11)
    ax.grid(alpha=0.25)
    _plane_legend(ax, [r.strategies[k] for k in others], col)


def _plane_legend(ax: Any, names: list[str], col: dict[str, str]) -> None:
    """One opaque marker per strategy (the cloud's points are too faint to read), then what the marks mean."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker="o", ms=6, color=col[n], label=n) for n in names]
    handles.append(Line2D([], [], ls="", marker="o", ms=8, mfc="0.6", mec="black", label="mean"))
    if any((line.get_gid() or "").startswith("ellipse") for line in ax.get_lines()):
        handles.append(Line2D([], [], color="0.4", ls="--", lw=1.4, label="95% ellipse (bivariate normal)"))
    handles += [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, frameon=False, fontsize=8)


def ceac_panel(ax: Any, summary: PSASummary) -> None:
    col = colours(summary.strategies)
    wtp = np.asarray(summary.wtp, dtype=float)
    ax.plot(
        wtp, summary.ceaf, color="0.1", lw=6, alpha=0.22, solid_capstyle="round", label="CEAF (highest expected NMB)"
    )
    for k, s in enumerate(summary.strategies):
        ax.plot(wtp, summary.ceac[:, k], color=col[s], lw=1.6, label=s, marker="o" if len(wtp) <= 3 else None)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("Probability cost-effective")
    ax.set_title("Cost-effectiveness acceptability curves and frontier", loc="left", fontsize=11)
    ax.grid(alpha=0.25)


ROUNDING = 1e-6


def evpi_panel(ax: Any, summary: PSASummary) -> None:
    currency = currency_or_units(summary.units.currency)
    wtp = np.asarray(summary.wtp, dtype=float)
    # below a millionth of a currency unit the EVPI is rounding (one strategy best in every sample): drawn as 0
    evpi = np.where(np.abs(summary.evpi) < ROUNDING, 0.0, summary.evpi)
    ax.plot(wtp, evpi, color="0.15", lw=1.6, marker="o" if len(wtp) <= 3 else None, label="EVPI")
    big = money_axis(ax.yaxis, evpi)
    ax.set_ylabel(f"EVPI per person ({big}{currency})")
    ax.set_ylim(0, None if np.any(evpi > 0) else 1.0)
    ax.set_title("Expected value of perfect information", loc="left", fontsize=11)
    ax.grid(alpha=0.25)
    if summary.population:
        pop = float(summary.population)
        second = ax.secondary_yaxis("right", functions=(lambda v: v * pop, lambda v: v / pop))
        pbig = money_axis(second.yaxis, evpi * pop)
        second.set_ylabel(f"EVPI, population of {pop:,.0f} ({pbig}{currency})")


def wtp_axis_label(summary: PSASummary) -> str:
    return f"Willingness to pay ({per_effect(currency_or_units(summary.units.currency), summary.units.effect)})"


def ceac_and_evpi(fig: Any, summary: PSASummary) -> tuple[Any, Any]:
    """The CEAC with the CEAF over the EVPI on ``fig`` (a figure or subfigure), sharing the WTP axis, and
    the strategies' legend under both."""
    a, b = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    ceac_panel(a, summary)
    evpi_panel(b, summary)
    money_axis(b.xaxis, summary.wtp)
    b.set_xlabel(wtp_axis_label(summary))
    if len(summary.wtp) > 1:
        b.set_xlim(min(summary.wtp), max(summary.wtp))
    figure_legend(fig, a)
    return a, b


def draw_psa(summary: PSASummary, wtp: Sequence[float] | None = None) -> Any:
    """The incremental plane on the left; the CEAC with the CEAF over the EVPI on the right."""
    fig = new_figure(13, 7)
    left, right = fig.subfigures(1, 2)
    psa_plane(left.subplots(), summary, wtp)
    ceac_and_evpi(right, summary)
    return fig


def psa_figure(summary: PSASummary, path: Path, wtp: Sequence[float] | None = None) -> None:
    """``psa --plot``: plane, CEAC/CEAF and EVPI in one file; ``wtp``: the thresholds drawn on the plane."""
    save_figure(draw_psa(summary, wtp), path)


def psa_plane_figure(summary: PSASummary, path: Path, wtp: Sequence[float] | None = None) -> None:
    fig = new_figure(8, 6.5)
    psa_plane(fig.subplots(), summary, wtp)
    save_figure(fig, path)


def ceac_figure(summary: PSASummary, path: Path) -> None:
    """The CEAC with the CEAF over the EVPI, sharing the willingness-to-pay axis."""
    fig = new_figure(8, 7)
    ceac_and_evpi(fig, summary)
    save_figure(fig, path)

"""Figures for ``atmpcli survival fit --plot``: what a reviewer checks (NICE DSU TSD 14).

One row of three panels per group: the Kaplan-Meier curve with its 95% CI and every fitted curve
extrapolated to the horizon (with general-population survival when a life table is given); the
fitted hazards over an empirical (life-table) hazard within follow-up; log cumulative hazard against
log time, where a Weibull is a straight line and proportional hazards are parallel lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from atmpcli.report.figures.style import OKABE_ITO, check_suffix, new_figure, save_figure

_FITS = OKABE_ITO[:6]  # black and grey are the Kaplan-Meier curve and the general population


def _colours(models: list[str]) -> dict[str, Any]:
    """A family keeps its colour (colour-blind-safe palette) in its cure version (drawn dashed)."""
    bases = list(dict.fromkeys(m.removesuffix("_cure") for m in models))
    return {m: _FITS[bases.index(m.removesuffix("_cure")) % len(_FITS)] for m in models}


def _empirical_hazard(km: Any, bins: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Events / person-time in equal-width intervals of follow-up, from the KM table (time, at_risk, events)."""
    t = km["time"].to_numpy()
    edges = np.linspace(0.0, t.max(), bins + 1)
    rates = np.full(bins, np.nan)
    at_risk, events = km["at_risk"].to_numpy(), km["events"].to_numpy()
    removed = (km["events"] + km["censored"]).to_numpy()
    # person-time: each distinct time carries its at-risk count until the next time
    widths = np.diff(np.append(t, t.max()))
    for b in range(bins):
        lo, hi = edges[b], edges[b + 1]
        seg = np.clip(np.minimum(t + widths, hi) - np.maximum(t, lo), 0, None)
        exposure = np.sum((at_risk - removed) * seg)
        d = events[(t > lo) & (t <= hi)].sum()
        rates[b] = d / exposure if exposure > 0 else np.nan
    return edges, rates


def fits_figure(fits: Any, path: Path, horizon: float | None = None) -> None:
    """``survival fit --plot``: three panels per group (survival with extrapolation, hazard, log cumulative
    hazard), as PNG, SVG or PDF."""
    check_suffix(Path(path))  # before any drawing
    save_figure(draw_fits(fits, horizon), Path(path))


def draw_fits(fits: Any, horizon: float | None = None) -> Any:
    """The survival figure as a matplotlib figure (fits_figure writes it)."""
    groups = list(dict.fromkeys(fits.summary["group"]))
    fig = new_figure(16, 4.8 * len(groups))
    axes = fig.subplots(len(groups), 3, squeeze=False)
    unit = fits.time_unit
    for row, group in enumerate(groups):
        km = fits.km[fits.km["group"] == group]
        curves = [c for c in fits.curves if c.group == group and c.usable]
        colour = _colours([c.model for c in curves])
        follow_up = float(km["time"].max())
        end = float(horizon) if horizon else 5 * follow_up
        grid = np.linspace(0.0, end, 600)
        ax_s, ax_h, ax_l = axes[row]
        ax_s.fill_between(km["time"], km["lower"], km["upper"], step="post", color="0.85", label="KM 95% CI")
        ax_s.step(km["time"], km["survival"], where="post", color="black", lw=1.6, label="Kaplan-Meier")
        censored = km[km["censored"] > 0]
        ax_s.plot(censored["time"], censored["survival"], "|", color="black", ms=6)
        for c in curves:
            style = "--" if c.model.endswith("_cure") else "-"
            ax_s.plot(grid, c.curve.survival(grid)[0], style, color=colour[c.model], lw=1.3, label=c.model)
        if fits.background is not None:
            ax_s.plot(grid, fits.background.survival(grid)[0], ":", color="0.3", lw=1.6, label="general population")
        ax_s.axvline(follow_up, color="0.6", lw=0.8)
        ax_s.set(xlim=(0, end), ylim=(0, 1.02), xlabel=f"Time ({unit})", ylabel="Survival")
        ax_s.set_title(f"Survival, extrapolated{_suffix(group, groups)}", loc="left", fontsize=10)
        ax_s.text(follow_up, 0.01, " end of follow-up", fontsize=7, color="0.4", va="bottom")
        _hazard_panel(ax_h, km, curves, colour, grid, fits, unit, follow_up)
        ax_h.set_title(f"Hazard{_suffix(group, groups)}", loc="left", fontsize=10)
        _log_cumhaz_panel(ax_l, km, curves, colour, end, unit)
        ax_l.set_title(f"Log cumulative hazard vs log time{_suffix(group, groups)}", loc="left", fontsize=10)
        handles, labels = ax_s.get_legend_handles_labels()
        h_obs, l_obs = ax_h.get_legend_handles_labels()
        ax_l.legend(
            handles + h_obs, labels + l_obs, fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False
        )
    return fig


def _suffix(group: str, groups: list[str]) -> str:
    return f" (group {group})" if len(groups) > 1 else ""


def _hazard_panel(
    ax: Any, km: Any, curves: list, colour: dict, grid: np.ndarray, fits: Any, unit: str, follow_up: float
) -> None:
    edges, rates = _empirical_hazard(km)
    ax.stairs(rates, edges, color="black", lw=1.2, label="observed hazard (events / person-time)")
    g = grid[1:]
    tops = [np.nanmax(rates) if np.any(np.isfinite(rates)) else 0.0]
    for c in curves:
        h = c.curve.hazard(g)[0]
        style = "--" if c.model.endswith("_cure") else "-"
        ax.plot(g, h, style, color=colour[c.model], lw=1.2)
        tops.append(float(np.nanmax(h[g <= follow_up])) if np.any(g <= follow_up) else 0.0)
    if fits.background is not None:
        ax.plot(g, fits.background.hazard(g)[0], ":", color="0.3", lw=1.6)
    ax.axvline(follow_up, color="0.6", lw=0.8)
    top = max(t for t in tops if np.isfinite(t)) if any(np.isfinite(t) for t in tops) else 1.0
    ax.set(
        xlim=(0, grid[-1]),
        ylim=(0, 1.6 * top if top > 0 else 1.0),
        xlabel=f"Time ({unit})",
        ylabel=f"Hazard (per {unit[:-1]})",
    )


def _log_cumhaz_panel(ax: Any, km: Any, curves: list, colour: dict, end: float, unit: str) -> None:
    obs = km[(km["survival"] > 0) & (km["survival"] < 1) & (km["events"] > 0)]
    ax.plot(np.log(obs["time"]), np.log(-np.log(obs["survival"])), "o", color="black", ms=3, label="Kaplan-Meier")
    first = float(obs["time"].min()) if len(obs) else end / 100
    grid = np.geomspace(first / 2, end, 300)
    for c in curves:
        with np.errstate(divide="ignore"):
            y = np.log(c.curve.cumhaz(grid)[0])
        style = "--" if c.model.endswith("_cure") else "-"
        ax.plot(np.log(grid), y, style, color=colour[c.model], lw=1.2)
    ax.set(xlabel=f"log time ({unit})", ylabel="log cumulative hazard")

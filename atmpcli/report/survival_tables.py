"""Rich tables for ``atmpcli survival``: each fits in 80 columns without cutting a number."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group
from rich.table import Table

STATUS = {"ok": "ok", "no_plateau": "no plateau", "not_converged": "not conv.", "no_se": "no SE", "failed": "failed"}
TIMES_PER_TABLE = 5


def _num(x: Any, fmt: str = ".6g") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return format(x, fmt)


def _fixed(x: Any, digits: int) -> str:
    return _num(x, f",.{digits}f")


def fit_tables(fits: Any) -> Group:
    """Model fit (AIC/BIC), extrapolation (median, RMST, cure fraction), S(t) and parameters, per group."""
    parts: list[Any] = []
    summary = fits.summary
    multi = summary["group"].nunique() > 1
    unit = fits.time_unit
    for group, rows in summary.groupby("group", sort=False):
        suffix = f" (group {group})" if multi else ""
        first = rows.iloc[0]
        fit = Table(
            title=f"{fits.title}{suffix}\n[dim]{first['n']} patients, {first['events']} events; times in {unit}"
            + ("; relative survival (life table)" if first["relative"] else "")
            + "[/dim]",
            title_justify="left",
        )
        for name, justify in (("Model", "left"), ("Status", "left"), ("k", "right"), ("Log-lik", "right")):
            fit.add_column(name, justify=justify, no_wrap=True)
        for name in ("AIC", "BIC", "ΔAIC"):
            fit.add_column(name, justify="right", no_wrap=True)
        for r in rows.to_dict("records"):
            fit.add_row(
                r["model"],
                STATUS.get(r["status"], r["status"]),
                str(r["parameters"]),
                _fixed(r["loglik"], 3),
                _fixed(r["aic"], 2),
                _fixed(r["bic"], 2),
                _fixed(r["delta_aic"], 2),
            )
        parts.append(fit)
        parts.append(_extrapolation(rows, unit))
        parts += _survival_at(fits, rows)
        notes = [f"{r['model']}: {r['message']}" for r in rows.to_dict("records") if r["message"]]
        if notes:
            parts.append("\n".join(notes))
    parts.append(_parameters(fits))
    return Group(*parts)


def _extrapolation(rows: Any, unit: str) -> Table:
    tau = rows.iloc[0]["rmst_to"]
    table = Table(title=f"Median, restricted mean to {tau:g} {unit}, cure fraction", title_justify="left")
    table.add_column("Model", no_wrap=True)
    table.add_column("Median", justify="right", no_wrap=True)
    table.add_column("RMST", justify="right", no_wrap=True)
    table.add_column("Cure fraction (95% CI)", justify="right", no_wrap=True)
    for r in rows.to_dict("records"):
        cure = "" if not r["cure"] else "—"
        if r["cure"] and not math.isnan(r["cure_fraction"]):
            cure = f"{r['cure_fraction']:.3f} ({_fixed(r['cure_lower'], 3)}–{_fixed(r['cure_upper'], 3)})"
        table.add_row(r["model"], _fixed(r["median"], 1), _fixed(r["rmst"], 1), cure)
    return table


def _survival_at(fits: Any, rows: Any) -> list[Table]:
    cols = [c for c in fits.summary.columns if c.startswith("survival_at_")]
    tables = []
    for start in range(0, len(cols), TIMES_PER_TABLE):
        chunk = cols[start : start + TIMES_PER_TABLE]
        table = Table(title=f"Survival at time ({fits.time_unit})", title_justify="left")
        table.add_column("Model", no_wrap=True)
        for c in chunk:
            table.add_column(f"S({c.removeprefix('survival_at_')})", justify="right", no_wrap=True)
        for r in rows.to_dict("records"):
            table.add_row(r["model"], *(_fixed(r[c], 4) for c in chunk))
        tables.append(table)
    return tables


def _parameters(fits: Any) -> Table:
    multi = fits.parameters["group"].nunique() > 1
    table = Table(title="Parameters (flexsurv's parameterisation)", title_justify="left")
    if multi:
        table.add_column("Group", no_wrap=True)
    table.add_column("Model", no_wrap=True)
    table.add_column("Parameter", no_wrap=True)
    table.add_column("Estimate", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    for r in fits.parameters.to_dict("records"):
        ci = "" if r["transform"] == "fixed" else f"{_num(r['lower'], '.4g')} to {_num(r['upper'], '.4g')}"
        cells = [r["model"], r["parameter"], _num(r["estimate"]), ci]
        table.add_row(*([r["group"]] if multi else []), *cells)
    return table


def reconstruction_table(rec: Any) -> Table:
    table = Table(
        title=rec.title,
        title_justify="left",
        caption="Per at-risk interval: events and censorings reconstructed.",
        caption_justify="left",
    )
    for name in ("Time", "At risk (published)", "At risk (reconstructed)", "Events", "Censored"):
        table.add_column(name, justify="right", no_wrap=name == "Time")
    for r in rec.intervals.to_dict("records"):
        table.add_row(
            _num(r["time"]),
            str(r["at_risk_published"]),
            str(r["at_risk_reconstructed"]),
            str(r["events"]),
            str(r["censored"]),
        )
    return table


def survival_check_table(rows: list[dict[str, Any]]) -> Table:
    """The comparison's curves at 5/10/20 years against the general population (NICE DSU TSD 14/21)."""
    t = Table(
        title="Survival against the general population (base case)",
        title_justify="left",
        caption="Above GP: time points at which the curve is above general-population survival; "
        "PFS > OS: time points at which PFS was capped at OS.",
        caption_justify="left",
    )
    for name, justify in (("Strategy", "left"), ("", "left"), ("Curve", "left")):
        t.add_column(name, justify=justify, overflow="fold")
    for name in ("5 y", "10 y", "20 y", "Above GP", "PFS > OS"):
        t.add_column(name, justify="right")
    for r in rows:
        t.add_row(
            r["strategy"],
            r["endpoint"].upper(),
            r["curve"],
            *(_num(r[f"survival_{y}y"], ".3f") for y in (5, 10, 20)),
            _count(r["points_above_general_population"]),
            _count(r["pfs_above_os_points"]) if r["endpoint"] == "pfs" else "",
        )
    if rows and not _missing(rows[0]["general_population_5y"]):
        gp = [_num(rows[0][f"general_population_{y}y"], ".3f") for y in (5, 10, 20)]
        t.add_row("", "", "[dim]general pop.[/dim]", *gp, "", "")
    return t


def _count(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{int(x):d}"


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))

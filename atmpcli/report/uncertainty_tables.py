"""Rich tables of the uncertainty analyses: PSA (means, spread, CEAC, CEAF, EVPI, EVPPI), one-way
(tornado) and two-way sensitivity, and threshold analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from atmpcli.report.number_formats import (
    EFFECT_TEXT,
    OUTCOME_TEXT,
    SOURCE_TEXT,
    STATUS_TEXT,
    UNIT_TEXT,
    currency_or_units,
    effect_amount,
    money,
    money_with_se,
    num,
)

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.dsa import OneWay, TwoWay
    from atmpcli.analysis.psa_summary import PSASummary
    from atmpcli.analysis.threshold import ThresholdResult


def psa_tables(summary: PSASummary) -> Group:
    r = summary.psa
    currency = currency_or_units(summary.units.currency)
    effect = summary.units.effect
    eff = EFFECT_TEXT[effect][0].upper() + EFFECT_TEXT[effect][1:]
    head = f"{summary.title}\n[dim]{r.samples:,} samples" + (f", seed {r.seed}" if r.seed is not None else "")
    head += f" ({r.source}); means and 95 % intervals[/dim]"
    t = Table(title=head, title_justify="left")
    for col in ("Strategy", f"Cost ({currency})", "95 % interval", eff, "95 % interval", "Status"):
        t.add_column(col, justify="left" if col in ("Strategy", "Status") else "right", no_wrap=col == "Strategy")
    for k, s in enumerate(summary.strategies):
        name = s + (" (comparator)" if k == r.comparator else "")
        t.add_row(
            name,
            money(summary.cost.mean[k]),
            f"{money(summary.cost.low[k])} – {money(summary.cost.high[k])}",
            effect_amount(summary.effect.mean[k]),
            f"{effect_amount(summary.effect.low[k], 3)} – {effect_amount(summary.effect.high[k], 3)}",
            STATUS_TEXT[summary.incremental.status[k]],
        )
    parts: list[Any] = [t, _spread_table(summary, currency, eff)]
    if summary.wtp:
        parts.append(_ceac_table(summary, currency, UNIT_TEXT[effect]))
    if summary.evppi:
        parts.append(_evppi_table(summary, currency, UNIT_TEXT[effect]))
    return Group(*parts)


def _spread_table(summary: PSASummary, currency: str, eff: str) -> Table:
    t = Table(
        title=f"Spread of the samples and the ICER of the means ({currency})",
        title_justify="left",
        caption="SD: sample standard deviation. ICER of the means: vs the previous strategy on their frontier.",
        caption_justify="left",
    )
    for col in ("Strategy", "SD cost", f"SD {eff}", "ICER of means", "vs"):
        t.add_column(col, justify="left" if col in ("Strategy", "vs") else "right", no_wrap=True)
    inc = summary.incremental
    for k, s in enumerate(summary.strategies):
        t.add_row(
            s,
            money(summary.cost.sd[k]),
            effect_amount(summary.effect.sd[k]),
            money(inc.icer[k]),
            inc.reference[k] or "",
        )
    return t


def _ceac_table(summary: PSASummary, currency: str, unit: str) -> Table:
    c = Table(
        title=f"Probability cost-effective (CEAC), optimal strategy (CEAF) and EVPI ({currency} per person)",
        title_justify="left",
        caption="* highest expected net monetary benefit at that threshold",
        caption_justify="left",
    )
    c.add_column(f"WTP ({currency}/{unit})", justify="right")
    for s in summary.strategies:
        c.add_column(s, justify="right")
    c.add_column("EVPI", justify="right")
    if summary.evpi_population is not None:
        c.add_column(f"EVPI x {summary.population:,.0f}", justify="right")
    for i, w in enumerate(summary.wtp):
        cells = [f"{w:,.0f}"]
        for k in range(len(summary.strategies)):
            cells.append(f"{summary.ceac[i, k]:.3f}" + (" *" if summary.optimal[i] == k else "  "))
        cells.append(money(summary.evpi[i]))
        if summary.evpi_population is not None:
            cells.append(money(summary.evpi_population[i]))
        c.add_row(*cells)
    return c


def _evppi_table(summary: PSASummary, currency: str, unit: str) -> Table:
    v = Table(
        title=f"EVPPI ({currency} per person)",
        title_justify="left",
        caption=f"Regression metamodel ({', '.join(sorted({e.method for e in summary.evppi}))}; docs/methods.md), "
        "± its standard error; the R² per strategy is in the CSV/JSON output.",
        caption_justify="left",
    )
    v.add_column(f"WTP ({currency}/{unit})", justify="right")
    for e in summary.evppi:
        v.add_column(", ".join(e.parameters), justify="right", overflow="fold")
    v.add_column("EVPI", justify="right")
    for i, w in enumerate(summary.wtp):
        v.add_row(f"{w:,.0f}", *(money_with_se(e.evppi[i], e.se[i]) for e in summary.evppi), money(summary.evpi[i]))
    return v


def tornado_table(ow: OneWay) -> Table:
    what = OUTCOME_TEXT[ow.outcome]
    currency = ow.units.currency
    head = (
        f"{ow.title}\n[dim]One-way sensitivity: {what} of {ow.strategy} vs {ow.comparator}"
        + (f" at {ow.wtp:,.0f} {currency} per unit of effect" if ow.outcome == "inc_nmb" else "")
        + f"; base case {_outcome(ow.outcome, ow.base_value)}; largest swing first[/dim]"
    )
    t = Table(
        title=head,
        title_justify="left",
        caption=f"Optimal strategy (highest NMB at {ow.wtp:,.0f}) in the base case: {ow.optimal_base}",
        caption_justify="left",
    )
    for col in ("Parameter", "Low", "High", "Range", "At low", "At high", "Swing", "Optimal low/high"):
        t.add_column(
            col,
            justify="left" if col in ("Parameter", "Range", "Optimal low/high") else "right",
            no_wrap=col == "Parameter",
        )
    for r in ow.rows:
        t.add_row(
            r["parameter"],
            num(r["low"]),
            num(r["high"]),
            SOURCE_TEXT[r["range_source"]],
            _outcome(ow.outcome, r["value_low"]),
            _outcome(ow.outcome, r["value_high"]),
            _outcome(ow.outcome, r["swing"]),
            f"{r['optimal_low']} / {r['optimal_high']}",
        )
    return t


def _outcome(outcome: str, x: float) -> str:
    """A sensitivity analysis's outcome: an incremental effect as effects are shown, the others as money."""
    return effect_amount(x) if outcome == "inc_effect" else money(x)


def two_way_table(tw: TwoWay) -> Table:
    t = Table(
        title=f"Two-way sensitivity: optimal strategy and {OUTCOME_TEXT[tw.outcome]} "
        f"({tw.a.parameter} down, {tw.b.parameter} across)",
        title_justify="left",
    )
    t.add_column(f"{tw.a.parameter} \\ {tw.b.parameter}", justify="right")
    for b in tw.b_values:
        t.add_column(num(b), justify="right")
    for i, a in enumerate(tw.a_values):
        t.add_row(
            num(a), *(f"{tw.optimal[i][j]}\n{_outcome(tw.outcome, tw.values[i, j])}" for j in range(len(tw.b_values)))
        )
    return t


def threshold_table(res: ThresholdResult) -> Table:
    t = Table(
        title=f"{res.title}\n[dim]Threshold of {res.parameter} (base {num(res.base)}; searched "
        f"{num(res.low)} to {num(res.high)}) at which {res.strategy} has the highest NMB[/dim]",
        title_justify="left",
    )
    for col in ("WTP", "Threshold", f"{res.strategy} is cost-effective", "Note"):
        t.add_column(col, justify="right" if col in ("WTP", "Threshold") else "left")
    for r in res.rows:
        value = r["threshold"]
        t.add_row(
            f"{r['wtp']:,.0f}",
            "—" if value is None or value != value else num(value),
            r["cost_effective"] or "",
            r["note"],
        )
    return t

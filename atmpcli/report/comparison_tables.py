"""Rich tables of a comparison (``atmpcli compare``) and of an incremental analysis (``atmpcli icers``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from atmpcli.analysis.compare import Comparison, wtp_column
from atmpcli.report.number_formats import (
    EFFECT_TEXT,
    STATUS_TEXT,
    UNIT_TEXT,
    amount,
    compact,
    count,
    effect_amount,
    missing,
    money,
    percent,
)

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.dominance_and_icers import IncrementalTable


def comparison_tables(cmp: Comparison) -> Group:
    """Results per strategy, then responder accounting, the cell/gene-therapy pathway, costs by component,
    the incremental analysis, net monetary benefit and survival against the general population, as far as
    the scenario has them."""
    cur = cmp.units.currency
    rows = cmp.rows
    parts: list[Any] = [_results_table(cmp, rows)]
    if cmp.has_response:
        parts.append(_accounting_table(cmp, rows))
    if cmp.has_pathway:
        parts.append(_pathway_table(cmp, rows))
    if len(cmp.cost_components) > 1:
        comp = Table(title=f"Costs by component ({cur}, discounted)", title_justify="left")
        comp.add_column("Strategy", no_wrap=True)
        for c in cmp.cost_components:
            comp.add_column(c, justify="right")
        for row in rows:
            comp.add_row(row["strategy"], *(money(row[f"cost_{c}"]) for c in cmp.cost_components))
        parts.append(comp)
    if len(rows) > 1:
        effect = EFFECT_TEXT[cmp.effect_name]
        parts.append(
            incremental_table(
                cmp.records_of("incremental"),
                f"Incremental analysis (effect: {effect}; ICER in {cur} per {UNIT_TEXT[cmp.effect_name]})",
                f"Cost ({cur})",
                effect,
            )
        )
    if cmp.wtp:
        parts.append(_nmb_table(cmp, rows))
    if survival := cmp.records_of("survival"):
        from atmpcli.report.survival_tables import survival_check_table

        parts.append(survival_check_table(survival))
    return Group(*parts)


def _results_table(cmp: Comparison, rows: list[dict[str, Any]]) -> Table:
    u, st = cmp.units, cmp.settings or {}
    cur = u.currency + (f" {u.price_year}" if u.price_year else "")
    per = "per person" if cmp.per == "person" else f"for a cohort of {st['cohort_size']:,.0f}"
    title = f"{cmp.title}\n[dim]{cur}, {per}"
    title += f"; discount costs {st['discount_costs']:.4g}, effects {st['discount_effects']:.4g}"
    if cmp.has_cohort:
        title += f"; {st['cycles']} cycles of {st['cycle_length']:g} y, method {st['method']}"
    title += "[/dim]"
    caption = "ILLUSTRATIVE inputs: not an HTA recommendation." if cmp.provenance.illustrative else None
    res = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    res.add_column("Strategy", no_wrap=True)
    res.add_column("Label", max_width=28, overflow="fold")
    res.add_column(f"Cost ({u.currency})", justify="right")
    show_ly = cmp.counts_life_years
    if cmp.has_utilities:
        res.add_column("QALYs", justify="right")
    if show_ly:
        res.add_column("Life-years", justify="right")
    if cmp.has_response:
        res.add_column("Responders", justify="right")
    for row in rows:
        label = row["label"] + (" (comparator)" if row["comparator"] else "")
        cells = [row["strategy"], label, money(row["cost"])]
        if cmp.has_utilities:
            cells.append(effect_amount(row["qalys"]))
        if show_ly:
            cells.append(effect_amount(row["life_years"]))
        if cmp.has_response:
            cells.append(f"{row['responder_fraction']:.1%}")
        res.add_row(*cells)
    return res


def _nmb_table(cmp: Comparison, rows: list[dict[str, Any]]) -> Table:
    nmb = Table(
        title=f"Net monetary benefit ({cmp.units.currency})",
        title_justify="left",
        caption="* highest NMB at that threshold",
        caption_justify="left",
    )
    nmb.add_column("Strategy", no_wrap=True)
    for w in cmp.wtp:
        nmb.add_column(f"WTP {w:,.0f}/{UNIT_TEXT[cmp.effect_name]}", justify="right")
    best = {w: cmp.best_at(w) for w in cmp.wtp}
    for row in rows:
        cells = []
        for w in cmp.wtp:
            mark = " *" if best[w] == row["strategy"] else "  "
            cells.append(money(row[wtp_column("nmb", w)]) + mark)
        nmb.add_row(row["strategy"], *cells)
    return nmb


def _accounting_table(cmp: Comparison, rows: list[dict[str, Any]]) -> Group:
    cur = cmp.units.currency
    t = Table(title=f"Responder accounting, per 1,000 people ({cur})", title_justify="left")
    for c in ("Strategy", "Responders", "% of treated", "Non-resp. treated", "Spent on them", "Cost/responder"):
        t.add_column(c, justify="left" if c == "Strategy" else "right", no_wrap=c == "Strategy")
    for r in rows:
        t.add_row(
            r["strategy"],
            count(r["responders_per_1000"]),
            percent(r["responder_fraction_treated"]),
            count(r["nonresponders_treated_per_1000"]),
            compact(r["nonresponder_spend_per_1000"]),
            money(r["cost_per_responder"]),
        )
    parts: list[Any] = [t]
    tested = any(not missing(r["tested_per_1000"]) and r["tested_per_1000"] > 0 for r in rows)
    n = Table(title="Testing and numbers needed (per extra responder vs the comparator)", title_justify="left")
    cols = ["Strategy", "NNT"] + (
        ["NNTest", "Missed by test", "PPV", "NPV", f"Cost/true pos. ({cur})"] if tested else []
    )
    for c in cols:
        n.add_column(c, justify="left" if c == "Strategy" else "right", no_wrap=c == "Strategy")
    for r in rows:
        cells = [r["strategy"], count(r["nnt_vs_comparator"])]
        if tested:
            cells += [
                count(r["nntest_vs_comparator"]),
                count(r["responders_missed_per_1000"]),
                amount(r["ppv"], 3),
                amount(r["npv"], 3),
                money(r["cost_per_true_positive"]),
            ]
        n.add_row(*cells)
    parts.append(n)
    return Group(*parts)


def _pathway_table(cmp: Comparison, rows: list[dict[str, Any]]) -> Group:
    cur = cmp.units.currency
    t = Table(title="Cell/gene therapy: intention to treat (ITT) vs the infused population", title_justify="left")
    for c in ("Strategy", "Infused", f"Cost ITT ({cur})", "Cost infused", "QALYs ITT", "QALYs infused"):
        t.add_column(c, justify="left" if c == "Strategy" else "right", no_wrap=c == "Strategy")
    for r in rows:
        if missing(r["infused_fraction"]):
            continue
        t.add_row(
            r["strategy"],
            f"{r['infused_fraction']:.1%}",
            money(r["cost"]),
            money(r["cost_infused"]),
            effect_amount(r["qalys"]),
            effect_amount(r["qalys_infused"]),
        )
    parts: list[Any] = [t]
    by_year = cmp.payments_by_year()
    if len(by_year):
        years = [c for c in by_year.columns if c != "strategy"]
        p = Table(
            title=f"What the payer pays per person, by year since treatment ({cur}, undiscounted)",
            title_justify="left",
            caption="PV: present value at the cost discount rate; it is the product cost in the results.",
            caption_justify="left",
        )
        p.add_column("Strategy", no_wrap=True)
        for y in years:
            p.add_column(f"Year {y}", justify="right")
        p.add_column("PV", justify="right")
        pv = {r["strategy"]: r["payment_pv"] for r in rows}
        for r in by_year.to_dict(orient="records"):
            p.add_row(r["strategy"], *(money(r[y]) for y in years), money(pv[r["strategy"]]))
        parts.append(p)
    return Group(*parts)


def incremental_table(rows: Sequence[dict[str, Any]], title: str, cost: str = "Cost", effect: str = "Effect") -> Table:
    """Strategies by increasing cost (as given) with their status and ICER vs the previous frontier strategy."""
    t = Table(
        title=title,
        title_justify="left",
        caption_justify="left",
        caption="Each frontier strategy is compared with the previous one on the frontier.",
    )
    for col in ("Strategy", cost, effect, "Inc. cost", f"Inc. {effect}", "ICER", "Status"):
        t.add_column(
            col, justify="left" if col in ("Strategy", "Status") else "right", no_wrap=col in ("Strategy", "Status")
        )
    for r in rows:
        t.add_row(
            r["strategy"],
            money(r["cost"]),
            effect_amount(r["effect"]),
            money(r["inc_cost"]),
            effect_amount(r["inc_effect"]),
            money(r["icer"]),
            STATUS_TEXT[r["status"]],
        )
    return t


def icer_table(result: IncrementalTable) -> Table:
    return incremental_table(result.rows, "Incremental analysis (sorted by cost)")


def long_table(cmp: Comparison) -> Table:
    """``compare --long`` for people: strategy, measure, threshold and value, one row each."""
    t = Table(title=f"{cmp.title}\n[dim]One row per strategy and measure (--long)[/dim]", title_justify="left")
    for col in ("Strategy", "Measure", "WTP", "Value"):
        t.add_column(col, justify="right" if col in ("WTP", "Value") else "left", no_wrap=True)
    for r in cmp.records_of("long"):
        wtp = "" if missing(r["wtp"]) else f"{r['wtp']:,.0f}"
        value = r["value"]
        t.add_row(r["strategy"], r["measure"], wtp, "—" if missing(value) else f"{value:,.6g}")
    return t

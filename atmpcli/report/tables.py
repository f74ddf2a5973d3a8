"""Rich tables for people. The only module that renders with rich; rounding happens only here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table

from atmpcli.analysis.compare import Comparison, payment_rows, wtp_column

STATUS_TEXT = {"ND": "frontier", "D": "dominated", "ED": "ext. dominated"}
EFFECT_TEXT = {"qalys": "QALYs", "life_years": "life-years", "responders": "responders"}
UNIT_TEXT = {"qalys": "QALY", "life_years": "LY", "responders": "responder"}


def money(x: float, currency: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    digits = 0 if abs(x) >= 100 or x == 0 else 2
    return f"{x:,.{digits}f}"


def amount(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.{digits}f}"


def comparison_tables(cmp: Comparison) -> Group:
    sc = cmp.scenario
    st = sc.settings
    cur = sc.spec.currency + (f" {sc.spec.price_year}" if sc.spec.price_year else "")
    per = "per person" if cmp.per == "person" else f"for a cohort of {st.cohort_size:,.0f}"
    effect = EFFECT_TEXT[cmp.effect_name]
    parts: list[Any] = []

    title = f"{sc.spec.title}\n[dim]{cur}, {per}"
    title += f"; discount costs {st.discount.costs:.4g}, effects {st.discount.effects:.4g}"
    if sc.has_markov:
        title += f"; {sc.n_cycles} cycles of {st.cycle_length:g} y, method {st.method}"
    title += "[/dim]"
    res = Table(title=title, title_justify="left", caption=_caption(cmp), caption_justify="left")
    res.add_column("Strategy", no_wrap=True)
    res.add_column("Label", max_width=28, overflow="fold")
    res.add_column(f"Cost ({sc.spec.currency})", justify="right")
    show_q = sc.has_utilities
    if show_q:
        res.add_column("QALYs", justify="right")
    show_ly = sc.has_markov or any(r["life_years"] for r in cmp.rows)
    if show_ly:
        res.add_column("Life-years", justify="right")
    if sc.has_response:
        res.add_column("Responders", justify="right")
    for row in cmp.rows:
        label = row["label"] + (" (comparator)" if row["comparator"] else "")
        cells = [row["strategy"], label, money(row["cost"])]
        if show_q:
            cells.append(amount(row["qalys"], 4))
        if show_ly:
            cells.append(amount(row["life_years"], 4))
        if sc.has_response:
            cells.append(f"{row['responder_fraction']:.1%}")
        res.add_row(*cells)
    parts.append(res)

    if sc.has_response:
        parts.append(_accounting_table(cmp))
    if any(o.infused is not None for o in cmp.outcomes):
        parts.append(_pathway_table(cmp))
    if len(sc.cost_components) > 1:
        comp = Table(title=f"Costs by component ({sc.spec.currency}, discounted)", title_justify="left")
        comp.add_column("Strategy", no_wrap=True)
        for c in sc.cost_components:
            comp.add_column(c, justify="right")
        for row in cmp.rows:
            comp.add_row(row["strategy"], *(money(row[f"cost_{c}"]) for c in sc.cost_components))
        parts.append(comp)

    if len(cmp.rows) > 1:
        parts.append(
            incremental_table(
                cmp.rows,
                f"Incremental analysis (effect: {effect}; ICER in {sc.spec.currency} per {_unit(cmp)})",
                f"Cost ({sc.spec.currency})",
                effect,
            )
        )

    if cmp.wtp:
        nmb = Table(
            title=f"Net monetary benefit ({sc.spec.currency})",
            title_justify="left",
            caption="* highest NMB at that threshold",
            caption_justify="left",
        )
        nmb.add_column("Strategy", no_wrap=True)
        for w in cmp.wtp:
            nmb.add_column(f"WTP {w:,.0f}/{_unit(cmp)}", justify="right")
        best = {w: cmp.best_at(w) for w in cmp.wtp}
        for row in cmp.rows:
            cells = []
            for w in cmp.wtp:
                mark = " *" if best[w] == row["strategy"] else "  "
                cells.append(money(row[wtp_column("nmb", w)]) + mark)
            nmb.add_row(row["strategy"], *cells)
        parts.append(nmb)
    if cmp.survival:
        from atmpcli.report.survival_tables import survival_check_table

        parts.append(survival_check_table(cmp.survival))
    return Group(*parts)


def _unit(cmp: Comparison) -> str:
    return UNIT_TEXT[cmp.effect_name]


def _caption(cmp: Comparison) -> str | None:
    notes = []
    if cmp.scenario.spec.illustrative:
        notes.append("ILLUSTRATIVE inputs: not an HTA recommendation.")
    return " ".join(notes) or None


def list_table(rows: Sequence[dict[str, Any]]) -> Table:
    t = Table(title="Scenarios", title_justify="left")
    for col in ("name", "title", "strategies", "illustrative", "origin"):
        t.add_column(col.capitalize(), overflow="fold")
    for r in rows:
        t.add_row(
            r["name"], r["title"], r["strategies"].replace(";", ", "), "yes" if r["illustrative"] else "no", r["origin"]
        )
    return t


def variants_table(
    rows: Sequence[dict[str, Any]], wtp: Sequence[float], currency: str, title: str, effect: str
) -> Table:
    t = Table(
        title=f"{title}\n[dim]Scenario analysis: base case and variants[/dim]",
        title_justify="left",
        caption="Optimal: the thresholds at which the strategy has the highest NMB.",
        caption_justify="left",
    )
    for col, just in [
        ("Variant", "left"),
        ("Strategy", "left"),
        (f"Cost ({currency})", "right"),
        (EFFECT_TEXT[effect], "right"),
        ("ICER", "right"),
        ("Status", "left"),
        ("Optimal at", "left"),
    ]:
        t.add_column(col, justify=just, no_wrap=col in ("Variant", "Strategy", "Status"))  # type: ignore[arg-type]
    previous = None
    for r in rows:
        variant = r["variant"] if r["variant"] != previous else ""
        previous = r["variant"]
        optimal = ", ".join(f"{float(w):,.0f}" for w in r["optimal"].split(";") if w)
        t.add_row(
            variant,
            r["strategy"],
            money(r["cost"]),
            amount(r["effect"], 4),
            money(r["icer"]),
            STATUS_TEXT[r["status"]],
            optimal,
        )
    return t


def compact(x: float | None) -> str:
    """Large amounts in millions (12.3 M), smaller ones as money()."""
    if x is not None and not math.isnan(x) and abs(x) >= 1e6:
        return f"{x / 1e6:,.1f} M"
    return money(x)


def _count(x: float | None) -> str:
    return amount(x, 1)


def _accounting_table(cmp: Comparison) -> Group:
    cur = cmp.scenario.spec.currency
    t = Table(title=f"Responder accounting, per 1,000 people ({cur})", title_justify="left")
    for c in ("Strategy", "Responders", "% of treated", "Non-resp. treated", "Spent on them", "Cost/responder"):
        t.add_column(c, justify="left" if c == "Strategy" else "right", no_wrap=c == "Strategy")
    for r in cmp.rows:
        pct = r["responder_fraction_treated"]
        t.add_row(
            r["strategy"],
            _count(r["responders_per_1000"]),
            "—" if math.isnan(pct) else f"{pct:.1%}",
            _count(r["nonresponders_treated_per_1000"]),
            compact(r["nonresponder_spend_per_1000"]),
            money(r["cost_per_responder"]),
        )
    parts: list[Any] = [t]
    tested = any(not math.isnan(r["tested_per_1000"]) and r["tested_per_1000"] > 0 for r in cmp.rows)
    n = Table(title="Testing and numbers needed (per extra responder vs the comparator)", title_justify="left")
    cols = ["Strategy", "NNT"] + (
        ["NNTest", "Missed by test", "PPV", "NPV", f"Cost/true pos. ({cur})"] if tested else []
    )
    for c in cols:
        n.add_column(c, justify="left" if c == "Strategy" else "right", no_wrap=c == "Strategy")
    for r in cmp.rows:
        cells = [r["strategy"], _count(r["nnt_vs_comparator"])]
        if tested:
            cells += [
                _count(r["nntest_vs_comparator"]),
                _count(r["responders_missed_per_1000"]),
                amount(r["ppv"], 3),
                amount(r["npv"], 3),
                money(r["cost_per_true_positive"]),
            ]
        n.add_row(*cells)
    parts.append(n)
    return Group(*parts)


def _pathway_table(cmp: Comparison) -> Group:
    cur = cmp.scenario.spec.currency
    t = Table(title="Cell/gene therapy: intention to treat (ITT) vs the infused population", title_justify="left")
    for c in ("Strategy", "Infused", f"Cost ITT ({cur})", "Cost infused", "QALYs ITT", "QALYs infused"):
        t.add_column(c, justify="left" if c == "Strategy" else "right", no_wrap=c == "Strategy")
    for r in cmp.rows:
        if math.isnan(r["infused_fraction"]):
            continue
        t.add_row(
            r["strategy"],
            f"{r['infused_fraction']:.1%}",
            money(r["cost"]),
            money(r["cost_infused"]),
            amount(r["qalys"], 4),
            amount(r["qalys_infused"], 4),
        )
    parts: list[Any] = [t]
    rows = payment_rows(cmp)
    if rows:
        years = max(r["year"] for r in rows) + 1
        p = Table(
            title=f"What the payer pays per person, by year since treatment ({cur}, undiscounted)",
            title_justify="left",
            caption="PV: present value at the cost discount rate; it is the product cost in the results.",
            caption_justify="left",
        )
        p.add_column("Strategy", no_wrap=True)
        for y in range(years):
            p.add_column(f"Year {y}", justify="right")
        p.add_column("PV", justify="right")
        for r in cmp.rows:
            mine = [x for x in rows if x["strategy"] == r["strategy"]]
            if not mine:
                continue
            by_year = [sum(x["amount"] for x in mine if x["year"] == y) for y in range(years)]
            p.add_row(r["strategy"], *(money(v) for v in by_year), money(r["payment_pv"]))
        parts.append(p)
    return Group(*parts)


def budget_table(result: Any, currency: str, title: str) -> Group:
    t = Table(
        title=f"{title}\n[dim]Budget impact ({currency}, "
        + ("undiscounted" if not result.discount else f"discounted at {result.discount:.3g}")
        + ")[/dim]",
        title_justify="left",
    )
    t.add_column("Year", justify="right")
    for col in ("Budget without", "Budget with", "Difference"):
        t.add_column(col, justify="right")
    without, with_ = result.total("without"), result.total("with")
    for y in range(result.years):
        t.add_row(str(y + 1), compact(without[y]), compact(with_[y]), compact(with_[y] - without[y]))
    t.add_row("Total", compact(without.sum()), compact(with_.sum()), compact(with_.sum() - without.sum()))
    p = Table(
        title="Patients starting each strategy (with the new strategies; waiting for a slot)", title_justify="left"
    )
    p.add_column("Strategy", no_wrap=True)
    for y in range(result.years):
        p.add_column(f"Year {y + 1}", justify="right")
    for s in result.strategies:
        started, waiting = result.started["with"][s], result.waiting["with"][s]
        p.add_row(
            s, *(f"{a:,.0f}" + (f" (+{b:,.0f})" if b > 0.5 else "") for a, b in zip(started, waiting, strict=True))
        )
    return Group(t, p)


def incremental_table(rows: Sequence[dict[str, Any]], title: str, cost: str = "Cost", effect: str = "Effect") -> Table:
    """Strategies by increasing cost with their status and ICER vs the previous frontier strategy."""
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
    for r in sorted(rows, key=lambda r: (r["cost"], -r["effect"])):
        t.add_row(
            r["strategy"],
            money(r["cost"]),
            amount(r["effect"], 4),
            money(r["inc_cost"]),
            amount(r["inc_effect"], 4),
            money(r["icer"]),
            STATUS_TEXT[r["status"]],
        )
    return t


def icer_table(rows: Sequence[dict[str, Any]]) -> Table:
    return incremental_table(rows, "Incremental analysis (sorted by cost)")

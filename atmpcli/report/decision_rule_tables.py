"""Rich tables of the weighted decisions (``compare --severity``) and price benchmarks (``compare --benchmarks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from atmpcli.report.number_formats import amount, effect_amount, missing, money, percent

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.weighted_decisions import WeightedDecisions

RULE_TEXT = {
    "none": "none",
    "nice_severity": "severity",
    "nice_hst": "HST",
    "zin_reference_value": "ZIN",
    "evlyg": "evLYG",
}
OFFSETS_TEXT = {"full": "all offsets", "shared": "shared 50/50", "capped": "capped $150k/yr"}


def decision_rule_tables(result: WeightedDecisions) -> Group:
    """The benchmarks when selected (``--benchmarks``); else the shortfall, the evLYG and the decisions."""
    if result.main == "benchmarks":
        return Group(benchmark_table(result))
    parts: list[Any] = []
    if not result.severity.empty:
        parts.append(severity_table(result.severity.iloc[0].to_dict()))
    parts.append(decisions_table(result))
    return Group(*parts)


def severity_table(row: dict[str, Any]) -> Table:
    title = (
        f"QALY shortfall with {row['strategy']}\n[dim]against the general population aged {row['start_age']}, "
        f"{row['female']:.0%} women,\ndiscounted at {row['discount'] * 100:g} %[/dim]"
    )
    table = Table(title=title, title_justify="left", show_header=False, caption=f"Norms: {row['norms']}")
    table.add_column("", no_wrap=True)
    table.add_column("", justify="right")
    table.add_row("QALYs without the condition (QALE)", amount(row["qale"], 2))
    table.add_row("QALYs with the comparator", amount(row["qalys"], 2))
    table.add_row(
        "Absolute / proportional shortfall",
        f"{amount(row['absolute_shortfall'], 2)} / {percent(row['proportional_shortfall'])}",
    )
    table.add_row("NICE severity weight", f"x {row['severity_weight']:g}")
    ref = row["zin_reference_value"]
    table.add_row("ZIN reference value per QALY", "no class" if missing(ref) else money(ref))
    return table


def decisions_table(result: WeightedDecisions) -> Group:
    """One table per strategy against the comparator: a row per rule and threshold."""
    cur = result.units.currency
    priced = result.price_parameter is not None
    caption = (
        "Rules: NICE severity modifier and HST weight, Zorginstituut reference value, ICER's evLYG. "
        "ICER per weighted QALY (per evLYG); NMB at the threshold with weighted QALYs"
        + (f"; max price: of {result.price_parameter}, for an NMB of 0." if priced else ".")
    )
    if result.decisions.empty:
        caption = "No thresholds: give --wtp, or thresholds in the scenario's currency."
    tables = []
    strategies = list(dict.fromkeys(result.decisions["strategy"])) or [""]
    for k, name in enumerate(strategies):
        title = f"Weighted decisions: {name} vs {result.comparison.comparator} ({cur})"
        last = k == len(strategies) - 1
        table = Table(title=title, title_justify="left", caption=caption if last else None, caption_justify="left")
        for heading in ("Rule", "Weight", "Threshold", "ICER", "Inc. NMB", *(["Max price"] if priced else [])):
            table.add_column(heading, justify="left" if heading == "Rule" else "right", no_wrap=True)
        for r in result.rows:
            if r["strategy"] != name:
                continue
            cells = [RULE_TEXT.get(r["rule"], r["rule"]), f"{r['weight']:.3g}", money(r["threshold"])]
            cells += [money(r["weighted_icer"]), money(r["inc_nmb"])]
            table.add_row(*cells, *([money(r["max_price"])] if priced else []))
        tables.append(table)
    return Group(*tables)


def benchmark_table(result: WeightedDecisions) -> Table:
    cur = result.units.currency
    priced = result.price_parameter is not None
    what = f"price ({result.price_parameter})" if priced else "product cost per person"
    table = Table(title=f"Health-benefit price benchmarks ({cur}; {what})", title_justify="left")
    for name in ("Strategy", "Offsets", "Per", "Threshold", "Effect", "Benchmark"):
        table.add_column(name, justify="left" if name in ("Strategy", "Offsets", "Per") else "right")
    for r in result.rows:
        table.add_row(
            r["strategy"],
            OFFSETS_TEXT.get(r["offsets"], r["offsets"]),
            "QALY" if r["measure"] == "qaly" else "evLYG",
            money(r["threshold"]),
            effect_amount(r["inc_effect"], 2),
            money(r["benchmark_price"] if priced else r["benchmark_product_cost"]),
        )
    if result.benchmarks.empty:
        table.caption = "No therapy with a price (a pathway's product cost)."
    return table

"""The results part of the CHEERS report (items 22-24): parameters, base case, trace, payments, budget
impact, PSA, one-way analysis and variants, each table with its heading and figure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from atmpcli.analysis.compare import wtp_column
from atmpcli.report.cheers_report import ReportContents, Section, figure, unit
from atmpcli.report.markdown_html import code, escape, md_table
from atmpcli.report.number_formats import (
    EFFECT_TEXT,
    OUTCOME_TEXT,
    STATUS_TEXT,
    amount,
    compact,
    effect_amount,
    missing,
    money,
    num,
    percent,
)

if TYPE_CHECKING:
    from atmpcli.analysis.psa_summary import PSASummary

TRACE_YEARS = (0, 1, 2, 5, 10, 20, 40)


def results(c: ReportContents) -> list[Section]:
    return [(22, parameters(c)), (23, main_results(c)), (24, effect_of_uncertainty(c))]


def effect(x: Any) -> str:
    return effect_amount(x, 3)


def parameters(c: ReportContents) -> list[str]:
    """Every parameter: its base value, its definition (a formula) or distribution, range and source."""
    rows = [
        [
            escape(r["parameter"]),
            num(r["value"]) if isinstance(r["value"], float | int) and not missing(r["value"]) else "—",
            "; ".join(code(x) for x in (r["formula"], r["distribution"]) if x) or "—",
            f"{num(r['low'])} to {num(r['high'])}" if not missing(r["low"]) and not missing(r["high"]) else "—",
            escape(r["source"]) if r["source"] else "—",
        ]
        for r in c.inputs.rows
    ]
    if not rows:
        return ["_The scenario has no parameters._"]
    head = ["Parameter", "Base value", "Formula or distribution", "One-way range", "Source"]
    return [md_table(head, rows, align="lrlll")]


def main_results(c: ReportContents) -> list[str]:
    cmp = c.comparison
    cur, u, eff = cmp.units.currency, unit(c), EFFECT_TEXT[cmp.effect_name]
    with_ly = cmp.counts_life_years
    rows = [
        [
            escape(r["strategy"]),
            money(r["cost"]),
            effect(r["qalys"]),
            *([effect(r["life_years"])] if with_ly else []),
            STATUS_TEXT.get(r["status"], r["status"]),
            escape(r["reference"]) if r["reference"] else "—",
            money(r["inc_cost"]),
            effect(r["inc_effect"]),
            money(r["icer"]),
        ]
        for r in sorted(cmp.rows, key=lambda r: r["cost"])
    ]
    head = ["Strategy", f"Cost ({cur})", "QALYs", *(["Life-years"] if with_ly else []), "Status", "Versus"]
    head += [f"Incremental cost ({cur})", f"Incremental {eff}", f"ICER ({cur} per {u})"]
    out = [
        f"#### Base case (per person, discounted; ICERs on {eff} along the efficiency frontier)",
        "",
        md_table(head, rows, align="lrr" + "r" * with_ly + "llrrr"),
    ]
    if cmp.wtp:
        nmb = [[escape(r["strategy"]), *(money(r[wtp_column("nmb", w)]) for w in cmp.wtp)] for r in cmp.rows]
        out += [
            f"Net monetary benefit ({cur} per person) at each threshold; the highest is cost-effective.",
            "",
            md_table(["Strategy", *(f"At {money(w)}" for w in cmp.wtp)], nmb),
        ]
    if cmp.has_response:
        accounting = [
            [
                escape(r["strategy"]),
                amount(r["responders_per_1000"], 1),
                money(r["cost_per_responder"]),
                amount(r["nnt_vs_comparator"], 1),
            ]
            for r in cmp.rows
        ]
        out += [
            "#### Responder accounting",
            "",
            md_table(["Strategy", "Responders per 1,000", "Cost per responder", "NNT"], accounting),
        ]
    out += figure(c, "ce_plane", "Cost-effectiveness plane with the efficiency frontier, cohort trace and payments")
    if cmp.has_cohort:
        out += trace(c)
    if not cmp.payments.empty:
        out += payments(c)
    if c.budget is not None:
        out += budget(c)
    return out


def trace(c: ReportContents) -> list[str]:
    """The share of the cohort in each state at a few years (columns), per strategy and state (rows)."""
    cmp = c.comparison
    rows, years = [], []
    for s in cmp.strategies["strategy"]:
        wide = cmp.trace_by_state(s)
        at = {y: wide[np.isclose(wide["years"], y)] for y in TRACE_YEARS}
        years = [y for y in TRACE_YEARS if len(at[y])]
        for state in wide.columns[2:]:
            label = escape(cmp.state_labels.get(state, state))
            rows.append([escape(s), label, *(percent(at[y].iloc[0][state]) for y in years)])
    head = ["Strategy", "State", *(f"Year {y}" for y in years)]
    return ["#### Cohort trace (share of the cohort in each state)", "", md_table(head, rows)]


def payments(c: ReportContents) -> list[str]:
    cmp = c.comparison
    wide = cmp.payments_by_year()
    years = [y for y in wide.columns if y != "strategy"]
    rows = [[escape(r["strategy"]), *(money(r[y]) for y in years)] for r in wide.to_dict("records")]
    cur = cmp.units.currency
    head = ["Strategy", *(f"Year {y}" for y in years)]
    return [
        f"#### What the payer pays ({cur} per person, undiscounted, by year since treatment)",
        "",
        md_table(head, rows),
    ]


def budget(c: ReportContents) -> list[str]:
    b = c.budget
    assert b is not None
    without, with_ = b.total("without"), b.total("with")
    rows = [
        [str(y + 1), compact(without[y]), compact(with_[y]), compact(with_[y] - without[y])] for y in range(b.years)
    ]
    rows.append(["Total", compact(without.sum()), compact(with_.sum()), compact((with_ - without).sum())])
    cur = b.units.currency
    discount = f"discounted at {b.discount:.1%}" if b.discount else "undiscounted"
    return [
        f"#### Budget impact ({cur}, {discount}, M = million)",
        "",
        md_table(["Year", "Without the new strategies", "With the new strategies", "Difference"], rows),
        *figure(c, "budget", "Budget impact by year, without and with the new strategies"),
    ]


def at_threshold(psa: PSASummary, w: float) -> int:
    """The index of threshold ``w`` in the PSA's grid (the nearest one)."""
    return int(np.argmin(np.abs(np.asarray(psa.wtp) - w)))


def effect_of_uncertainty(c: ReportContents) -> list[str]:
    out: list[str] = []
    if c.psa is not None:
        out += psa_section(c)
    if c.one_way is not None:
        out += one_way_section(c)
    if c.variants is not None:
        out += variants_section(c)
    return out or [
        f"_No uncertainty analysis was run (use {code('--psa-samples N')}, or ranges for the one-way analysis)._"
    ]


def psa_section(c: ReportContents) -> list[str]:
    psa = c.psa
    assert psa is not None
    cur, u = psa.units.currency, unit(c)
    eff = EFFECT_TEXT[psa.units.effect]
    spread = [
        [
            escape(s),
            money(psa.cost.mean[k]),
            f"{money(psa.cost.low[k])} to {money(psa.cost.high[k])}",
            effect(psa.effect.mean[k]),
            f"{effect(psa.effect.low[k])} to {effect(psa.effect.high[k])}",
            money(float(psa.incremental.icer[k])),
        ]
        for k, s in enumerate(psa.strategies)
    ]
    head = ["Strategy", f"Mean cost ({cur})", "95% interval", f"Mean {eff}", "95% interval", "ICER of the means"]
    shown = _shown_thresholds(c)
    ceac = [
        [
            money(psa.wtp[i]),
            *(percent(psa.ceac[i, k]) for k in range(len(psa.strategies))),
            escape(psa.strategies[int(psa.optimal[i])]),
            money(round(float(psa.evpi[i]), 2) + 0.0),  # no "0.00" or "-0" from rounding noise
        ]
        for i in shown
    ]
    ceac_head = [f"WTP ({cur} per {u})", *(escape(s) for s in psa.strategies), "Optimal (CEAF)", "EVPI per person"]
    return [
        f"#### Probabilistic analysis ({psa.psa.samples:,} samples, seed {psa.psa.seed})",
        "",
        "Means and 2.5th to 97.5th percentiles of the samples (per person, discounted):",
        "",
        md_table(head, spread),
        f"Probability that each strategy is cost-effective (CEAC), the strategy with the highest expected net "
        f"benefit (the frontier, CEAF) and the expected value of perfect information, at {len(shown)} of the "
        f"{len(psa.wtp)} thresholds drawn in the figure:",
        "",
        md_table(ceac_head, ceac),
        *figure(c, "psa", "Incremental cost-effectiveness plane of the samples; CEAC with the CEAF"),
    ]


def _shown_thresholds(c: ReportContents) -> list[int]:
    """The grid's thresholds nearest to ten even steps across it, and the scenario's own."""
    psa = c.psa
    assert psa is not None
    steps = np.linspace(psa.wtp[0], psa.wtp[-1], 11) if len(psa.wtp) > 11 else psa.wtp
    return sorted({at_threshold(psa, float(w)) for w in [*steps, *c.comparison.wtp]})


def one_way_section(c: ReportContents) -> list[str]:
    ow = c.one_way
    assert ow is not None
    cur, u = ow.units.currency, unit(c)
    outcome = OUTCOME_TEXT.get(ow.outcome, ow.outcome)
    rows = [
        [
            escape(r["parameter"]),
            num(r["base"]),
            f"{num(r['low'])} to {num(r['high'])}",
            money(r["value_low"]),
            money(r["value_high"]),
            money(r["swing"]),
            escape(r["optimal_low"])
            + ("" if r["optimal_low"] == r["optimal_high"] else f" / {escape(r['optimal_high'])}"),
        ]
        for r in ow.rows
    ]
    head = [
        "Parameter",
        "Base",
        "Range (low to high)",
        f"At low ({cur})",
        f"At high ({cur})",
        "Swing",
        "Optimal (low / high)",
    ]
    return [
        f"#### One-way analysis: {outcome} of {escape(ow.strategy)} vs {escape(ow.comparator)} at "
        f"{money(ow.wtp)} {cur} per {u}",
        "",
        f"Base case: {money(ow.base_value)} {cur}; optimal strategy {escape(ow.optimal_base)}. Largest swing first.",
        "",
        md_table(head, rows),
        *figure(
            c, "tornado", f"Tornado: {outcome} of {ow.strategy} vs {ow.comparator} at {money(ow.wtp)} {cur} per {u}"
        ),
    ]


def variants_section(c: ReportContents) -> list[str]:
    var = c.variants
    assert var is not None
    cur, u = var.units.currency, unit(c)
    rows = []
    for r in var.rows:
        icer = money(r["icer"]) if not missing(r["icer"]) else "—"
        optimal = [money(float(w)) for w in str(r["optimal"]).split(";") if w]
        rows.append(
            [
                escape(r["variant"]),
                escape(r["strategy"]),
                money(r["cost"]),
                effect(r["effect"]),
                STATUS_TEXT.get(r["status"], r["status"]),
                icer,
                ", ".join(optimal) or "—",
            ]
        )
    eff = EFFECT_TEXT[var.units.effect]
    head = ["Variant", "Strategy", f"Cost ({cur})", eff, "Status", f"ICER ({cur} per {u})", "Optimal at"]
    described = dict(zip(var.variants["variant"], var.variants["description"], strict=True))
    return [
        "#### Scenario analysis: the base case and each named variant",
        "",
        md_table(head, rows, align="llrrlrr"),
        "The variants:",
        "",
        *(f"- {code(v)}: {escape(d)}" for v, d in described.items() if d),
    ]

"""The base-case comparison of a scenario's strategies: one row per strategy, stable columns.

Columns (documented in docs/output-format.md; numbers are never rounded here):
``strategy, label, comparator, cost, cost_<component>..., qalys, life_years, cost_undiscounted,
qalys_undiscounted, life_years_undiscounted, [responder_fraction, responders,] effect, status, reference,
inc_cost, inc_effect, icer, inc_cost_vs_comparator, inc_effect_vs_comparator, icer_vs_comparator,
nmb_<wtp>..., nhb_<wtp>...``
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.analysis.icer import IncrementalAnalysis, incremental_analysis
from atmpcli.analysis.survival_checks import survival_checks
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate
from atmpcli.model.outcomes import StrategyOutcome


@dataclass
class Comparison:
    scenario: DecisionModel
    outcomes: list[StrategyOutcome]
    incremental: IncrementalAnalysis
    wtp: list[float]
    per: str  # "person" or "cohort"
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    survival: list[dict[str, Any]] = field(default_factory=list)  # curves against the general population
    warnings: list[str] = field(default_factory=list)  # located lines: PFS above OS, curves above the population

    @property
    def effect_name(self) -> str:
        return self.scenario.settings.effect

    def best_at(self, wtp: float) -> str:
        """The strategy with the highest net monetary benefit at ``wtp``."""
        return max(self.rows, key=lambda r: r[wtp_column("nmb", wtp)])["strategy"]

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


# Responder accounting columns (test-and-treat metrics are empty for strategies that are not generated
# from tests and treatments): see docs/output-format.md.
ACCOUNTING = [
    "responders_per_1000",
    "treated_per_1000",
    "responder_fraction_treated",
    "nonresponders_treated_per_1000",
    "nonresponder_spend_per_1000",
    "tested_per_1000",
    "responders_missed_per_1000",
    "nnt_vs_comparator",
    "nntest_vs_comparator",
    "cost_per_responder",
    "cost_per_true_positive",
    "ppv",
    "npv",
]


def _metric(o: StrategyOutcome, name: str, default: float = math.nan) -> float:
    v = o.metrics.get(name)
    return default if v is None else float(v[0])


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) and not math.isnan(a) else math.nan


def responder_accounting(
    o: StrategyOutcome, cost: float, fraction: float, comparator_fraction: float, is_comparator: bool
) -> dict[str, float]:
    """Responders, treated, non-responders and their spend, tests, NNT/NNTest, PPV/NPV: per person or per 1,000."""
    tested = _metric(o, "tested", 0.0 if o.metrics else math.nan)
    tp, fp = _metric(o, "true_positive", 0.0), _metric(o, "false_positive", 0.0)
    tn, fn = _metric(o, "true_negative", 0.0), _metric(o, "false_negative", 0.0)
    gain = fraction - comparator_fraction
    has_test = bool(tested) and not math.isnan(tested)
    return {
        "responders_per_1000": 1000 * fraction,
        "treated_per_1000": 1000 * _metric(o, "treated"),
        "responder_fraction_treated": _ratio(_metric(o, "responders_treated"), _metric(o, "treated")),
        "nonresponders_treated_per_1000": 1000 * _metric(o, "nonresponders_treated"),
        "nonresponder_spend_per_1000": 1000 * _metric(o, "nonresponder_spend"),
        "tested_per_1000": 1000 * tested,
        "responders_missed_per_1000": 1000 * _metric(o, "responders_missed", 0.0) if has_test else math.nan,
        "nnt_vs_comparator": 1 / gain if gain > 0 and not is_comparator else math.nan,
        "nntest_vs_comparator": tested / gain if has_test and gain > 0 and not is_comparator else math.nan,
        "cost_per_responder": _ratio(cost, fraction),
        "cost_per_true_positive": _ratio(o.costs["test"][0] if "test" in o.costs else math.nan, tp)
        if has_test
        else math.nan,
        "ppv": _ratio(tp, tp + fp) if has_test else math.nan,
        "npv": _ratio(tn, tn + fn) if has_test else math.nan,
    }


# Cell/gene therapies: the infused population next to intention to treat, and what the payer pays.
PATHWAY = ["infused_fraction", "cost_infused", "qalys_infused", "life_years_infused", "payment_pv", "payment_nominal"]


def _pathway_columns(o: StrategyOutcome, scale: float) -> dict[str, float]:
    inf = o.infused
    if inf is None:
        return dict.fromkeys(PATHWAY, math.nan)
    return {
        "infused_fraction": _metric(o, "infused"),
        "cost_infused": float(inf.cost[0]) * scale,
        "qalys_infused": float(inf.qalys[0]) * scale if inf.qalys is not None else math.nan,
        "life_years_infused": float(inf.life_years[0]) * scale,
        "payment_pv": sum(float(p.present_value[0]) for p in o.payments) * scale if o.payments else math.nan,
        "payment_nominal": sum(float(p.flow.nominal[0]) for p in o.payments) * scale if o.payments else math.nan,
    }


def payment_rows(cmp: Comparison) -> list[dict[str, Any]]:
    """Per strategy and therapy, the payer's undiscounted payments per person in each year since treatment."""
    out = []
    for o in cmp.outcomes:
        for p in o.payments:
            years = int(np.floor(p.flow.times.max() + 1e-9)) + 1
            by_year = p.flow.by_year(years)[0]
            out += [
                {"strategy": o.strategy, "therapy": p.therapy, "year": y, "amount": float(by_year[y])}
                for y in range(years)
            ]
    return out


def wtp_column(prefix: str, wtp: float) -> str:
    return f"{prefix}_{wtp:.15g}"


def compare(scenario: DecisionModel, wtp: Sequence[float] | None = None, per: str = "person") -> Comparison:
    """Evaluate the base case of every strategy and run the incremental analysis."""
    outcomes = evaluate(scenario)
    return comparison_from_outcomes(scenario, outcomes, wtp, per)


def comparison_from_outcomes(
    scenario: DecisionModel, outcomes: list[StrategyOutcome], wtp: Sequence[float] | None = None, per: str = "person"
) -> Comparison:
    settings = scenario.settings
    thresholds = list(wtp) if wtp is not None else list(settings.wtp)
    scale = settings.cohort_size if per == "cohort" else 1.0

    def first(a: np.ndarray | None) -> float:
        return math.nan if a is None else float(a[0]) * scale

    names = [o.strategy for o in outcomes]
    effect_key = settings.effect
    effects = [first(getattr(o, effect_key)) for o in outcomes]
    costs = [first(o.cost) for o in outcomes]
    inc = incremental_analysis(names, costs, effects)
    comp = names.index(scenario.comparator)
    with_response = scenario.has_response

    columns = ["strategy", "label", "comparator", "cost"]
    columns += [f"cost_{c}" for c in scenario.cost_components]
    columns += ["qalys", "life_years", "cost_undiscounted", "qalys_undiscounted", "life_years_undiscounted"]
    spend_by = sorted({k for o in outcomes for k in o.metrics if k.startswith("nonresponder_spend_")})
    if with_response:
        columns += ["responder_fraction", "responders", *ACCOUNTING]
        columns += [f"{k}_per_1000" for k in spend_by]
    with_pathway = any(o.infused is not None for o in outcomes)
    if with_pathway:
        columns += PATHWAY
    columns += [
        "effect",
        "status",
        "reference",
        "inc_cost",
        "inc_effect",
        "icer",
        "inc_cost_vs_comparator",
        "inc_effect_vs_comparator",
        "icer_vs_comparator",
    ]
    columns += [wtp_column("nmb", w) for w in thresholds] + [wtp_column("nhb", w) for w in thresholds]

    rows = []
    for k, o in enumerate(outcomes):
        strat = scenario.strategies[k]
        row: dict[str, Any] = {"strategy": o.strategy, "label": strat.label, "comparator": k == comp, "cost": costs[k]}
        for c in scenario.cost_components:
            row[f"cost_{c}"] = first(o.costs[c])
        row.update(
            qalys=first(o.qalys),
            life_years=first(o.life_years),
            cost_undiscounted=first(o.cost_undiscounted),
            qalys_undiscounted=first(o.qalys_undiscounted),
            life_years_undiscounted=first(o.life_years_undiscounted),
        )
        if with_response:
            fraction = float(o.responders[0]) if o.responders is not None else math.nan
            row.update(responder_fraction=fraction, responders=fraction * settings.cohort_size)
            comp_fraction = float(outcomes[comp].responders[0]) if outcomes[comp].responders is not None else math.nan
            row.update(responder_accounting(o, costs[k] / scale, fraction, comp_fraction, k == comp))
            for key in spend_by:
                row[f"{key}_per_1000"] = 1000 * _metric(o, key, default=0.0)
        if with_pathway:
            row.update(_pathway_columns(o, scale))
        d_cost, d_eff = costs[k] - costs[comp], effects[k] - effects[comp]
        row.update(
            effect=effects[k],
            status=inc.status[k],
            reference=inc.reference[k],
            inc_cost=float(inc.inc_cost[k]),
            inc_effect=float(inc.inc_effect[k]),
            icer=float(inc.icer[k]),
            inc_cost_vs_comparator=d_cost if k != comp else math.nan,
            inc_effect_vs_comparator=d_eff if k != comp else math.nan,
            icer_vs_comparator=d_cost / d_eff if k != comp and d_eff != 0 else math.nan,
        )
        for w in thresholds:
            row[wtp_column("nmb", w)] = w * effects[k] - costs[k]
            row[wtp_column("nhb", w)] = effects[k] - costs[k] / w
        rows.append(row)
    checks = survival_checks(scenario, outcomes)
    return Comparison(scenario, outcomes, inc, thresholds, per, columns, rows, checks.rows, checks.warnings)

"""Responder accounting of precision-medicine strategies, and the infused population of cell/gene therapies.

The columns (documented in docs/output-format.md) that ``compare`` adds for scenarios that mark responses
(``response: true`` branches, or declared tests and treatments) and for scenarios with a cell/gene-therapy
pathway. Test-and-treat metrics are empty for strategies that are not generated from tests and treatments.
"""

from __future__ import annotations

import math

from atmpcli.model.outcomes import StrategyOutcome

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

# Cell/gene therapies: the infused population next to intention to treat, and what the payer pays.
PATHWAY = ["infused_fraction", "cost_infused", "qalys_infused", "life_years_infused", "payment_pv", "payment_nominal"]


def metric(o: StrategyOutcome, name: str, default: float = math.nan) -> float:
    v = o.metrics.get(name)
    return default if v is None else float(v[0])


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) and not math.isnan(a) else math.nan


def responder_accounting(
    o: StrategyOutcome, cost: float, fraction: float, comparator_fraction: float, is_comparator: bool
) -> dict[str, float]:
    """Responders, treated, non-responders and their spend, tests, NNT/NNTest, PPV/NPV: per person or per 1,000."""
    tested = metric(o, "tested", 0.0 if o.metrics else math.nan)
    tp, fp = metric(o, "true_positive", 0.0), metric(o, "false_positive", 0.0)
    tn, fn = metric(o, "true_negative", 0.0), metric(o, "false_negative", 0.0)
    gain = fraction - comparator_fraction
    has_test = bool(tested) and not math.isnan(tested)
    return {
        "responders_per_1000": 1000 * fraction,
        "treated_per_1000": 1000 * metric(o, "treated"),
        "responder_fraction_treated": _ratio(metric(o, "responders_treated"), metric(o, "treated")),
        "nonresponders_treated_per_1000": 1000 * metric(o, "nonresponders_treated"),
        "nonresponder_spend_per_1000": 1000 * metric(o, "nonresponder_spend"),
        "tested_per_1000": 1000 * tested,
        "responders_missed_per_1000": 1000 * metric(o, "responders_missed", 0.0) if has_test else math.nan,
        "nnt_vs_comparator": 1 / gain if gain > 0 and not is_comparator else math.nan,
        "nntest_vs_comparator": tested / gain if has_test and gain > 0 and not is_comparator else math.nan,
        "cost_per_responder": _ratio(cost, fraction),
        "cost_per_true_positive": _ratio(o.costs["test"][0] if "test" in o.costs else math.nan, tp)
        if has_test
        else math.nan,
        "ppv": _ratio(tp, tp + fp) if has_test else math.nan,
        "npv": _ratio(tn, tn + fn) if has_test else math.nan,
    }


def pathway_columns(o: StrategyOutcome, scale: float) -> dict[str, float]:
    """ITT vs infused results and the payer's payments of a cell/gene therapy (NaN for other strategies)."""
    inf = o.infused
    if inf is None:
        return dict.fromkeys(PATHWAY, math.nan)
    return {
        "infused_fraction": metric(o, "infused"),
        "cost_infused": float(inf.cost[0]) * scale,
        "qalys_infused": float(inf.qalys[0]) * scale if inf.qalys is not None else math.nan,
        "life_years_infused": float(inf.life_years[0]) * scale,
        "payment_pv": sum(float(p.present_value[0]) for p in o.payments) * scale if o.payments else math.nan,
        "payment_nominal": sum(float(p.flow.nominal[0]) for p in o.payments) * scale if o.payments else math.nan,
    }

"""Weighted decisions: the base case under the decision rules of HTA bodies, beside the unweighted one.

One row per strategy (against the scenario's comparator), rule and threshold (``decisions``):
- ``none``: the unweighted ICER and incremental NMB at each willingness to pay;
- ``nice_severity``: QALYs weighted by NICE's severity modifier (1, 1.2 or 1.7), from the QALY shortfall of
  the comparator strategy's own discounted QALYs against the general population like the patients
  (settings.severity: share of women, norms, start age; discounted at the scenario's effect rate, as
  NICE specifies);
- ``nice_hst``: incremental QALYs weighted by NICE's HST weight (1 to 3 by undiscounted incremental
  QALYs) at the HST threshold, GBP 100,000 per QALY (the scenario's own thresholds for other currencies);
- ``zin_reference_value``: the unweighted ICER against Zorginstituut's reference value for the
  proportional shortfall (EUR 20,000, 50,000 or 80,000 per QALY);
- ``evlyg``: the cost per equal-value life-year gained (ICER), as a weight evLYG / incremental QALYs.
A reference case with rules (scenario/reference_cases.py) keeps its own; without one every rule that
can be computed is reported. ``severity`` is the shortfall, ``evlyg`` the evLYG per strategy and
``benchmarks`` ICER's health-benefit price benchmarks (analysis/price_benchmarks.py).

Because the severity weight scales every strategy's QALYs alike, a decision at a threshold with
weighted QALYs is the decision at the weighted threshold (weight x threshold): ``weighted_threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import pandas as pd

from atmpcli.analysis.compare import Comparison, comparison_from_outcomes
from atmpcli.analysis.decision_rules import nice_hst_weight, zin_reference_value
from atmpcli.analysis.dsa import inputs
from atmpcli.analysis.inputs import context
from atmpcli.analysis.price_benchmarks import EVLYG_COLUMNS, benchmark_frame, benchmark_rows, evlyg_row
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.analysis.shortfall import SUMMARY_COLUMNS, shortfall
from atmpcli.errors import AtmpError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate
from atmpcli.model.outcomes import StrategyOutcome

NICE_HST_THRESHOLD = 100_000.0  # GBP per QALY, to which the HST weight applies
ALL_RULES = ("nice_severity", "nice_hst", "zin_reference_value", "evlyg", "price_benchmarks")
DECISION_COLUMNS = [
    "strategy",
    "comparator",
    "rule",
    "weight",
    "threshold",
    "weighted_threshold",
    "inc_cost",
    "inc_qalys",
    "inc_qalys_undiscounted",
    "weighted_inc_qalys",
    "icer",
    "weighted_icer",
    "inc_nmb",
    "cost_effective",
    "max_price",
]
SEVERITY_COLUMNS = ["strategy", *SUMMARY_COLUMNS, "zin_reference_value"]


@result_type
class WeightedDecisions(Result):
    """The base case under NICE's, Zorginstituut's and ICER's decision rules (the module docstring)."""

    sheet: ClassVar[str] = "Decision rules"
    decisions: pd.DataFrame  # DECISION_COLUMNS
    severity: pd.DataFrame  # SEVERITY_COLUMNS: one row (the comparator), empty without settings.severity
    evlyg: pd.DataFrame  # EVLYG_COLUMNS: one row per strategy other than the comparator
    benchmarks: pd.DataFrame  # BENCHMARK_COLUMNS
    rules: list[str]
    price_parameter: str | None
    comparison: Comparison
    warnings: list[str]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "decisions": self.decisions,
            "severity": self.severity,
            "evlyg": self.evlyg,
            "benchmarks": self.benchmarks,
        }

    def body(self) -> dict[str, Any]:
        return self.scenario_header() | {
            "comparator": self.comparison.comparator,
            "rules": list(self.rules),
            "price_parameter": self.price_parameter,
            **{name: records(t) for name, t in self.tables().items()},
            "warnings": list(self.warnings),
        }


def weighted_decisions(
    model: DecisionModel,
    wtp: Sequence[float] | None = None,
    price: str | None = None,
    rules: Sequence[str] = (),
) -> WeightedDecisions:
    """Evaluate the base case and apply the decision rules: those of the reference case (all of them without
    one) and ``rules`` (names in ALL_RULES).

    ``price`` names the parameter holding the price of the therapy (the pathway price) so that the
    maximum price and the benchmarks are prices; without it they are product costs per person."""
    if not model.has_utilities:
        raise AtmpError("the decision rules weigh QALYs: the scenario has no utilities")
    base_price = _base_price(model, price)
    outcomes = evaluate(model)
    comparison = comparison_from_outcomes(model, outcomes, wtp)
    thresholds = list(comparison.wtp)
    rules = _rules(model, rules)
    warnings: list[str] = []
    comp = next(o for o in outcomes if o.strategy == model.comparator)
    others = [o for o in outcomes if o.strategy != model.comparator]
    severity = _severity(model, comp, warnings) if {"nice_severity", "zin_reference_value"} & set(rules) else None
    ev = [evlyg_row(model, o, comp) for o in others]
    if "evlyg" in rules and any(math.isnan(r["evlyg"]) for r in ev):
        warnings.append("the evLYG needs a time profile (a Markov or partitioned survival model): left out")
    rows: list[dict[str, Any]] = []
    for o, e in zip(others, ev, strict=True):
        base = _increments(o, comp)
        weights = _weights(model, rules, base, severity, e["evlyg"], thresholds)
        for rule, weight, ts in weights:
            rows += [_decision(o, comp, rule, weight, t, base, base_price) for t in ts]
    bench: list[dict[str, Any]] = []
    if "price_benchmarks" in rules:
        bench = _benchmarks(model, others, comp, ev, base_price, warnings)
    return WeightedDecisions(
        **context(model, wtp=thresholds),
        decisions=pd.DataFrame(rows, columns=DECISION_COLUMNS),
        severity=pd.DataFrame([severity] if severity else [], columns=SEVERITY_COLUMNS),
        evlyg=pd.DataFrame(ev, columns=EVLYG_COLUMNS),
        benchmarks=benchmark_frame(bench),
        rules=list(rules),
        price_parameter=price,
        comparison=comparison,
        warnings=warnings,
    )


def severity_weight(model: DecisionModel) -> float:
    """NICE's severity weight of the scenario's base case (the comparator's QALYs; settings.severity), for
    ``threshold --severity`` and ``psa --severity``: weighting every strategy's QALYs by it is the same
    decision as the unweighted one at weight x the threshold."""
    from atmpcli.model.evaluate import evaluate_strategy

    if not model.has_utilities or model.settings.effect != "qalys":
        raise AtmpError("--severity weighs QALYs: the scenario's effect must be qalys")
    if model.settings.severity is None:
        raise AtmpError("--severity needs settings.severity in the scenario (the patients' share of women, norms)")
    row = _severity(model, evaluate_strategy(model, model.comparator), [])
    assert row is not None
    return float(row["severity_weight"])


def severity_weighted_thresholds(model: DecisionModel, thresholds: Sequence[float]) -> tuple[float, list[float]]:
    """``psa --severity``: the base case's severity weight and the thresholds with weight x each beside them."""
    weight = severity_weight(model)
    return weight, sorted(set(thresholds) | {weight * t for t in thresholds})


def _rules(model: DecisionModel, requested: Sequence[str]) -> tuple[str, ...]:
    unknown = set(requested) - set(ALL_RULES)
    if unknown:
        raise AtmpError(f"unknown decision rule '{sorted(unknown)[0]}' (known: {', '.join(ALL_RULES)})")
    own = model.settings.decision_rules or ALL_RULES
    return tuple(r for r in ALL_RULES if r in own or r in requested)


def _base_price(model: DecisionModel, price: str | None) -> float | None:
    if price is None:
        return None
    values = inputs(model)
    if price not in values:
        raise AtmpError(f"--price: '{price}' is not a parameter with a number for its value")
    if values[price] <= 0:
        raise AtmpError(f"--price: '{price}' is {values[price]:g}; the price must be positive")
    if "product" not in model.cost_components:
        raise AtmpError("--price: the scenario has no product cost (a therapy pathway's price)")
    return values[price]


def _severity(model: DecisionModel, comp: StrategyOutcome, warnings: list[str]) -> dict[str, Any] | None:
    """The QALY shortfall of the comparator's own discounted QALYs; None (with a warning) without norms."""
    sev = model.settings.severity
    if sev is None:
        warnings.append(
            "no settings.severity (the patients' share of women and norms): "
            "the severity weight and the ZIN reference value are left out"
        )
        return None
    assert comp.qalys is not None and sev.start_age is not None
    result = shortfall(int(sev.start_age), sev.female, model.settings.discount.effects, sev.norms, float(comp.qalys[0]))
    row = result.row
    return {"strategy": comp.strategy, **row, "zin_reference_value": zin_reference_value(row["proportional_shortfall"])}


def _increments(o: StrategyOutcome, comp: StrategyOutcome) -> dict[str, float]:
    assert o.qalys is not None and comp.qalys is not None
    assert o.qalys_undiscounted is not None and comp.qalys_undiscounted is not None
    return {
        "inc_cost": float(o.cost[0] - comp.cost[0]),
        "inc_qalys": float(o.qalys[0] - comp.qalys[0]),
        "inc_qalys_undiscounted": float(o.qalys_undiscounted[0] - comp.qalys_undiscounted[0]),
        "product_cost": float(o.costs["product"][0]) if "product" in o.costs else math.nan,
    }


def _weights(
    model: DecisionModel,
    rules: Sequence[str],
    base: dict[str, float],
    severity: dict[str, Any] | None,
    evlyg_value: float,
    thresholds: list[float],
) -> list[tuple[str, float, list[float]]]:
    """(rule, QALY weight, thresholds) for each rule that applies."""
    out: list[tuple[str, float, list[float]]] = [("none", 1.0, thresholds)]
    if "nice_severity" in rules and severity is not None:
        out.append(("nice_severity", float(severity["severity_weight"]), thresholds))
    if "nice_hst" in rules:
        hst = [NICE_HST_THRESHOLD] if model.currency == "GBP" else thresholds
        out.append(("nice_hst", float(nice_hst_weight(base["inc_qalys_undiscounted"])), hst))
    if "zin_reference_value" in rules and severity is not None:
        ref = severity["zin_reference_value"]
        out.append(("zin_reference_value", 1.0, [] if math.isnan(ref) else [ref]))
    if "evlyg" in rules and not math.isnan(evlyg_value):
        out.append(("evlyg", evlyg_value / base["inc_qalys"] if base["inc_qalys"] else math.nan, thresholds))
    return out


def _decision(
    o: StrategyOutcome,
    comp: StrategyOutcome,
    rule: str,
    weight: float,
    threshold: float,
    base: dict[str, float],
    base_price: float | None,
) -> dict[str, Any]:
    dc, dq = base["inc_cost"], base["inc_qalys"]
    wq = weight * dq
    nmb = threshold * wq - dc
    # the price at which the incremental NMB is 0: the product cost is linear in the price
    units = base["product_cost"] / base_price if base_price else math.nan
    return {
        "strategy": o.strategy,
        "comparator": comp.strategy,
        "rule": rule,
        "weight": weight,
        "threshold": threshold,
        "weighted_threshold": weight * threshold,
        "inc_cost": dc,
        "inc_qalys": dq,
        "inc_qalys_undiscounted": base["inc_qalys_undiscounted"],
        "weighted_inc_qalys": wq,
        "icer": dc / dq if dq else math.nan,
        "weighted_icer": dc / wq if wq else math.nan,
        "inc_nmb": nmb,
        "cost_effective": bool(nmb >= 0),
        "max_price": base_price + nmb / units if base_price and units else math.nan,
    }


def _benchmarks(
    model: DecisionModel,
    others: list[StrategyOutcome],
    comp: StrategyOutcome,
    ev: list[dict[str, Any]],
    base_price: float | None,
    warnings: list[str],
) -> list[dict[str, Any]]:
    if "product" not in model.cost_components:
        warnings.append("price benchmarks need a therapy with a price (a pathway's product cost): left out")
        return []
    rows = []
    for o, e in zip(others, ev, strict=True):
        if float(o.costs["product"][0]) > 0:
            rows += benchmark_rows(model, o, comp, e["evlyg"], base_price)
    return rows

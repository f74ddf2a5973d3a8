"""The base-case comparison of a scenario's strategies: one row per strategy, stable columns.

Columns of the main table (documented in docs/output-format.md; numbers are never rounded here):
``strategy, label, comparator, cost, cost_<component>..., qalys, life_years, cost_undiscounted,
qalys_undiscounted, life_years_undiscounted, [responder accounting,] [cell/gene-therapy pathway,] effect,
status, reference, inc_cost, inc_effect, icer, inc_cost_vs_comparator, inc_effect_vs_comparator,
icer_vs_comparator, nmb_<wtp>..., nhb_<wtp>...``

The :class:`Comparison` also holds the incremental table (by cost), the payer's payments by year, the
cohort trace, the same numbers in long form (one row per strategy and measure, for ggplot/seaborn), and
for models with survival curves the reviewer's checks against the general population with their warnings.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from atmpcli.analysis.dominance_and_icers import IncrementalAnalysis, incremental_analysis, incremental_rows
from atmpcli.analysis.inputs import context
from atmpcli.analysis.responder_accounting import ACCOUNTING, PATHWAY, metric, pathway_columns, responder_accounting
from atmpcli.analysis.result import Deferred, Result, Rows, result_type
from atmpcli.analysis.survival_checks import COUNT_COLUMNS, SURVIVAL_CHECK_COLUMNS, survival_checks
from atmpcli.analysis.trace import TRACE_COLUMNS, trace_by_state, trace_frame
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate
from atmpcli.model.outcomes import StrategyOutcome

if TYPE_CHECKING:
    import pandas as pd

PAYMENT_COLUMNS = ["strategy", "therapy", "year", "amount"]
LONG_COLUMNS = ["strategy", "label", "comparator", "status", "measure", "wtp", "value"]
_NOT_MEASURES = ("strategy", "label", "comparator", "status", "reference")


def wtp_column(prefix: str, wtp: float) -> str:
    return f"{prefix}_{wtp:.15g}"


@result_type
class Comparison(Result):
    """Costs, effects, incremental analysis and net benefit of every strategy in the base case."""

    sheet: ClassVar[str] = "Results"
    strategies: pd.DataFrame  # one row per strategy, in scenario order (the module docstring)
    incremental: IncrementalAnalysis
    payments: pd.DataFrame  # PAYMENT_COLUMNS: the payer's undiscounted payments per person by year
    trace: pd.DataFrame  # analysis.trace.TRACE_COLUMNS
    wtp: list[float]
    per: str  # "person" or "cohort"
    comparator: str
    cost_components: list[str]
    has_cohort: bool
    has_utilities: bool
    has_response: bool
    state_labels: dict[str, str]  # cohort state -> label, for figures
    survival: pd.DataFrame  # SURVIVAL_CHECK_COLUMNS: the curves against the general population (survival_checks)
    warnings: list[str]  # located lines: PFS above OS, curves above the population

    @property
    def effect_name(self) -> str:
        return self.units.effect

    @property
    def counts_life_years(self) -> bool:
        """False for a decision tree alone without one-off life-years: tables then show no life-years."""
        return self.has_cohort or bool(self.strategies["life_years"].abs().gt(0).any())

    @property
    def has_pathway(self) -> bool:
        return "infused_fraction" in self._given_attribute("strategies").columns

    @cached_property
    def incremental_table(self) -> pd.DataFrame:
        """The strategies by increasing cost with status, reference and ICER (analysis.dominance_and_icers)."""
        s = self._records_at("strategies")
        names, costs, effects = ([r[c] for r in s] for c in ("strategy", "cost", "effect"))
        return incremental_rows(names, costs, effects, self.incremental)  # type: ignore[return-value]

    @cached_property
    def long(self) -> pd.DataFrame:
        """LONG_COLUMNS: one row per strategy and measure; nmb_<wtp>/nhb_<wtp> become nmb/nhb with their wtp."""
        measures = [c for c in self._given_attribute("strategies").columns if c not in _NOT_MEASURES]
        named = {wtp_column(p, w): (p, w) for w in self.wtp for p in ("nmb", "nhb")}
        rows = [
            {
                "strategy": r["strategy"],
                "label": r["label"],
                "comparator": r["comparator"],
                "status": r["status"],
                "measure": named.get(m, (m, None))[0],
                "wtp": named.get(m, (m, None))[1],
                "value": r[m],
            }
            for r in self._records_at("strategies")
            for m in measures
        ]
        return Rows(rows, LONG_COLUMNS)  # type: ignore[return-value]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "strategies": self.strategies,
            "incremental": self.incremental_table,
            "payments": self.payments,
            "trace": self.trace,
            "long": self.long,
            "survival": self.survival,
        }

    def best_at(self, wtp: float) -> str:
        """The strategy with the highest net monetary benefit at ``wtp``."""
        rows = self._records_at("strategies")
        nmb = np.array([r[wtp_column("nmb", wtp)] for r in rows], dtype=float)
        return str(rows[int(np.argmax(nmb))]["strategy"])

    def payments_by_year(self) -> pd.DataFrame:
        """The payer's payments per person, summed over therapies: one row per strategy, a column per year."""
        import pandas as pd

        if self.payments.empty:
            return pd.DataFrame(columns=["strategy"])
        wide = self.payments.pivot_table(index="strategy", columns="year", values="amount", aggfunc="sum", sort=False)
        return wide.reindex(columns=range(int(self.payments["year"].max()) + 1), fill_value=0.0).reset_index()

    def trace_by_state(self, strategy: str) -> pd.DataFrame:
        return trace_by_state(self.trace, strategy)

    def body(self) -> dict[str, Any]:
        out = self.scenario_header() | {"comparator": self.comparator, "frontier": list(self.incremental.frontier)}
        if self.main == "long":
            return out | {"columns": LONG_COLUMNS, "rows": self.records_of("long"), "warnings": list(self.warnings)}
        out |= {
            "columns": self.columns,
            "strategies": self.records_of("strategies"),
            "payments": self.records_of("payments"),
        }
        if survival := self.records_of("survival"):
            out["survival"] = survival  # docs/output-format.md: survival checks
        return out | {"warnings": list(self.warnings)}


def compare(scenario: DecisionModel, wtp: Sequence[float] | None = None, per: str = "person") -> Comparison:
    """Evaluate the base case of every strategy and run the incremental analysis."""
    return comparison_from_outcomes(scenario, evaluate(scenario), wtp, per)


def comparison_from_outcomes(
    model: DecisionModel, outcomes: list[StrategyOutcome], wtp: Sequence[float] | None = None, per: str = "person"
) -> Comparison:
    settings = model.settings
    thresholds = list(wtp) if wtp is not None else list(settings.wtp)
    scale = settings.cohort_size if per == "cohort" else 1.0
    names = [o.strategy for o in outcomes]
    costs = [_first(o.cost, scale) for o in outcomes]
    effects = [_first(getattr(o, settings.effect), scale) for o in outcomes]
    inc = incremental_analysis(names, costs, effects)
    columns = _columns(model, outcomes, thresholds)
    rows = [_row(model, outcomes, k, costs, effects, inc, thresholds, scale) for k in range(len(outcomes))]
    checks = survival_checks(model, outcomes)
    return Comparison(
        **context(model, per=per, wtp=thresholds),
        strategies=Rows(rows, columns),  # frames once read: pandas only for what needs them (analysis/result.py)
        incremental=inc,
        payments=Rows(_payment_rows(outcomes), PAYMENT_COLUMNS),
        trace=Deferred(functools.partial(trace_frame, model, outcomes), TRACE_COLUMNS),
        wtp=thresholds,
        per=per,
        comparator=model.comparator,
        cost_components=list(model.cost_components),
        has_cohort=model.has_markov,
        has_utilities=model.has_utilities,
        has_response=model.has_response,
        state_labels={st.name: st.label for st in model.states},
        survival=survival_rows(checks.rows),
        warnings=checks.warnings,
    )


def survival_rows(rows: list[dict[str, Any]]) -> Rows:
    """The survival checks as a table; counts stay whole numbers (missing ones are <NA>, null in JSON)."""
    return Rows(rows, SURVIVAL_CHECK_COLUMNS, {c: "Int64" for c in COUNT_COLUMNS})


def _first(a: np.ndarray | None, scale: float) -> float:
    return math.nan if a is None else float(a[0]) * scale


def _spend_metrics(outcomes: list[StrategyOutcome]) -> list[str]:
    return sorted({k for o in outcomes for k in o.metrics if k.startswith("nonresponder_spend_")})


def _columns(model: DecisionModel, outcomes: list[StrategyOutcome], thresholds: list[float]) -> list[str]:
    columns = ["strategy", "label", "comparator", "cost"]
    columns += [f"cost_{c}" for c in model.cost_components]
    columns += ["qalys", "life_years", "cost_undiscounted", "qalys_undiscounted", "life_years_undiscounted"]
    if model.has_response:
        columns += ["responder_fraction", "responders", *ACCOUNTING]
        columns += [f"{k}_per_1000" for k in _spend_metrics(outcomes)]
    if any(o.infused is not None for o in outcomes):
        columns += PATHWAY
    columns += ["effect", "status", "reference", "inc_cost", "inc_effect", "icer"]
    columns += ["inc_cost_vs_comparator", "inc_effect_vs_comparator", "icer_vs_comparator"]
    return columns + [wtp_column("nmb", w) for w in thresholds] + [wtp_column("nhb", w) for w in thresholds]


def _row(
    model: DecisionModel,
    outcomes: list[StrategyOutcome],
    k: int,
    costs: list[float],
    effects: list[float],
    inc: IncrementalAnalysis,
    thresholds: list[float],
    scale: float,
) -> dict[str, Any]:
    o = outcomes[k]
    comp = [x.strategy for x in outcomes].index(model.comparator)
    row: dict[str, Any] = {
        "strategy": o.strategy,
        "label": model.strategies[k].label,
        "comparator": k == comp,
        "cost": costs[k],
    }
    row.update({f"cost_{c}": _first(o.costs[c], scale) for c in model.cost_components})
    row.update(
        qalys=_first(o.qalys, scale),
        life_years=_first(o.life_years, scale),
        cost_undiscounted=_first(o.cost_undiscounted, scale),
        qalys_undiscounted=_first(o.qalys_undiscounted, scale),
        life_years_undiscounted=_first(o.life_years_undiscounted, scale),
    )
    if model.has_response:
        fraction = _first(o.responders, 1.0)
        row.update(responder_fraction=fraction, responders=fraction * model.settings.cohort_size)
        comp_fraction = _first(outcomes[comp].responders, 1.0)
        row.update(responder_accounting(o, costs[k] / scale, fraction, comp_fraction, k == comp))
        row.update({f"{key}_per_1000": 1000 * metric(o, key, 0.0) for key in _spend_metrics(outcomes)})
    if any(x.infused is not None for x in outcomes):
        row.update(pathway_columns(o, scale))
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
    return row


def _payment_rows(outcomes: list[StrategyOutcome]) -> list[dict[str, Any]]:
    """Per strategy and therapy, the payer's undiscounted payments per person in each year since treatment."""
    out = []
    for o in outcomes:
        for p in o.payments:
            years = int(np.floor(p.flow.times.max() + 1e-9)) + 1
            by_year = p.flow.by_year(years)[0]
            out += [
                {"strategy": o.strategy, "therapy": p.therapy, "year": y, "amount": float(by_year[y])}
                for y in range(years)
            ]
    return out

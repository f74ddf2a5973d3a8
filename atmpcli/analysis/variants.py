"""Scenario analysis: the base case and each named variant (or --set change), side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pandas as pd

from atmpcli.analysis.compare import compare, wtp_column
from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.model.decision_model import DecisionModel

COLUMNS = ["variant", "description", "strategy", "cost", "effect", "status", "reference", "icer", "optimal"]


@result_type
class ScenarioAnalysis(Result):
    """One row per variant (the base case first) and strategy: cost, effect, status, ICER, where optimal."""

    sheet: ClassVar[str] = "Variants"
    variants: pd.DataFrame  # COLUMNS + nmb_<wtp>...
    wtp: list[float]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"variants": self.variants}

    def body(self) -> dict[str, Any]:
        return {"scenario": self.provenance.scenario, "wtp": list(self.wtp), "rows": records(self.variants)}


def scenario_analysis(
    load: Callable[[str | None], DecisionModel],
    variants: Sequence[str] | None = None,
    wtp: Sequence[float] | None = None,
) -> ScenarioAnalysis:
    """Rows (variant, strategy) with cost, effect, incremental status and the optimal strategy per threshold.

    ``load(None)`` gives the base case and ``load(name)`` the scenario with variant ``name`` applied;
    ``variants`` defaults to every variant the base case names.
    """
    base = load(None)
    about = base.describe()
    names = list(variants) if variants is not None else list(about.variants)
    rows: list[dict[str, Any]] = []
    thresholds: list[float] = []
    for name in [None, *names]:
        model = base if name is None else load(name)
        cmp = compare(model, wtp=wtp)
        thresholds = cmp.wtp
        best = {w: cmp.best_at(w) for w in cmp.wtp}
        description = about.variants.get(name, "") if name else ""
        for r in cmp.rows:
            row = {
                "variant": name or "base case",
                "description": description,
                "strategy": r["strategy"],
                "cost": r["cost"],
                "effect": r["effect"],
                "status": r["status"],
                "reference": r["reference"],
                "icer": r["icer"],
                "optimal": ";".join(str(w) for w in cmp.wtp if best[w] == r["strategy"]),
            }
            for w in cmp.wtp:
                row[wtp_column("nmb", w)] = r[wtp_column("nmb", w)]
            rows.append(row)
    columns = COLUMNS + [wtp_column("nmb", w) for w in thresholds]
    return ScenarioAnalysis(
        **context(base, wtp=thresholds),
        variants=pd.DataFrame(rows, columns=columns),
        wtp=thresholds,
    )

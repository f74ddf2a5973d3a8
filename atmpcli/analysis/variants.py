"""Scenario analysis: the base case and each named variant (or --set change), side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from atmpcli.analysis.compare import compare, wtp_column
from atmpcli.model.decision_model import DecisionModel

COLUMNS = ["variant", "description", "strategy", "cost", "effect", "status", "reference", "icer", "optimal"]


def scenario_analysis(
    load: Callable[[str | None], DecisionModel],
    variants: Sequence[str],
    wtp: Sequence[float] | None,
    descriptions: dict[str, str],
) -> tuple[list[str], list[dict[str, Any]], list[float]]:
    """Rows (variant, strategy) with cost, effect, incremental status and the optimal strategy per threshold.

    ``load(None)`` gives the base case and ``load(name)`` the scenario with variant ``name`` applied.
    """
    rows: list[dict[str, Any]] = []
    thresholds: list[float] = []
    for name in [None, *variants]:
        cmp = compare(load(name), wtp=wtp)
        thresholds = cmp.wtp
        best = {w: cmp.best_at(w) for w in cmp.wtp}
        for r in cmp.rows:
            row = {
                "variant": name or "base case",
                "description": descriptions.get(name or "", ""),
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
    return columns, rows, thresholds

"""The scenario's inputs as rows: what `show`, the workbook and the report list about each parameter."""

from __future__ import annotations

from typing import Any

from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.parameters import base_values

PARAMETER_COLUMNS = ["parameter", "value", "formula", "distribution", "low", "high", "source", "set_by_strategy"]


def parameter_rows(sc: DecisionModel) -> list[dict[str, Any]]:
    base = base_values(sc)
    rows = []
    for name, expr in sc.parameters.items():
        info = sc.parameter_info[name]
        rows.append(
            {
                "parameter": name,
                "value": base.get(name),
                "formula": "" if expr.formula.is_constant else expr.formula.text,
                "distribution": info.distribution,
                "low": info.low,
                "high": info.high,
                "source": info.source,
                "set_by_strategy": ";".join(s.name for s in sc.strategies if name in s.overrides),
            }
        )
    return rows

"""The scenario's inputs as rows: what `show`, the workbook and the report list about each parameter."""

from __future__ import annotations

from typing import Any

from atmpcli.analysis.sampling import base_values

PARAMETER_COLUMNS = ["parameter", "value", "formula", "distribution", "low", "high", "source", "set_by_strategy"]


def parameter_rows(sc: Any) -> list[dict[str, Any]]:
    base = base_values(sc)
    rows = []
    for name, p in sc.spec.parameters.items():
        formula = sc.parameters[name].formula
        dist = ""
        if p.distribution is not None:
            fields = {k: v for k, v in p.distribution.model_dump().items() if v is not None and k != "type"}
            dist = f"{p.distribution.type}(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"
        rows.append(
            {
                "parameter": name,
                "value": base.get(name),
                "formula": "" if formula.is_constant else formula.text,
                "distribution": dist,
                "low": p.low if not isinstance(p.low, str) else str(p.low),
                "high": p.high if not isinstance(p.high, str) else str(p.high),
                "source": p.source or p.description or "",
                "set_by_strategy": ";".join(s.name for s in sc.strategies if name in s.overrides),
            }
        )
    return rows

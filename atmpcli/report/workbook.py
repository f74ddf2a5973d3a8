"""XLSX workbooks an assessor can audit: inputs, settings, results and traces, numbers stored as numbers.

openpyxl is imported only when a workbook is written.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from atmpcli.analysis.compare import Comparison
from atmpcli.analysis.inputs import parameter_rows

MONEY = "#,##0"
DECIMAL = "0.0000"


def _value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _format_for(column: str) -> str | None:
    if column.startswith(("cost", "inc_cost", "nmb_", "icer", "payment", "nonresponder_spend")):
        return MONEY
    if column in ("qalys", "life_years", "effect", "inc_effect") or column.startswith(("qalys", "life_years", "nhb_")):
        return DECIMAL
    return None


def _sheet(wb: Any, title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Any:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title[:31])
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_value(r.get(c)) for c in columns])
    for j, c in enumerate(columns, start=1):
        fmt = _format_for(c)
        width = max(10, min(40, len(c) + 2))
        ws.column_dimensions[ws.cell(1, j).column_letter].width = width
        if fmt:
            for i in range(2, len(rows) + 2):
                ws.cell(i, j).number_format = fmt
    ws.freeze_panes = "A2"
    return ws


def settings_rows(sc: Any) -> list[dict[str, Any]]:
    st = sc.settings
    items = {
        "scenario": sc.name,
        "title": sc.spec.title,
        "file": str(sc.path),
        "scenario_sha256": sc.doc.sha256,
        "illustrative": sc.spec.illustrative,
        "currency": sc.spec.currency,
        "price_year": sc.spec.price_year,
        "reference_case": st.reference_case,
        "effect": st.effect,
        "discount_costs": st.discount.costs,
        "discount_effects": st.discount.effects,
        "method": st.method,
        "discount_timing": st.discount_timing,
        "cycle_length_years": st.cycle_length,
        "cycles": sc.n_cycles if sc.has_markov else None,
        "start_age": st.start_age,
        "cohort_size": st.cohort_size,
        "wtp": ", ".join(f"{w:g}" for w in st.wtp),
        "comparator": sc.comparator,
        "overrides": str(sc.overrides),
        "sources": " | ".join(sc.spec.sources),
    }
    return [{"setting": k, "value": v} for k, v in items.items()]


def save(wb: Any, path: Path) -> None:
    """Save next to ``path`` and rename into place, so a failure leaves no half-written workbook."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_workbook(sc: Any | None) -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    if sc is not None:
        _sheet(wb, "Settings", ["setting", "value"], settings_rows(sc))
        _sheet(
            wb,
            "Parameters",
            ["parameter", "value", "formula", "distribution", "low", "high", "source", "set_by_strategy"],
            parameter_rows(sc),
        )
    return wb


def comparison_workbook(cmp: Comparison, path: Path) -> None:
    """Settings, Parameters, Results, Incremental and one Trace sheet per strategy."""
    sc = cmp.scenario
    wb = new_workbook(sc)
    wb.move_sheet("Settings", offset=-1)
    _sheet(wb, "Results", cmp.columns, cmp.rows)
    inc_cols = ["strategy", "cost", "effect", "status", "reference", "inc_cost", "inc_effect", "icer"]
    _sheet(wb, "Incremental", inc_cols, sorted(cmp.rows, key=lambda r: (r["cost"], -r["effect"])))
    for o in cmp.outcomes:
        if o.trace is None:
            continue
        states = [s.name for s in sc.states]
        rows = [
            {
                "cycle": t,
                "years": t * sc.settings.cycle_length,
                **{s: float(o.trace[0, t, j]) for j, s in enumerate(states)},
            }
            for t in range(o.trace.shape[1])
        ]
        _sheet(wb, f"Trace {o.strategy}", ["cycle", "years", *states], rows)
    save(wb, path)


def rows_workbook(
    path: Path, title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], sc: Any | None = None
) -> None:
    """A command's table as a sheet, with the scenario's settings and parameters when there is one."""
    wb = new_workbook(sc)
    ws = _sheet(wb, title, columns, rows)
    wb.move_sheet(ws, offset=-len(wb.sheetnames) + 1)
    save(wb, path)

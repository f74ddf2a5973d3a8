"""XLSX workbooks an assessor can audit: inputs, settings, results and traces, numbers stored as numbers.

Every workbook is written from a result: its main table as the first sheet, then the scenario's settings
and parameters (``result.inputs``) when it was computed from a scenario. A comparison adds its incremental
table and one cohort-trace sheet per strategy. openpyxl is imported only when a workbook is written.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from atmpcli.analysis.inputs import ScenarioInputs
from atmpcli.analysis.result import Result, records

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.compare import Comparison

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


def _sheet(wb: Any, title: str, frame: pd.DataFrame) -> Any:
    from openpyxl.styles import Font

    columns = [str(c) for c in frame.columns]
    rows = records(frame)
    ws = wb.create_sheet(title[:31])
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_value(v) for v in r.values()])
    for j, c in enumerate(columns, start=1):
        fmt = _format_for(c)
        width = max(10, min(40, len(c) + 2))
        ws.column_dimensions[ws.cell(1, j).column_letter].width = width
        if fmt:
            for i in range(2, len(rows) + 2):
                ws.cell(i, j).number_format = fmt
    ws.freeze_panes = "A2"
    return ws


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


def _new_workbook() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _input_sheets(wb: Any, result: Result) -> None:
    inputs = result if isinstance(result, ScenarioInputs) else result.inputs
    if inputs is not None:
        tables = inputs.tables()
        _sheet(wb, "Settings", tables["settings"])
        _sheet(wb, "Parameters", tables["parameters"])


def comparison_workbook(cmp: Comparison, path: Path) -> None:
    """Settings, Parameters, Results, Incremental and one Trace sheet per strategy."""
    wb = _new_workbook()
    _input_sheets(wb, cmp)
    _sheet(wb, "Results", cmp.strategies)
    _sheet(wb, "Incremental", cmp.incremental_table)
    for strategy in dict.fromkeys(cmp.trace["strategy"]):
        _sheet(wb, f"Trace {strategy}", cmp.trace_by_state(strategy))
    save(wb, path)


def result_workbook(result: Result, path: Path) -> None:
    """A result's main table as a sheet, then the scenario's settings and parameters when it has them."""
    wb = _new_workbook()
    _sheet(wb, result.sheet, result.frame)
    _input_sheets(wb, result)
    save(wb, path)

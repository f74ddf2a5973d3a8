"""XLSX workbooks an assessor can audit: inputs, settings, results and traces, numbers stored as numbers.

Every workbook is written from a result: an Index sheet (each sheet's name, what it holds and its rows,
linked), the result's main table, then the scenario's settings and parameters (``result.inputs``) when it
was computed from a scenario. A comparison adds its incremental table and one cohort-trace sheet per
strategy. Sheet names are as Excel allows them: at most 31 characters, none of ``[]:*?/\\``, unique
whatever the case. openpyxl is imported only when a workbook is written.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atmpcli.analysis.inputs import ScenarioInputs
from atmpcli.analysis.result import Result, records

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    import pandas as pd

    from atmpcli.analysis.compare import Comparison

    Sheets = list[tuple[str, pd.DataFrame]]  # (what the sheet holds, its table), in order


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


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A sheet name as close to ``wanted`` as Excel allows: 31 characters, no ``[]:*?/\\``, not already in
    ``taken`` (lower case, which it joins) nor Excel's reserved "History"; "Name (2)" when it would be."""
    base = re.sub(r"[\[\]:*?/\\]", "_", wanted).strip("'")[:31] or "Sheet"
    name, k = base, 2
    while name.lower() in taken or name.lower() == "history":
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(name.lower())
    return name


def _sheet(wb: Any, title: str, frame: pd.DataFrame) -> Any:
    from openpyxl.styles import Font

    columns = [str(c) for c in frame.columns]
    rows = records(frame)
    ws = wb.create_sheet(title)
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


def _write_sheets(sheets: Sheets, path: Path) -> None:
    """An Index sheet, then one sheet per table, saved atomically."""
    from openpyxl import Workbook

    wb = Workbook()
    index = wb.active
    index.title = "Index"
    taken = {"index"}
    names = [sheet_name(what, taken) for what, _ in sheets]
    index.append(["sheet", "contents", "rows"])
    for name, (what, frame) in zip(names, sheets, strict=True):
        index.append([name, what, len(frame)])
        index.cell(index.max_row, 1).hyperlink = f"#'{name}'!A1"
        _sheet(wb, name, frame)
    index.column_dimensions["A"].width = 33
    index.column_dimensions["B"].width = 50
    save(wb, path)


def save(wb: Any, path: Path) -> None:
    """Save next to ``path`` and rename into place, so a failure leaves no half-written workbook."""
    from atmpcli.report.files import atomic_path

    with atomic_path(path, ".xlsx") as tmp:
        wb.save(tmp)


def _input_sheets(result: Result) -> Sheets:
    inputs = result if isinstance(result, ScenarioInputs) else result.inputs
    if inputs is None:
        return []
    tables = inputs.tables()
    return [("Settings", tables["settings"]), ("Parameters", tables["parameters"])]


def comparison_workbook(cmp: Comparison, path: Path) -> None:
    """Index, Settings, Parameters, Results, Incremental and one Trace sheet per strategy."""
    sheets = [*_input_sheets(cmp), ("Results", cmp.strategies), ("Incremental", cmp.incremental_table)]
    for strategy in dict.fromkeys(cmp.trace["strategy"]):
        sheets.append((f"Trace {strategy}", cmp.trace_by_state(strategy)))
    _write_sheets(sheets, path)


def result_workbook(result: Result, path: Path) -> None:
    """Index, the result's main table, then the scenario's settings and parameters when it has them."""
    _write_sheets([(result.sheet, result.frame), *_input_sheets(result)], path)

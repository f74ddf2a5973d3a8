"""The workbook being written: XlsxWriter, its cell styles, sheet names and Excel-valid defined names."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from atmpcli.errors import AtmpError

MONEY = "#,##0"
DECIMAL = "0.0000"
PROBABILITY = "0.000000"

MAX_FORMULA = 8192  # characters in one Excel formula

# A name Excel would read as a cell (A1, XFD1048576) or as an R1C1 reference (R, C, R1C1, R2, C3).
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[RrCc]|[Rr][0-9]*[Cc][0-9]*|[Rr][0-9]+|[Cc][0-9]+)$")
_VALID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@functools.cache
def col_name(col: int) -> str:
    return xl_col_to_name(col)


def cell(row: int, col: int, absolute: bool = True) -> str:
    """A cell reference from 0-based row and column, ``$B$4`` (or ``B4``)."""
    return f"${col_name(col)}${row + 1}" if absolute else f"{col_name(col)}{row + 1}"


def column_range(col: int, first: int, last: int) -> str:
    """``$C$7:$C$82`` for 0-based rows first..last of column col."""
    return f"{cell(first, col)}:{cell(last, col)}"


def row_range(row: int, first: int, last: int) -> str:
    return f"{cell(row, first)}:{cell(row, last)}"


def quoted(sheet: str) -> str:
    """A sheet name as a formula writes it: ``'SoC cohort'``."""
    return "'" + sheet.replace("'", "''") + "'"


@dataclass
class Names:
    """Excel names for atmpcli's names: valid, not cell-like, unique regardless of case (Excel ignores case)."""

    excel: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def add(self, name: str) -> str:
        if name in self.excel:
            return self.excel[name]
        base = name if _VALID.match(name) and not _CELL_LIKE.match(name) else "_" + re.sub(r"[^A-Za-z0-9_.]", "_", name)
        candidate, k = base, 2
        while candidate.lower() in self.taken:
            candidate, k = f"{base}_{k}", k + 1
        self.taken.add(candidate.lower())
        self.excel[name] = candidate
        return candidate

    def __getitem__(self, name: str) -> str:
        return self.excel[name]


def _worksheet_class() -> type:
    """XlsxWriter's worksheet without its rewriting of Excel 365 function names: the twin writes only
    functions of Excel 2016 (formulas.py), and the 29 regular expressions per formula were most of the
    time spent writing a workbook."""
    from xlsxwriter.worksheet import Worksheet

    class ClassicWorksheet(Worksheet):  # type: ignore[misc]
        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            if len(formula) > MAX_FORMULA:
                raise AtmpError(
                    f"a formula of {len(formula):,} characters on sheet {self.name}: more than Excel's {MAX_FORMULA:,} "
                    "(too many states flow into one state for a live workbook)"
                )
            return formula[1:] if formula.startswith("=") else formula

    return ClassicWorksheet


class Book:
    """An XlsxWriter workbook with the twin's formats and the registry of names and sheets."""

    def __init__(self, path: str) -> None:
        import xlsxwriter

        # Formulas hold no cached values: Excel and LibreOffice compute them on opening.
        self.wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
        self.names = Names()
        self.sheet_names: set[str] = set()
        self.formats: dict[str, Any] = {}
        self._styles = {
            "title": {"bold": True, "font_size": 14},
            "subtitle": {"italic": True, "font_color": "#555555"},
            "heading": {"bold": True, "font_size": 11, "bottom": 1},
            "header": {"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True, "valign": "top"},
            "group": {"bold": True, "font_color": "#1F3864"},
            "bold": {"bold": True},
            "note": {"italic": True, "font_color": "#555555", "text_wrap": False},
            "link": {"font_color": "#0563C1", "underline": 1},
            "text": {},
            "center": {"align": "center"},
        }

    def fmt(self, kind: str, num_format: str | None = None) -> Any:
        """A cell format by kind: input (blue on light yellow, the modellers' convention), formula, value
        (atmpcli's number, not a formula), total, or one of the text styles above."""
        key = f"{kind}|{num_format}"
        if key not in self.formats:
            props: dict[str, Any] = dict(self._styles.get(kind, {}))
            if kind == "input":
                props.update(font_color="#0000FF", bg_color="#FFF2CC", border=1, border_color="#BFBFBF")
            elif kind == "value":
                props.update(font_color="#7F7F7F", italic=True)
            elif kind == "total":
                props.update(bold=True, top=1)
            if num_format:
                props["num_format"] = num_format
            self.formats[key] = self.wb.add_format(props)
        return self.formats[key]

    def sheet(self, wanted: str) -> tuple[Any, str]:
        """A new worksheet named as close to ``wanted`` as Excel allows (31 characters, unique)."""
        from atmpcli.report.workbook import sheet_name

        name = sheet_name(wanted, self.sheet_names)
        ws = self.wb.add_worksheet(name, worksheet_class=_worksheet_class())
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # as wide as one page, as long as it takes
        return ws, name

    def table_head(self, ws: Any, row: int, title: str, headers: list[str]) -> int:
        """A block's title at ``row`` and its column headers below; returns the first row of the block."""
        ws.write(row, 0, title, self.fmt("heading"))
        for j, h in enumerate(headers):
            ws.write(row + 1, j, h, self.fmt("header"))
        return row + 2

    def define(self, name: str, target: str, scope: str | None = None) -> None:
        """A defined name: workbook-wide, or for one sheet (``scope``) where it hides the workbook's."""
        self.wb.define_name(f"{quoted(scope)}!{name}" if scope else name, f"={target}")

    def close(self) -> None:
        self.wb.close()

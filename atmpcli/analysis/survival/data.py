"""Reading survival inputs from CSV: patient-level data, digitised KM coordinates, at-risk tables, life tables.

Every problem is one line naming the file, the CSV line and the column: ``FILE:LINE: COLUMN: message``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atmpcli.analysis.survival.fit import SurvivalData
from atmpcli.analysis.survival.guyot import CurveProblem
from atmpcli.errors import Problem, ScenarioError
from atmpcli.limits import DATA_FILE_BYTES, InputProblem, quotable_header, read_csv_rows
from atmpcli.model.lifetable import LifeTable, rate_from_qx


@dataclass(frozen=True)
class Table:
    """A CSV file as text cells by column, with each data row's line number."""

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [row[i].strip() if i < len(row) else "" for row in self.rows]

    def numbers(self, name: str, *, whole: bool = False) -> np.ndarray:
        values = []
        for cell, line in zip(self.column(name), self.lines, strict=True):
            try:
                v = float(cell)
            except ValueError:
                raise self.problem(line, name, f"expected a number, got '{cell}'") from None
            if not math.isfinite(v):
                raise self.problem(line, name, f"expected a finite number, got '{cell}'")
            if whole and v != round(v):
                raise self.problem(line, name, f"expected a whole number, got '{cell}'")
            values.append(v)
        return np.asarray(values, dtype=float)

    def require(self, *names: str) -> None:
        missing = [n for n in names if n not in self.header]
        if missing:
            # list the columns only when the first row reads as column names: never echo another kind of file
            known = (
                f"columns: {', '.join(self.header)}"
                if quotable_header(self.header)
                else "the first row is not column names"
            )
            raise self.problem(1, missing[0], f"no such column ({known})")

    def problem(self, line: int | None, name: str, message: str) -> ScenarioError:
        return ScenarioError([Problem(message, field=name, file=self.path, line=line)])


def read_table(path: Path, max_bytes: int = DATA_FILE_BYTES) -> Table:
    """A CSV file read within ``max_bytes`` as checked text (scenario/limits.py)."""
    name = str(path)
    try:
        raw = read_csv_rows(Path(path), max_bytes, "data file")
    except FileNotFoundError:
        raise ScenarioError([Problem("file not found", file=name)]) from None
    except InputProblem as exc:
        raise ScenarioError([Problem(exc.message, file=name, line=exc.line, column=exc.column)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(f"cannot read: {exc.strerror}", file=name)]) from None
    if not raw:
        raise ScenarioError([Problem("empty file; expected a header row", file=name)])
    header = [h.strip() for h in raw[0]]
    rows, lines = [], []
    for lineno, row in enumerate(raw[1:], start=2):
        if any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(lineno)
    if not rows:
        raise ScenarioError([Problem("no data rows after the header", file=name, line=1)])
    return Table(name, header, rows, lines)


def read_patients(
    path: Path, time: str = "time", event: str = "event", group: str | None = None, *, max_bytes: int = DATA_FILE_BYTES
) -> SurvivalData:
    """Patient-level data: positive times, events 0/1, an optional group column; each group needs an event."""
    table = read_table(path, max_bytes)
    table.require(time, event, *([group] if group else []))
    t = table.numbers(time)
    d = table.numbers(event)
    for v, line in zip(t, table.lines, strict=True):
        if v < 0:
            raise table.problem(line, time, f"negative time {v:g}")
        if v == 0:
            raise table.problem(
                line, time, "time 0: parametric models need times > 0 (an event on day 0 needs a small positive time)"
            )
    for v, line in zip(d, table.lines, strict=True):
        if v not in (0, 1):
            raise table.problem(line, event, f"expected 1 (event) or 0 (censored), got {v:g}")
    labels = np.asarray(table.column(group) if group else ["all"] * t.size, dtype=object)
    for g in dict.fromkeys(labels):
        if not np.any(d[labels == g] == 1):
            where = f" in group '{g}'" if group else ""
            raise table.problem(None, event, f"no events{where}: a survival model cannot be fitted without events")
    return SurvivalData(t, d.astype(int), labels.astype(str), source=str(path))


def read_curve(
    path: Path, time: str = "time", survival: str = "survival", *, max_bytes: int = DATA_FILE_BYTES
) -> tuple[np.ndarray, np.ndarray, Table]:
    """Digitised Kaplan-Meier coordinates; survival as proportions in [0, 1]."""
    table = read_table(path, max_bytes)
    table.require(time, survival)
    return table.numbers(time), table.numbers(survival), table


def read_at_risk(
    path: Path, time: str = "time", at_risk: str = "at_risk", *, max_bytes: int = DATA_FILE_BYTES
) -> tuple[np.ndarray, np.ndarray, Table]:
    """The published numbers at risk below a KM figure."""
    table = read_table(path, max_bytes)
    table.require(time, at_risk)
    return table.numbers(time), table.numbers(at_risk, whole=True), table


def curve_problem(exc: CurveProblem, curve: Table, at_risk: Table, names: dict[str, str]) -> ScenarioError:
    """A reconstruction problem located in the input file it came from."""
    table = curve if exc.table == "curve" else at_risk
    line = table.lines[exc.row] if exc.row is not None and exc.row < len(table.lines) else None
    return table.problem(line, names.get(f"{exc.table}.{exc.field}", exc.field), str(exc))


LIFE_TABLE_LAYOUTS = "age with qx_male and qx_female, rate_male and rate_female, qx, or rate"


def read_life_table(path: Path, *, max_bytes: int = DATA_FILE_BYTES) -> LifeTable:
    """A life table by age: annual probabilities of death (qx) or rates, by sex or for both sexes."""
    table = read_table(path, max_bytes)
    if "age" not in table.header:
        raise table.problem(1, "age", f"no such column; expected {LIFE_TABLE_LAYOUTS}")
    ages = table.numbers("age")
    for i in range(1, ages.size):
        if ages[i] <= ages[i - 1]:
            raise table.problem(table.lines[i], "age", "ages must increase from row to row")
    for kind in ("qx", "rate"):
        cols = [f"{kind}_male", f"{kind}_female"] if f"{kind}_male" in table.header else [kind, kind]
        if all(c in table.header for c in cols):
            values = [table.numbers(c) for c in cols]
            for c, v in zip(cols, values, strict=True):
                bad = np.nonzero((v < 0) | ((v > 1) if kind == "qx" else False))[0]
                if bad.size:
                    limit = "[0, 1]" if kind == "qx" else "0 or more"
                    raise table.problem(table.lines[bad[0]], c, f"expected a value in {limit}, got {v[bad[0]]:g}")
            male, female = (rate_from_qx(v) if kind == "qx" else v for v in values)
            return LifeTable(ages, male, female)
    raise table.problem(1, "", f"no mortality columns; expected {LIFE_TABLE_LAYOUTS}")

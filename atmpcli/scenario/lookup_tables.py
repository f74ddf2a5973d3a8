"""Look-up tables (e.g. a life table by age) read from CSV files next to the scenario."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atmpcli.errors import FormulaError
from atmpcli.limits import DEFAULT_MAX_FILE_BYTES, InputProblem, quotable_header, read_csv_rows


@dataclass(frozen=True)
class LookupTable:
    """A one-key numeric table, callable on arrays: ``table(age)``."""

    name: str
    keys: np.ndarray
    values: np.ndarray
    interpolation: str = "step"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if np.any(x < self.keys[0]):
            raise FormulaError(
                f"table {self.name}() asked for {float(np.min(x)):g}, below its first key {self.keys[0]:g}"
            )
        if self.interpolation == "linear":
            return np.interp(x, self.keys, self.values)
        # step: the row with the largest key <= x; beyond the last key the last row applies
        idx = np.searchsorted(self.keys, x, side="right") - 1
        return self.values[idx]

    def beyond(self, x: np.ndarray) -> float | None:
        """The smallest of ``x`` past the rows, or None: a look-up that reuses the last row for want of one.

        A step table's last row covers as far past its key as the step before it (the row for age 100 of
        a life table by single year covers ages up to 101); a linear table ends at its last key. A table
        of one row is a constant and covers everything.
        """
        if len(self.keys) < 2:
            return None
        x = np.asarray(x, dtype=float)
        if self.interpolation == "step":
            past = x[x >= 2 * self.keys[-1] - self.keys[-2]]
        else:
            past = x[x > self.keys[-1]]
        return float(past.min()) if past.size else None


class LookupRecorder:
    """A table that notes the smallest argument past its rows, for the compile-time warning (sanity.py)."""

    def __init__(self, table: LookupTable) -> None:
        self.table = table
        self.past: float | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = self.table(x)
        beyond = self.table.beyond(x)
        if beyond is not None:
            self.past = beyond if self.past is None else min(self.past, beyond)
        return out


def read_table(
    name: str, path: Path, key: str, value: str, interpolation: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> LookupTable:
    """Read ``path``; raise ``ValueError`` with a message that names the file, row and column."""
    try:
        rows = read_csv_rows(path, max_bytes, "look-up file")
    except FileNotFoundError:
        raise ValueError(f"look-up file {path} not found") from None
    except InputProblem as exc:
        raise ValueError(f"look-up file {exc.located(path)}") from None
    except OSError as exc:
        raise ValueError(f"cannot read look-up file {path}: {exc.strerror}") from None
    if not rows:
        raise ValueError(f"look-up file {path} is empty")
    header = [h.strip() for h in rows[0]]
    for col in (key, value):
        if col not in header:
            # list the columns only when the first row reads as column names: never echo another kind of file
            columns = (
                f"columns: {', '.join(header)}" if quotable_header(header) else "its first row is not column names"
            )
            raise ValueError(f"look-up file {path} has no column '{col}' ({columns})")
    ki, vi = header.index(key), header.index(value)
    keys: list[float] = []
    values: list[float] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            k, v = float(row[ki]), float(row[vi])
        except (ValueError, IndexError):
            raise ValueError(f"{path}:{lineno}: expected numbers in columns '{key}' and '{value}'") from None
        if not (math.isfinite(k) and math.isfinite(v)):
            raise ValueError(f"{path}:{lineno}: values must be finite numbers")
        if keys and k <= keys[-1]:
            raise ValueError(f"{path}:{lineno}: column '{key}' must increase from row to row")
        keys.append(k)
        values.append(v)
    if not keys:
        raise ValueError(f"look-up file {path} has no data rows")
    return LookupTable(name, np.asarray(keys), np.asarray(values), interpolation)

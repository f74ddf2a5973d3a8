"""Machine-readable writers: a result's frame as CSV and its document as JSON, unrounded, NaN as an empty
cell (CSV) or null (JSON)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from atmpcli.analysis.result import records

if TYPE_CHECKING:
    import pandas as pd


def cell(value: Any, decimal: str = ".") -> Any:
    """One CSV (or Markdown) cell: floats in full (shortest round-trip) precision, booleans true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(float(value))
        return text.replace(".", decimal) if decimal != "." else text
    return value


def write_csv(frame: pd.DataFrame, stream: IO[str], *, sep: str = ",", decimal: str = ".", bom: bool = False) -> None:
    """One header line, one line per row.

    ``sep=";", decimal=","`` suits Excel with continental settings; ``bom`` lets Excel detect UTF-8.
    """
    write_rows([str(c) for c in frame.columns], records(frame), stream, sep=sep, decimal=decimal, bom=bom)


def write_rows(
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
    stream: IO[str],
    *,
    sep: str = ",",
    decimal: str = ".",
    bom: bool = False,
) -> None:
    """:func:`write_csv` of a table given as its columns and records (``Result.rows``: no frame needed)."""
    if sep == decimal:
        raise ValueError("the separator and the decimal mark must differ")
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=sep, lineterminator="\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([cell(v, decimal) for v in row.values()])


def jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def write_json(document: dict[str, Any], stream: IO[str]) -> None:
    json.dump(jsonable(document), stream, indent=2, allow_nan=False)
    stream.write("\n")

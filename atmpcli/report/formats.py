"""Machine-readable writers: CSV and JSON, unrounded, NaN as empty (CSV) or null (JSON)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from typing import IO, Any


def _cell(value: Any, decimal: str = ".") -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(value)
        return text.replace(".", decimal) if decimal != "." else text
    return value


def write_csv(
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    stream: IO[str],
    *,
    sep: str = ",",
    decimal: str = ".",
    bom: bool = False,
) -> None:
    """One header line, one line per row; floats in full (shortest round-trip) precision.

    ``sep=";", decimal=","`` suits Excel with continental settings; ``bom`` lets Excel detect UTF-8.
    """
    if sep == decimal:
        raise ValueError("the separator and the decimal mark must differ")
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=sep, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c), decimal) for c in columns])


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

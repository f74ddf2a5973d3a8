"""Reading numbers produced elsewhere: parameter draws, and per-sample PSA results of another tool."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from atmpcli.errors import Problem, ScenarioError


def read_numeric_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV file with a header and numbers only, as columns; errors name the file, line and column."""
    name = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise ScenarioError([Problem("file not found", file=name)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(f"cannot read: {exc}", file=name)]) from None
    if len(rows) < 2:
        raise ScenarioError([Problem("expected a header row and at least one row of numbers", file=name)])
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        raise ScenarioError([Problem("duplicate column names in the header", file=name, line=1)])
    values = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise ScenarioError([Problem(f"expected {len(header)} values, got {len(row)}", file=name, line=i + 2)])
        for j, cell in enumerate(row):
            try:
                v = float(cell)
            except ValueError:
                raise ScenarioError(
                    [
                        Problem(
                            f"column {header[j]}: expected a number, got '{cell}'", file=name, line=i + 2, column=j + 1
                        )
                    ]
                ) from None
            if not math.isfinite(v):
                raise ScenarioError([Problem(f"column {header[j]}: not a finite number", file=name, line=i + 2)])
            values[i, j] = v
    return {h: values[:, j] for j, h in enumerate(header)}


def read_results(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per-sample results in wide form: columns cost_<strategy> and effect_<strategy> (or qalys_<strategy>).

    Other columns (a sample number, parameter draws) are kept out; returns strategies, costs, effects.
    """
    cols = read_numeric_csv(path)
    strategies = [c.removeprefix("cost_") for c in cols if c.startswith("cost_")]
    missing = [s for s in strategies if f"effect_{s}" not in cols and f"qalys_{s}" not in cols]
    if not strategies or missing:
        what = f"no effect column for {', '.join(missing)}" if missing else "no cost_<strategy> columns"
        raise ScenarioError(
            [
                Problem(
                    f"{what}: expected columns cost_<strategy> and effect_<strategy> per strategy",
                    file=str(path),
                    line=1,
                )
            ]
        )
    costs = np.column_stack([cols[f"cost_{s}"] for s in strategies])
    effects = np.column_stack([cols.get(f"effect_{s}", cols.get(f"qalys_{s}")) for s in strategies])
    return strategies, costs, effects


def read_strategy_table(path: Path | None, text: str | None = None) -> tuple[list[str], list[float], list[float]]:
    """A table with columns strategy, cost, effect (any order, other columns ignored) from a file or text."""
    name = "<stdin>" if path is None else str(path)
    try:
        if text is None:
            assert path is not None
            text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError([Problem("file not found", file=name)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(f"cannot read: {exc}", file=name)]) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ScenarioError([Problem("empty input; expected a header with strategy, cost and effect", file=name)])
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("strategy", "cost", "effect") if c not in header]
    if missing:
        raise ScenarioError(
            [Problem(f"no column {', '.join(missing)} (columns: {', '.join(header)})", file=name, line=1)]
        )
    si, ci, ei = (header.index(c) for c in ("strategy", "cost", "effect"))
    names: list[str] = []
    costs: list[float] = []
    effects: list[float] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            cost, effect = float(row[ci]), float(row[ei])
        except (ValueError, IndexError):
            raise ScenarioError(
                [Problem("expected numbers in columns cost and effect", file=name, line=lineno)]
            ) from None
        if not (math.isfinite(cost) and math.isfinite(effect)):
            raise ScenarioError([Problem("cost and effect must be finite numbers", file=name, line=lineno)])
        strategy = row[si].strip()
        if strategy in names:
            raise ScenarioError([Problem(f"duplicate strategy '{strategy}'", file=name, line=lineno)])
        names.append(strategy)
        costs.append(cost)
        effects.append(effect)
    if not names:
        raise ScenarioError([Problem("no strategies in the table", file=name)])
    return names, costs, effects

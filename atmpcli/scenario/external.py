"""Reading numbers produced elsewhere: parameter draws, and per-sample PSA results of another tool."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atmpcli.errors import Problem, ScenarioError
from atmpcli.limits import (
    DATA_FILE_BYTES,
    InputProblem,
    check_text,
    decode_utf8,
    quotable_header,
    read_bounded,
)

_NOT_A_HEADER = "the first line is not a header of column names"


def _read_text(path: Path | None, text: str | None, max_bytes: int) -> str:
    """The text of a data file (or of ``text``, read from stdin), bounded and checked (scenario/limits.py)."""
    name = "<stdin>" if path is None else str(path)
    try:
        if text is None:
            assert path is not None
            text = decode_utf8(read_bounded(path, max_bytes, "data file")).removeprefix("\ufeff")
        elif len(text) > max_bytes:
            raise InputProblem(f"larger than the limit for a data file ({max_bytes:,} characters)")
        check_text(text)
    except FileNotFoundError:
        raise ScenarioError([Problem("file not found", file=name)]) from None
    except InputProblem as exc:
        raise ScenarioError([Problem(exc.message, file=name, line=exc.line, column=exc.column)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(f"cannot read: {exc.strerror}", file=name)]) from None
    return text


def _columns(header: list[str]) -> str:
    """``columns: a, b`` for an error message, unless the first row is not column names (never echo a file)."""
    return f"columns: {', '.join(header)}" if quotable_header(header) else _NOT_A_HEADER


def _read_rows(path: Path, max_bytes: int = DATA_FILE_BYTES) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (comma, semicolon or tab separated; a UTF-8 BOM is dropped)."""
    name = str(path)
    text = _read_text(path, None, max_bytes)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ScenarioError([Problem("expected a header row and at least one row of numbers", file=name)])
    header = [h.strip().strip('"') for h in rows[0]]
    if not quotable_header([h for h in header if h]):
        raise ScenarioError([Problem(_NOT_A_HEADER, file=name, line=1)])
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        raise ScenarioError([Problem("duplicate column names in the header", file=name, line=1)])
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise ScenarioError([Problem(f"expected {len(header)} values, got {len(row)}", file=name, line=i + 2)])
    return header, rows[1:]


def _number(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _column(path: Path, header: list[str], rows: list[list[str]], j: int) -> np.ndarray:
    """Column j as numbers; an error names the file, line and column of the first bad cell."""
    out = np.empty(len(rows))
    for i, row in enumerate(rows):
        v = _number(row[j].strip())
        if v is None:
            got = f"'{row[j]}'" if len(row[j]) <= 40 else "a long text"
            what = f"expected a number, got {got}" if _number(row[j].strip() or "x") is None else "not finite"
            raise ScenarioError([Problem(f"column {header[j]}: {what}", file=str(path), line=i + 2, column=j + 1)])
        out[i] = v
    return out


def _is_numeric(rows: list[list[str]], j: int) -> bool:
    return all(_number(r[j].strip()) is not None for r in rows)


def read_numeric_csv(path: Path, max_bytes: int = DATA_FILE_BYTES) -> dict[str, np.ndarray]:
    """A CSV file with a header and numbers only, as columns; errors name the file, line and column."""
    header, rows = _read_rows(path, max_bytes)
    return {h: _column(path, header, rows, j) for j, h in enumerate(header)}


def read_draws(
    path: Path, parameters: set[str], max_bytes: int = DATA_FILE_BYTES
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Parameter draws: the columns named after parameters; returns them and the other columns' names."""
    header, rows = _read_rows(path, max_bytes)
    used = {h: _column(path, header, rows, j) for j, h in enumerate(header) if h in parameters}
    if not used:
        raise ScenarioError(
            [Problem(f"no column is a parameter of the scenario ({_columns(header)})", file=str(path), line=1)]
        )
    return used, [h or "(unnamed)" for h in header if h not in parameters]


@dataclass
class ExternalResults:
    """Per-sample results of another tool: costs and effects (samples, strategies), parameter columns."""

    strategies: list[str]
    costs: np.ndarray
    effects: np.ndarray
    parameters: dict[str, np.ndarray]
    layout: str
    ignored: list[str]


COST_WORDS = ("cost", "costs", "total_cost")
EFFECT_WORDS = ("effect", "effects", "effectiveness", "eff", "qaly", "qalys", "ly", "lys", "utility", "outcome")
STRATEGY_WORDS = (
    "strategy",
    ".strategy_names",
    "strategy_name",
    "strategies",
    "treatment",
    "arm",
    "option",
    "intervention",
)
SAMPLE_WORDS = ("sample", ".index", "index", "iteration", "iter", "sim", "simulation", "run", "draw")
# wide layouts, tried in this order: the first that pairs a cost and an effect column of some strategy wins
WIDE = [
    ("cost_<s>/effect_<s>", "prefix", COST_WORDS, EFFECT_WORDS),
    ("<s>_cost/<s>_effect", "suffix", COST_WORDS, EFFECT_WORDS),
    ("c_<s>/e_<s>", "prefix", ("c",), ("e",)),
]


def read_results(path: Path, max_bytes: int = DATA_FILE_BYTES) -> ExternalResults:
    """Per-sample results in the layouts of atmpcli, dampack, heemod, BCEA and voi (docs/output-format.md).

    Wide: a cost and an effect column per strategy, named ``cost_<s>`` and ``effect_<s>`` (or
    ``qalys_``, ``qaly_``, ``eff_``, ``effectiveness_``), the same words as suffixes (``<s>_cost``,
    ``<s>_Eff``), or ``c_<s>``/``e_<s>`` (also with ``.``); long: one row per sample and strategy with
    columns strategy (or ``.strategy_names``), cost and effect, and optionally a sample number. Other
    numeric columns are parameters (for EVPPI); text columns are left out.
    """
    header, rows = _read_rows(path, max_bytes)
    lower = [h.lower() for h in header]
    if any(w in lower for w in STRATEGY_WORDS) and any(w in lower for w in ("cost", ".cost", "costs")):
        return _long(path, header, rows)
    for layout, side, cost_words, effect_words in WIDE:
        found = _wide_pairs(header, side, cost_words, effect_words)
        if found:
            strategies = list(found)
            costs = np.column_stack([_column(path, header, rows, found[s][0]) for s in strategies])
            effects = np.column_stack([_column(path, header, rows, found[s][1]) for s in strategies])
            taken = {j for pair in found.values() for j in pair}
            params, ignored = _other_columns(path, header, rows, taken)
            return ExternalResults(strategies, costs, effects, params, layout, ignored)
    raise ScenarioError(
        [
            Problem(
                "no cost and effect columns: expected cost_<strategy> and effect_<strategy> (or <strategy>_cost, "
                "qalys_<strategy>, c_<strategy>/e_<strategy>, ...), or long columns strategy, cost, effect",
                file=str(path),
                line=1,
            )
        ]
    )


def _split(name: str, side: str, words: tuple[str, ...]) -> str | None:
    low = name.lower()
    for w in sorted(words, key=len, reverse=True):
        for sep in ("_", "."):
            if side == "prefix" and low.startswith(w + sep) and len(name) > len(w) + 1:
                return name[len(w) + 1 :]
            if side == "suffix" and low.endswith(sep + w) and len(name) > len(w) + 1:
                return name[: -len(w) - 1]
    return None


def _wide_pairs(header: list[str], side: str, cost_words: tuple, effect_words: tuple) -> dict[str, tuple[int, int]]:
    costs = {s.lower(): (s, j) for j, h in enumerate(header) if (s := _split(h, side, cost_words))}
    effects = {s.lower(): j for j, h in enumerate(header) if (s := _split(h, side, effect_words))}
    return {costs[k][0]: (costs[k][1], effects[k]) for k in costs if k in effects}


def _other_columns(path: Path, header: list[str], rows: list[list[str]], taken: set[int]) -> tuple[dict, list[str]]:
    params, ignored = {}, []
    for j, h in enumerate(header):
        if j in taken:
            continue
        if h and h.lower() not in SAMPLE_WORDS and _is_numeric(rows, j):
            params[h] = _column(path, header, rows, j)
        else:
            ignored.append(h or "(unnamed)")
    return params, ignored


def _long(path: Path, header: list[str], rows: list[list[str]]) -> ExternalResults:
    lower = [h.lower() for h in header]

    def find(words: tuple[str, ...]) -> int | None:
        return next((lower.index(w) for w in words if w in lower), None)

    si = find(STRATEGY_WORDS)
    ci = find(("cost", ".cost", "costs"))
    ei = find(("effect", ".effect", "effects", "qalys", "qaly", "effectiveness", "eff", "utility"))
    if si is None or ci is None or ei is None:
        raise ScenarioError(
            [Problem("a long results file needs columns strategy, cost and effect", file=str(path), line=1)]
        )
    ni = find(SAMPLE_WORDS)
    cost, effect = _column(path, header, rows, ci), _column(path, header, rows, ei)
    strategies: list[str] = []
    for r in rows:
        if r[si].strip() not in strategies:
            strategies.append(r[si].strip())
    samples: dict[str, list[int]] = {}
    seen: dict[str, int] = {}  # without a sample column, the k-th row of each strategy is sample k
    for i, r in enumerate(rows):
        s = r[si].strip()
        seen[s] = seen.get(s, 0) + 1
        samples.setdefault(r[ni].strip() if ni is not None else str(seen[s]), []).append(i)
    k = len(strategies)
    index = np.empty((len(samples), k), dtype=int)  # row of each sample and strategy
    for n, (key, rows_of_sample) in enumerate(samples.items()):
        got = {rows[i][si].strip(): i for i in rows_of_sample}
        missing = [s for s in strategies if s not in got]
        if missing or len(rows_of_sample) != k:
            what = f"no row for {', '.join(missing)}" if missing else "more than one row per strategy"
            raise ScenarioError([Problem(f"sample {key}: {what}", file=str(path), line=rows_of_sample[0] + 2)])
        index[n] = [got[s] for s in strategies]
    c, e = cost[index], effect[index]
    # parameters are the numeric columns that are the same for every strategy of a sample; the others
    # (heemod's per-strategy state values, say) are results and are left out
    params, ignored = {}, []
    for j, h in enumerate(header):
        if j in (si, ci, ei, ni):
            continue
        if h and h.lower() not in SAMPLE_WORDS and _is_numeric(rows, j):
            values = _column(path, header, rows, j)[index]
            if np.all(values == values[:, :1]):
                params[h] = values[:, 0]
                continue
        ignored.append(h or "(unnamed)")
    if ni is not None:
        ignored.append(header[ni])
    return ExternalResults(strategies, c, e, params, "long (strategy, cost, effect)", ignored)


def read_strategy_table(
    path: Path | None, text: str | None = None, max_bytes: int = DATA_FILE_BYTES
) -> tuple[list[str], list[float], list[float]]:
    """A table with columns strategy, cost, effect (any order, other columns ignored) from a file or text."""
    name = "<stdin>" if path is None else str(path)
    text = _read_text(path, text, max_bytes)
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ScenarioError([Problem("empty input; expected a header with strategy, cost and effect", file=name)])
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("strategy", "cost", "effect") if c not in header]
    if missing:
        raise ScenarioError([Problem(f"no column {', '.join(missing)} ({_columns(header)})", file=name, line=1)])
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

"""An auditable Excel twin of a scenario: a workbook whose base case is computed by live formulas.

``write_live_workbook(scenario, path)`` writes Index, Notes, Inputs, Results and Incremental sheets, one sheet
per look-up table, and per strategy a main sheet (results, its own parameters, decision trees, payments)
and cohort sheets (the trace, rewards, weights and transition probabilities by formula). The Results
sheet also holds atmpcli's own numbers, so that the workbook shows whether it still agrees with the
engine. docs/excel.md describes the layout; tests recalculate it in LibreOffice and compare.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atmpcli.errors import AtmpError

# Excel's sheet width, and a bound on the cells written so that time and memory stay bounded (about
# 20 s to write and a minute to recalculate in LibreOffice).
MAX_COLUMNS = 16_384
MAX_CELLS = 1_000_000


@dataclass
class TwinSummary:
    """What was written: sheets, formula cells, and the cells that hold values instead of formulas."""

    sheets: list[str] = field(default_factory=list)
    values_written: list[str] = field(default_factory=list)
    typed_inline: dict[str, str] = field(default_factory=dict)


def write_live_workbook(scenario: Any, path: Path, wtp: list[float] | None = None) -> TwinSummary:
    """Write the live workbook of a compiled scenario (or of any DecisionModel) to ``path``, atomically.

    A scenario's inline numbers become named inputs first (``atmpcli/scenario/inline_inputs.py``).
    """
    from atmpcli.scenario.compiled import Scenario
    from atmpcli.scenario.inline_inputs import with_named_inputs

    model, typed_at = with_named_inputs(scenario) if isinstance(scenario, Scenario) else (scenario, {})
    if wtp is not None:
        model = dataclasses.replace(model, settings=dataclasses.replace(model.settings, wtp=list(wtp)))
    check_size(model)
    path = Path(path)
    from atmpcli.report.files import atomic_path

    with atomic_path(path, ".xlsx") as tmp:
        summary = _write(model, str(tmp), _source(scenario), typed_at)
    summary.typed_inline = typed_at
    return summary


def _source(scenario: Any) -> str:
    overrides = getattr(scenario, "overrides", {}) or {}
    parts = [str(getattr(scenario, "path", scenario.name))]
    if overrides.get("variant"):
        parts.append(f"variant {overrides['variant']}")
    parts += [f"--set {k}={v}" for k, v in (overrides.get("set") or {}).items()]
    if overrides.get("reference_case"):
        parts.append(f"reference case {overrides['reference_case']}")
    return ", ".join(parts)


def check_size(model: Any) -> None:
    """Refuse (with one clear line) a model too large for a worksheet, or one the workbook cannot express."""
    n_sub = sum(st.tunnel for st in model.states)
    rows = model.n_cycles + 1
    if model.settings.state_value_timing == "cycle":
        raise AtmpError(
            "the live workbook counts state values at time points; state_value_timing: cycle is not written"
        )
    # trace and a block of time-varying values; each row's probabilities for every cycle of its tunnel (at most)
    targets = sum(
        (len(r.probabilities) + (r.rest is not None)) * model.states[r.source].tunnel for r in model.transitions
    )
    per_row = 2 * n_sub + targets + 40
    if n_sub and 2 * n_sub + 60 > MAX_COLUMNS:
        raise AtmpError(f"the model has {n_sub} expanded states: more columns than a worksheet has ({MAX_COLUMNS})")
    cells = len(model.strategies) * (2 if any(s.infused_tree for s in model.strategies) else 1) * rows * per_row
    if cells > MAX_CELLS:
        raise AtmpError(
            f"the live workbook would need about {cells:,} cells ({len(model.strategies)} strategies x {rows} "
            f"time points x {n_sub} states); the limit is {MAX_CELLS:,}: use fewer cycles or shorter tunnels"
        )


def _write(model: Any, path: str, source: str, typed_at: dict[str, str]) -> TwinSummary:
    from atmpcli.analysis.compare import compare
    from atmpcli.model.parameters import base_values
    from atmpcli.report.excel_twin.book import Book
    from atmpcli.report.excel_twin.guide_sheets import write_index, write_notes
    from atmpcli.report.excel_twin.inputs_sheet import write_inputs, write_tables
    from atmpcli.report.excel_twin.results_sheet import Incremental, write_check, write_incremental, write_results
    from atmpcli.report.excel_twin.strategy_sheet import write_strategy

    engine = compare(model, wtp=model.settings.wtp)
    book = Book(path)
    index, _ = book.sheet("Index")
    notes, _ = book.sheet("Notes")
    inputs, _ = book.sheet("Inputs")
    results, _ = book.sheet("Results")
    incremental, _ = book.sheet("Incremental")
    tables = write_tables(book, model)
    own_inputs = write_inputs(book, inputs, model, tables, typed_at, base_values(model))
    cells = [write_strategy(book, model, s, tables, own_inputs[s.name]) for s in model.strategies]
    inc = Incremental(len(model.strategies))
    col = write_results(book, results, inc, model, cells, model.settings.wtp)
    write_check(book, results, col, engine, len(cells))
    write_incremental(book, incremental, model, col, inc)
    values_written = [v for c in cells for v in c.values_written]
    write_notes(book, notes, model, values_written)
    sheets = _index_rows(model, tables, cells)
    write_index(book, index, model, sheets, source)
    book.close()
    return TwinSummary([s for s, _ in sheets], values_written)


def _index_rows(model: Any, tables: dict, cells: list) -> list[tuple[str, str]]:
    rows = [
        ("Notes", "conventions: timing, counting, discounting, names; what is not a formula"),
        ("Inputs", "settings, every parameter as a named cell, each strategy's values, payment terms"),
        ("Results", "costs, QALYs, life-years, the incremental analysis, ICERs and net benefit, by formula"),
        ("Incremental", "dominance, extended dominance and the efficiency frontier by formula"),
    ]
    rows += [(f"Table {name}"[:31], f"look-up table {name}") for name in tables]
    what = [
        "results, its own parameters, decision tree, payments",
        "cohort trace, rewards, weights, transition probabilities",
        "the cohort of those infused",
    ]
    for s, c in zip(model.strategies, cells, strict=True):
        rows += [(sheet, f"strategy {s.name}: {w}") for sheet, w in zip(c.sheets, what, strict=False)]
    return rows

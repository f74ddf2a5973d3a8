"""One strategy's sheets: a main sheet (results, its own parameters, decision trees, payments) and its
cohort sheets (intention to treat, and for a cell/gene therapy those infused).

The strategy's own parameter values are defined as names scoped to each of its sheets; Excel (and
LibreOffice) look a name up in the sheet's scope before the workbook's, so a formula such as
``=use_A*c_trtA+use_B*c_trtB`` reads this strategy's ``use_B`` on its sheets and the base case elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atmpcli.model.decision_model import DecisionModel, Strategy, Tree
from atmpcli.report.excel_twin.book import DECIMAL, MONEY, Book, cell, quoted
from atmpcli.report.excel_twin.cells import ExpressionWriter
from atmpcli.report.excel_twin.cohort_sheet import CohortSheet, CohortTotals
from atmpcli.report.excel_twin.cohort_write import write_cohort
from atmpcli.report.excel_twin.formulas import Table
from atmpcli.report.excel_twin.payments import write_payments
from atmpcli.report.excel_twin.plan import START, StrategyPlan, Where
from atmpcli.report.excel_twin.tree_block import TreeCells, write_tree

COLUMNS = ["cohort", "cohort, undiscounted", "decision tree", "start", "payments (PV)", "payments (nominal)"]


@dataclass
class StrategyCells:
    """References of a strategy's results (per person), by compare's column names."""

    sheet: str
    sheets: list[str] = field(default_factory=list)  # main, cohort, cohort of those infused
    refs: dict[str, str] = field(default_factory=dict)
    values_written: list[str] = field(default_factory=list)


@dataclass
class _Parts:
    tree: TreeCells | None = None
    cohort: CohortTotals | None = None
    start: dict[str, str] = field(default_factory=dict)
    payments_pv: str | None = None
    payments_nominal: str | None = None


def write_strategy(
    book: Book, model: DecisionModel, strategy: Strategy, tables: dict[str, Table], inputs: dict[str, str]
) -> StrategyCells:
    """All sheets of ``strategy``; ``inputs`` maps each overridden parameter to its input cell on Inputs."""
    plan = StrategyPlan(model, strategy, book, tables)
    ws, name = book.sheet(strategy.name[:23])  # room for " cohort" and " infused"
    plan.main_sheet = name
    writer = ExpressionWriter(plan)
    itt = CohortSheet(book, plan, writer, f"{strategy.label}: cohort", f"{name} cohort") if model.has_markov else None
    infused = None
    if model.has_markov and strategy.infused_tree is not None:
        infused = CohortSheet(book, plan, writer, f"{strategy.label}: cohort of those infused", f"{name} infused")
    sheets = [name] + [c.name for c in (itt, infused) if c is not None]
    ws.write(0, 0, f"Strategy {strategy.name}: {strategy.label}", book.fmt("title"))
    ws.write_url(1, 0, "internal:'Index'!A1", book.fmt("link"), "Index")
    ws.write_url(1, 1, "internal:'Results'!A1", book.fmt("link"), "Results")
    for j, (s, text) in enumerate(zip(sheets[1:], ["cohort", "cohort of those infused"], strict=False)):
        ws.write_url(1, 2 + j, f"internal:{quoted(s)}!A1", book.fmt("link"), text)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 20, 14)
    rows = _summary_rows(model)
    row = 3 + len(rows) + 3
    if strategy.infused_tree is not None:
        row += len(rows) + 3
    row = _own_parameters(ws, name, row, plan, writer, inputs, sheets)
    row = _start_cells(ws, name, row, plan, writer, strategy)
    main_tree = strategy.tree or model.tree
    itt_parts, infused_parts = _Parts(), _Parts()
    if model.start is not None:
        row = _start_payoff(ws, name, row, writer, itt_parts)
        infused_parts.start = itt_parts.start
    if main_tree is not None:
        itt_parts.tree = write_tree(ws, name, row, writer, main_tree, "Decision tree (everyone who starts)")
        row = itt_parts.tree.next_row + 1
    if strategy.infused_tree is not None:
        infused_parts.tree = write_tree(ws, name, row, writer, strategy.infused_tree, "Decision tree of those infused")
        row = infused_parts.tree.next_row + 1
    for cohort, parts in ((itt, itt_parts), (infused, infused_parts)):
        if cohort is not None:
            parts.cohort = write_cohort(cohort, _start(model, strategy, main_tree, parts.tree, writer, cohort))
    if strategy.payments:  # instalments need no cohort; conditions read the cohort of those infused
        row, pv, nominal = write_payments(ws, name, row, writer, strategy, infused_parts.cohort)
        for parts in (itt_parts, infused_parts):
            charged = parts.tree.metrics.get("charged", "0") if parts.tree else "0"
            parts.payments_pv, parts.payments_nominal = f"{charged}*{pv}", f"{charged}*{nominal}"
    out = StrategyCells(name, sheets)
    _summary(book, ws, name, 3, "Results per person (everyone who starts)", rows, itt_parts, out.refs, "")
    if strategy.infused_tree is not None:
        top = 3 + len(rows) + 3
        _summary(book, ws, name, top, "Results per person infused", rows, infused_parts, out.refs, "_infused")
        if itt_parts.tree is not None and "infused" in itt_parts.tree.metrics:
            out.refs["infused_fraction"] = f"{quoted(name)}!{itt_parts.tree.metrics['infused']}"
    out.values_written = writer.values_written
    return out


def _summary_rows(model: DecisionModel) -> list[str]:
    rows = [f"cost_{c}" for c in model.cost_components] + ["cost"]
    rows += ["qalys"] if model.has_utilities else []
    rows += ["life_years"]
    rows += ["responder_fraction"] if model.has_response else []
    return rows


def _summary(
    book: Book, ws: Any, sheet: str, top: int, title: str, rows: list[str], p: _Parts, refs: dict, suffix: str
) -> None:
    """The results table: each source that contributes in its column, then the totals discounted and not."""
    sources = {key: _sources(key, p) for key in rows if key != "cost"}
    used = [j for j in range(len(COLUMNS)) if any(parts[j] for parts in sources.values())]
    col = {j: 1 + k for k, j in enumerate(used)}
    total, total_u = 1 + len(used), 2 + len(used)
    ws.write(top, 0, title, book.fmt("heading"))
    for j, h in enumerate(["", *(COLUMNS[j] for j in used), "total", "total, undiscounted"]):
        ws.write(top + 1, j, h, book.fmt("header"))
    ws.set_row(top + 1, 30)
    n_comps = sum(1 for key in rows if key.startswith("cost_"))
    for k, key in enumerate(rows):
        r = top + 2 + k
        ws.write(r, 0, key, book.fmt("bold"))
        if key == "cost":  # the sum of the components, as the engine adds them up
            for j in (total, total_u):
                text = f"=SUM({cell(top + 2, j)}:{cell(top + 1 + n_comps, j)})" if n_comps else "=0"
                ws.write_formula(r, j, text, book.fmt("bold", MONEY))
        else:
            parts = sources[key]
            for j, text in enumerate(parts):
                if text:
                    ws.write_formula(r, col[j], f"={text}", book.fmt("text", _number_format(key)))
            disc = [cell(r, col[j]) for j in (0, 2, 3, 4) if parts[j]]
            undisc = [cell(r, col[j]) for j in (1, 2, 3, 5) if parts[j]]
            ws.write_formula(r, total, "=" + ("+".join(disc) or "0"), book.fmt("bold", _number_format(key)))
            ws.write_formula(r, total_u, "=" + ("+".join(undisc) or "0"), book.fmt("bold", _number_format(key)))
        refs[f"{key}{suffix}"] = f"{quoted(sheet)}!{cell(r, total)}"
        if key in ("cost", "qalys", "life_years"):
            refs[f"{key}_undiscounted{suffix}"] = f"{quoted(sheet)}!{cell(r, total_u)}"
        if key == "cost_product" and p.payments_pv is not None and not suffix:
            refs["payment_pv"] = f"{quoted(sheet)}!{cell(r, col[4])}"
            refs["payment_nominal"] = f"{quoted(sheet)}!{cell(r, col[5])}"


def _number_format(key: str) -> str:
    return MONEY if key.startswith("cost") else DECIMAL


def _sources(key: str, p: _Parts) -> list[str | None]:
    """cohort, cohort undiscounted, tree, start, payments PV, payments nominal (None where nothing)."""
    c, t = p.cohort, p.tree
    if key.startswith("cost_"):
        comp = key[5:]
        pay = (p.payments_pv, p.payments_nominal) if comp == "product" else (None, None)
        return [
            c.costs.get(comp) if c else None,
            c.costs_undiscounted.get(comp) if c else None,
            t.costs.get(comp) if t else None,
            p.start.get(key),
            *pay,
        ]
    if key == "responder_fraction":
        return [None, None, t.responders if t else None, None, None, None]
    cohort = getattr(c, key, None) if c else None
    cohort_u = getattr(c, f"{key}_undiscounted", None) if c else None
    return [cohort, cohort_u, getattr(t, key, None) if t else None, p.start.get(key), None, None]


def _own_parameters(
    ws: Any,
    sheet: str,
    row: int,
    plan: StrategyPlan,
    writer: ExpressionWriter,
    inputs: dict[str, str],
    sheets: list[str],
) -> int:
    """This strategy's own values: overrides typed on Inputs, and the formulas that depend on them."""
    book = plan.book
    for name in plan.own:
        if name in inputs:
            for s in sheets:
                book.define(book.names[name], inputs[name], scope=s)
    computed = [n for n in plan.own if n not in inputs]
    if not computed:
        return row
    ws.write(
        row, 0, "Parameters whose value is this strategy's own (they use its settings on Inputs)", book.fmt("heading")
    )
    for j, h in enumerate(["name", "value", "atmpcli formula"]):
        ws.write(row + 1, j, h, book.fmt("header"))
    for k, name in enumerate(computed):
        r = row + 2 + k
        expr = plan.formulas[name]
        ws.write(r, 0, book.names[name])
        writer.write(ws, r, 1, expr, Where(sheet, START), None)
        ws.write(r, 2, expr.formula.text)
        for s in sheets:
            book.define(book.names[name], f"{quoted(sheet)}!{cell(r, 1)}", scope=s)
    return row + 2 + len(computed) + 1


def _start_cells(ws: Any, sheet: str, row: int, plan: StrategyPlan, writer: ExpressionWriter, s: Strategy) -> int:
    """Parameters that vary with time, at the start (for trees, start shares and prices)."""
    needs: set = set()
    for expr in _start_expressions(plan.model, s):
        plan.needs(expr, START, 1, needs)
    names = sorted({k[0] for k in needs})
    if not names:
        return row
    book = plan.book
    ws.write(row, 0, "Parameters that vary with time, at the start (cycle 0, time 0)", book.fmt("heading"))
    for k, name in enumerate(names):
        plan.start_cells[name] = f"{quoted(sheet)}!{cell(row + 1 + k, 1)}"
    for k, name in enumerate(names):
        ws.write(row + 1 + k, 0, name)
        writer.write(ws, row + 1 + k, 1, plan.formulas[name], Where(sheet, START), None)
    return row + 2 + len(names)


def _start_expressions(model: DecisionModel, s: Strategy) -> list:
    out: list = []

    def tree(t: Tree | None) -> None:
        if t is None:
            return
        stack = [t.payoff]
        out.extend(t.metrics.values())

        def walk(branches: list) -> None:
            for b in branches:
                stack.append(b.payoff)
                out.extend([b.p] if b.p is not None else [])
                out.extend(b.metrics.values())
                walk(b.children)

        walk(t.branches)
        for pay in stack:
            out.extend([*pay.costs.values(), *(e for e in (pay.qalys, pay.life_years) if e is not None)])

    tree(s.tree or model.tree)
    tree(s.infused_tree)
    if model.start is not None:
        out.extend([*model.start.costs.values(), *(e for e in (model.start.qalys, model.start.life_years) if e)])
    initial = s.initial if s.initial is not None else model.initial
    if initial is not None:
        out.extend(initial.shares.values())
    out.extend(plan.price for plan in s.payments)
    return out


def _start_payoff(ws: Any, sheet: str, row: int, writer: ExpressionWriter, parts: _Parts) -> int:
    """The scenario's one-off payoffs at the start (every strategy, undiscounted)."""
    book, start = writer.plan.book, writer.plan.model.start
    assert start is not None
    ws.write(row, 0, "One-off payoffs at the start (start: in the scenario)", book.fmt("heading"))
    items = [(f"cost_{c}", e) for c, e in start.costs.items()]
    items += [(k, getattr(start, k)) for k in ("qalys", "life_years") if getattr(start, k) is not None]
    for k, (key, e) in enumerate(items):
        ws.write(row + 1 + k, 0, key)
        writer.write(ws, row + 1 + k, 1, e, Where(sheet, START), MONEY if key.startswith("cost") else DECIMAL)
        parts.start[key] = cell(row + 1 + k, 1)
    return row + 2 + len(items)


def _start(
    model: DecisionModel,
    s: Strategy,
    main_tree: Tree | None,
    tree: TreeCells | None,
    w: ExpressionWriter,
    c: CohortSheet,
) -> list[str]:
    """Each trace column's share at t = 0: the tree's leaves, the start distribution, or all in the first state."""
    out = ["0"] * len(c.subs)
    if main_tree is not None and main_tree.enters_states and tree is not None:
        for i, reach in tree.enters.items():
            out[c.first_sub[i]] = "+".join(reach)
        return out
    initial = s.initial if s.initial is not None else model.initial
    if initial is None:
        out[0] = "1"
        return out
    for i, e in initial.shares.items():
        out[c.first_sub[i]] = w.text(e, Where(c.name, START))
    return out

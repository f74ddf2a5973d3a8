"""The Inputs sheet (settings, every parameter as a named cell, each strategy's values, payment terms) and
one sheet per look-up table."""

from __future__ import annotations

from typing import Any

from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.expressions import STATE_TIME, TIME_VARIABLES
from atmpcli.model.parameter_graph import ParameterGraph
from atmpcli.report.excel_twin.book import DECIMAL, Book, cell, column_range, quoted
from atmpcli.report.excel_twin.formulas import Table, Untranslatable, number, to_excel
from atmpcli.report.excel_twin.plan import SETTINGS

PARAMETER_HEADER = [
    "name",
    "value",
    "atmpcli formula",
    "Excel formula",
    "source or description",
    "distribution (PSA)",
    "low",
    "high",
    "set by strategies",
    "typed inline at",
]


def write_tables(book: Book, model: DecisionModel) -> dict[str, Table]:
    """One sheet per look-up table, its columns as named ranges ``NAME.key`` and ``NAME.value``."""
    out: dict[str, Table] = {}
    for name, table in model.tables.items():
        keys, values = getattr(table, "keys", None), getattr(table, "values", None)
        if keys is None or values is None:
            continue  # not a look-up table of key and value columns: formulas using it are written as values
        ws, sheet = book.sheet(f"Table {name}")
        ws.write(0, 0, f"Look-up table {name} ({getattr(table, 'interpolation', 'step')})", book.fmt("title"))
        ws.write_url(1, 0, "internal:'Inputs'!A1", book.fmt("link"), "Inputs")
        ws.write(3, 0, "key", book.fmt("header"))
        ws.write(3, 1, "value", book.fmt("header"))
        for k, (x, y) in enumerate(zip(keys, values, strict=True)):
            ws.write_number(4 + k, 0, float(x), book.fmt("input"))
            ws.write_number(4 + k, 1, float(y), book.fmt("input", "0.000000"))
        last = 4 + len(keys) - 1
        key_name, value_name = book.names.add(f"{name}.key"), book.names.add(f"{name}.value")
        book.define(key_name, f"{quoted(sheet)}!{column_range(0, 4, last)}")
        book.define(value_name, f"{quoted(sheet)}!{column_range(1, 4, last)}")
        ws.set_column(0, 1, 12)
        ws.freeze_panes(4, 0)
        out[name] = Table(key_name, value_name, getattr(table, "interpolation", "step"))
    return out


def settings_rows(model: DecisionModel) -> list[tuple[str, str | None, Any, str]]:
    """(label, workbook name or None, value, kind: input/fixed/text)."""
    s = model.settings
    rows: list[tuple[str, str | None, Any, str]] = [
        ("cycle length (years)", SETTINGS["cycle_length"], s.cycle_length, "fixed"),
        ("number of cycles", SETTINGS["n_cycles"], s.n_cycles, "fixed"),
        ("counting method", None, s.method, "text"),
        ("discount timing", None, s.discount_timing, "text"),
        ("state values per", None, s.state_values_per, "text"),
        ("discount rate, costs (per year)", SETTINGS["discount_costs"], s.discount.costs, "input"),
        ("discount rate, effects (per year)", SETTINGS["discount_effects"], s.discount.effects, "input"),
    ]
    if s.start_age is not None:
        rows.append(("age at the start", SETTINGS["start_age"], s.start_age, "input"))
    rows.append(("cohort size", SETTINGS["cohort_size"], s.cohort_size, "input"))
    rows += [(f"willingness to pay {k + 1}", f"settings.wtp_{k + 1}", w, "input") for k, w in enumerate(s.wtp)]
    rows += [
        ("effect of the incremental analysis", None, s.effect, "text"),
        ("currency", None, model.currency, "text"),
        ("price year", None, model.price_year or "", "text"),
    ]
    return rows


def write_inputs(
    book: Book,
    ws: Any,
    model: DecisionModel,
    tables: dict[str, Table],
    typed_at: dict[str, str],
    base: dict[str, float],
) -> dict[str, dict[str, str]]:
    """Fill the Inputs sheet; return, per strategy, the cell of each parameter value it sets."""
    ws.write(0, 0, f"Inputs: {model.title or model.name}", book.fmt("title"))
    ws.write_url(1, 0, "internal:'Index'!A1", book.fmt("link"), "Index")
    ws.write(1, 1, "Blue cells on yellow are inputs: change them and the workbook recomputes.", book.fmt("note"))
    row = _settings(book, ws, model, 3)
    row = _parameters(book, ws, model, tables, typed_at, base, row + 1)
    row, by_strategy = _strategy_values(book, ws, model, row + 1)
    _payment_terms(book, ws, model, row + 1)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 17)
    ws.set_column(2, 3, 38)
    ws.set_column(4, 4, 40)
    ws.set_column(5, 5, 30)
    ws.set_column(6, 9, 12)
    return by_strategy


def _settings(book: Book, ws: Any, model: DecisionModel, row: int) -> int:
    r = book.table_head(ws, row, "Settings", ["setting", "value", "name"])
    for label, name, value, kind in settings_rows(model):
        ws.write(r, 0, label)
        if kind == "text":
            ws.write(r, 1, value)
        else:
            ws.write_number(r, 1, float(value), book.fmt("input" if kind == "input" else "value"))
            ws.write(r, 2, name + ("" if kind == "input" else " (fixed: it sets the layout of the cohort sheets)"))
            book.define(book.names.add(name), f"Inputs!{cell(r, 1)}")  # type: ignore[arg-type]
        r += 1
    return r


def _parameters(
    book: Book,
    ws: Any,
    model: DecisionModel,
    tables: dict[str, Table],
    typed_at: dict[str, str],
    base: dict[str, float],
    row: int,
) -> int:
    first = book.table_head(ws, row, "Parameters (base case: the strategies' own values are below)", PARAMETER_HEADER)
    ws.freeze_panes(0, 1)
    timed = ParameterGraph.of(model.parameters).depending_on({*TIME_VARIABLES, STATE_TIME})
    for name in model.parameters:
        book.names.add(name)

    def shown(n: str) -> str:
        return n if n in (*TIME_VARIABLES, STATE_TIME) else book.names[n]

    r = first
    for name, expr in model.parameters.items():
        info = model.parameter_info.get(name)
        try:
            excel = to_excel(expr.formula, shown, tables)
        except Untranslatable as exc:
            excel = f"(no Excel form: {exc})"
        ws.write(r, 0, book.names[name], book.fmt("bold"))
        if name in timed:
            ws.write(r, 1, "varies with time", book.fmt("note"))
        elif expr.formula.is_constant and _is_number(expr.formula.text):
            ws.write_number(r, 1, base[name], book.fmt("input"))
        elif expr.formula.is_constant:  # arithmetic typed as the input (1 / 111): kept, to show where it came from
            ws.write_formula(r, 1, "=" + excel, book.fmt("input"), base.get(name, 0.0))
        elif excel.startswith("(no Excel form"):
            ws.write_number(r, 1, base[name], book.fmt("value"))
        else:
            ws.write_formula(r, 1, "=" + excel, book.fmt("text"))
        if name not in timed:
            book.define(book.names[name], f"Inputs!{cell(r, 1)}")
        ws.write(r, 2, "" if expr.formula.is_constant else expr.formula.text)
        ws.write(r, 3, "" if expr.formula.is_constant else "=" + excel if name not in timed else excel)
        if info is not None:
            ws.write(r, 4, info.source)
            ws.write(r, 5, info.distribution)
            for j, v in ((6, info.low), (7, info.high)):
                if v is not None:
                    ws.write(r, j, v)
        ws.write(r, 8, ", ".join(s.name for s in model.strategies if name in s.overrides))
        ws.write(r, 9, typed_at.get(name, ""))
        r += 1
    return r


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _strategy_values(book: Book, ws: Any, model: DecisionModel, row: int) -> tuple[int, dict[str, dict[str, str]]]:
    """Parameters set by strategies: one column per strategy, numbers as inputs (formulas are computed on
    the strategy's own sheet, where its other values are in scope)."""
    names = [n for n in model.parameters if any(n in s.overrides for s in model.strategies)]
    out: dict[str, dict[str, str]] = {s.name: {} for s in model.strategies}
    if not names:
        return row, out
    title = "Values set by strategies (blank: the base case above)"
    book.table_head(ws, row, title, ["parameter", *(s.name for s in model.strategies)])
    for k, name in enumerate(names):
        r = row + 2 + k
        ws.write(r, 0, book.names[name], book.fmt("bold"))
        for j, s in enumerate(model.strategies):
            e = s.overrides.get(name)
            if e is None:
                continue
            if e.formula.is_constant:
                value = float(e.formula.evaluate({}))
                ws.write_number(r, 1 + j, value, book.fmt("input"))
                out[s.name][name] = f"Inputs!{cell(r, 1 + j)}"
            else:
                ws.write(r, 1 + j, f"{e.formula.text} (on its sheet)", book.fmt("note"))
    return row + 2 + len(names), out


def _payment_terms(book: Book, ws: Any, model: DecisionModel, row: int) -> int:
    """Payment terms of cell/gene therapies (times and numbers of instalments fix the layout)."""
    plans = {p.treatment: p for s in model.strategies for p in s.payments}
    if not plans:
        return row
    r = book.table_head(ws, row, "Payment terms", ["term", "value", "name"])
    for key, plan in plans.items():
        terms = plan.terms
        items: list[tuple[str, str, float, bool]] = [(f"{key}: type {terms.type}", "", 0.0, False)]
        if terms.type == "instalments":
            items.append((f"{key}: financing rate", f"payment.{key}.financing_rate", terms.financing_rate, True))
        if terms.type == "outcome_based":
            for k, (t, f) in enumerate(zip(terms.times, terms.fractions, strict=True)):
                items.append((f"{key}: share paid at {number(t)} years", f"payment.{key}.fraction_{k + 1}", f, True))
        if terms.rebate_fraction:
            items.append((f"{key}: rebate share", f"payment.{key}.rebate_fraction", terms.rebate_fraction, True))
        for label, name, value, is_input in items:
            ws.write(r, 0, label)
            if is_input:
                ws.write_number(r, 1, value, book.fmt("input", DECIMAL))
                ws.write(r, 2, book.names.add(name))
                book.define(book.names[name], f"Inputs!{cell(r, 1)}")
            r += 1
    return r

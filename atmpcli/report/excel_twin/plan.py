"""What a strategy's sheets need: its parameters (shared, its own, varying with time) and how each name in
a formula becomes Excel text at a given place of the workbook.

Mirrors ``atmpcli/model/parameters.py``: a strategy's formulas are the model's with its overrides; the
parameters that depend on cycle, time, age or state_time are evaluated per cycle (transitions), per time
point (state values) or at the start (trees, start distributions, prices); the others once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atmpcli.model.decision_model import DecisionModel, Strategy
from atmpcli.model.expressions import STATE_TIME, TIME_VARIABLES, Expression
from atmpcli.model.parameter_graph import ParameterGraph
from atmpcli.report.excel_twin.book import Book, col_name
from atmpcli.report.excel_twin.formulas import Table, Untranslatable, to_excel

START, CYCLE, POINT = "start", "cycle", "point"
ROW = "\x00"  # stands for the row number in a translation shared by the rows of a cohort sheet

# Settings as workbook names; the periods keep them apart from atmpcli names, which have none.
SETTINGS = {
    "cycle_length": "settings.cycle_length",
    "n_cycles": "settings.n_cycles",
    "discount_costs": "settings.discount_costs",
    "discount_effects": "settings.discount_effects",
    "start_age": "settings.start_age",
    "cohort_size": "settings.cohort_size",
}


@dataclass(frozen=True)
class Where:
    """Where a formula is written: its sheet, the clock it sees and, in a cohort sheet, its row."""

    sheet: str
    kind: str  # START, CYCLE (transitions of cycle t, from t-1 to t) or POINT (time point t)
    row: int | None = None  # 0-based row of the cohort sheet
    state_time: int = 1
    t: int = 0  # the time point (cycle t runs from t-1 to t) of that row


@dataclass
class TimeColumns:
    """The cohort sheet's clock columns (0-based), for cycle, time and age in formulas."""

    t: int
    years: int
    age: int | None
    cycle_years: int
    cycle_age: int | None


@dataclass
class StrategyPlan:
    """One strategy's parameter graph and the cells its time-varying parameters occupy."""

    model: DecisionModel
    strategy: Strategy
    book: Book
    tables: dict[str, Table]
    main_sheet: str = ""
    formulas: dict[str, Expression] = field(init=False)
    timed: set[str] = field(init=False)  # vary with cycle, time, age or state_time
    with_time: set[str] = field(init=False)  # vary with cycle, time or age
    with_state_time: set[str] = field(init=False)
    own: list[str] = field(init=False)  # time-independent parameters whose value is this strategy's own
    start_cells: dict[str, str] = field(default_factory=dict)  # timed parameter -> its cell at the start
    columns: dict[str, dict[tuple[str, str, int | None], int]] = field(default_factory=dict)  # per cohort sheet
    clocks: dict[str, TimeColumns] = field(default_factory=dict)  # per cohort sheet
    path_columns: dict[str, dict[str, int]] = field(default_factory=dict)  # tree sheet -> path value -> column
    _translated: dict[tuple[int, str, str, int], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.formulas = {**self.model.parameters, **self.strategy.overrides}
        graph = ParameterGraph.of(self.formulas)
        self.timed = graph.depending_on({*TIME_VARIABLES, STATE_TIME})
        self.with_time = graph.depending_on(TIME_VARIABLES)
        self.with_state_time = graph.depending_on({STATE_TIME})
        changed = set(self.strategy.overrides) | graph.depending_on(set(self.strategy.overrides))
        self.own = [n for n in graph.order() if n in changed and n not in self.timed]

    def key(self, name: str, kind: str, state_time: int) -> tuple[str, str, int | None]:
        return (name, kind, state_time if name in self.with_state_time else None)

    def needs(self, expr: Expression, kind: str, state_time: int, out: set[tuple[str, str, int | None]]) -> None:
        """Add to ``out`` the time-varying parameters (with their state_time) that ``expr`` uses in ``kind``."""
        for name in expr.formula.names:
            if name in self.timed:
                key = self.key(name, kind, state_time)
                if key not in out:
                    out.add(key)
                    self.needs(self.formulas[name], kind, state_time, out)

    def varies(self, expr: Expression | None, with_state_time: bool = True) -> bool:
        """True when ``expr`` uses a time variable or a time-varying parameter."""
        if expr is None:
            return False
        names = expr.formula.names
        timed = self.timed if with_state_time else self.with_time
        return bool(names & (timed | set(TIME_VARIABLES)) or (with_state_time and STATE_TIME in names))

    def excel(self, expr: Expression, where: Where) -> str:
        """``expr`` as an Excel formula (without '=') written at ``where``; raises Untranslatable.

        Each expression is translated once per sheet, clock and state_time, with a marker for the row
        number of the cells it refers to on its row (a cohort sheet writes it on every row).
        """
        key = (id(expr.formula), where.sheet, where.kind, where.state_time)
        if key not in self._translated:
            general = Where(where.sheet, where.kind, None, where.state_time)
            self._translated[key] = to_excel(expr.formula, lambda name: self.resolve(name, general), self.tables)
        text = self._translated[key]
        return text.replace(ROW, str(where.row + 1)) if ROW in text else text  # type: ignore[operator]

    def resolve(self, name: str, where: Where) -> str:
        if name == STATE_TIME:
            return str(where.state_time)
        if name in TIME_VARIABLES:
            return self._clock(name, where)
        if name in self.path_columns.get(where.sheet, {}):  # a decision tree's path value, on the row given
            return f"{col_name(self.path_columns[where.sheet][name])}{ROW}"
        if name in self.timed:
            if where.kind == START:
                ref = self.start_cells.get(name)
                if ref is None:
                    raise Untranslatable(f"{name} at the start has no cell")
                return ref if where.sheet != self.main_sheet else ref.split("!", 1)[1]
            col = self.columns[where.sheet][self.key(name, where.kind, where.state_time)]
            return f"{col_name(col)}{ROW}"
        if name in self.model.parameters:
            return self.book.names[name]
        raise Untranslatable(f"unknown name '{name}'")

    def _clock(self, name: str, where: Where) -> str:
        if where.kind == START:
            if name == "age":
                return SETTINGS["start_age"]
            return "0"
        c = self.clocks[where.sheet]
        col = {
            (CYCLE, "cycle"): c.t,
            (CYCLE, "time"): c.cycle_years,
            (CYCLE, "age"): c.cycle_age,
            (POINT, "cycle"): c.t,
            (POINT, "time"): c.years,
            (POINT, "age"): c.age,
        }[(where.kind, name)]
        if col is None:
            raise Untranslatable("age needs settings.start_age")
        return f"${col_name(col)}{ROW}"


def engine_parameters(model: DecisionModel, strategy: Strategy) -> Any:
    """The engine's parameters of ``strategy`` (for the values written where a formula cannot be)."""
    from atmpcli.model.parameters import Parameters

    return Parameters(model, strategy, None, 1)

"""Writing one model input into a cell: as an Excel formula, or as atmpcli's value with a note saying why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.model.expressions import Expression
from atmpcli.report.excel_twin.book import cell
from atmpcli.report.excel_twin.formulas import Untranslatable, number
from atmpcli.report.excel_twin.plan import CYCLE, POINT, START, StrategyPlan, Where, engine_parameters


@dataclass
class ExpressionWriter:
    """Writes a strategy's expressions; keeps the list of cells that hold values instead of formulas."""

    plan: StrategyPlan
    params: Any = None
    values_written: list[str] = field(default_factory=list)  # "sheet!cell: why"

    def write(
        self,
        ws: Any,
        row: int,
        col: int,
        expr: Expression,
        where: Where,
        num_format: str | None,
        path: dict[str, np.ndarray] | None = None,
    ) -> None:
        """``path``: the engine's path values where a tree formula is written, for the value if need be."""
        book = self.plan.book
        try:
            ws.write_formula(row, col, "=" + self.plan.excel(expr, where), book.fmt("text", num_format))
        except Untranslatable as exc:
            ws.write_number(row, col, self.value(expr, where, path), book.fmt("value", num_format))
            why = f"atmpcli's value, not a formula: {exc} ('{expr.formula.text}')"
            ws.write_comment(row, col, why)
            self.values_written.append(f"{where.sheet}!{_ref(row, col)}: {why}")

    def text(self, expr: Expression, where: Where) -> str:
        """``expr`` as a piece of a larger formula: its translation, or atmpcli's value as a number."""
        try:
            return self.plan.excel(expr, where)
        except Untranslatable as exc:
            self.values_written.append(f"{where.sheet} row {(where.row or 0) + 1}: {exc} ('{expr.formula.text}')")
            return number(self.value(expr, where))

    def value(self, expr: Expression, where: Where, path: dict[str, np.ndarray] | None = None) -> float:
        """The engine's value of ``expr`` at ``where`` (base case)."""
        p = self.engine()
        if where.kind == START:
            return float(p.at_start(expr, path)[0])
        a = p.value(expr, p.context(CYCLE if where.kind == CYCLE else POINT, where.state_time))
        t = 0 if a.shape[1] == 1 else (where.t - 1 if where.kind == CYCLE else where.t)
        return float(np.asarray(a)[0, t, -1 if a.shape[2] > 1 else 0])

    def engine(self) -> Any:
        """The engine's parameters of the strategy (base case), made when first needed."""
        if self.params is None:
            self.params = engine_parameters(self.plan.model, self.plan.strategy)
        return self.params


def _ref(row: int, col: int) -> str:
    return cell(row, col, absolute=False)

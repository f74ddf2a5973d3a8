"""What every part of the compiler shares: the validated spec, the problems found so far, and the
small steps that turn spec values into model inputs (formulas, costs, payoffs, state references).

The compiler collects every problem instead of stopping at the first, so that one run of ``validate``
lists them all; each problem is located in the YAML file.
"""

from __future__ import annotations

import difflib
import keyword
from pathlib import Path
from typing import Any

from atmpcli.errors import FormulaError, Problem
from atmpcli.model.decision_model import Payoff
from atmpcli.model.expressions import Expression
from atmpcli.model.survival_model import SurvivalModel
from atmpcli.scenario import schema as S
from atmpcli.scenario.compiled import RESERVED, VALID_NAME
from atmpcli.scenario.formula import FUNCTIONS, parse
from atmpcli.scenario.yamlfile import Loc, YamlDocument


def formula_text(value: float | str) -> str:
    """A spec value as a piece of formula text: a number as itself, a formula in brackets."""
    return f"({value})" if isinstance(value, str) else repr(float(value))


class Compiler:
    """The state of one compilation: the spec, where it came from, and the problems found."""

    def __init__(self, path: Path, doc: YamlDocument, spec: S.ScenarioSpec) -> None:
        self.path, self.doc, self.spec = path, doc, spec
        self.problems: list[Problem] = []
        self.state_index: dict[str, int] = {n: i for i, n in enumerate(spec.states)}
        self.table_names = frozenset(spec.tables)
        self.components: list[str] = []  # cost components, in the order they first appear
        self.curves: SurvivalModel | None = None  # survival curves, for surv() and event_prob() (compile_survival.py)

    def fail(self, loc: Loc, message: str, *, key: bool = False) -> None:
        """Record a problem at ``loc`` (at its key rather than its value with ``key``). A subtree repeated by
        a YAML alias is compiled once per use: the same message at the same line and column is said once."""
        problem = self.doc.problem(loc, message, key=key)
        where = (problem.line, problem.column, problem.message)
        if problem.line is None or not any((p.line, p.column, p.message) == where for p in self.problems):
            self.problems.append(problem)

    def data_file(self, name: str, loc: Loc, what: str) -> Path | None:
        """The file ``name`` (a look-up table, patient data, a life table) if the scenario may read it
        (scenario/paths.py); otherwise None and a problem at ``loc``."""
        from atmpcli.scenario.paths import confine

        try:
            path = confine(self.doc.limits, self.path.parent, name, what)
        except ValueError as exc:
            self.fail(loc, str(exc))
            return None
        if not path.exists():  # said here, at the scenario's key, rather than by the reader with the file alone
            self.fail(loc, f"{what} {path} not found")
            return None
        return path

    def unknown(self, loc: Loc, name: str, known: list[str], what: str) -> None:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else (f" (known: {', '.join(known)})" if known else "")
        self.fail(loc, f"unknown {what} '{name}'{hint}")

    def check_names(self, names: dict[str, Any], loc: Loc, what: str) -> None:
        for name in names:
            if keyword.iskeyword(name):
                self.fail(
                    (*loc, name),
                    f"'{name}' is a reserved word of the formula language (as in Python); choose another {what} name",
                    key=True,
                )
            elif not VALID_NAME.match(name):
                self.fail(
                    (*loc, name),
                    f"'{name}' is not a valid {what} name (letters, digits and _; not starting with a digit)",
                    key=True,
                )
            elif name in RESERVED or name in FUNCTIONS:
                self.fail((*loc, name), f"'{name}' is reserved; choose another {what} name", key=True)
            elif what == "parameter" and name in self.table_names:
                self.fail((*loc, name), f"'{name}' is also a table name", key=True)

    def expr(self, value: float | str, loc: Loc) -> Expression | None:
        """A number or formula as an expression located at ``loc``; None (and a problem) if it is invalid."""
        if isinstance(value, str) and value.strip() == S.REST:
            self.fail(loc, f"'{S.REST}' is only allowed in a transition row or as a branch probability")
            return None
        try:
            return Expression(parse(value, self.table_names, self.curves), loc)
        except FormulaError as exc:
            self.fail(loc, str(exc))
            return None

    def optional(self, value: float | str | None, loc: Loc) -> Expression | None:
        return None if value is None else self.expr(value, loc)

    def component(self, name: str, loc: Loc) -> None:
        """Declare a cost component (the columns cost_<component> of the results)."""
        if not VALID_NAME.match(name) or name == "total":
            self.fail(
                loc, f"'{name}' is not a valid cost component name (letters, digits and _; not 'total')", key=True
            )
        elif name not in self.components:
            self.components.append(name)

    def costs(self, costs: dict[str, float | str], loc: Loc) -> dict[str, Expression]:
        out = {}
        for comp, value in costs.items():
            self.component(comp, (*loc, comp))
            e = self.expr(value, (*loc, comp))
            if e is not None:
                out[comp] = e
        return out

    def payoff(self, spec: Any, loc: Loc) -> Payoff:
        """One-off costs, QALYs and life-years of a spec that has them (a branch, a treatment, ...)."""
        return Payoff(
            costs=self.costs(spec.costs, (*loc, "costs")),
            qalys=self.optional(spec.qalys, (*loc, "qalys")),
            life_years=self.optional(spec.life_years, (*loc, "life_years")),
        )

    def state_ref(self, name: str, loc: Loc) -> int | None:
        """The index of state ``name``; None (and a problem) if there is no such state."""
        if name in self.state_index:
            return self.state_index[name]
        if not self.state_index:
            self.fail(loc, f"refers to state '{name}' but the scenario defines no states")
        else:
            self.unknown(loc, name, list(self.state_index), "state")
        return None

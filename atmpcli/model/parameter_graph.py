"""The parameter graph: which parameter uses which, circular definitions, and the evaluation order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from atmpcli.model.expressions import Expression


@dataclass(frozen=True)
class ParameterGraph:
    """Parameters and the names each one's formula uses (names that are not parameters are ignored)."""

    uses: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, formulas: Mapping[str, Expression]) -> ParameterGraph:
        return cls({name: e.formula.names for name, e in formulas.items()})

    def cycle(self) -> list[str] | None:
        """A circular definition ``[a, b, a]`` if there is one (the first found, in a stable order)."""
        deps = self.uses
        state: dict[str, int] = {}  # 1: being visited, 2: done
        stack: list[str] = []

        def visit(n: str) -> list[str] | None:
            state[n] = 1
            stack.append(n)
            for m in sorted(deps.get(n, ())):
                if m not in deps:
                    continue
                if state.get(m) == 1:
                    return stack[stack.index(m) :] + [m]
                if m not in state:
                    found = visit(m)
                    if found:
                        return found
            stack.pop()
            state[n] = 2
            return None

        for n in deps:
            if n not in state:
                found = visit(n)
                if found:
                    return found
        return None

    def order(self) -> list[str]:
        """Parameters ordered so each comes after the parameters it uses (the graph must be acyclic)."""
        deps = self.uses
        order: list[str] = []
        done: set[str] = set()

        def visit(n: str) -> None:
            done.add(n)
            for m in deps[n]:
                if m in deps and m not in done:
                    visit(m)
            order.append(n)

        for n in deps:
            if n not in done:
                visit(n)
        return order

    def depending_on(self, names: Iterable[str]) -> set[str]:
        """Parameters that use any of ``names``, directly or through other parameters."""
        found: set[str] = set()
        roots = set(names)
        for n in self.order():
            if self.uses[n] & (found | roots):
                found.add(n)
        return found

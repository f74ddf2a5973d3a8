"""Path values in decision trees (``set:`` on a branch or the tree's root), checked with the whole model.

A path value is a name for the formulas of the branch that sets it and of every branch below it: its
payoffs, metrics, the probabilities of the branches below and their own path values. It is evaluated with
the values of the path above, so ``u_seq: u_seq * u_sev`` multiplies what was set higher up. The branch's
own probability is that of its parent's chance node, so it sees the path above, not the branch's values.
"""

from __future__ import annotations

from collections.abc import Iterator

from atmpcli.errors import Origin
from atmpcli.model.decision_model import Branch, DecisionModel, Payoff, Tree
from atmpcli.model.expressions import Expression
from atmpcli.scenario.compiler import Compiler


class PathScopes:
    """For each tree formula, the path values it may use; and where each path value name is set."""

    def __init__(self) -> None:
        self.visible: dict[int, frozenset[str]] = {}  # id(expression) -> path values set above it
        self.together: dict[int, tuple[str, frozenset[str]]] = {}  # id(a path value's formula) -> its name, its set:
        self.set_at: dict[str, Origin] = {}  # path value -> the first place it is set

    def names(self, expr: Expression) -> frozenset[str]:
        return self.visible.get(id(expr), frozenset())

    def misuse(self, expr: Expression, name: str, line: int | None) -> str | None:
        """Why ``expr`` cannot use ``name`` when ``name`` is a path value; None when it is not one."""
        key, together = self.together.get(id(expr), ("", frozenset()))
        if name == key:
            return f"'{name}' refers to the value of {name} on the path above, but no branch above sets it"
        if name in together:
            return (
                f"'{name}' is set in the same set: mapping; its formulas are evaluated together, with the "
                "values of the path above (set it on a branch above to use it here)"
            )
        if name in self.set_at:
            return (
                f"'{name}' is a path value (set on line {line}); only the payoffs of the branch that sets it "
                "and the branches below it can use it"
            )
        if id(expr) in self.visible:
            return f"unknown name '{name}': neither a parameter nor a path value set on this branch or above"
        return None


def path_scopes(c: Compiler, model: DecisionModel) -> PathScopes:
    """Scopes of every tree's formulas; reports path values named like a parameter or never used."""
    scopes = PathScopes()
    taken = set(model.parameters) | set(model.tables)
    seen: set[int] = set()
    for tree in [model.tree, *(s.tree for s in model.strategies)]:
        if tree is None or id(tree) in seen:
            continue
        seen.add(id(tree))
        _node(c, scopes, taken, tree.values, _own(tree.payoff, tree.metrics), tree.branches, frozenset())
    return scopes


def _node(
    c: Compiler,
    scopes: PathScopes,
    taken: set[str],
    values: dict[str, Expression],
    own: list[Expression],
    children: list[Branch],
    above: frozenset[str],
) -> None:
    for name, e in values.items():
        scopes.visible[id(e)] = above
        scopes.together[id(e)] = (name, frozenset(values))
        scopes.set_at.setdefault(name, e.origin)
        if name in taken:
            c.fail(
                e.origin,
                f"'{name}' is a parameter; give the path value a name of its own "
                "(a parameter's formula is not evaluated again below a branch)",
                key=True,
            )
        elif not _used(name, own, values) and not _used_below(name, children):
            c.fail(
                e.origin,
                f"path value '{name}' is not used by this branch's payoffs nor by any branch below it; "
                "set it on the branch whose subtree uses it",
                key=True,
            )
    inside = above | frozenset(values)
    for e in own:
        scopes.visible[id(e)] = inside
    for b in children:
        if b.p is not None:
            scopes.visible[id(b.p)] = inside
        _node(c, scopes, taken, b.values, _own(b.payoff, b.metrics), b.children, inside)


def _used(name: str, own: list[Expression], values: dict[str, Expression]) -> bool:
    """Whether a node's payoffs use ``name``, or another of its path values does (an error of its own)."""
    others = [e for k, e in values.items() if k != name]
    return any(name in e.formula.names for e in [*own, *others])


def _own(payoff: Payoff, metrics: dict[str, Expression]) -> list[Expression]:
    """A node's payoff and metric formulas (evaluated with its own path values)."""
    out = [*payoff.costs.values(), *(e for e in (payoff.qalys, payoff.life_years) if e is not None)]
    return out + list(metrics.values())


def _used_below(name: str, branches: list[Branch]) -> bool:
    """Whether a formula below sees (and uses) the value of ``name`` set above ``branches``."""
    for b in branches:
        if any(name in e.formula.names for e in _seeing_above(b)):
            return True
        if name not in b.values and (
            any(name in e.formula.names for e in _own(b.payoff, b.metrics)) or _used_below(name, b.children)
        ):
            return True
    return False


def _seeing_above(b: Branch) -> Iterator[Expression]:
    if b.p is not None:
        yield b.p
    yield from b.values.values()


def tree_expressions(tree: Tree) -> list[Expression]:
    """The formulas of a tree's path values (the other tree formulas are listed by consistency.py)."""
    out = list(tree.values.values())

    def walk(branches: list[Branch]) -> None:
        for b in branches:
            out.extend(b.values.values())
            walk(b.children)

    walk(tree.branches)
    return out

"""Which input parameters move only costs, only utilities or only deaths: the ones a monotonicity test may raise.

A parameter is a *cost input* when it is a plain number and every formula that uses it, directly or through
other parameters, is a cost (of a state, a transition, a tree branch, the start, or a therapy's price). A
*utility input* likewise reaches only utilities and one-off QALYs, a *mortality input* only the
transition probabilities out of alive states, at least one of them into a dead state (a death probability,
a hazard, an SMR that scales one, also where the other probabilities of the row are written ``(1 - p_die) *
...``). Raising a cost input can then change nothing but costs, and should never lower them; raising a
utility input should never lower QALYs; moving more of the cohort into a dead state, which nobody leaves and
where nobody accrues life-years, should never raise life-years.
"""

from __future__ import annotations

from collections.abc import Iterator

from atmpcli.model.decision_model import Branch, DecisionModel, Payoff, Tree
from atmpcli.model.expressions import Expression

COST, UTILITY, DEATH, TRANSITION, OTHER = "cost", "utility", "death", "transition", "other"


def _payoff(p: Payoff | None) -> Iterator[tuple[str, Expression]]:
    if p is None:
        return
    for e in p.costs.values():
        yield COST, e
    for e in (p.qalys,):
        if e is not None:
            yield UTILITY, e
    if p.life_years is not None:
        yield OTHER, p.life_years


def _branches(branches: list[Branch]) -> Iterator[tuple[str, Expression]]:
    for b in branches:
        if b.p is not None:
            yield OTHER, b.p
        yield from _payoff(b.payoff)
        for e in b.metrics.values():
            yield OTHER, e
        yield from _branches(b.children)


def transition_role(model: DecisionModel, source: int, target: int) -> str:
    """DEATH from an alive state into a dead one, TRANSITION from an alive state to an alive one, OTHER
    out of a dead state (which nobody leaves: scenario/sanity.py)."""
    if not model.states[source].alive:
        return OTHER
    return TRANSITION if model.states[target].alive else DEATH


def _tree(tree: Tree) -> Iterator[tuple[str, Expression]]:
    """A tree's formulas; those with path values (set:) count as other: their value depends on the path."""
    found = [*_payoff(tree.payoff), *((OTHER, e) for e in tree.metrics.values()), *_branches(tree.branches)]
    path = {n for b in _walk(tree.branches) for n in b.values} | set(tree.values)
    for e in [*tree.values.values(), *(e for b in _walk(tree.branches) for e in b.values.values())]:
        yield OTHER, e
    for role, e in found:
        yield (OTHER if e.formula.names & path else role), e


def _walk(branches: list[Branch]) -> Iterator[Branch]:
    for b in branches:
        yield b
        yield from _walk(b.children)


def uses(model: DecisionModel) -> Iterator[tuple[str, Expression]]:
    """Every formula of the model outside its parameters, with its role (cost, utility, death, transition
    or other: see :func:`transition_role`)."""
    for st in model.states:
        for e in st.costs.values():
            yield COST, e
        if st.utility is not None:
            yield UTILITY, st.utility
    for row in model.transitions:
        for target, e in row.probabilities.items():
            yield transition_role(model, row.source, target), e
    for r in model.transition_rewards:
        yield from _payoff(r.payoff)
    yield from _payoff(model.start)
    starts = [model.initial] + [s.initial for s in model.strategies]
    for init in starts:
        if init is not None:
            for e in init.shares.values():
                yield OTHER, e
    for s in model.strategies:
        for plan in s.payments:
            yield COST, plan.price
    for tree in [model.tree] + [t for s in model.strategies for t in (s.tree, s.infused_tree)]:
        if tree is not None:
            yield from _tree(tree)
    for u in model.uncertain.values():
        for e in u.given.values():
            yield OTHER, e


def roles(model: DecisionModel) -> dict[str, set[str]]:
    """Parameter -> the roles of the formulas that use it, directly or through other parameters."""
    formulas: dict[str, list[Expression]] = {n: [e] for n, e in model.parameters.items()}
    for s in model.strategies:
        for n, e in s.overrides.items():
            formulas.setdefault(n, []).append(e)
    found: dict[str, set[str]] = {n: set() for n in model.parameters}

    def reach(names: frozenset[str], role: str, seen: set[str]) -> None:
        for n in names:
            if n in found and n not in seen:
                seen.add(n)
                found[n].add(role)
                for e in formulas.get(n, []):
                    reach(e.formula.names, role, seen)

    for role, e in uses(model):
        reach(e.formula.names, role, set())
    surv = model.survival
    if surv is not None:  # curves read their parameters by name, not through formulas
        for curve in surv.known():
            reach(surv.names(curve), OTHER, set())
    return found


def inputs_moving_only(model: DecisionModel, role: str, candidates: dict[str, float]) -> list[str]:
    """The ``candidates`` (plain-number parameters) whose formulas are all of ``role``."""
    r = roles(model)
    return [n for n in candidates if r.get(n) == {role}]


def mortality_inputs(model: DecisionModel, candidates: dict[str, float]) -> list[str]:
    """The ``candidates`` that reach only transition probabilities out of alive states, one at least into
    a dead state. Shares of a Dirichlet group are left out: raised alone, their row no longer sums to 1."""
    r = roles(model)
    shares = {n for g in model.dirichlet for n in g.parameters}
    return [n for n in candidates if DEATH in r.get(n, set()) and r[n] <= {DEATH, TRANSITION} and n not in shares]

"""The parameter graph: dependency cycles, evaluation order, and every formula of a scenario."""

from __future__ import annotations

from atmpcli.scenario.compiled import Branch, Expression, Payoff, Scenario


def enters_states(branches: list[Branch]) -> bool:
    return any(b.state is not None or enters_states(b.children) for b in branches)


def find_cycle(deps: dict[str, frozenset[str] | set[str]]) -> list[str] | None:
    """Return a dependency cycle ``[a, b, a]`` among ``deps`` if there is one."""
    state: dict[str, int] = {}
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


def topological_order(deps: dict[str, frozenset[str]]) -> list[str]:
    """Parameters ordered so each comes after the parameters it uses (graph known to be acyclic)."""
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


def all_expressions(sc: Scenario) -> list[Expression]:
    out: list[Expression] = list(sc.parameters.values())

    def payoff(p: Payoff | None) -> None:
        if p:
            out.extend(p.costs.values())
            out.extend(e for e in (p.qalys, p.life_years) if e)

    def branches(bs: list[Branch]) -> None:
        for b in bs:
            if b.p:
                out.append(b.p)
            payoff(b.payoff)
            out.extend(b.metrics.values())
            branches(b.children)

    for st in sc.states:
        out.extend(st.costs.values())
        if st.utility:
            out.append(st.utility)
    for row in sc.transitions:
        out.extend(e for e in row.values() if e)
    for r in sc.transition_rewards:
        payoff(r.payoff)
    payoff(sc.start)
    for init in [sc.initial] + [s.initial for s in sc.strategies]:
        if init:
            out.extend(init.values())
    for t in [sc.tree] + [s.tree for s in sc.strategies]:
        if t:
            payoff(t.payoff)
            out.extend(t.metrics.values())
            branches(t.branches)
    for s in sc.strategies:
        out.extend(s.overrides.values())
        out.extend(p.price for p in s.payments)
    for u in sc.uncertain.values():
        out.extend(u.given.values())
    for low, high in sc.ranges.values():
        out.extend(e for e in (low, high) if e)
    return out

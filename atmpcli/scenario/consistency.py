"""Whole-scenario checks once everything is compiled: unknown names and circular definitions in the
formulas, trees that set the start as well as ``initial``, and an effect the scenario can measure."""

from __future__ import annotations

import difflib

from atmpcli.model.decision_model import Branch, DecisionModel, Payoff
from atmpcli.model.expressions import Expression
from atmpcli.model.parameter_graph import ParameterGraph
from atmpcli.scenario.compiled import RESERVED
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.tree_values import path_scopes, tree_expressions


def check_effects(c: Compiler, model: DecisionModel) -> None:
    if model.settings.effect == "responders" and not model.has_response:
        c.fail(
            ("settings", "effect"),
            "effect is responders but no branch is marked response: true (or no treatments are declared)",
        )
    if model.settings.effect == "qalys" and not model.has_utilities:
        c.fail(
            ("settings", "effect"),
            "effect is qalys but no state utility or one-off qalys is given; add utilities or set effect: life_years",
        )


def check_graph(c: Compiler, model: DecisionModel) -> None:
    """Unknown names and circular definitions, for the base case and for every strategy."""
    known = set(model.parameters) | RESERVED
    scopes = path_scopes(c, model)
    for expr in all_expressions(model):
        for name in sorted(expr.formula.names - known - scopes.names(expr)):
            line = c.doc.where(scopes.set_at[name], key=True)[0] if name in scopes.set_at else None
            why = scopes.misuse(expr, name, line)
            if why is not None and (name in scopes.set_at or not _close(name, model.parameters)):
                c.fail(expr.origin, why)
            else:
                c.unknown(expr.origin, name, sorted(model.parameters), "parameter")
        if "age" in expr.formula.names and model.settings.start_age is None:
            c.fail(expr.origin, "uses age, so settings.start_age must be given")
    for strategy in model.strategies:
        tree = strategy.tree or model.tree
        initial = strategy.initial if strategy.initial is not None else model.initial
        if tree is not None and initial is not None and tree.enters_states:
            c.fail(
                initial.origin,
                f"strategy '{strategy.name}' has a tree whose leaves enter states, which sets the "
                "starting distribution; remove initial",
            )
    for strategy in [None, *model.strategies]:
        graph = dict(model.parameters)
        if strategy is not None:
            graph.update(strategy.overrides)
        cycle = ParameterGraph.of(graph).cycle()
        if cycle:
            c.fail(graph[cycle[0]].origin, "circular definition: " + " -> ".join(cycle))
            return


def _close(name: str, known: dict) -> bool:
    """Whether ``name`` looks like a misspelt parameter (the unknown-parameter message then suggests it)."""
    return bool(difflib.get_close_matches(name, list(known), n=1, cutoff=0.6))


def all_expressions(model: DecisionModel) -> list[Expression]:
    """Every formula of the model, in a stable order (parameters first)."""
    out: list[Expression] = list(model.parameters.values())

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

    for st in model.states:
        out.extend(st.costs.values())
        if st.utility:
            out.append(st.utility)
    for row in model.transitions:
        out.extend(row.probabilities.values())
    for r in model.transition_rewards:
        payoff(r.payoff)
    payoff(model.start)
    for init in [model.initial] + [s.initial for s in model.strategies]:
        if init:
            out.extend(init.shares.values())
    for t in [model.tree] + [s.tree for s in model.strategies]:
        if t:
            payoff(t.payoff)
            out.extend(t.metrics.values())
            branches(t.branches)
            out.extend(tree_expressions(t))
    for s in model.strategies:
        out.extend(s.overrides.values())
        out.extend(p.price for p in s.payments)
    for u in model.uncertain.values():
        out.extend(u.given.values())
    for low, high in model.ranges.values():
        out.extend(e for e in (low, high) if e)
    out.extend(model.settings.discount.formulas)
    out.extend(e for e in model.settings.wtp_formulas if e is not None)
    return out

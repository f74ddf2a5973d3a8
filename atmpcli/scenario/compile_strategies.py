"""Compiling strategies: their parameter overrides, decision trees (written or generated from tests and
treatments), start distributions and the payment plans of cell/gene therapies."""

from __future__ import annotations

from typing import Any

from atmpcli.errors import ScenarioError
from atmpcli.model.decision_model import Branch, PaymentPlan, PaymentTerms, Strategy, Tree
from atmpcli.model.expressions import Expression
from atmpcli.scenario import schema as S
from atmpcli.scenario.compile_cohort import compile_initial
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.test_and_treat import TreeBuilder, generated_strategies
from atmpcli.scenario.yamlfile import Loc


def compile_tree(c: Compiler, spec: S.TreeSpec, loc: Loc) -> Tree:
    branches = _branches(c, spec.branches, (*loc, "branches"))
    return Tree(c.payoff(spec, loc), branches, loc, values=_path_values(c, spec.set_, loc))


def _path_values(c: Compiler, values: dict[str, float | str], loc: Loc) -> dict[str, Expression]:
    """A branch's ``set:`` (where they may be used is checked with the whole model, scenario/tree_values.py)."""
    c.check_names(values, (*loc, "set"), what="path value")
    out = {}
    for name, value in values.items():
        e = c.expr(value, (*loc, "set", name))
        if e is not None:
            out[name] = e
    return out


def _branches(c: Compiler, specs: list[S.BranchSpec], loc: Loc) -> list[Branch]:
    seen: set[str] = set()
    out = []
    rests = 0
    for k, b in enumerate(specs):
        bloc = (*loc, k)
        if b.name in seen:
            c.fail((*bloc, "name"), f"duplicate branch name '{b.name}' at this node")
        seen.add(b.name)
        is_rest = isinstance(b.p, str) and b.p.strip() == S.REST
        rests += is_rest
        p = None if is_rest else c.expr(b.p, (*bloc, "p"))
        state = c.state_ref(b.state, (*bloc, "state")) if b.state is not None else None
        children = _branches(c, b.branches, (*bloc, "branches")) if b.branches else []
        branch = Branch(b.name, b.label or b.name, p, c.payoff(b, bloc), b.response, state, children, bloc)
        branch.values = _path_values(c, b.set_, bloc)
        out.append(branch)
    if rests > 1:
        c.fail(loc, f"more than one branch has p: {S.REST}")
    return out


def compile_strategy(c: Compiler, name: str, spec: S.StrategySpec | None) -> Strategy:
    loc = ("strategies", name)
    if spec is None or (spec.model_fields_set == set() and name in c.spec.strategies):
        c.fail(loc, "strategy is empty: give it a label, parameters, a tree or an initial distribution")
        spec = S.StrategySpec()
    overrides = {}
    for pname, p in spec.parameters.items():
        ploc = (*loc, "parameters", pname)
        if pname not in c.spec.parameters:
            c.unknown(ploc, pname, list(c.spec.parameters), "parameter")
            continue
        e = c.expr(p.value, ploc)
        if e is not None:
            overrides[pname] = e
    if spec.tree:
        tree = compile_tree(c, spec.tree, (*loc, "tree"))
    elif spec.treat_all or spec.test or spec.treat_none:
        tree = TreeBuilder(c).build(spec, loc if name in c.spec.strategies else ("generate_strategies",))
    else:
        tree = None
    initial = compile_initial(c, spec.initial, (*loc, "initial"))
    strategy = Strategy(name, spec.label or name, spec.description or "", overrides, tree, initial, loc)
    with_pathway = _therapies_with_pathway(c.spec, spec)
    if with_pathway:
        strategy.infused_tree = TreeBuilder(c).build(spec, loc, infused_only=True)
        for t in with_pathway:
            plan = _payment_plan(c, t)
            if plan is not None:
                strategy.payments.append(plan)
    return strategy


def _therapies_with_pathway(scenario: S.ScenarioSpec, spec: S.StrategySpec) -> list[str]:
    """The cell/gene therapies a strategy may give: its treatments and their fallbacks after a
    manufacturing failure, those with a pathway, each once."""
    treatments = scenario.treatments
    therapies = [t for t in (spec.treat_all, spec.positive, spec.negative) if t in treatments]
    therapies += [
        treatments[t].pathway.failure_treatment  # type: ignore[union-attr]
        for t in list(therapies)
        if treatments[t].pathway and treatments[t].pathway.failure_treatment  # type: ignore[union-attr]
    ]
    return [t for t in dict.fromkeys(therapies) if t in treatments and treatments[t].pathway is not None]


def _payment_plan(c: Compiler, treatment: str) -> PaymentPlan | None:
    pw = c.spec.treatments[treatment].pathway
    assert pw is not None
    if not pw.payment.scheduled:
        return None  # the price is an ordinary one-off cost in the tree
    loc: Loc = ("treatments", treatment, "pathway", "payment")
    price = c.expr(pw.price, ("treatments", treatment, "pathway", "price"))
    states = None
    if pw.payment.condition == "in_states":
        refs = [c.state_ref(s, (*loc, "states")) for s in pw.payment.states]
        states = [i for i in refs if i is not None]
    if pw.payment.type == "outcome_based" or pw.payment.rebate_fraction:
        if not c.spec.states:
            c.fail(loc, "outcome-based payments and rebates need a cohort model (states)")
    c.component("product", loc)
    return PaymentPlan(treatment, price, _terms(pw.payment), states, loc) if price is not None else None


def _terms(p: S.PaymentSpec) -> PaymentTerms:
    return PaymentTerms(
        type=p.type,
        instalments=p.instalments,
        financing_rate=p.financing_rate,
        times=tuple(p.times),
        fractions=tuple(p.fractions),
        rebate_fraction=p.rebate_fraction,
        rebate_time=p.rebate_time,
    )


def all_strategy_specs(c: Compiler) -> dict[str, Any]:
    """The strategies written in the scenario, then those generated from its tests and treatments.

    Raises :class:`ScenarioError` (with the problems found so far) when there are none.
    """
    out: dict[str, Any] = dict(c.spec.strategies)
    if c.spec.generate_strategies:
        for name, generated in generated_strategies(c.spec).items():
            out.setdefault(name, generated)
    if not out:
        message = "no strategies: give strategies (or generate_strategies: true with tests and treatments)"
        c.fail(("strategies",), message, key=True)
        raise ScenarioError(c.problems)
    return out

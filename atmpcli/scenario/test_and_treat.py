"""Test-and-treat: population subgroups, diagnostic tests and treatments compiled into decision trees.

A strategy ``treat_all: X``, ``test: T, positive: X, negative: Y`` or ``treat_none: true`` becomes an
ordinary tree (so the engine, PSA, DSA and thresholds work on it unchanged):

    subgroup g (prevalence) -> test result (positive / negative / no result) -> treatment -> response

Misclassification is carried through: people of a subgroup the test looks for test positive with
probability (1 - F) * sensitivity, the others with (1 - F) * (1 - specificity), F being the share left
without a result (failure rate, squared when failed tests are repeated once). Each person is treated
with the drug their result points to, at that drug's response rate for their *true* subgroup.
A cell or gene therapy's pathway before infusion is in ``cell_therapy_pathway.py``.

Generated branches carry metrics (tested, treated, true/false positives and negatives, non-responders
treated and the spend on them, responders missed by the test) that the tree roll-back accumulates for
the responder accounting.
"""

from __future__ import annotations

from typing import Any

from atmpcli.model.decision_model import Branch, Payoff, Tree
from atmpcli.model.expressions import Expression
from atmpcli.scenario import schema as S
from atmpcli.scenario.cell_therapy_pathway import pathway_branches
from atmpcli.scenario.compiler import Compiler, formula_text
from atmpcli.scenario.yamlfile import Loc


def generated_strategies(spec: S.ScenarioSpec) -> dict[str, S.StrategySpec]:
    """Every sensible strategy from the declared tests and treatments (``generate_strategies: true``)."""
    out: dict[str, S.StrategySpec] = {}
    treatments = list(spec.treatments)
    for x in treatments:
        out[f"treat_all_{x}"] = S.StrategySpec(label=f"{x} for all", treat_all=x)
    for t in spec.tests:
        for x in treatments:
            for y in treatments:
                if x != y:
                    label = f"test {t}: {x} if +, {y} if -"
                    out[f"test_{t}_{x}_else_{y}"] = S.StrategySpec(label=label, test=t, positive=x, negative=y)
    if spec.population is not None and spec.population.untreated_state is not None:
        out["treat_none"] = S.StrategySpec(label="No treatment", treat_none=True)
    return out


def _present(metrics: dict[str, Expression | None]) -> dict[str, Expression]:
    return {k: v for k, v in metrics.items() if v is not None}


class TreeBuilder:
    """Builds the tree of one test-and-treat strategy, reporting problems through the compiler."""

    def __init__(self, compiler: Compiler) -> None:
        self.c = compiler
        self.spec = compiler.spec
        self.infused_only = False

    def expr(self, text: str, loc: Loc) -> Expression | None:
        return self.c.expr(text, loc)

    def build(self, strategy: S.StrategySpec, loc: Loc, infused_only: bool = False) -> Tree | None:
        """The strategy's tree; with ``infused_only``, only the branches of people infused with a therapy
        that has a pathway (for results in the infused population)."""
        self.infused_only = infused_only
        spec = self.spec
        if spec.population is None:
            self.c.fail(loc, "treat_all, test and treat_none need a population with subgroups")
            return None
        for key, name, known in (
            ("treat_all", strategy.treat_all, spec.treatments),
            ("positive", strategy.positive, spec.treatments),
            ("negative", strategy.negative, spec.treatments),
            ("test", strategy.test, spec.tests),
        ):
            if name is not None and name not in known:
                self.c.unknown((*loc, key), name, list(known), "treatment" if key != "test" else "test")
                return None
        root = Payoff()
        metrics: dict[str, Expression] = {}
        if strategy.test is not None:
            self._test_payoff(strategy.test, root, metrics)
        branches = [self._subgroup(strategy, name, sub) for name, sub in spec.population.subgroups.items()]
        tree = Tree(root, [b for b in branches if b is not None], loc)
        tree.metrics = metrics
        return tree

    def _test_payoff(self, name: str, root: Payoff, metrics: dict[str, Expression]) -> None:
        """What testing costs everyone tested: the test (and its repeat) and the wait for the result."""
        test = self.spec.tests[name]
        tloc: Loc = ("tests", name)
        tests_done = f"(1 + {formula_text(test.failure_rate)})" if test.retest else "1"
        cost = self.expr(f"{formula_text(test.cost)} * {tests_done}", (*tloc, "cost"))
        if cost is not None:
            self.c.component("test", (*tloc, "cost"))
            root.costs["test"] = cost
        if not (isinstance(test.delay_qalys_per_day, float) and test.delay_qalys_per_day == 0):
            # waiting for the result costs health: QALYs lost per day x days, for every test done
            root.qalys = self.expr(
                f"-{formula_text(test.delay_qalys_per_day)} * {formula_text(test.turnaround_days)} * {tests_done}",
                (*tloc, "turnaround_days"),
            )
        one = self.expr("1", tloc)
        if one is not None:
            metrics["tested"] = one

    def _subgroup(self, strategy: S.StrategySpec, name: str, sub: S.SubgroupSpec) -> Branch | None:
        loc: Loc = ("population", "subgroups", name)
        p = (
            None
            if isinstance(sub.prevalence, str) and sub.prevalence.strip() == S.REST
            else self.expr(
                formula_text(sub.prevalence) if not isinstance(sub.prevalence, str) else sub.prevalence,
                (*loc, "prevalence"),
            )
        )
        tags = {"subgroup": name}
        if strategy.treat_none:
            children = [self.untreated(tags, loc)]
        elif strategy.treat_all is not None:
            children = [self.treatment(strategy.treat_all, name, tags)]
        else:
            children = self._tested(strategy, name, tags)
        return Branch(name, sub.label or name, p, Payoff(), False, None, [c for c in children if c], loc, tags=tags)

    def _tested(self, strategy: S.StrategySpec, subgroup: str, tags: dict[str, Any]) -> list[Branch | None]:
        assert strategy.test is not None and strategy.positive is not None and strategy.negative is not None
        test = self.spec.tests[strategy.test]
        tloc: Loc = ("tests", strategy.test)
        targets = [test.positive_for] if isinstance(test.positive_for, str) else list(test.positive_for)
        subgroups = self.spec.population.subgroups  # type: ignore[union-attr]
        for t in targets:
            if t not in subgroups:
                self.c.unknown((*tloc, "positive_for"), t, list(subgroups), "subgroup")
                return []
        looked_for = subgroup in targets
        fail = f"{formula_text(test.failure_rate)} ** 2" if test.retest else formula_text(test.failure_rate)
        se, sp = formula_text(test.sensitivity), formula_text(test.specificity)
        p_pos = f"(1 - {fail}) * {se}" if looked_for else f"(1 - {fail}) * (1 - {sp})"
        p_neg = f"(1 - {fail}) * (1 - {se})" if looked_for else f"(1 - {fail}) * {sp}"
        pos_metric, neg_metric = (
            ("true_positive", "false_negative") if looked_for else ("false_positive", "true_negative")
        )
        # people the test should have found: what the positive-arm drug would have done for them
        missed = self._response_text(strategy.positive, subgroup) if looked_for else None
        out: list[Branch | None] = []
        for result, p_text, treatment, metric in (
            ("positive", p_pos, strategy.positive, pos_metric),
            ("negative", p_neg, strategy.negative, neg_metric),
        ):
            child_tags = {**tags, "test": strategy.test, "result": result}
            branch_metrics = {metric: self.expr("1", tloc)}
            if result == "negative" and missed is not None:
                branch_metrics["responders_missed"] = self.expr(missed, ("treatments", strategy.positive))
            p = self.expr(p_text, (*tloc, "sensitivity"))
            child = self.treatment(treatment, subgroup, child_tags)
            node = Branch(f"test_{result}", f"test {result}", p, Payoff(), False, None, [child], tloc, tags=child_tags)
            node.metrics = _present(branch_metrics)
            out.append(node)
        if not (isinstance(test.failure_rate, int | float) and float(test.failure_rate) == 0):
            out.append(self._no_result(strategy, test, subgroup, tags, fail, missed))
        return out

    def _no_result(
        self, strategy: S.StrategySpec, test: S.TestSpec, subgroup: str, tags: dict[str, Any], fail: str, missed: Any
    ) -> Branch:
        """People whose test gives no result (even after the repeat): treated as the scenario says."""
        assert strategy.test is not None and strategy.positive is not None and strategy.negative is not None
        tloc: Loc = ("tests", strategy.test)
        child_tags = {**tags, "test": strategy.test, "result": "no_result"}
        if test.on_failure == "untreated":
            child = self.untreated(child_tags, tloc)
        else:
            drug = strategy.positive if test.on_failure == "positive" else strategy.negative
            child = self.treatment(drug, subgroup, child_tags)
        metrics: dict[str, Expression | None] = {"no_result": self.expr("1", tloc)}
        if missed is not None and test.on_failure != "positive":
            metrics["responders_missed"] = self.expr(missed, ("treatments", strategy.positive))
        p = self.expr(fail, (*tloc, "failure_rate"))
        node = Branch("no_result", "no result", p, Payoff(), False, None, [child], tloc, tags=child_tags)
        node.metrics = _present(metrics)
        return node

    def _response_text(self, treatment: str, subgroup: str) -> str:
        t = self.spec.treatments[treatment]
        if isinstance(t.response, dict):
            return formula_text(t.response.get(subgroup, 0.0))
        return formula_text(t.response)

    def treatment(self, name: str, subgroup: str, tags: dict[str, Any]) -> Branch | None:
        """Treating one subgroup with ``name``: its one-off payoff, (its pathway,) then the response."""
        t = self.spec.treatments[name]
        loc: Loc = ("treatments", name)
        if isinstance(t.response, dict) and subgroup not in t.response:
            self.c.fail((*loc, "response"), f"no response probability for subgroup '{subgroup}'")
            return None
        tags = {**tags, "treatment": name}
        payoff = self.c.payoff(S.OneOffSpec(costs=t.costs, qalys=t.qalys), loc)
        children = self._response(name, subgroup, tags)
        one = self.expr("1", loc)
        metrics = {"treated": one} if one else {}
        if t.pathway is not None:
            children = pathway_branches(self, name, subgroup, tags, children)
        return Branch(name, t.label or name, one, payoff, False, None, children, loc, tags=tags, metrics=metrics)

    def _response(self, name: str, subgroup: str, tags: dict[str, Any]) -> list[Branch]:
        """response (optionally split into cured / responding) and no response, entering their states."""
        t = self.spec.treatments[name]
        loc: Loc = ("treatments", name)
        r_loc = (*loc, "response", subgroup) if isinstance(t.response, dict) else (*loc, "response")
        response = self.expr(self._response_text(name, subgroup), r_loc)
        resp_state = self.c.state_ref(t.response_state, (*loc, "response_state")) if t.response_state else None
        non_state = self.c.state_ref(t.no_response_state, (*loc, "no_response_state")) if t.no_response_state else None
        if self.spec.states and (t.response_state is None or t.no_response_state is None):
            self.c.fail(loc, "the scenario has states: give response_state and no_response_state")
        one = self.expr("1", loc)
        spend = " + ".join(formula_text(v) for v in t.costs.values())
        if t.pathway is not None:  # the product price is part of what is spent on a non-responder
            spend = " + ".join(x for x in (spend, formula_text(t.pathway.price)) if x)
        spend = spend or "0"
        children: list[Branch] = []
        if t.cure_fraction is not None:
            children = self._cured_or_responding(t, loc, tags, resp_state)
            resp_state = None
        yes_tags, yes_metrics = {**tags, "responder": True}, {"responders_treated": one} if one else {}
        yes = Branch("response", "response", response, Payoff(), True, resp_state, children, loc, tags=yes_tags)
        yes.metrics = yes_metrics
        no_tags = {**tags, "responder": False}
        no_metrics = {
            "nonresponders_treated": one,
            "nonresponder_spend": self.expr(spend, (*loc, "costs")),
            f"nonresponder_spend_{name}": self.expr(spend, (*loc, "costs")),
        }
        no = Branch("no_response", "no response", None, Payoff(), False, non_state, [], loc, tags=no_tags)
        no.metrics = _present(no_metrics)
        return [yes, no]

    def _cured_or_responding(
        self, t: S.TreatmentSpec, loc: Loc, tags: dict[str, Any], resp_state: int | None
    ) -> list[Branch]:
        """Responders split by ``cure_fraction``: cured (entering the cure state) or still responding."""
        assert t.cure_fraction is not None
        cure_state = self.c.state_ref(t.cure_state, (*loc, "cure_state")) if t.cure_state else None
        if self.spec.states and t.cure_state is None:
            self.c.fail(loc, "cure_fraction needs cure_state")
        p = self.expr(formula_text(t.cure_fraction), (*loc, "cure_fraction"))
        cured_tags, still_tags = {**tags, "responder": True, "cured": True}, {**tags, "responder": True}
        cured = Branch("cured", "cured", p, Payoff(), False, cure_state, [], loc, tags=cured_tags)
        still = Branch("responding", "responding", None, Payoff(), False, resp_state, [], loc, tags=still_tags)
        return [cured, still]

    def untreated(self, tags: dict[str, Any], loc: Loc) -> Branch | None:
        pop = self.spec.population
        assert pop is not None
        state = None
        if self.spec.states:
            if pop.untreated_state is None:
                self.c.fail(("population",), "treat_none needs population.untreated_state")
                return None
            state = self.c.state_ref(pop.untreated_state, ("population", "untreated_state"))
        tags = {**tags, "treatment": None, "responder": False}
        return Branch("untreated", "untreated", self.expr("1", loc), Payoff(), False, state, [], loc, tags=tags)

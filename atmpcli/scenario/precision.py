"""Test-and-treat: population subgroups, diagnostic tests and treatments compiled into decision trees.

A strategy ``treat_all: X``, ``test: T, positive: X, negative: Y`` or ``treat_none: true`` becomes an
ordinary tree (so the engine, PSA, DSA and thresholds work on it unchanged):

    subgroup g (prevalence) -> test result (positive / negative / no result) -> treatment -> response

Misclassification is carried through: people of a subgroup the test looks for test positive with
probability (1 - F) * sensitivity, the others with (1 - F) * (1 - specificity), F being the share left
without a result (failure rate, squared when failed tests are repeated once). Each person is treated
with the drug their result points to, at that drug's response rate for their *true* subgroup.

Generated branches carry metrics (tested, treated, true/false positives and negatives, non-responders
treated and the spend on them, responders missed by the test) that the tree roll-back accumulates for
the responder accounting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atmpcli.scenario import schema as S
from atmpcli.scenario.compiled import Branch, Expression, Payoff, Tree
from atmpcli.scenario.yamlfile import Loc

if TYPE_CHECKING:
    from atmpcli.scenario.compile import _Compiler


def _text(value: float | str) -> str:
    return f"({value})" if isinstance(value, str) else repr(float(value))


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


class TreeBuilder:
    """Builds the tree of one test-and-treat strategy, reporting problems through the compiler."""

    def __init__(self, compiler: _Compiler) -> None:
        self.c = compiler
        self.spec = compiler.spec

    def expr(self, text: str, loc: Loc) -> Expression | None:
        return self.c._expr(text, loc)

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
                self.c._unknown((*loc, key), name, list(known), "treatment" if key != "test" else "test")
                return None
        root = Payoff()
        metrics: dict[str, Expression] = {}
        if strategy.test is not None:
            test = spec.tests[strategy.test]
            tloc: Loc = ("tests", strategy.test)
            tests_done = f"(1 + {_text(test.failure_rate)})" if test.retest else "1"
            cost = self.expr(f"{_text(test.cost)} * {tests_done}", (*tloc, "cost"))
            if cost is not None:
                self.c._component("test", (*tloc, "cost"))
                root.costs["test"] = cost
            if not (isinstance(test.delay_qalys_per_day, float) and test.delay_qalys_per_day == 0):
                # waiting for the result costs health: QALYs lost per day x days, for every test done
                root.qalys = self.expr(
                    f"-{_text(test.delay_qalys_per_day)} * {_text(test.turnaround_days)} * {tests_done}",
                    (*tloc, "turnaround_days"),
                )
            one = self.expr("1", tloc)
            if one is not None:
                metrics["tested"] = one
        branches = [self._subgroup(strategy, name, sub) for name, sub in spec.population.subgroups.items()]
        tree = Tree(root, [b for b in branches if b is not None], loc)
        tree.metrics = metrics
        return tree

    def _subgroup(self, strategy: S.StrategySpec, name: str, sub: S.SubgroupSpec) -> Branch | None:
        loc: Loc = ("population", "subgroups", name)
        p = (
            None
            if isinstance(sub.prevalence, str) and sub.prevalence.strip() == S.REST
            else self.expr(
                _text(sub.prevalence) if not isinstance(sub.prevalence, str) else sub.prevalence, (*loc, "prevalence")
            )
        )
        tags = {"subgroup": name}
        if strategy.treat_none:
            children = [self._untreated(tags, loc)]
        elif strategy.treat_all is not None:
            children = [self._treatment(strategy.treat_all, name, tags)]
        else:
            children = self._tested(strategy, name, tags)
        return Branch(name, sub.label or name, p, Payoff(), False, None, [c for c in children if c], loc, tags=tags)

    def _tested(self, strategy: S.StrategySpec, subgroup: str, tags: dict[str, Any]) -> list[Branch | None]:
        assert strategy.test is not None and strategy.positive is not None and strategy.negative is not None
        test = self.spec.tests[strategy.test]
        tloc: Loc = ("tests", strategy.test)
        targets = [test.positive_for] if isinstance(test.positive_for, str) else list(test.positive_for)
        for t in targets:
            if t not in self.spec.population.subgroups:  # type: ignore[union-attr]
                self.c._unknown((*tloc, "positive_for"), t, list(self.spec.population.subgroups), "subgroup")  # type: ignore[union-attr]
                return []
        looked_for = subgroup in targets
        f = _text(test.failure_rate)
        fail = f"{f} ** 2" if test.retest else f
        se, sp = _text(test.sensitivity), _text(test.specificity)
        p_pos = f"(1 - {fail}) * {se}" if looked_for else f"(1 - {fail}) * (1 - {sp})"
        p_neg = f"(1 - {fail}) * (1 - {se})" if looked_for else f"(1 - {fail}) * {sp}"
        pos_metric, neg_metric = (
            ("true_positive", "false_negative") if looked_for else ("false_positive", "true_negative")
        )
        out: list[Branch | None] = []
        missed = None
        if looked_for:  # people the test should have found: what the positive-arm drug would have done for them
            missed = self._response_text(strategy.positive, subgroup)
        for result, p_text, treatment, metric in (
            ("positive", p_pos, strategy.positive, pos_metric),
            ("negative", p_neg, strategy.negative, neg_metric),
        ):
            child_tags = {**tags, "test": strategy.test, "result": result}
            branch_metrics = {metric: self.expr("1", tloc)}
            if result == "negative" and missed is not None:
                branch_metrics["responders_missed"] = self.expr(missed, ("treatments", strategy.positive))
            node = Branch(
                f"test_{result}",
                f"test {result}",
                self.expr(p_text, (*tloc, "sensitivity")),
                Payoff(),
                False,
                None,
                [self._treatment(treatment, subgroup, child_tags)],
                tloc,
                tags=child_tags,
                metrics={k: v for k, v in branch_metrics.items() if v is not None},
            )
            out.append(node)
        if not (isinstance(test.failure_rate, int | float) and float(test.failure_rate) == 0):
            child_tags = {**tags, "test": strategy.test, "result": "no_result"}
            if test.on_failure == "untreated":
                child = self._untreated(child_tags, tloc)
            else:
                child = self._treatment(
                    strategy.positive if test.on_failure == "positive" else strategy.negative, subgroup, child_tags
                )
            metrics: dict[str, Expression | None] = {"no_result": self.expr("1", tloc)}
            if missed is not None and test.on_failure != "positive":
                metrics["responders_missed"] = self.expr(missed, ("treatments", strategy.positive))
            out.append(
                Branch(
                    "no_result",
                    "no result",
                    self.expr(fail, (*tloc, "failure_rate")),
                    Payoff(),
                    False,
                    None,
                    [child],
                    tloc,
                    tags=child_tags,
                    metrics={k: v for k, v in metrics.items() if v is not None},
                )
            )
        return out

    def _response_text(self, treatment: str, subgroup: str) -> str:
        t = self.spec.treatments[treatment]
        if isinstance(t.response, dict):
            return _text(t.response.get(subgroup, 0.0))
        return _text(t.response)

    def _treatment(self, name: str, subgroup: str, tags: dict[str, Any]) -> Branch | None:
        t = self.spec.treatments[name]
        loc: Loc = ("treatments", name)
        if isinstance(t.response, dict) and subgroup not in t.response:
            self.c.fail((*loc, "response"), f"no response probability for subgroup '{subgroup}'")
            return None
        tags = {**tags, "treatment": name}
        payoff = self.c._payoff(S.OneOffSpec(costs=t.costs, qalys=t.qalys), loc)
        outcome = self._response(name, subgroup, tags)
        one = self.expr("1", loc)
        metrics = {"treated": one} if one else {}
        if t.pathway is None:
            return Branch(name, t.label or name, one, payoff, False, None, outcome, loc, tags=tags, metrics=metrics)
        return Branch(
            name,
            t.label or name,
            one,
            payoff,
            False,
            None,
            self._pathway(name, subgroup, tags, outcome),
            loc,
            tags=tags,
            metrics=metrics,
        )

    def _response(self, name: str, subgroup: str, tags: dict[str, Any]) -> list[Branch]:
        """response (optionally split into cured / responding) and no response, entering their states."""
        t = self.spec.treatments[name]
        loc: Loc = ("treatments", name)
        r_loc = (*loc, "response", subgroup) if isinstance(t.response, dict) else (*loc, "response")
        response = self.expr(self._response_text(name, subgroup), r_loc)
        resp_state = self.c._state_ref(t.response_state, (*loc, "response_state")) if t.response_state else None
        non_state = self.c._state_ref(t.no_response_state, (*loc, "no_response_state")) if t.no_response_state else None
        if self.spec.states and (t.response_state is None or t.no_response_state is None):
            self.c.fail(loc, "the scenario has states: give response_state and no_response_state")
        one = self.expr("1", loc)
        spend = " + ".join(_text(v) for v in t.costs.values())
        if t.pathway is not None:  # the product price is part of what is spent on a non-responder
            spend = " + ".join(x for x in (spend, _text(t.pathway.price)) if x)
        spend = spend or "0"
        children: list[Branch] = []
        if t.cure_fraction is not None:
            cure_state = self.c._state_ref(t.cure_state, (*loc, "cure_state")) if t.cure_state else None
            if self.spec.states and t.cure_state is None:
                self.c.fail(loc, "cure_fraction needs cure_state")
            cured = Branch(
                "cured",
                "cured",
                self.expr(_text(t.cure_fraction), (*loc, "cure_fraction")),
                Payoff(),
                False,
                cure_state,
                [],
                loc,
                tags={**tags, "responder": True, "cured": True},
            )
            still = Branch(
                "responding", "responding", None, Payoff(), False, resp_state, [], loc, tags={**tags, "responder": True}
            )
            children = [cured, still]
            resp_state = None
        yes = Branch(
            "response",
            "response",
            response,
            Payoff(),
            True,
            resp_state,
            children,
            loc,
            tags={**tags, "responder": True},
            metrics={"responders_treated": one} if one else {},
        )
        no_metrics = {
            "nonresponders_treated": one,
            "nonresponder_spend": self.expr(spend, (*loc, "costs")),
            f"nonresponder_spend_{name}": self.expr(spend, (*loc, "costs")),
        }
        no = Branch(
            "no_response",
            "no response",
            None,
            Payoff(),
            False,
            non_state,
            [],
            loc,
            tags={**tags, "responder": False},
            metrics={k: v for k, v in no_metrics.items() if v is not None},
        )
        return [yes, no]

    def _pathway(self, name: str, subgroup: str, tags: dict[str, Any], outcome: list[Branch]) -> list[Branch]:
        """Enrolment -> manufacturing failure / drop-out while waiting / infused (then the response)."""
        t = self.spec.treatments[name]
        pw = t.pathway
        assert pw is not None
        loc: Loc = ("treatments", name, "pathway")
        price = self.c._costs({"product": pw.price}, loc) if not pw.payment.scheduled else {}
        charged = {"charged": self.expr("1", loc)}
        bridging = {comp: f"{_text(pw.bridging_probability)} * {_text(v)}" for comp, v in pw.bridging_costs.items()}
        # Apheresis is paid for everyone who starts; the rest depends on how far they get.
        infused_costs = {**pw.conditioning_costs, **bridging}
        ae_qalys = []
        for ae in pw.adverse_events:
            for comp, v in ae.costs.items():
                term = f"{_text(ae.probability)} * {_text(v)}"
                infused_costs[comp] = f"{_text(infused_costs[comp])} + {term}" if comp in infused_costs else term
            if ae.qalys is not None:
                ae_qalys.append(f"{_text(ae.probability)} * {_text(ae.qalys)}")
        infused_payoff = Payoff(
            costs={**self.c._costs(infused_costs, loc), **price},
            qalys=self.expr(" + ".join(ae_qalys), (*loc, "adverse_events")) if ae_qalys else None,
        )
        infused = Branch(
            "infused",
            "infused",
            None if not self.infused_only else self.expr("1", loc),
            infused_payoff,
            False,
            None,
            outcome,
            loc,
            tags={**tags, "pathway": "infused"},
            metrics={"infused": self.expr("1", loc), **charged},
        )
        apheresis = self.c._costs(pw.apheresis_costs, (*loc, "apheresis_costs"))
        if self.infused_only:
            return [
                Branch(
                    "pathway",
                    "pathway",
                    self.expr("1", loc),
                    Payoff(costs=apheresis),
                    False,
                    None,
                    [infused],
                    loc,
                    tags=tags,
                )
            ]
        not_infused_cost = price if pw.charge_if_not_infused else {}
        not_infused_metrics = charged if pw.charge_if_not_infused else {}
        branches: list[Branch] = []
        failure_children: list[Branch] = []
        failure_state = None
        if pw.failure_treatment is not None:
            if pw.failure_treatment not in self.spec.treatments or pw.failure_treatment == name:
                self.c._unknown(
                    (*loc, "failure_treatment"),
                    pw.failure_treatment,
                    [k for k in self.spec.treatments if k != name],
                    "treatment",
                )
            else:
                fallback = self._treatment(pw.failure_treatment, subgroup, {**tags, "pathway": "manufacturing_failure"})
                if fallback is not None:
                    fallback.metrics.pop("treated", None)  # already counted as treated when they started the pathway
                failure_children = [fallback] if fallback else []
        elif pw.failure_state is not None:
            failure_state = self.c._state_ref(pw.failure_state, (*loc, "failure_state"))
        elif self.spec.states and not (isinstance(pw.manufacturing_failure, float) and pw.manufacturing_failure == 0):
            self.c.fail(loc, "give failure_treatment or failure_state for manufacturing failures")
        branches.append(
            Branch(
                "manufacturing_failure",
                "manufacturing failure",
                self.expr(_text(pw.manufacturing_failure), (*loc, "manufacturing_failure")),
                Payoff(costs=dict(not_infused_cost)),
                False,
                failure_state,
                failure_children,
                loc,
                tags={**tags, "pathway": "manufacturing_failure"},
                metrics=dict(not_infused_metrics),
            )
        )
        drop_text = (
            f"(1 - {_text(pw.manufacturing_failure)}) * (1 - exp(-{_text(pw.dropout_hazard_per_month)} * "
            f"{_text(pw.vein_to_vein_days)} / 30.4375))"
        )
        dropout_state = self.c._state_ref(pw.dropout_state, (*loc, "dropout_state")) if pw.dropout_state else None
        if (
            self.spec.states
            and pw.dropout_state is None
            and not (isinstance(pw.dropout_hazard_per_month, float) and pw.dropout_hazard_per_month == 0)
        ):
            self.c.fail(loc, "give dropout_state for people lost while waiting")
        branches.append(
            Branch(
                "dropout",
                "not infused (progression or death while waiting)",
                self.expr(drop_text, (*loc, "dropout_hazard_per_month")),
                Payoff(costs={**self.c._costs(bridging, loc), **not_infused_cost}),
                False,
                dropout_state,
                [],
                loc,
                tags={**tags, "pathway": "dropout"},
                metrics=dict(not_infused_metrics),
            )
        )
        branches.append(infused)
        return [
            Branch(
                "pathway",
                "pathway",
                self.expr("1", loc),
                Payoff(costs=apheresis),
                False,
                None,
                branches,
                loc,
                tags=tags,
            )
        ]

    def _untreated(self, tags: dict[str, Any], loc: Loc) -> Branch | None:
        pop = self.spec.population
        assert pop is not None
        state = None
        if self.spec.states:
            if pop.untreated_state is None:
                self.c.fail(("population",), "treat_none needs population.untreated_state")
                return None
            state = self.c._state_ref(pop.untreated_state, ("population", "untreated_state"))
        return Branch(
            "untreated",
            "untreated",
            self.expr("1", loc),
            Payoff(),
            False,
            state,
            [],
            loc,
            tags={**tags, "treatment": None, "responder": False},
        )

"""Turn a YAML file into a validated, compiled :class:`Scenario` (or a list of located problems)."""

from __future__ import annotations

import difflib
import keyword
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from atmpcli.errors import FormulaError, Problem, ScenarioError
from atmpcli.scenario import schema as S
from atmpcli.scenario.compiled import (
    _NAME,
    RESERVED,
    Branch,
    Expression,
    PaymentPlan,
    Payoff,
    Scenario,
    State,
    Strategy,
    TransitionReward,
    Tree,
)
from atmpcli.scenario.formula import FUNCTIONS, parse
from atmpcli.scenario.graph import all_expressions, enters_states, find_cycle
from atmpcli.scenario.messages import pydantic_problems
from atmpcli.scenario.overrides import apply_reference_case, apply_set, apply_variant, resolve_extends
from atmpcli.scenario.precision import TreeBuilder, generated_strategies
from atmpcli.scenario.tables import LookupTable, read_table
from atmpcli.scenario.uncertainty import compile_joint, compile_uncertainty
from atmpcli.scenario.yamlfile import Loc, YamlDocument, load_yaml

__all__ = ["Scenario", "load_scenario"]

# --------------------------------------------------------------------------- loading


def load_scenario(
    path: str | Path,
    text: str | None = None,
    *,
    variant: str | None = None,
    sets: dict[str, Any] | None = None,
    reference_case: str | None = None,
) -> Scenario:
    """Load, validate and compile a scenario file; raise :class:`ScenarioError` listing every problem.

    ``variant`` applies one of the scenario's named variants; ``sets`` replaces parameter values
    (``{"c_drug": 1200}``) or settings (``{"settings.discount.costs": 0.035}``), as ``--set`` does.
    """
    path = Path(path)
    doc = load_yaml(path, text)
    if not isinstance(doc.data, dict):
        raise ScenarioError([doc.problem((), "expected a mapping of scenario keys (title, states, ...)")])
    resolve_extends(doc)
    apply_reference_case(doc, reference_case)
    if variant is not None:
        apply_variant(doc, variant)
    for key, value in (sets or {}).items():
        apply_set(doc, key, value)
    overrides = {"variant": variant, "set": dict(sets or {}), "reference_case": reference_case}
    try:
        spec = S.ScenarioSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(pydantic_problems(exc, doc)) from None
    scenario = _Compiler(path, doc, spec).run()
    scenario.overrides = overrides
    return scenario


# --------------------------------------------------------------------------- compiling


class _Compiler:
    def __init__(self, path: Path, doc: YamlDocument, spec: S.ScenarioSpec) -> None:
        self.path, self.doc, self.spec = path, doc, spec
        self.problems: list[Problem] = []
        self.state_index: dict[str, int] = {n: i for i, n in enumerate(spec.states)}
        self.table_names = frozenset(spec.tables)
        self.components: list[str] = []

    def fail(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(loc, message, key=key))

    def run(self) -> Scenario:
        spec = self.spec
        tables = self._tables()
        self._check_names(spec.parameters, ("parameters",), what="parameter")
        params = {n: self._expr(p.value, ("parameters", n)) for n, p in spec.parameters.items()}
        states = self._states()
        transitions = self._transitions()
        rewards = [self._transition_reward(r, ("transition_rewards", i)) for i, r in enumerate(spec.transition_rewards)]
        initial = self._initial(spec.initial, ("initial",))
        start = self._payoff(spec.start, ("start",)) if spec.start else None
        tree = self._tree(spec.tree, ("tree",)) if spec.tree else None
        all_specs = dict(spec.strategies)
        if spec.generate_strategies:
            for name, generated in generated_strategies(spec).items():
                all_specs.setdefault(name, generated)
        if not all_specs:
            self.fail(
                ("strategies",),
                "no strategies: give strategies (or generate_strategies: true with tests and treatments)",
                key=True,
            )
            raise ScenarioError(self.problems)
        strategies = [self._strategy(n, s, params) for n, s in all_specs.items()]
        comparator = spec.comparator or next(iter(all_specs))
        if spec.comparator is not None and spec.comparator not in all_specs:
            self._unknown(("comparator",), spec.comparator, list(all_specs), "strategy")
        n_cycles = self._settings(tree, strategies)
        uncertain, ranges = compile_uncertainty(self)
        dirichlet, correlation = compile_joint(self, uncertain)
        if self.problems:
            raise ScenarioError(self.problems)
        sc = Scenario(
            path=self.path,
            doc=self.doc,
            spec=spec,
            name=spec.name or self.path.stem,
            parameters={k: v for k, v in params.items() if v is not None},
            tables=tables,
            states=states,
            transitions=transitions,
            transition_rewards=rewards,
            initial=initial,
            start=start,
            tree=tree,
            strategies=strategies,
            comparator=comparator,
            cost_components=self.components,
            n_cycles=n_cycles,
            uncertain=uncertain,
            ranges=ranges,
            dirichlet=dirichlet,
            correlation=correlation,
            tests=dict(spec.tests),
        )
        self._check_effects(sc)
        self._check_graph(sc)
        if self.problems:
            raise ScenarioError(self.problems)
        return sc

    # -- pieces ---------------------------------------------------------------------------------

    def _tables(self) -> dict[str, LookupTable]:
        out = {}
        self._check_names(self.spec.tables, ("tables",), what="table")
        for name, t in self.spec.tables.items():
            try:
                out[name] = read_table(name, self.path.parent / t.file, t.key, t.value, t.interpolation)
            except ValueError as exc:
                self.fail(("tables", name, "file"), str(exc))
        return out

    def _check_names(self, names: dict[str, Any], loc: Loc, what: str) -> None:
        for name in names:
            if not _NAME.match(name) or keyword.iskeyword(name):
                self.fail(
                    (*loc, name),
                    f"'{name}' is not a valid {what} name (letters, digits and _; not starting with a digit)",
                    key=True,
                )
            elif name in RESERVED or name in FUNCTIONS:
                self.fail((*loc, name), f"'{name}' is reserved; choose another {what} name", key=True)
            elif what == "parameter" and name in self.table_names:
                self.fail((*loc, name), f"'{name}' is also a table name", key=True)

    def _expr(self, value: float | str, loc: Loc) -> Expression | None:
        if isinstance(value, str) and value.strip() == S.REST:
            self.fail(loc, f"'{S.REST}' is only allowed in a transition row or as a branch probability")
            return None
        try:
            return Expression(parse(value, self.table_names), loc)
        except FormulaError as exc:
            self.fail(loc, str(exc))
            return None

    def _component(self, name: str, loc: Loc) -> None:
        if not _NAME.match(name) or name == "total":
            self.fail(
                loc, f"'{name}' is not a valid cost component name (letters, digits and _; not 'total')", key=True
            )
        elif name not in self.components:
            self.components.append(name)

    def _costs(self, costs: dict[str, float | str], loc: Loc) -> dict[str, Expression]:
        out = {}
        for comp, value in costs.items():
            self._component(comp, (*loc, comp))
            e = self._expr(value, (*loc, comp))
            if e is not None:
                out[comp] = e
        return out

    def _payoff(self, spec: Any, loc: Loc) -> Payoff:
        return Payoff(
            costs=self._costs(spec.costs, (*loc, "costs")),
            qalys=self._opt(spec.qalys, (*loc, "qalys")),
            life_years=self._opt(spec.life_years, (*loc, "life_years")),
        )

    def _opt(self, value: float | str | None, loc: Loc) -> Expression | None:
        return None if value is None else self._expr(value, loc)

    def _states(self) -> list[State]:
        out = []
        for name, st in self.spec.states.items():
            loc = ("states", name)
            if not _NAME.match(name):
                self.fail(loc, f"'{name}' is not a valid state name (letters, digits and _)", key=True)
            out.append(
                State(
                    name=name,
                    label=st.label or name,
                    costs=self._costs(st.costs, (*loc, "costs")),
                    utility=self._opt(st.utility, (*loc, "utility")),
                    alive=st.alive,
                    tunnel=st.tunnel_cycles or 1,
                )
            )
        return out

    def _state_ref(self, name: str, loc: Loc) -> int | None:
        if name in self.state_index:
            return self.state_index[name]
        if not self.state_index:
            self.fail(loc, f"refers to state '{name}' but the scenario defines no states")
        else:
            self._unknown(loc, name, list(self.state_index), "state")
        return None

    def _unknown(self, loc: Loc, name: str, known: list[str], what: str) -> None:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else (f" (known: {', '.join(known)})" if known else "")
        self.fail(loc, f"unknown {what} '{name}'{hint}")

    def _transitions(self) -> list[dict[int, Expression | None]]:
        spec = self.spec
        rows: list[dict[int, Expression | None]] = [{} for _ in spec.states]
        for src, row in spec.transitions.items():
            i = self._state_ref(src, ("transitions", src))
            if i is None:
                continue
            rests = [dst for dst, v in row.items() if isinstance(v, str) and v.strip() == S.REST]
            if len(rests) > 1:
                self.fail(("transitions", src), f"more than one '{S.REST}' in the row ({', '.join(rests)})")
            for dst, value in row.items():
                j = self._state_ref(dst, ("transitions", src, dst))
                if j is None:
                    continue
                if isinstance(value, str) and value.strip() == S.REST:
                    rows[i][j] = None
                else:
                    e = self._expr(value, ("transitions", src, dst))
                    if e is not None:
                        rows[i][j] = e
        for name in self.state_index:
            if name not in spec.transitions:
                self.fail(
                    ("transitions",),
                    f"no row for state '{name}' (an absorbing state needs '{name}: {{{name}: 1}}')",
                    key=True,
                )
        if spec.transitions and not spec.states:
            self.fail(("transitions",), "transitions are given but no states are defined")
        return rows

    def _transition_reward(self, r: S.TransitionRewardSpec, loc: Loc) -> TransitionReward:
        def refs(value: str | list[str] | None, key: str) -> frozenset[int]:
            if value is None:
                return frozenset(range(len(self.state_index)))
            names = [value] if isinstance(value, str) else value
            idx = [self._state_ref(n, (*loc, key)) for n in names]
            return frozenset(i for i in idx if i is not None)

        return TransitionReward(refs(r.from_, "from"), refs(r.to, "to"), self._payoff(r, loc), loc)

    def _initial(self, spec: dict[str, float | str] | None, loc: Loc) -> dict[int, Expression] | None:
        if spec is None:
            return None
        out = {}
        for name, value in spec.items():
            i = self._state_ref(name, (*loc, name))
            e = self._expr(value, (*loc, name))
            if i is not None and e is not None:
                out[i] = e
        return out

    def _tree(self, spec: S.TreeSpec, loc: Loc) -> Tree:
        return Tree(self._payoff(spec, loc), self._branches(spec.branches, (*loc, "branches")), loc)

    def _branches(self, specs: list[S.BranchSpec], loc: Loc) -> list[Branch]:
        seen: set[str] = set()
        out = []
        rests = 0
        for k, b in enumerate(specs):
            bloc = (*loc, k)
            if b.name in seen:
                self.fail((*bloc, "name"), f"duplicate branch name '{b.name}' at this node")
            seen.add(b.name)
            is_rest = isinstance(b.p, str) and b.p.strip() == S.REST
            rests += is_rest
            p = None if is_rest else self._expr(b.p, (*bloc, "p"))
            state = self._state_ref(b.state, (*bloc, "state")) if b.state is not None else None
            children = self._branches(b.branches, (*bloc, "branches")) if b.branches else []
            out.append(Branch(b.name, b.label or b.name, p, self._payoff(b, bloc), b.response, state, children, bloc))
        if rests > 1:
            self.fail(loc, f"more than one branch has p: {S.REST}")
        return out

    def _strategy(self, name: str, spec: S.StrategySpec | None, params: dict[str, Any]) -> Strategy:
        loc = ("strategies", name)
        if spec is None or (spec.model_fields_set == set() and name in self.spec.strategies):
            self.fail(loc, "strategy is empty: give it a label, parameters, a tree or an initial distribution")
            spec = S.StrategySpec()
        overrides = {}
        for pname, p in spec.parameters.items():
            ploc = (*loc, "parameters", pname)
            if pname not in self.spec.parameters:
                self._unknown(ploc, pname, list(self.spec.parameters), "parameter")
                continue
            e = self._expr(p.value, ploc)
            if e is not None:
                overrides[pname] = e
        if spec.tree:
            tree = self._tree(spec.tree, (*loc, "tree"))
        elif spec.treat_all or spec.test or spec.treat_none:
            tree = TreeBuilder(self).build(spec, loc if name in self.spec.strategies else ("generate_strategies",))
        else:
            tree = None
        initial = self._initial(spec.initial, (*loc, "initial"))
        strategy = Strategy(name, spec.label or name, spec.description or "", overrides, tree, initial, loc)
        therapies = [t for t in (spec.treat_all, spec.positive, spec.negative) if t in self.spec.treatments]
        therapies += [
            self.spec.treatments[t].pathway.failure_treatment
            for t in list(therapies)  # type: ignore[union-attr]
            if self.spec.treatments[t].pathway and self.spec.treatments[t].pathway.failure_treatment
        ]
        with_pathway = [
            t
            for t in dict.fromkeys(therapies)
            if t in self.spec.treatments and self.spec.treatments[t].pathway is not None
        ]
        if with_pathway:
            strategy.infused_tree = TreeBuilder(self).build(spec, loc, infused_only=True)
            for t in with_pathway:
                plan = self._payment_plan(t)
                if plan is not None:
                    strategy.payments.append(plan)
        return strategy

    def _payment_plan(self, treatment: str) -> PaymentPlan | None:
        pw = self.spec.treatments[treatment].pathway
        assert pw is not None
        if not pw.payment.scheduled:
            return None  # the price is an ordinary one-off cost in the tree
        loc: Loc = ("treatments", treatment, "pathway", "payment")
        price = self._expr(pw.price, ("treatments", treatment, "pathway", "price"))
        states = None
        if pw.payment.condition == "in_states":
            refs = [self._state_ref(s, (*loc, "states")) for s in pw.payment.states]
            states = [i for i in refs if i is not None]
        if pw.payment.type == "outcome_based" or pw.payment.rebate_fraction:
            if not self.spec.states:
                self.fail(loc, "outcome-based payments and rebates need a cohort model (states)")
        self._component("product", loc)
        return PaymentPlan(treatment, price, pw.payment, states, loc) if price is not None else None

    def _settings(self, tree: Tree | None, strategies: list[Strategy]) -> int:
        st = self.spec.settings
        n = st.n_cycles
        if self.spec.states and n is None:
            self.fail(("settings",), "the scenario has states, so settings needs cycles or horizon")
        if not self.spec.states:
            for s in strategies:
                if (s.tree or tree) is None:
                    self.fail(s.loc, "nothing to evaluate: the scenario has no states and this strategy no tree")
        if st.discount_timing != "time" and st.method not in ("beginning", "end", "life-table"):
            self.fail(
                ("settings", "discount_timing"),
                f"'{st.discount_timing}' discounts whole cycles and needs "
                f"method beginning, end or life-table, not '{st.method}'",
            )
        if st.method == "simpson" and n is not None and n % 2:
            self.fail(("settings", "method"), f"textbook Simpson needs an even number of cycles, got {n}")
        return n or 0

    # -- whole-scenario checks ------------------------------------------------------------------

    def _check_effects(self, sc: Scenario) -> None:
        if sc.settings.effect == "responders" and not sc.has_response:
            self.fail(
                ("settings", "effect"),
                "effect is responders but no branch is marked response: true (or no treatments are declared)",
            )
        if sc.settings.effect == "qalys" and not sc.has_utilities:
            self.fail(
                ("settings", "effect"),
                "effect is qalys but no state utility or one-off qalys is given; "
                "add utilities or set effect: life_years",
            )

    def _check_graph(self, sc: Scenario) -> None:
        """Unknown names and circular definitions, for the base case and for every strategy."""
        known = set(sc.parameters) | RESERVED
        for expr in all_expressions(sc):
            for name in sorted(expr.formula.names - known):
                self._unknown(expr.loc, name, sorted(sc.parameters), "parameter")
            if "age" in expr.formula.names and sc.settings.start_age is None:
                self.fail(expr.loc, "uses age, so settings.start_age must be given")
        for strategy in sc.strategies:
            tree = strategy.tree or sc.tree
            initial = strategy.initial if strategy.initial is not None else sc.initial
            if tree is not None and initial is not None and enters_states(tree.branches):
                where = strategy.loc + ("initial",) if strategy.initial is not None else ("initial",)
                self.fail(
                    where,
                    f"strategy '{strategy.name}' has a tree whose leaves enter states, which sets the "
                    "starting distribution; remove initial",
                )
        for strategy in [None, *sc.strategies]:
            graph = dict(sc.parameters)
            if strategy is not None:
                graph.update(strategy.overrides)
            cycle = find_cycle({k: v.formula.names for k, v in graph.items()})
            if cycle:
                where = graph[cycle[0]].loc
                self.fail(where, "circular definition: " + " -> ".join(cycle))
                return

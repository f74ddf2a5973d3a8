"""A compiled scenario: checked, parsed and ready for the engine. Formulas keep their YAML location."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atmpcli.errors import ScenarioError
from atmpcli.scenario import schema as S
from atmpcli.scenario.formula import Formula
from atmpcli.scenario.tables import LookupTable
from atmpcli.scenario.yamlfile import Loc, YamlDocument

# Names a formula can use besides parameters; their meaning depends on where the formula is used.
TIME_VARIABLES = ("cycle", "time", "age")
STATE_TIME = "state_time"
RESERVED = {*TIME_VARIABLES, STATE_TIME, S.REST, "true", "false", "True", "False"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Expression:
    formula: Formula
    loc: Loc


@dataclass
class Payoff:
    """One-off costs (by component) and effects, e.g. on a tree branch or a transition."""

    costs: dict[str, Expression] = field(default_factory=dict)
    qalys: Expression | None = None
    life_years: Expression | None = None


@dataclass
class Branch:
    name: str
    label: str
    p: Expression | None  # None: the complement of its siblings
    payoff: Payoff
    response: bool
    state: int | None
    children: list[Branch]
    loc: Loc
    tags: dict[str, Any] = field(default_factory=dict)  # subgroup, test result, treatment (test-and-treat)
    metrics: dict[str, Expression] = field(default_factory=dict)  # counted as reach x value (accounting)


@dataclass
class Tree:
    payoff: Payoff
    branches: list[Branch]
    loc: Loc
    metrics: dict[str, Expression] = field(default_factory=dict)


@dataclass
class State:
    name: str
    label: str
    costs: dict[str, Expression]
    utility: Expression | None
    alive: bool
    tunnel: int  # 1 for an ordinary state


@dataclass
class TransitionReward:
    sources: frozenset[int]
    targets: frozenset[int]
    payoff: Payoff
    loc: Loc


@dataclass
class PaymentPlan:
    """How a therapy's price is paid; the price is then left out of the tree and added from the schedule."""

    treatment: str
    price: Expression
    spec: Any  # schema.PaymentSpec
    states: list[int] | None  # condition in_states; None: alive
    loc: Loc


@dataclass
class Strategy:
    name: str
    label: str
    description: str
    overrides: dict[str, Expression]
    tree: Tree | None
    initial: dict[int, Expression] | None
    loc: Loc
    infused_tree: Tree | None = None  # the same strategy for the people infused (cell/gene therapies)
    payments: list[PaymentPlan] = field(default_factory=list)


@dataclass
class Uncertain:
    """A parameter's distribution as written: its type and the formulas of its fields."""

    name: str
    kind: str
    given: dict[str, Expression]
    loc: Loc


@dataclass
class DirichletGroup:
    parameters: list[str]
    alpha: list[float]
    loc: Loc


@dataclass
class CorrelationGroup:
    parameters: list[str]
    cholesky: Any  # numpy array (k, k)
    loc: Loc


@dataclass
class Scenario:
    """Everything the engine needs, checked and parsed; formulas keep their location for errors."""

    path: Path
    doc: YamlDocument
    spec: S.ScenarioSpec
    name: str
    parameters: dict[str, Expression]
    tables: dict[str, LookupTable]
    states: list[State]
    transitions: list[dict[int, Expression | None]]  # row -> {column: formula, or None for "rest"}
    transition_rewards: list[TransitionReward]
    initial: dict[int, Expression] | None
    start: Payoff | None
    tree: Tree | None
    strategies: list[Strategy]
    comparator: str
    cost_components: list[str]
    n_cycles: int
    uncertain: dict[str, Uncertain] = field(default_factory=dict)
    ranges: dict[str, tuple[Expression | None, Expression | None]] = field(default_factory=dict)
    dirichlet: list[DirichletGroup] = field(default_factory=list)
    correlation: list[CorrelationGroup] = field(default_factory=list)
    tests: dict[str, Any] = field(default_factory=dict)  # the test specs, for responder accounting
    overrides: dict[str, Any] = field(default_factory=dict)  # variant, --set values, reference case applied

    @property
    def settings(self) -> S.Settings:
        return self.spec.settings

    @property
    def has_markov(self) -> bool:
        return bool(self.states)

    @property
    def has_utilities(self) -> bool:
        return _any_qalys(self)

    @property
    def has_response(self) -> bool:
        trees = [self.tree] + [s.tree for s in self.strategies]
        return any(_has_response(b) for t in trees if t for b in t.branches)

    def strategy(self, name: str) -> Strategy:
        for s in self.strategies:
            if s.name == name:
                return s
        raise KeyError(name)

    def problem(self, loc: Loc, message: str) -> ScenarioError:
        return ScenarioError([self.doc.problem(loc, message)])


def _has_response(b: Branch) -> bool:
    return b.response or any(_has_response(c) for c in b.children)


def _any_qalys(sc: Scenario) -> bool:
    if any(s.utility is not None for s in sc.states):
        return True
    payoffs = [r.payoff for r in sc.transition_rewards] + ([sc.start] if sc.start else [])

    def walk(branches: list[Branch]) -> None:
        for b in branches:
            payoffs.append(b.payoff)
            walk(b.children)

    for t in [sc.tree] + [s.tree for s in sc.strategies]:
        if t:
            payoffs.append(t.payoff)
            walk(t.branches)
    return any(p.qalys is not None for p in payoffs)

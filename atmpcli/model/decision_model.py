"""The decision model the engine evaluates: states, transitions, rewards, trees, strategies and settings.

These are plain data types with formulas as :class:`~atmpcli.model.expressions.Expression` objects. The
scenario layer compiles a YAML file into a :class:`DecisionModel`; the engine (``atmpcli.model.evaluate``)
and the analyses read nothing else. Every input keeps its ``origin`` (a path of keys in the scenario) so
that an error raised while evaluating it can be mapped back to the file.

States are indexed in the order they are declared. A tunnel state of L cycles is one state here; the
engine expands it into L sub-states (``atmpcli.model.transitions.TunnelLayout``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.errors import AtmpError, ModelError, Origin
from atmpcli.model.expressions import Expression
from atmpcli.model.survival_model import Partition, SurvivalModel


@dataclass(frozen=True)
class Discount:
    """Yearly discount rates. A rate written as a formula (a parameter's name) keeps it in ``*_formula``
    and its base-case value in ``costs``/``effects``; the engine evaluates the formula per sample, so that
    DSA and PSA can vary it (Parameters.discount_rate)."""

    costs: float = 0.0
    effects: float = 0.0
    costs_formula: Expression | None = None
    effects_formula: Expression | None = None

    @property
    def formulas(self) -> list[Expression]:
        return [e for e in (self.costs_formula, self.effects_formula) if e is not None]


@dataclass(frozen=True)
class Severity:
    """The patients' sex mix, start age and population norms, for the QALY shortfall (settings.severity)."""

    female: float
    norms: str  # a bundled name or a CSV file's path
    start_age: float | None  # whole years


@dataclass(frozen=True)
class Settings:
    """How the cohort is run and counted (the engine), and what the analyses decide on."""

    # the engine
    n_cycles: int = 0  # 0 for a decision tree without a cohort model
    cycle_length: float = 1.0  # years
    method: str = (
        "life-table"  # counting convention / within-cycle correction (model/cycle_correction_and_discounting.py)
    )
    discount: Discount = Discount()
    discount_timing: str = "time"  # "time", "year-start", "cycle-start" or "cycle-end"
    state_values_per: str = "year"  # state costs and utilities are per "year" or per "cycle"
    state_value_timing: str = "time-point"  # state values at time points 0..n, or per "cycle" 1..n (heemod)
    start_age: float | None = None  # gives formulas `age`
    # the analyses
    effect: str = "qalys"  # the outcome of the incremental analysis: qalys, life_years or responders
    wtp: list[float] = field(default_factory=list)  # willingness-to-pay thresholds (base-case values)
    wtp_formulas: tuple[Expression | None, ...] = ()  # per threshold: its formula when written as one (DSA)
    cohort_size: float = 1.0
    population: float | None = None  # people the decision affects (population EVPI)
    reference_case: str | None = None  # the jurisdiction whose rates and thresholds were applied
    severity: Severity | None = None  # for the decision rules (analysis/weighted_decisions.py)
    decision_rules: tuple[str, ...] = ()  # the reference case's rules (scenario/reference_cases.py)


@dataclass
class Payoff:
    """One-off costs (by component) and effects, e.g. on a tree branch or a transition."""

    costs: dict[str, Expression] = field(default_factory=dict)
    qalys: Expression | None = None
    life_years: Expression | None = None


@dataclass
class State:
    """A health state: its costs (by component) and utility per year (or cycle) spent in it."""

    name: str
    label: str
    costs: dict[str, Expression]
    utility: Expression | None
    alive: bool
    tunnel: int = 1  # cycles of a tunnel state; 1 for an ordinary state


@dataclass
class TransitionRow:
    """Where the cohort in one state goes in a cycle: one probability per target state (sparse)."""

    source: int
    probabilities: dict[int, Expression]  # target state -> probability; staying in a tunnel moves it on
    rest: int | None  # the target that takes the complement (written ``rest``), if any
    origin: Origin


@dataclass
class TransitionReward:
    """A one-off payoff for everyone moving from one of ``sources`` to one of ``targets`` in a cycle."""

    sources: frozenset[int]
    targets: frozenset[int]
    payoff: Payoff
    origin: Origin


@dataclass
class StartDistribution:
    """Shares of the cohort in each state at the start (states not named start empty)."""

    shares: dict[int, Expression]
    origin: Origin


@dataclass
class Branch:
    name: str
    label: str
    p: Expression | None  # None: the complement of its siblings
    payoff: Payoff
    response: bool
    state: int | None  # the cohort state a leaf enters
    children: list[Branch]
    origin: Origin
    tags: dict[str, Any] = field(default_factory=dict)  # subgroup, test result, treatment (test-and-treat)
    metrics: dict[str, Expression] = field(default_factory=dict)  # counted as reach x value (accounting)
    # path values (``set:``): names for the formulas of this branch's payoffs and of the branches below it,
    # evaluated with the values of the path above (so ``u: u * f`` accumulates); ``p`` sees the path above
    values: dict[str, Expression] = field(default_factory=dict)


def enters_states(branches: list[Branch]) -> bool:
    """True when some leaf below ``branches`` enters a cohort state (the tree sets the start)."""
    return any(b.state is not None or enters_states(b.children) for b in branches)


@dataclass
class Tree:
    payoff: Payoff
    branches: list[Branch]
    origin: Origin
    metrics: dict[str, Expression] = field(default_factory=dict)
    values: dict[str, Expression] = field(default_factory=dict)  # path values for the whole tree

    @property
    def enters_states(self) -> bool:
        return enters_states(self.branches)


@dataclass(frozen=True)
class PaymentTerms:
    """How a therapy's price is paid over time (atmp-economics.md 2.3; model/payment_schedules.py)."""

    type: str = "upfront"  # "upfront", "instalments" or "outcome_based"
    instalments: int = 1
    financing_rate: float = 0.0
    times: tuple[float, ...] = ()  # outcome-based: years after treatment ...
    fractions: tuple[float, ...] = ()  # ... and the share of the price paid then if the condition holds
    rebate_fraction: float = 0.0
    rebate_time: float | None = None


@dataclass
class PaymentPlan:
    """A therapy's payment schedule; its price is left out of the tree and added from the schedule."""

    treatment: str
    price: Expression
    terms: PaymentTerms
    states: list[int] | None  # the condition: alive in these states; None: alive
    origin: Origin


@dataclass
class Strategy:
    name: str
    label: str
    description: str
    overrides: dict[str, Expression]  # parameters this strategy sets to its own values
    tree: Tree | None  # None: the model's tree (if any)
    initial: StartDistribution | None  # None: the model's start distribution
    origin: Origin
    infused_tree: Tree | None = None  # the same strategy for the people infused (cell/gene therapies)
    payments: list[PaymentPlan] = field(default_factory=list)


@dataclass
class Uncertain:
    """A parameter's distribution as written: its type and the formulas of its fields."""

    name: str
    kind: str
    given: dict[str, Expression]
    origin: Origin


@dataclass
class DirichletGroup:
    parameters: list[str]
    alpha: list[float]
    origin: Origin


@dataclass
class CorrelationGroup:
    parameters: list[str]
    cholesky: np.ndarray  # (k, k), lower triangular
    origin: Origin


@dataclass(frozen=True)
class ParameterInfo:
    """What a scenario says about a parameter besides its value (listed by `show`, workbooks and reports)."""

    source: str = ""
    distribution: str = ""  # as written, e.g. "gamma(shape=30.0, rate=200.0)"
    low: float | str | None = None  # one-way range as written
    high: float | str | None = None


@dataclass(frozen=True)
class ModelDescription:
    """What a model's source says about it that the engine does not use: where it came from and how it is
    described. Results carry it as their provenance; reports print it. Empty for a model built in memory."""

    file: str | None = None
    sha256: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # variant, --set values, reference case applied
    illustrative: bool = False
    description: str = ""
    sources: tuple[str, ...] = ()
    variants: dict[str, str] = field(default_factory=dict)  # the scenario's variants: name -> description
    perspective: str = ""  # of the reference case, when one applies
    subgroups: tuple[tuple[str, str], ...] = ()  # (label, prevalence as written) of a test-and-treat population


@dataclass(kw_only=True)
class DecisionModel:
    """Everything the engine and the analyses need; formulas keep their origin for errors."""

    name: str
    title: str = ""
    currency: str = ""
    price_year: int | None = None
    settings: Settings
    parameters: dict[str, Expression]
    tables: dict[str, Callable[[np.ndarray], np.ndarray]] = field(default_factory=dict)  # look-up functions
    states: list[State] = field(default_factory=list)
    transitions: list[TransitionRow] = field(default_factory=list)  # one row per state, in state order
    transition_rewards: list[TransitionReward] = field(default_factory=list)
    initial: StartDistribution | None = None
    start: Payoff | None = None  # one-off payoffs at the start, for every strategy
    tree: Tree | None = None
    strategies: list[Strategy]
    comparator: str
    cost_components: list[str] = field(default_factory=list)
    uncertain: dict[str, Uncertain] = field(default_factory=dict)
    ranges: dict[str, tuple[Expression | None, Expression | None]] = field(default_factory=dict)
    dirichlet: list[DirichletGroup] = field(default_factory=list)
    correlation: list[CorrelationGroup] = field(default_factory=list)
    parameter_info: dict[str, ParameterInfo] = field(default_factory=dict)
    survival: SurvivalModel | None = None  # survival curves and the general population (model/survival_model.py)
    partitions: list[Partition] = field(default_factory=list)  # partitioned survival (model/partitioned_survival.py)
    # Builds this model again in another process (distributed PSA): picklable and hashable. None for a
    # model built in memory.
    rebuild: Callable[[], DecisionModel] | None = None

    @property
    def n_cycles(self) -> int:
        return self.settings.n_cycles

    @property
    def has_markov(self) -> bool:
        return bool(self.states)

    @property
    def has_utilities(self) -> bool:
        return any(s.utility is not None for s in self.states) or any(p.qalys is not None for p in self._payoffs())

    @property
    def has_response(self) -> bool:
        return any(_has_response(b) for t in self._trees() for b in t.branches)

    def strategy(self, name: str) -> Strategy:
        for s in self.strategies:
            if s.name == name:
                return s
        raise KeyError(name)

    def located(self, error: ModelError) -> AtmpError:
        """``error`` as the user should see it. The scenario layer overrides this to name the file and line."""
        return error

    def describe(self) -> ModelDescription:
        """Where the model came from and how it is described; the scenario layer overrides this."""
        return ModelDescription()

    def _trees(self) -> list[Tree]:
        return [t for t in [self.tree] + [s.tree for s in self.strategies] if t is not None]

    def _payoffs(self) -> list[Payoff]:
        out = [r.payoff for r in self.transition_rewards] + ([self.start] if self.start else [])

        def walk(branches: list[Branch]) -> None:
            for b in branches:
                out.append(b.payoff)
                walk(b.children)

        for t in self._trees():
            out.append(t.payoff)
            walk(t.branches)
        return out


def _has_response(b: Branch) -> bool:
    return b.response or any(_has_response(c) for c in b.children)

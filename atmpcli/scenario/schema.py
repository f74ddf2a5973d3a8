"""The scenario file format as pydantic models (``extra="forbid"`` everywhere).

This module only checks *shape*: keys, types and ranges. Cross-references (states named in
transitions, parameters named in formulas, cycles in the parameter graph) are checked in
:mod:`atmpcli.scenario.compile`, which knows the whole scenario.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, PlainValidator, model_validator

from atmpcli.scenario import schema_survival
from atmpcli.scenario.schema_base import REST, Costs, Expr, Probability, Strict, _expr, kind_of
from atmpcli.scenario.schema_equity import EquitySpec
from atmpcli.scenario.schema_survival import CurveSpec, GeneralPopulationSpec, PartitionSpec
from atmpcli.scenario.schema_test_and_treat import (
    AdverseEventSpec,
    PathwaySpec,
    PaymentSpec,
    PopulationSpec,
    SubgroupSpec,
    TestSpec,
    TreatmentSpec,
)

__all__ = ["REST", "Costs", "Expr", "Probability", "Strict", "_expr", "kind_of"]
__all__ += ["AdverseEventSpec", "PathwaySpec", "PaymentSpec", "PopulationSpec", "SubgroupSpec", "TestSpec"]
__all__ += ["TreatmentSpec"]


DISTRIBUTIONS = (
    "fixed",
    "normal",
    "truncnormal",
    "lognormal",
    "gamma",
    "beta",
    "uniform",
    "triangular",
    "pert",
    "binomial",
    "poisson",
)


class DistributionSpec(Strict):
    """A parameter's uncertainty. Which keys apply depends on ``type`` (docs/scenario-format.md)."""

    type: Literal[DISTRIBUTIONS]  # type: ignore[valid-type] - the tuple's names
    mean: Expr | None = None
    se: Expr | None = None
    sd: Expr | None = None
    low: Expr | None = None  # a 95 % interval, for normal and lognormal
    high: Expr | None = None
    meanlog: Expr | None = None
    sdlog: Expr | None = None
    shape: Expr | None = None
    rate: Expr | None = None
    scale: Expr | None = None
    alpha: Expr | None = None
    beta: Expr | None = None
    min: Expr | None = None
    max: Expr | None = None
    mode: Expr | None = None
    lower: Expr | None = None  # truncation bounds of truncnormal
    upper: Expr | None = None
    prob: Expr | None = None  # binomial: a proportion of `size` trials (heemod's binomial(prob, size))
    size: Expr | None = None

    @model_validator(mode="after")
    def _complete(self) -> DistributionSpec:
        given = {k for k in type(self).model_fields if k != "type" and getattr(self, k) is not None}
        forms = _FORMS[self.type]
        if not any(set(f) <= given for f in forms):
            want = " or ".join("{" + ", ".join(f) + "}" for f in forms if f) or "nothing"
            raise ValueError(f"a {self.type} distribution needs {want}")
        allowed = set().union(*forms) | _OPTIONAL.get(self.type, set())
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(f"{', '.join(extra)} does not apply to a {self.type} distribution")
        return self


# The accepted parameterisations per type; `mean` may be left out where the parameter's value is the mean.
_FORMS: dict[str, list[tuple[str, ...]]] = {
    "fixed": [()],
    "normal": [("sd",), ("se",), ("low", "high")],
    "truncnormal": [("sd", "lower", "upper"), ("se", "lower", "upper")],
    "lognormal": [("meanlog", "sdlog"), ("sdlog",), ("se",), ("low", "high")],
    "gamma": [("shape", "rate"), ("shape", "scale"), ("se",)],
    "beta": [("alpha", "beta"), ("se",)],
    "uniform": [("min", "max")],
    "triangular": [("min", "mode", "max"), ("min", "max")],
    "pert": [("min", "mode", "max"), ("min", "max")],
    "binomial": [("size",)],
    "poisson": [()],
}
_OPTIONAL = {k: {"mean"} for k in ("normal", "truncnormal", "lognormal", "gamma", "beta", "poisson")}
_OPTIONAL["binomial"] = {"prob"}


class ParameterSpec(Strict):
    value: Expr
    source: str | None = None
    description: str | None = None
    unit: str | None = None
    distribution: DistributionSpec | None = None
    low: Expr | None = None  # one-way sensitivity range
    high: Expr | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        # `name: 0.5` and `name: "a * b"` are shorthand for `name: {value: ...}`
        return data if isinstance(data, dict) else {"value": data}


class TableSpec(Strict):
    file: str
    key: str
    value: str
    interpolation: Literal["step", "linear"] = "step"
    after_last: Literal["warn", "carry"] = "warn"  # look-ups past the last row: warn, or carry it forward quietly


def _rate(value: Any) -> float | str:
    # a yearly rate in [0, 1], or a formula (a parameter's name) that DSA and PSA can vary
    rate = _expr(value)
    if isinstance(rate, float) and not 0 <= rate <= 1:
        raise ValueError("a discount rate is between 0 and 1 (0.035 for 3.5 %)")
    return rate


def _threshold(value: Any) -> float | str:
    # a positive amount per unit of effect, or a formula (a parameter's name) that DSA can vary
    k = _expr(value)
    if isinstance(k, float) and not k > 0:
        raise ValueError("a willingness-to-pay threshold is a positive amount per unit of effect")
    return k


class DiscountSpec(Strict):
    costs: Annotated[float | str, PlainValidator(_rate)] = 0.0
    effects: Annotated[float | str, PlainValidator(_rate)] = 0.0

    @model_validator(mode="before")
    @classmethod
    def _one_rate(cls, data: Any) -> Any:
        # `discount: 0.03` (or `discount: dr`) applies one rate to costs and effects
        if isinstance(data, int | float | str) and not isinstance(data, bool):
            return {"costs": data, "effects": data}
        return data


class SeveritySpec(Strict):
    """Who the patients are, for the QALY shortfall (docs/decision-rules.md): compare --severity."""

    female: Annotated[float, Field(ge=0, le=1)]  # share of women
    norms: str = "england-dsu-2014"  # bundled norms (analysis/norms.py) or a CSV file beside the scenario
    start_age: Annotated[int, Field(ge=0)] | None = None  # whole years; default settings.start_age


Method = Literal["beginning", "end", "life-table", "half-cycle", "trapezoid", "none", "simpson", "simpson-darth"]


class Settings(Strict):
    reference_case: str | None = None  # a jurisdiction's preset: discount rates and thresholds
    cycle_length: Annotated[float, Field(gt=0)] = 1.0
    cycles: Annotated[int, Field(ge=1, le=100_000)] | None = None
    horizon: Annotated[float, Field(gt=0)] | None = None
    discount: DiscountSpec = DiscountSpec()
    method: Method = "life-table"
    discount_timing: Literal["time", "year-start", "cycle-start", "cycle-end"] = "time"
    state_values_per: Literal["year", "cycle"] = "year"
    state_value_timing: Literal["time-point", "cycle"] = "time-point"  # "cycle": heemod's convention
    start_age: Annotated[float, Field(ge=0)] | None = None
    cohort_size: Annotated[float, Field(gt=0)] = 1.0
    effect: Literal["qalys", "life_years", "responders"] = "qalys"
    wtp: list[Annotated[float | str, PlainValidator(_threshold)]] = []
    population: Annotated[float, Field(gt=0)] | None = None  # people the decision affects, for population EVPI
    severity: SeveritySpec | None = None  # the patients' sex mix and norms, for the QALY shortfall
    utility_range: Annotated[list[float], Field(min_length=2, max_length=2)] = [-1.0, 1.0]  # scenario/sanity.py

    @model_validator(mode="after")
    def _one_horizon(self) -> Settings:
        if self.cycles is not None and self.horizon is not None:
            raise ValueError("give either cycles or horizon, not both")
        if self.horizon is not None and not self.horizon / self.cycle_length <= 100_000:  # as cycles: at most 100,000
            raise ValueError(
                f"a horizon of {self.horizon:g} years is more than 100,000 cycles of {self.cycle_length:g}"
            )
        if self.utility_range[0] >= self.utility_range[1]:
            raise ValueError("utility_range is [lowest, highest]: the first must be below the second")
        return self

    @property
    def n_cycles(self) -> int | None:
        if self.cycles is not None:
            return self.cycles
        if self.horizon is not None:
            return max(1, round(self.horizon / self.cycle_length))
        return None


class StateSpec(Strict):
    label: str | None = None
    costs: Costs = {}
    utility: Expr | None = None
    alive: bool = True
    tunnel_cycles: Annotated[int, Field(ge=2, le=10_000)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty(cls, data: Any) -> Any:
        return {} if data is None else data


class TransitionRewardSpec(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
    from_: str | list[str] | None = Field(None, alias="from")
    to: str | list[str]
    costs: Costs = {}
    qalys: Expr | None = None
    life_years: Expr | None = None


class OneOffSpec(Strict):
    costs: Costs = {}
    qalys: Expr | None = None
    life_years: Expr | None = None


PathValues = dict[str, Expr]  # a tree's path values (docs/scenario-format.md#path-values)


class BranchSpec(Strict):
    name: str
    p: Expr
    label: str | None = None
    costs: Costs = {}
    qalys: Expr | None = None
    life_years: Expr | None = None
    response: bool = False
    state: str | None = None
    branches: list[BranchSpec] | None = None
    set_: PathValues = Field({}, alias="set")  # values for the formulas of this branch and below

    @model_validator(mode="after")
    def _leaf_or_node(self) -> BranchSpec:
        if self.state is not None and self.branches is not None:
            raise ValueError("a branch either enters a state or has branches, not both")
        if self.branches is not None and not self.branches:
            raise ValueError("branches is empty; remove it to make this branch a leaf")
        return self


class TreeSpec(Strict):
    costs: Costs = {}
    qalys: Expr | None = None
    life_years: Expr | None = None
    branches: Annotated[list[BranchSpec], Field(min_length=1)]
    set_: PathValues = Field({}, alias="set")


class StrategySpec(Strict):
    label: str | None = None
    description: str | None = None
    parameters: dict[str, ParameterSpec] = {}
    tree: TreeSpec | None = None
    initial: dict[str, Expr] | None = None
    treat_all: str | None = None  # a treatment for everyone
    test: str | None = None  # test, then `positive` / `negative` treatments
    positive: str | None = None
    negative: str | None = None
    treat_none: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> StrategySpec:
        kinds = [
            k
            for k, v in (
                ("tree", self.tree),
                ("treat_all", self.treat_all),
                ("test", self.test),
                ("treat_none", self.treat_none or None),
            )
            if v is not None
        ]
        if len(kinds) > 1:
            raise ValueError(f"give one of tree, treat_all, test or treat_none, not {' and '.join(kinds)}")
        if self.test is not None and (self.positive is None or self.negative is None):
            raise ValueError("a test-then-treat strategy needs positive and negative treatments")
        if self.test is None and (self.positive is not None or self.negative is not None):
            raise ValueError("positive and negative go with test")
        return self


class DirichletSpec(Strict):
    parameters: Annotated[list[str], Field(min_length=2)]
    alpha: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=2)]

    @model_validator(mode="after")
    def _same_length(self) -> DirichletSpec:
        if len(self.parameters) != len(self.alpha):
            raise ValueError(f"{len(self.parameters)} parameters but {len(self.alpha)} alpha values")
        return self


class CorrelationSpec(Strict):
    parameters: Annotated[list[str], Field(min_length=2)]
    matrix: list[list[float]]


class VariantSpec(Strict):
    description: str | None = None
    parameters: dict[str, Expr] = {}
    settings: dict[str, Any] = {}
    changes: dict[str, Any] = {}  # other keys by dotted path, e.g. treatments.cart.pathway.payment.type


class BudgetImpactSpec(Strict):
    """A payer's N-year budget (ISPOR good practice: Sullivan et al. 2014; Mauskopf et al. 2007)."""

    years: Annotated[int, Field(ge=1, le=50)] = 5
    discount: Annotated[float, Field(ge=0, le=1)] = 0.0  # undiscounted by default
    incident: float | list[float] = 0.0  # newly eligible patients per year (one number or one per year)
    prevalent: Annotated[float, Field(ge=0)] = 0.0  # eligible at the start
    current: dict[str, float]  # world without: share of treated patients per strategy (sums to 1)
    new: dict[str, float | list[float]]  # world with: uptake share per strategy, per year; the rest as current
    capacity: dict[str, Annotated[float, Field(ge=0)]] = {}  # at most this many start a strategy per year

    @model_validator(mode="after")
    def _shares(self) -> BudgetImpactSpec:
        if abs(sum(self.current.values()) - 1) > 1e-9:
            raise ValueError(f"current shares sum to {sum(self.current.values()):g}, not 1")
        return self


class ScenarioSpec(Strict):
    extends: str | None = None  # a base scenario file (relative to this one); this file's keys win
    name: str | None = None
    title: str
    description: str | None = None
    sources: list[str] = []
    illustrative: bool = False
    currency: Annotated[str, Field(min_length=1, max_length=12)]
    price_year: Annotated[int, Field(ge=1900, le=2200)] | None = None
    settings: Settings = Settings()
    parameters: dict[str, ParameterSpec] = {}
    tables: dict[str, TableSpec] = {}
    states: dict[str, StateSpec] = {}
    transitions: dict[str, dict[str, Expr]] = {}
    transition_rewards: list[TransitionRewardSpec] = []
    initial: dict[str, Expr] | None = None
    start: OneOffSpec | None = None
    tree: TreeSpec | None = None
    strategies: dict[str, StrategySpec | None] = {}
    comparator: str | None = None
    population: PopulationSpec | None = None
    tests: dict[str, TestSpec] = {}
    treatments: dict[str, TreatmentSpec] = {}
    generate_strategies: bool = False  # add every treat-all, test-then-treat and treat-none strategy
    dirichlet: list[DirichletSpec] = []
    correlation: list[CorrelationSpec] = []
    variants: dict[str, VariantSpec] = {}
    budget_impact: BudgetImpactSpec | None = None
    survival: dict[str, CurveSpec] = {}  # survival curves (schema_survival.py)
    general_population: GeneralPopulationSpec | None = None
    partitioned_survival: dict[str, PartitionSpec] = {}
    equity: EquitySpec | None = None  # distributional CEA (schema_equity.py; atmpcli equity)


schema_survival.rebuild({"ParameterSpec": ParameterSpec})
ScenarioSpec.model_rebuild()

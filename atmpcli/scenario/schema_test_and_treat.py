"""Test-and-treat and cell/gene-therapy parts of a scenario: the population's subgroups, diagnostic tests,
the treatments and their adverse events, the manufacturing-to-infusion pathway and payment plans
(docs/scenario-format.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from atmpcli.scenario.schema_base import Costs, Expr, Strict


class SubgroupSpec(Strict):
    prevalence: Expr
    label: str | None = None


class PopulationSpec(Strict):
    subgroups: Annotated[dict[str, SubgroupSpec], Field(min_length=1)]
    untreated_state: str | None = None  # where untreated people enter the cohort model (treat-none)


class TestSpec(Strict):
    label: str | None = None
    positive_for: str | list[str]  # the subgroup(s) the test is meant to detect
    sensitivity: Expr
    specificity: Expr
    cost: Expr = 0.0  # per test done
    failure_rate: Expr = 0.0  # share of tests that give no result
    retest: bool = True  # a failed test is repeated once
    on_failure: Literal["negative", "positive", "untreated"] = "negative"
    turnaround_days: Expr = 0.0
    delay_qalys_per_day: Expr = 0.0  # QALYs lost per day of waiting for the result
    setting: Literal["lab", "point_of_care"] = "lab"


class AdverseEventSpec(Strict):
    name: str
    probability: Expr
    costs: Costs = {}
    qalys: Expr | None = None  # one-off disutility of the event (negative)


class PaymentSpec(Strict):
    """How the payer pays the product price (atmp-economics.md 2.3)."""

    type: Literal["upfront", "instalments", "outcome_based"] = "upfront"
    instalments: Annotated[int, Field(ge=1, le=100)] = 1  # equal yearly payments from t = 0
    financing_rate: Annotated[float, Field(ge=0, le=1)] = 0.0  # interest the seller charges on deferred payments
    # outcome-based: a share of the price at each time (years), paid if the condition holds then
    times: list[Annotated[float, Field(ge=0)]] = []
    fractions: list[Annotated[float, Field(ge=0, le=1)]] = []
    condition: Literal["alive", "in_states"] = "alive"
    states: list[str] = []  # for condition in_states (e.g. the response states)
    rebate_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0  # refunded if the condition fails by rebate_time
    rebate_time: Annotated[float, Field(ge=0)] | None = None

    @property
    def scheduled(self) -> bool:
        """True when the price is not simply paid at infusion (then a payment plan computes it)."""
        return self.type != "upfront" or self.rebate_fraction > 0

    @model_validator(mode="after")
    def _consistent(self) -> PaymentSpec:
        if self.type == "outcome_based":
            if not self.times or len(self.times) != len(self.fractions):
                raise ValueError("outcome_based payments need times and fractions of the same length")
            if abs(sum(self.fractions) - 1) > 1e-9:
                raise ValueError(f"fractions sum to {sum(self.fractions):g}, not 1")
        if self.condition == "in_states" and not self.states:
            raise ValueError("condition in_states needs states")
        if self.rebate_fraction and self.rebate_time is None:
            raise ValueError("rebate_fraction needs rebate_time")
        return self


class PathwaySpec(Strict):
    """A cell or gene therapy's route from enrolment to infusion (atmp-economics.md 2.4-2.5)."""

    price: Expr  # product price (cost component `product`)
    payment: PaymentSpec = PaymentSpec()
    charge_if_not_infused: bool = False
    apheresis_costs: Costs = {}  # everyone who starts the pathway
    conditioning_costs: Costs = {}  # infused patients
    manufacturing_failure: Expr = 0.0
    failure_treatment: str | None = None  # what patients get when manufacturing fails ...
    failure_state: str | None = None  # ... or the state they enter
    vein_to_vein_days: Expr = 0.0
    dropout_hazard_per_month: Expr = 0.0  # progression or death while waiting
    dropout_state: str | None = None
    bridging_probability: Expr = 0.0
    bridging_costs: Costs = {}
    adverse_events: list[AdverseEventSpec] = []


class TreatmentSpec(Strict):
    label: str | None = None
    response: Expr | dict[str, Expr]  # one probability, or one per true subgroup
    costs: Costs = {}  # one-off, per person treated (e.g. acquisition, administration, monitoring, adverse_events)
    qalys: Expr | None = None  # one-off, per person treated (e.g. an adverse-event disutility)
    response_state: str | None = None
    no_response_state: str | None = None
    cure_fraction: Expr | None = None  # share of responders who are cured ...
    cure_state: str | None = None  # ... and enter this state
    pathway: PathwaySpec | None = None  # a cell/gene therapy's pathway before infusion

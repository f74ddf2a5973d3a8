"""The `equity:` block of the scenario format (shape only): the population subgroups of a distributional
cost-effectiveness analysis (DCEA), their baseline health, who the patients are and who bears the
health opportunity costs. ``atmpcli equity`` reads it (analysis/dcea.py; docs/decision-rules.md).

Each check that spans the subgroups (shares summing to 1, opportunity-cost shares given for all or none)
is a validator of the ``subgroups`` field, so its message points at that key of the file.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SHARE_TOLERANCE = 1e-6  # shares as printed in sources (two or three decimals) must still sum to 1
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class EquitySubgroupSpec(_Strict):
    """One subgroup of the whole population (e.g. an IMD quintile) and the patients in it."""

    label: str | None = None
    population_share: Annotated[float, Field(ge=0, le=1)]  # share of the whole population
    qale: Positive  # baseline quality-adjusted life expectancy per person (e.g. at birth)
    patients: NonNegative  # the patients' distribution: a share or a count (normalised over the subgroups)
    uptake: Annotated[float, Field(ge=0, le=1)] = 1.0  # share of this subgroup's patients who get the strategy
    effect: NonNegative = 1.0  # multiplies the incremental QALYs per patient in this subgroup
    cost: NonNegative = 1.0  # multiplies the incremental cost per patient in this subgroup
    opportunity_cost_share: Annotated[float, Field(ge=0, le=1)] | None = None  # of the health forgone


class AversionSpec(_Strict):
    """Inequality aversion: Atkinson's epsilon (relative) and Kolm's alpha (absolute); left out, the English
    public's (Robson et al. 2017: analysis/equity.py)."""

    atkinson: NonNegative | None = None
    kolm: NonNegative | None = None


def _sums_to_one(values: list[float], what: str) -> None:
    total = math.fsum(values)
    if abs(total - 1) > SHARE_TOLERANCE:
        raise ValueError(f"the subgroups' {what} sum to {total:.6g}, not 1")


class EquitySpec(_Strict):
    """A distributional cost-effectiveness analysis (Asaria, Griffin, Cookson 2016; Love-Koh et al. 2019)."""

    description: str | None = None
    sources: list[str] = []
    population: Positive  # people in the whole population whose health is measured (e.g. England)
    patients: Positive | None = None  # patients eligible for the strategy; default settings.population
    opportunity_cost_threshold: Positive  # cost per QALY forgone elsewhere in the health system
    opportunity_costs: Literal["per_capita", "subgroups"] | None = None  # default: subgroups if shares given
    aversion: AversionSpec = AversionSpec()
    subgroups: Annotated[dict[str, EquitySubgroupSpec], Field(min_length=2)]

    @field_validator("subgroups")
    @classmethod
    def _shares(cls, groups: dict[str, EquitySubgroupSpec]) -> dict[str, EquitySubgroupSpec]:
        _sums_to_one([g.population_share for g in groups.values()], "population_share values")
        if any(g.population_share == 0 for g in groups.values()):
            zero = next(n for n, g in groups.items() if g.population_share == 0)
            raise ValueError(f"subgroup '{zero}' has a population_share of 0: leave it out")
        if math.fsum(g.patients * g.uptake for g in groups.values()) <= 0:
            raise ValueError("no subgroup has patients who get the strategy (patients x uptake is 0 everywhere)")
        given = [n for n, g in groups.items() if g.opportunity_cost_share is not None]
        if given and len(given) != len(groups):
            missing = ", ".join(n for n in groups if n not in given)
            raise ValueError(f"give opportunity_cost_share for every subgroup or none (missing: {missing})")
        if given:
            _sums_to_one([g.opportunity_cost_share or 0.0 for g in groups.values()], "opportunity_cost_share values")
        return groups

    @model_validator(mode="after")
    def _one_rule(self) -> EquitySpec:
        given = next(iter(self.subgroups.values())).opportunity_cost_share is not None
        if self.opportunity_costs == "per_capita" and given:
            raise ValueError("opportunity_costs is per_capita but the subgroups give opportunity_cost_share: drop one")
        if self.opportunity_costs == "subgroups" and not given:
            raise ValueError("opportunity_costs is subgroups: give opportunity_cost_share for every subgroup")
        return self

    @property
    def rule(self) -> str:
        """How the health opportunity costs are spread: ``subgroups`` (given shares) or ``per_capita``."""
        given = next(iter(self.subgroups.values())).opportunity_cost_share is not None
        return self.opportunity_costs or ("subgroups" if given else "per_capita")

"""The survival part of the scenario format (shape only): curves, the general population, partitioned survival.

``survival`` maps curve names to curves, ``general_population`` gives the life table, and
``partitioned_survival`` maps partition names to the states read off curves. Cross-references (curves,
states, strategies), families and parameter names are checked in ``compile_survival.py``. Numbers are
``ParameterSpec``s of schema.py (a number, a formula, or a mapping with a distribution and a range), a
forward reference that schema.py resolves when it rebuilds these models (docs/scenario-format.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # resolved at run time by rebuild(), called from schema.py (which imports this module)
    from atmpcli.scenario.schema import ParameterSpec

TimeUnit = Literal["days", "weeks", "months", "years"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FitSpec(_Strict):
    """Fit the curve at load time to patient-level data (atmpcli survival fit's likelihoods)."""

    file: str  # CSV, relative to the scenario
    family: str  # exp, weibull, gompertz, llogis, lnorm, gengamma, spline1, spline2, spline3
    time: str = "time"
    event: str = "event"
    group: str | None = None  # a column whose value `level` selects the patients
    level: str | None = None
    cure: bool = False  # mixture cure (not for splines)

    @model_validator(mode="after")
    def _group_and_level(self) -> FitSpec:
        if (self.group is None) != (self.level is None):
            raise ValueError("give group and level together (the column and the value of the patients to fit)")
        return self


class CovarianceSpec(_Strict):
    """flexsurv's vcov(fit): on the estimation scale (log shape, log scale, logit cure fraction, ...)."""

    parameters: Annotated[list[str], Field(min_length=1)]  # the rows' names, e.g. [shape, scale] or [cure, ...]
    matrix: Annotated[list[list[float]], Field(min_length=1)]


class WaningSpec(_Strict):
    """The treatment effect works fully until `start` and not at all from `end` (years), linearly between."""

    start: Annotated[float, Field(ge=0)]
    end: Annotated[float, Field(gt=0)]

    @model_validator(mode="after")
    def _ordered(self) -> WaningSpec:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end:g}) must come after start ({self.start:g})")
        return self


class CurveSpec(_Strict):
    """A survival curve: `family` + `parameters` (typed in), `fit` (from data), or `reference` + an effect."""

    label: str | None = None
    source: str | None = None
    time_unit: TimeUnit | None = None  # the unit the parameters were estimated in
    family: str | None = None
    parameters: dict[str, ParameterSpec] = {}
    knots: list[float] | None = None  # splines: log time, boundary knots included (flexsurv fit$knots)
    cure: ParameterSpec | None = None  # mixture-cure fraction (flexsurvcure theta)
    relative: bool = False  # the family is an excess hazard over general-population mortality
    covariance: CovarianceSpec | None = None
    fit: FitSpec | None = None
    reference: str | None = None
    hazard_ratio: ParameterSpec | None = None
    acceleration_factor: ParameterSpec | None = None
    waning: WaningSpec | None = None
    floor: bool = False  # the hazard never falls below the general population's (x SMR)
    cure_point: Annotated[float, Field(gt=0)] | None = None  # years; survivors then follow the general population

    @model_validator(mode="after")
    def _one_kind(self) -> CurveSpec:
        kinds = [k for k in ("family", "fit", "reference") if getattr(self, k) is not None]
        if len(kinds) != 1:
            given = " and ".join(kinds) if kinds else "none of them"
            raise ValueError(f"a curve needs one of family, fit or reference (got {given})")
        if self.family is None and (self.parameters or self.covariance or self.knots or self.cure):
            raise ValueError("parameters, knots, cure and covariance go with family")
        if self.reference is not None and self.relative:
            raise ValueError("relative goes with family or fit (a reference curve takes its reference's hazard)")
        if self.reference is None and (self.hazard_ratio or self.acceleration_factor or self.waning):
            raise ValueError("hazard_ratio, acceleration_factor and waning go with reference")
        if self.hazard_ratio is not None and self.acceleration_factor is not None:
            raise ValueError("give a hazard_ratio or an acceleration_factor, not both")
        if self.waning is not None and self.hazard_ratio is None and self.acceleration_factor is None:
            raise ValueError("waning needs a hazard_ratio or an acceleration_factor to wane")
        if self.reference is None and self.time_unit is None:
            raise ValueError(
                "time_unit is required: the unit the curve's parameters were estimated in (days ... years)"
            )
        return self


class GeneralPopulationSpec(_Strict):
    """General-population mortality of the cohort (aged settings.start_age)."""

    life_table: str  # CSV: age with qx_male and qx_female (or rates); relative to the scenario
    female: Annotated[float, Field(ge=0, le=1)] = 0.5
    smr: ParameterSpec | None = None  # standardised mortality ratio applied to the life table


class PartitionSpec(_Strict):
    """States read off curves: [progression-free, progressed, dead] from pfs and os, or [alive, dead] from os."""

    states: Annotated[list[str], Field(min_length=2, max_length=3)]
    pfs: str | dict[str, str] | None = None  # a curve, or one curve per strategy
    os: str | dict[str, str]

    @model_validator(mode="after")
    def _curves_for_states(self) -> PartitionSpec:
        if len(self.states) == 3 and self.pfs is None:
            raise ValueError("three states (progression-free, progressed, dead) need pfs and os curves")
        if len(self.states) == 2 and self.pfs is not None:
            raise ValueError("two states (alive, dead) are read off os alone; remove pfs or add a progressed state")
        return self


def rebuild(namespace: dict) -> None:
    """Resolve the forward references to schema.py's types (called by schema.py once they exist)."""
    for model in (CurveSpec, GeneralPopulationSpec):
        model.model_rebuild(_types_namespace=namespace)

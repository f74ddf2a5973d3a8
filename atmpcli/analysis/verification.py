"""``atmpcli verify``: a battery of black-box tests of a model, each with its expectation and its result.

The tests are those a reviewer runs by hand in the TECH-VER checklist (Büyükkaramikli N, Rutten-van
Mölken MPMH, Severens JL, Al M. TECH-VER: a verification checklist to reduce errors in models and improve
their credibility. PharmacoEconomics 2019;37:1391-1408) and AdViSHE's verification items (Vemer P,
Corro Ramos I, van Voorn GAK, Al MJ, Feenstra TL. AdViSHE: a validation-assessment tool of
health-economic models for decision makers and model users. PharmacoEconomics 2016;34:349-361):
extreme and null inputs, identical arms, monotonicity, mass balance. The model is changed in the pure
model layer (atmpcli/model/variations.py), never by editing its YAML. docs/methods.md describes each test.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from typing import Any, ClassVar

import pandas as pd

from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.analysis.verification_checks import (
    COST,
    FAIL,
    UTILITY,
    Check,
    identical,
    mass_conservation,
    monotone,
    qalys_within_life_years,
    tree_probabilities,
    unit_utilities,
    utilities_at_most_one,
    zero_discount,
    zero_mortality,
)
from atmpcli.analysis.verification_uncertainty import extreme_values, pfs_within_os, psa_mean, survival_curves
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate

VERIFY_COLUMNS = [
    "check",
    "strategy",
    "expectation",
    "expected",
    "relation",
    "observed",
    "tolerance",
    "status",
    "detail",
]


@result_type
class Verification(Result):
    """The verification battery: one row per test and strategy (VERIFY_COLUMNS); ``passed`` when none failed."""

    sheet: ClassVar[str] = "Verification"
    checks: list[Check]

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([dataclasses.asdict(c) for c in self.checks], columns=VERIFY_COLUMNS)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def passed(self) -> bool:
        return not self.failed

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"checks": self.table}

    def body(self) -> dict[str, Any]:
        return self.scenario_header() | {"passed": self.passed, "checks": records(self.table)}


def verify(model: DecisionModel) -> Verification:
    """Run every test on ``model``; a model that fails to evaluate in its base case raises as usual."""
    base = evaluate(model)
    checks = [
        *mass_conservation(model, base),
        *zero_mortality(model),
        *unit_utilities(model),
        *utilities_at_most_one(model),
        *qalys_within_life_years(model, base),
        *zero_discount(model, base),
        *identical(model),
        *monotone(model, COST),
        *monotone(model, UTILITY),
        *tree_probabilities(model, base),
        *extreme_values(model),
        *psa_mean(model),
        *survival_curves(model),
        *pfs_within_os(model),
    ]
    return Verification(**context(model), checks=checks)

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
    DEATH,
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


SUMMARY_COLUMNS = [*VERIFY_COLUMNS, "rows", "failed"]


@result_type
class Verification(Result):
    """The verification battery: one row per test and strategy (VERIFY_COLUMNS); ``passed`` when none failed.

    ``summary`` (``tables()["summary"]``, for tables and reports) has one row per test: its worst case over
    the strategies (a failing row if there is one, else the one closest to failing), with ``rows`` (how many
    strategies it was run for) and ``failed`` (how many of them failed).
    """

    sheet: ClassVar[str] = "Verification"
    checks: list[Check]

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([dataclasses.asdict(c) for c in self.checks], columns=VERIFY_COLUMNS)

    @cached_property
    def summary(self) -> pd.DataFrame:
        frame = self.table
        gap = frame["observed"] - frame["expected"]
        gap = gap.where(frame["relation"] == "<=", -gap).where(frame["relation"] != "=", gap.abs())
        distance = (gap / frame["tolerance"].where(frame["tolerance"] > 0, 1.0)).fillna(-1.0)
        rank = distance.where(frame["status"] != FAIL, float("inf"))
        worst = frame.assign(_rank=rank).sort_values("_rank", ascending=False, kind="stable").drop_duplicates("check")
        order = list(dict.fromkeys(frame["check"]))
        out = worst.set_index("check").loc[order].reset_index().drop(columns="_rank")
        grouped = frame.groupby("check", sort=False)["status"]
        out["rows"] = grouped.size().loc[order].to_numpy()
        out["failed"] = grouped.agg(lambda s: int((s == FAIL).sum())).loc[order].to_numpy()
        return out[SUMMARY_COLUMNS]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def passed(self) -> bool:
        return not self.failed

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"checks": self.table, "summary": self.summary}

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
        *monotone(model, DEATH),
        *tree_probabilities(model, base),
        *extreme_values(model),
        *psa_mean(model),
        *survival_curves(model),
        *pfs_within_os(model),
    ]
    return Verification(**context(model), checks=checks)

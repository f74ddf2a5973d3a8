"""The results of ``atmpcli survival fit`` and ``survival reconstruct``: objects owning their DataFrames
(documented in docs/survival.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.result import Result, records, result_type

SUMMARY_COLUMNS = [
    "group",
    "model",
    "family",
    "cure",
    "relative",
    "status",
    "message",
    "n",
    "events",
    "parameters",
    "loglik",
    "aic",
    "bic",
    "delta_aic",
    "median",
    "rmst",
    "rmst_to",
    "cure_fraction",
    "cure_lower",
    "cure_upper",
]
PARAMETER_COLUMNS = ["group", "model", "parameter", "transform", "estimate", "se", "lower", "upper", "est", "est_se"]
COVARIANCE_COLUMNS = ["group", "model", "parameter", "parameter2", "covariance"]
PREDICTION_COLUMNS = ["group", "model", "time", "survival", "hazard", "cumhaz"]


@dataclass
class FittedCurve:
    """What a figure or a later model needs of one fit: the curve at the estimates, and how it was fitted."""

    group: str
    model: str
    spec: Any  # ModelSpec
    est: np.ndarray
    cov: np.ndarray | None
    usable: bool  # converged (possibly without standard errors): its curve is reported
    curve: Any = None  # model.survival.Curve at the estimates (with background mortality when fitted with it)


@result_type
class SurvivalFits(Result):
    """Parametric fits of survival data, per group: summary (the main table), parameters, covariance,
    predictions and the Kaplan-Meier estimate. ``units.time`` is the data's time unit."""

    sheet: ClassVar[str] = "Survival models"
    summary: pd.DataFrame
    parameters: pd.DataFrame
    covariance: pd.DataFrame
    predictions: pd.DataFrame
    km: pd.DataFrame
    curves: list[FittedCurve] = field(default_factory=list)
    background: Any = None  # model.lifetable.Background when a life table was given
    warnings: list[str] = field(default_factory=list)

    @property
    def time_unit(self) -> str:
        return self.units.time

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "models": self.summary,
            "parameters": self.parameters,
            "covariance": self.covariance,
            "predictions": self.predictions,
            "kaplan_meier": self.km,
        }

    def document(self) -> dict[str, Any]:
        """The JSON document: provenance, settings and every frame as a list of records."""
        return {
            "title": self.title,
            "time_unit": self.time_unit,
            "provenance": self.provenance.to_dict(),
            "warnings": self.warnings,
        } | {name: records(frame) for name, frame in self.tables().items()}


@result_type
class Reconstruction(Result):
    """Patient-level data reconstructed from a digitised Kaplan-Meier curve (Guyot et al. 2012)."""

    sheet: ClassVar[str] = "Reconstructed IPD"
    ipd: pd.DataFrame  # time, event
    intervals: pd.DataFrame  # per at-risk interval: published vs reconstructed numbers
    warnings: list[str] = field(default_factory=list)
    total_events: int | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"ipd": self.ipd, "intervals": self.intervals}

    def body(self) -> dict[str, Any]:
        files = self.provenance.files
        return {
            "curve": files.get("curve"),
            "at_risk": files.get("at_risk"),
            "total_events": self.total_events,
            "warnings": self.warnings,
            "intervals": records(self.intervals),
            "ipd": records(self.ipd),
        }

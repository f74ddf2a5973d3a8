"""The result of ``atmpcli survival fit``: one object owning its DataFrames (documented in docs/survival.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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


@dataclass
class SurvivalFits:
    """Parametric fits of survival data, per group: summary, parameters, covariance, predictions, KM."""

    title: str
    time_unit: str
    summary: pd.DataFrame
    parameters: pd.DataFrame
    covariance: pd.DataFrame
    predictions: pd.DataFrame
    km: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)
    curves: list[FittedCurve] = field(default_factory=list)
    background: Any = None  # model.lifetable.Background when a life table was given
    warnings: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The summary's columns: the fixed ones, then survival_at_<t> for each requested time."""
        return list(self.summary.columns)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return _records(self.summary)

    def document(self) -> dict[str, Any]:
        """The JSON document: provenance, settings and every frame as a list of records."""
        return {
            "title": self.title,
            "time_unit": self.time_unit,
            "provenance": self.provenance,
            "warnings": self.warnings,
            "models": _records(self.summary),
            "parameters": _records(self.parameters),
            "covariance": _records(self.covariance),
            "predictions": _records(self.predictions),
            "kaplan_meier": _records(self.km),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: _plain(v) for k, v in rec.items()})
    return out


def _plain(value: Any) -> Any:
    """numpy scalars -> Python; NaN stays a float (CSV writes it empty, JSON null)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value

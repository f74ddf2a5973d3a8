"""``atmpcli survival fit``: every requested family (and its mixture-cure version) fitted per group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from atmpcli.analysis.result import Provenance, Units
from atmpcli.analysis.survival.km import KM_COLUMNS, kaplan_meier
from atmpcli.analysis.survival.likelihood import ModelSpec, canonical, spline_knots
from atmpcli.analysis.survival.mle import MLE, fit_mle
from atmpcli.analysis.survival.result import (
    COVARIANCE_COLUMNS,
    PARAMETER_COLUMNS,
    PREDICTION_COLUMNS,
    SUMMARY_COLUMNS,
    FittedCurve,
    SurvivalFits,
)
from atmpcli.model.lifetable import Background
from atmpcli.model.survival import Curve, to_natural

USABLE = ("ok", "no_plateau", "no_se")  # fits whose curve is reported (no_se: estimates without standard errors)
PLATEAU_UNCURED = 0.25  # uncured still event-free at the last follow-up above this: no plateau to fit
Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class SurvivalData:
    """Right-censored data: time (> 0), event (1 = event, 0 = censored), group labels (one per row)."""

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray
    source: str = ""


def model_specs(names: Sequence[str], time: np.ndarray, event: np.ndarray, cure: bool) -> list[ModelSpec]:
    """The models to fit for one group: each family, then (with ``cure``) the parametric ones as cure models."""
    specs = []
    for name in names:
        key = canonical(name)
        if key.startswith("spline"):
            specs.append(ModelSpec("spline", knots=spline_knots(time, event, int(key[-1]))))
        else:
            specs.append(ModelSpec(key))
    if cure:
        specs += [ModelSpec(s.family, cure=True) for s in specs if s.family != "spline"]
    return specs


def fit_survival(
    data: SurvivalData,
    models: Sequence[str],
    *,
    cure: bool = False,
    background: Background | None = None,
    times: Sequence[float] = (),
    rmst_to: float | None = None,
    time_unit: str = "days",
    title: str = "",
) -> SurvivalFits:
    """Fit every model to every group; failures are rows with a status and a reason, never silent NaNs."""
    summary, params, covs, preds, kms, curves = [], [], [], [], [], []
    for group in _groups(data.group):
        mask = data.group == group
        t, d = data.time[mask], data.event[mask]
        km = kaplan_meier(t, d).assign(group=group)
        kms.append(km)
        tau = float(rmst_to) if rmst_to is not None else float(t.max())
        bg_log_h = background.log_hazard_cumhaz(t)[0][0] if background is not None else None
        rows = []
        for spec in model_specs(models, t, d, cure):
            mle = fit_mle(spec, t, d, bg_log_h)
            curve = _curve(spec, mle.est, background)
            row = _summary_row(group, spec, mle, t, d, curve, tau, times, background is not None)
            rows.append(row)
            params += _parameter_rows(group, spec, mle)
            covs += _covariance_rows(group, spec, mle)
            usable = row["status"] in USABLE
            if usable:
                preds += _prediction_rows(group, spec.name, curve, times)
            curves.append(FittedCurve(group, spec.name, spec, mle.est, mle.cov, usable, curve))
        ranked = [r for r in rows if r["status"] in ("ok", "no_plateau")]
        best = min((r["aic"] for r in ranked), default=np.nan)
        for r in ranked:  # AIC differences only among fits that converged with standard errors
            r["delta_aic"] = r["aic"] - best
        summary += rows
    at_cols = [f"survival_at_{_label(x)}" for x in times]
    return SurvivalFits(
        title=title or "Parametric survival models",
        units=Units(time=time_unit),
        summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS + at_cols),
        parameters=pd.DataFrame(params, columns=PARAMETER_COLUMNS),
        covariance=pd.DataFrame(covs, columns=COVARIANCE_COLUMNS),
        predictions=pd.DataFrame(preds, columns=PREDICTION_COLUMNS),
        km=pd.concat(kms, ignore_index=True)[["group", *KM_COLUMNS]],
        provenance=_provenance(data, background),
        curves=curves,
        background=background,
    )


def _groups(group: np.ndarray) -> list[str]:
    seen: dict[str, None] = {}
    for g in group:
        seen.setdefault(str(g), None)
    return list(seen)


def _label(x: float) -> str:
    return f"{x:g}"


def _curve(spec: ModelSpec, est: np.ndarray, background: Background | None) -> Curve:
    base = spec.curve(est)
    if background is None:
        return base
    return Curve(base.family, base.params, knots=base.knots, cure=base.cure, background=background, relative=True)


def _summary_row(
    group: str,
    spec: ModelSpec,
    mle: MLE,
    t: np.ndarray,
    d: np.ndarray,
    curve: Curve,
    tau: float,
    times: Sequence[float],
    relative: bool,
) -> dict[str, Any]:
    k = len(spec.names)
    n = t.size
    finite = np.all(np.isfinite(mle.est))
    status, message = mle.status, mle.problem
    cure_fraction = cure_lower = cure_upper = np.nan
    if spec.cure and finite:
        cure_fraction, cure_lower, cure_upper, plateau = _cure_fraction(spec, mle, t)
        if plateau and status in ("ok", "no_se"):  # no plateau explains a singular Hessian too
            status, message = "no_plateau", plateau
            cure_fraction = cure_lower = cure_upper = np.nan
    row: dict[str, Any] = {
        "group": group,
        "model": spec.name,
        "family": spec.family,
        "cure": spec.cure,
        "relative": relative,
        "status": status,
        "message": message,
        "n": n,
        "events": int(d.sum()),
        "parameters": k,
        "loglik": mle.loglik,
        "aic": -2 * mle.loglik + 2 * k,
        "bic": -2 * mle.loglik + np.log(n) * k,
        "delta_aic": np.nan,
        "median": np.nan,
        "rmst": np.nan,
        "rmst_to": tau,
        "cure_fraction": cure_fraction,
        "cure_lower": cure_lower,
        "cure_upper": cure_upper,
    }
    if finite and status in USABLE:  # no numbers from a fit that did not converge
        row["median"] = median(curve, float(t.max()))
        row["rmst"] = rmst(curve, tau)
        for x, s in zip(times, curve.survival(np.asarray(times, dtype=float))[0] if len(times) else [], strict=True):
            row[f"survival_at_{_label(x)}"] = float(s)
        if np.isnan(row["median"]) and status == "ok":
            row["message"] = "median not reached: the curve stays above 0.5"
    return row


def _cure_fraction(spec: ModelSpec, mle: MLE, t: np.ndarray) -> tuple[float, float, float, str]:
    """theta with its 95% CI (on the logit scale, as flexsurvcure), and why it is not a plateau if it is not."""
    logit, se = float(mle.est[0]), float(np.sqrt(mle.cov[0, 0])) if mle.cov is not None else np.nan
    theta = float(special.expit(logit))
    lower, upper = (
        (float(special.expit(logit - Z95 * se)), float(special.expit(logit + Z95 * se)))
        if np.isfinite(se)
        else (np.nan, np.nan)
    )
    uncured = ModelSpec(spec.family, knots=spec.knots).curve(mle.est[1:]).survival([t.max()])[0, 0]
    if theta < 0.005:
        return theta, lower, upper, f"no plateau: the cure fraction is estimated at its lower bound ({theta:.2g})"
    if uncured > PLATEAU_UNCURED:
        return (
            theta,
            lower,
            upper,
            (
                f"no plateau in the data: {uncured:.0%} of the uncured are still event-free at the last follow-up "
                f"({t.max():g}), so the cure fraction ({theta:.3g}) is an extrapolation, not a plateau"
            ),
        )
    return theta, lower, upper, ""


def median(curve: Curve, scale: float) -> float:
    """Time at which S(t) = 0.5, by bracketing on a log grid then Brent's method; NaN if never reached."""
    grid = scale * np.logspace(-6, 6, 241)
    s = curve.survival(grid)[0]
    below = np.nonzero(s <= 0.5)[0]
    if below.size == 0:
        return float("nan")
    j = below[0]
    if j == 0:
        return float(grid[0])
    return float(optimize.brentq(lambda x: curve.survival([x])[0, 0] - 0.5, grid[j - 1], grid[j], xtol=1e-10 * scale))


def rmst(curve: Curve, tau: float) -> float:
    """Restricted mean survival time to tau: the integral of S over [0, tau].

    Gauss-Legendre (16 points) on pieces that are uniform over [0, tau] and geometric near 0, where a
    hazard that is infinite at t = 0 (Weibull shape < 1) makes S steep: one vectorised evaluation.
    """
    if tau <= 0:
        return 0.0
    edges = np.unique(np.concatenate([[0.0], tau * np.logspace(-9, 0, 37), np.linspace(0.0, tau, 65)]))
    nodes, weights = np.polynomial.legendre.leggauss(16)
    a, b = edges[:-1, None], edges[1:, None]
    x = (a + (b - a) * (nodes + 1) / 2).ravel()
    w = ((b - a) / 2 * weights).ravel()
    return float(np.sum(w * curve.survival(x)[0]))


def _parameter_rows(group: str, spec: ModelSpec, mle: MLE) -> list[dict[str, Any]]:
    rows = []
    se = np.sqrt(np.diag(mle.cov)) if mle.cov is not None else np.full(len(spec.names), np.nan)
    for i, (name, tr) in enumerate(zip(spec.names, spec.transforms, strict=True)):
        est, s = float(mle.est[i]), float(se[i])
        natural = float(to_natural(tr, est))
        deriv = {"log": natural, "logit": natural * (1 - natural)}.get(tr, 1.0)  # delta method
        rows.append(
            {
                "group": group,
                "model": spec.name,
                "parameter": name,
                "transform": tr,
                "estimate": natural,
                "se": abs(deriv) * s,
                "lower": float(to_natural(tr, est - Z95 * s)),
                "upper": float(to_natural(tr, est + Z95 * s)),
                "est": est,
                "est_se": s,
            }
        )
    for j, knot in enumerate(spec.knots or ()):
        rows.append(
            {"group": group, "model": spec.name, "parameter": f"knot{j}", "transform": "fixed", "estimate": knot}
        )
    return rows


def _covariance_rows(group: str, spec: ModelSpec, mle: MLE) -> list[dict[str, Any]]:
    if mle.cov is None:
        return []
    names = spec.names
    return [
        {"group": group, "model": spec.name, "parameter": a, "parameter2": b, "covariance": float(mle.cov[i, j])}
        for i, a in enumerate(names)
        for j, b in enumerate(names)
    ]


def _prediction_rows(group: str, model: str, curve: Curve, times: Sequence[float]) -> list[dict[str, Any]]:
    if not times:
        return []
    t = np.asarray(times, dtype=float)
    log_h, cumhaz = curve.log_hazard_cumhaz(t)
    return [
        {
            "group": group,
            "model": model,
            "time": float(x),
            "survival": float(np.exp(-c)),
            "hazard": float(np.exp(lh)),
            "cumhaz": float(c),
        }
        for x, lh, c in zip(t, log_h[0], cumhaz[0], strict=True)
    ]


def _provenance(data: SurvivalData, background: Background | None) -> Provenance:
    return Provenance(files={"data_file": data.source, "life_table": background is not None})

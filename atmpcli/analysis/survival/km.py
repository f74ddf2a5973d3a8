"""Kaplan-Meier estimate with Greenwood's variance and log(-log) ("exponential Greenwood") limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "std_err", "lower", "upper"]


def kaplan_meier(time: np.ndarray, event: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """One row per distinct time (events or censorings), starting with time 0 (survival 1).

    ``std_err`` is Greenwood's standard error of S(t); the limits are exp(-exp(log(-log S) +- z se_loglog)),
    with se_loglog^2 = sum d / (n (n - d)) / (log S)^2, which keeps them inside [0, 1] (lifelines' and
    Stata's default; R's survfit uses the log transform by default).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    z = stats.norm.ppf(0.5 + level / 2)
    times, inverse = np.unique(time, return_inverse=True)
    events = np.bincount(inverse, weights=event, minlength=times.size)
    removed = np.bincount(inverse, minlength=times.size).astype(float)
    at_risk = time.size - np.concatenate([[0.0], np.cumsum(removed)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - events / at_risk)
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        greenwood = np.cumsum(terms)
        se = surv * np.sqrt(greenwood)
        log_surv = np.log(surv)
        se_ll = np.sqrt(greenwood) / np.abs(log_surv)
        lower = np.exp(-np.exp(np.log(-log_surv) + z * se_ll))
        upper = np.exp(-np.exp(np.log(-log_surv) - z * se_ll))
    defined = (surv > 0) & (surv < 1)
    lower = np.where(defined, lower, surv)
    upper = np.where(defined, upper, surv)
    frame = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(int),
            "events": events.astype(int),
            "censored": (removed - events).astype(int),
            "survival": surv,
            "std_err": se,
            "lower": lower,
            "upper": upper,
        }
    )
    if times[0] > 0:
        start = pd.DataFrame([[0.0, time.size, 0, 0, 1.0, 0.0, 1.0, 1.0]], columns=KM_COLUMNS)
        frame = pd.concat([start, frame], ignore_index=True)
    return frame


def km_median(frame: pd.DataFrame) -> float:
    """Smallest time with S(t) <= 0.5 (NaN when not reached), as survfit and lifelines report it."""
    below = frame.index[frame["survival"] <= 0.5]
    return float(frame.loc[below[0], "time"]) if len(below) else float("nan")


def km_rmst(frame: pd.DataFrame, tau: float) -> float:
    """Area under the KM step function from 0 to tau."""
    t = frame["time"].to_numpy()
    s = frame["survival"].to_numpy()
    edges = np.append(np.minimum(t, tau), tau)
    return float(np.sum(s * np.diff(edges).clip(min=0)))

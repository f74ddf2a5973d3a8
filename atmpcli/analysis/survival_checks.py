"""What an HTA reviewer checks of a model's survival curves (NICE DSU TSD 14, 19 and 21), for the base case.

One row per strategy and curve: survival at 5, 10 and 20 years next to the general population's (the
life table with SMR 1), the time points at which the curve lies above general-population survival (and
the first of them), and, in a partitioned survival model, the time points at which PFS was above OS and
was capped at OS. Each finding is also a warning: one located line (``FILE:LINE:COL: field: ...``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.errors import ModelError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.outcomes import StrategyOutcome
from atmpcli.model.parameters import Parameters
from atmpcli.model.partitioned_survival import ABOVE, SurvivalSummary
from atmpcli.model.survival_model import CHECK_YEARS

YEARS = [f"{y:g}y" for y in CHECK_YEARS]
SURVIVAL_CHECK_COLUMNS = [
    "strategy",
    "partition",
    "endpoint",
    "curve",
    *[f"survival_{y}" for y in YEARS],
    *[f"general_population_{y}" for y in YEARS],
    "points_above_general_population",
    "first_year_above_general_population",
    "pfs_above_os_points",
]
COUNT_COLUMNS = ["points_above_general_population", "pfs_above_os_points"]  # whole numbers, or missing


@dataclass
class SurvivalChecks:
    rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def survival_checks(model: DecisionModel, outcomes: list[StrategyOutcome]) -> SurvivalChecks:
    """The reviewer's table and warnings; empty for a model without survival curves."""
    out = SurvivalChecks()
    if model.survival is None or not model.survival.curves:
        return out
    found: dict[tuple[str, tuple], list[str]] = {}  # (message, origin) -> the strategies it holds for
    for o in outcomes:
        summary = o.survival if o.survival is not None else _markov_summary(model, o.strategy)
        _rows(model, o.strategy, summary, out, found)
    # a curve shared by the strategies (a Markov model's) is warned about once, not once per strategy
    every = len(outcomes) > 1
    for (message, origin), strategies in found.items():
        named = None if every and len(strategies) == len(outcomes) else ", ".join(strategies)
        out.warnings.append(str(model.located(ModelError(message, origin, strategy=named))))
    return out


def _rows(
    model: DecisionModel,
    strategy: str,
    s: SurvivalSummary,
    out: SurvivalChecks,
    found: dict[tuple[str, tuple], list[str]],
) -> None:
    step = model.settings.cycle_length
    population = s.population_at_years
    for curve, (part, role) in s.roles.items():
        above = int(s.above_population[curve][0]) if curve in s.above_population else None
        first = int(s.first_above[curve][0]) if curve in s.first_above else -1
        capped = int(s.pfs_above_os[part][0]) if part in s.pfs_above_os else None
        row: dict[str, Any] = {"strategy": strategy, "partition": part, "endpoint": role, "curve": curve}
        for k, y in enumerate(YEARS):
            row[f"survival_{y}"] = float(s.at_years[curve][0, k])
        for k, y in enumerate(YEARS):
            row[f"general_population_{y}"] = float(population[k]) if population is not None else math.nan
        row["points_above_general_population"] = above if above is not None else math.nan
        row["first_year_above_general_population"] = first * step if first >= 0 else math.nan
        row["pfs_above_os_points"] = capped if capped is not None else math.nan
        out.rows.append(row)
        if above:
            message = (
                f"curve {curve} is above general-population survival at {above} of {s.points} time points "
                f"from year {first * step:.4g} (NICE DSU TSD 21: use floor: true, or check the extrapolation)"
            )
            found.setdefault((message, model.survival.curves[curve].origin), []).append(strategy)  # type: ignore[union-attr]
        if role == "pfs" and capped:
            os_curve = next(c for c, (p, r) in s.roles.items() if p == part and r == "os")
            message = (
                f"PFS ({curve}) is above OS ({os_curve}) at {capped} of {s.points} time points; "
                "PFS was capped at OS there (NICE DSU TSD 19)"
            )
            origin = next(p.origin for p in model.partitions if p.name == part)
            found.setdefault((message, origin), []).append(strategy)


def _markov_summary(model: DecisionModel, strategy: str) -> SurvivalSummary:
    """Every curve of a Markov model (curves used in formulas), checked on the model's time points."""
    surv = model.survival
    assert surv is not None
    try:
        params = Parameters(model, model.strategy(strategy), None, 1)
    except ModelError as error:
        raise model.located(error) from None
    n = model.n_cycles
    summary = SurvivalSummary({c: ("", "") for c in surv.curves}, {}, {}, {}, {}, None, n + 1)
    years = np.asarray(CHECK_YEARS).reshape(1, -1)
    points = np.arange(n + 1, dtype=float).reshape(1, -1) * surv.step
    population = None
    if surv.general_population is not None:
        population = np.exp(-surv.population_cumhaz(params.base, points, with_smr=False))
        summary.population_at_years = np.exp(-surv.population_cumhaz(params.base, years, with_smr=False))[0]
    for name in surv.curves:
        try:
            summary.at_years[name] = surv.survival(name, params.base, years)
            if population is not None:
                above = surv.survival(name, params.base, points) > population + ABOVE
                summary.above_population[name] = above.sum(axis=1)
                summary.first_above[name] = np.where(above.any(axis=1), np.argmax(above, axis=1), -1)
        except ModelError as error:
            raise model.located(error) from None
    return summary

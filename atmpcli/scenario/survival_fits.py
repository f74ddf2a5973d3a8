"""`fit:` curves: patient-level data fitted when the scenario is loaded, with `atmpcli survival fit`'s fitter.

A fit that is not usable (not converged, no standard errors, a cure model without a plateau) is an
error that says which model and why, located at the curve's ``fit`` key; problems in the data file name
the file, the line and the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atmpcli.errors import ScenarioError
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.schema_survival import CurveSpec
from atmpcli.scenario.yamlfile import Loc

UNITS = {1 / 365.25: "days", 7 / 365.25: "weeks", 1 / 12: "months", 1.0: "years"}


@dataclass(frozen=True)
class FittedNumbers:
    """A fit's estimates on the natural scale and its covariance on the estimation scale (flexsurv's)."""

    family: str
    knots: tuple[float, ...] | None
    parameters: dict[str, float]  # flexsurv name -> estimate
    cure: float | None
    order: list[str]  # the covariance's rows: "cure" first for cure models, as flexsurvcure
    covariance: np.ndarray | None


def fit_curve(c: Compiler, spec: CurveSpec, loc: Loc, years_per_unit: float) -> FittedNumbers | None:
    """Fit ``spec.fit``; None (and a problem recorded) when the fit cannot be used."""
    from atmpcli.analysis.survival.data import read_patients
    from atmpcli.analysis.survival.fit import SurvivalData, fit_survival
    from atmpcli.analysis.survival.likelihood import canonical
    from atmpcli.model.survival import to_natural

    fit = spec.fit
    assert fit is not None
    path = c.data_file(fit.file, (*loc, "fit", "file"), "patient data file")
    if path is None:
        return None
    try:
        family = canonical(fit.family)
    except ValueError as exc:
        c.fail((*loc, "fit", "family"), str(exc))
        return None
    if fit.cure and family.startswith("spline"):
        c.fail((*loc, "fit", "cure"), "mixture cure models take a parametric family, not a spline")
        return None
    data = read_patients(path, fit.time, fit.event, fit.group, max_bytes=c.doc.limits.max_file_bytes)
    if fit.group is not None:
        data = _level(c, data, fit.group, str(fit.level), path, loc, SurvivalData)
        if data is None:
            return None
    background = _background(c, spec, loc, years_per_unit) if spec.relative else None
    if spec.relative and background is None:
        return None
    fits = fit_survival(data, [family], cure=fit.cure, background=background, time_unit=UNITS.get(years_per_unit, ""))
    fitted = fits.curves[-1] if fit.cure else fits.curves[0]  # the cure models follow the plain ones
    row = fits.summary[fits.summary["model"] == fitted.model].iloc[0]
    if row["status"] != "ok":
        where = f" ({fit.group} = {fit.level})" if fit.group else ""
        c.fail(
            (*loc, "fit"),
            f"the {fitted.model} fit to {fit.file}{where} cannot be used: {row['status']}: {row['message']}",
        )
        return None
    names, transforms = fitted.spec.names, fitted.spec.transforms
    natural = {n: float(to_natural(tr, v)) for n, tr, v in zip(names, transforms, fitted.est, strict=True)}
    cure = natural.pop("theta", None)
    order = ["cure" if n == "theta" else n for n in names]
    knots = tuple(float(k) for k in fitted.spec.knots) if fitted.spec.knots is not None else None
    return FittedNumbers(fitted.spec.family, knots, natural, cure, order, fitted.cov)


def _level(c: Compiler, data: object, group: str, level: str, path: Path, loc: Loc, cls: type) -> object | None:
    mask = data.group == level  # type: ignore[attr-defined]
    if not np.any(mask):
        values = ", ".join(dict.fromkeys(str(g) for g in data.group))  # type: ignore[attr-defined]
        c.fail((*loc, "fit", "level"), f"no patients with {group} = {level} in {path.name} (values: {values})")
        return None
    return cls(data.time[mask], data.event[mask], data.group[mask], source=data.source)  # type: ignore[attr-defined]


def _background(c: Compiler, spec: CurveSpec, loc: Loc, years_per_unit: float) -> object | None:
    """The general population of the scenario, for a relative-survival (excess hazard) fit."""
    from atmpcli.analysis.survival.data import read_life_table
    from atmpcli.model.lifetable import Background

    gp, age = c.spec.general_population, c.spec.settings.start_age
    if gp is None or age is None:
        c.fail((*loc, "relative"), "a relative-survival fit needs general_population and settings.start_age")
        return None
    smr = 1.0
    if gp.smr is not None:
        if isinstance(gp.smr.value, str):
            c.fail((*loc, "relative"), "a relative-survival fit needs general_population.smr as a number")
            return None
        smr = float(gp.smr.value)
    path = c.data_file(gp.life_table, ("general_population", "life_table"), "life table")
    if path is None:
        return None  # the general population reports it too
    try:
        table = read_life_table(path, max_bytes=c.doc.limits.max_file_bytes)
    except ScenarioError:
        return None  # reported where the general population is compiled
    return Background(table, age, gp.female, smr, years_per_unit)

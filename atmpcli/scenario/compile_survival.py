"""Compiling survival curves and the general population into the model's SurvivalModel.

Every number of a curve becomes a model parameter named ``<curve>_<parameter>`` (``os_cart_shape``,
``os_cart_cure``, ``os_new_hr``; the SMR is ``general_population_smr``), so PSA draws, DSA values and
draws files reach curves like any other parameter. A covariance matrix (flexsurv's ``vcov``, on the
estimation scale) becomes normal marginals on that scale (lognormal for log-scale parameters,
logit-normal for the cure fraction) joined by a Gaussian copula with the matrix's correlations: exactly
the multivariate normal of flexsurv's ``normboot``, drawn by the same seeded sampler as every other
parameter. Their 95 % limits (flexsurv's confidence intervals) are the DSA range.

A curve given by ``fit:`` is fitted when the scenario is loaded, by the survival fitter of
``atmpcli survival fit`` (atmpcli/analysis/survival): the one place where the scenario layer calls the
analysis layer (docs/architecture.md).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.errors import ScenarioError
from atmpcli.model.decision_model import CorrelationGroup, ParameterInfo, Uncertain
from atmpcli.model.expressions import Expression
from atmpcli.model.survival import ALIASES, PARAMETERS, transform_of
from atmpcli.model.survival_model import (
    GENERAL_POPULATION,
    YEARS_PER_UNIT,
    CurveDef,
    GeneralPopulation,
    SurvivalModel,
    Waning,
    expected_parameters,
)
from atmpcli.scenario import schema as S
from atmpcli.scenario.compile_distributions import info_of, parameter_uncertainty
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.formula import parse
from atmpcli.scenario.schema_survival import CurveSpec
from atmpcli.scenario.yamlfile import Loc

SMR = f"{GENERAL_POPULATION}_smr"
CURE = "cure"  # the cure fraction's name in covariance rows (flexsurvcure's "theta" is accepted too)
NORMBOOT = {"log": "lognormal", "identity": "normal", "logit": "logitnormal"}


@dataclass
class CompiledSurvival:
    """What the curves add to the model: the SurvivalModel and the parameters behind every number."""

    model: SurvivalModel | None = None
    parameters: dict[str, Expression] = field(default_factory=dict)
    info: dict[str, ParameterInfo] = field(default_factory=dict)
    uncertain: dict[str, Uncertain] = field(default_factory=dict)
    ranges: dict[str, tuple[Expression | None, Expression | None]] = field(default_factory=dict)
    correlation: list[CorrelationGroup] = field(default_factory=list)


def compile_curves(c: Compiler) -> CompiledSurvival:
    """The scenario's curves and general population; sets ``c.curves`` so later formulas may use them."""
    out = CompiledSurvival()
    spec = c.spec
    if not spec.survival and spec.general_population is None:
        return out
    builder = _CurveBuilder(c, out)
    population = builder.general_population()
    c.check_names(spec.survival, ("survival",), what="curve")
    curves = {}
    for name, curve in spec.survival.items():
        d = builder.curve(name, curve, population is not None)
        if d is not None:
            curves[name] = d
    _check_references(c, curves)
    out.model = SurvivalModel(curves, population, spec.settings.cycle_length)
    c.curves = out.model
    return out


class _CurveBuilder:
    """Turns each curve's numbers into parameters, distributions and ranges."""

    def __init__(self, c: Compiler, out: CompiledSurvival) -> None:
        self.c, self.out = c, out

    def general_population(self) -> GeneralPopulation | None:
        c, gp = self.c, self.c.spec.general_population
        if gp is None:
            return None
        from atmpcli.analysis.survival.data import read_life_table

        loc: Loc = (GENERAL_POPULATION,)
        if c.spec.settings.start_age is None:
            c.fail(loc, "general-population mortality needs settings.start_age (the cohort's age at the start)")
            return None
        path = c.data_file(gp.life_table, (*loc, "life_table"), "life table")
        if path is None:
            return None
        try:
            table = read_life_table(path, max_bytes=c.doc.limits.max_file_bytes)
        except ScenarioError as exc:
            c.problems.extend(exc.problems)
            return None
        smr = None
        if gp.smr is not None:
            smr = SMR
            self.number(SMR, gp.smr, (*loc, "smr"), "standardised mortality ratio of the general population")
        return GeneralPopulation(table, c.spec.settings.start_age, gp.female, smr, loc)

    def curve(self, name: str, spec: CurveSpec, has_population: bool) -> CurveDef | None:
        c, loc = self.c, ("survival", name)
        if name == GENERAL_POPULATION or name in c.spec.parameters or name in c.spec.tables:
            c.fail(loc, f"'{name}' is already the name of a parameter, a table or the general population", key=True)
            return None
        if not has_population:
            for key in ("floor", "cure_point", "relative"):
                if getattr(spec, key) not in (False, None):
                    c.fail((*loc, key), f"{key} needs general_population (a life table)")
        unit = YEARS_PER_UNIT[spec.time_unit] if spec.time_unit is not None else 1.0
        common: dict[str, Any] = {
            "label": spec.label or name,
            "floor": spec.floor,
            "cure_point": spec.cure_point,
            "relative": spec.relative,
        }
        if spec.reference is not None:
            if spec.time_unit is not None:
                c.fail((*loc, "time_unit"), "a curve defined on a reference uses the reference's time unit")
            return CurveDef(name, loc, reference=spec.reference, **common, **self._effect(name, spec, loc))
        fitted = self._fitted(name, spec, loc, unit) if spec.fit is not None else self._typed(name, spec, loc)
        if fitted is None:
            return None
        family, knots, params, cure = fitted
        return CurveDef(
            name, loc, years_per_unit=unit, family=family, parameters=params, knots=knots, cure=cure, **common
        )

    def _effect(self, name: str, spec: CurveSpec, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {"waning": Waning(spec.waning.start, spec.waning.end) if spec.waning else None}
        for key, short, what in (("hazard_ratio", "hr", "hazard ratio"), ("acceleration_factor", "af", "acceleration")):
            value = getattr(spec, key)
            if value is not None:
                out[key if key == "hazard_ratio" else "acceleration"] = f"{name}_{short}"
                self.number(f"{name}_{short}", value, (*loc, key), f"{what} of survival curve {name}")
        return out

    def _typed(self, name: str, spec: CurveSpec, loc: Loc) -> tuple | None:
        """family + parameters (+ cure, knots, covariance) as typed in."""
        c = self.c
        family = _family(spec.family or "")
        if family is None:
            families = ", ".join([*PARAMETERS, "spline"])
            c.fail((*loc, "family"), f"unknown family '{spec.family}' (families: {families})")
            return None
        if (family == "spline") != (spec.knots is not None):
            c.fail((*loc, "knots" if spec.knots else "family"), "a spline needs its knots, and only a spline has knots")
            return None
        knots = tuple(spec.knots) if spec.knots is not None else None
        if knots is not None and (len(knots) < 2 or np.any(np.diff(knots) <= 0)):
            c.fail((*loc, "knots"), "knots (log time, boundary knots included) must be at least two, increasing")
            return None
        wanted = expected_parameters(family, knots)
        extra = [k for k in spec.parameters if k not in wanted]
        missing = [k for k in wanted if k not in spec.parameters]
        if extra:
            close = difflib.get_close_matches(extra[0], [m for m in wanted if m in missing] or wanted, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'? " if close else ""
            where, key = (*loc, "parameters", extra[0]), True
            message = f"a {family} curve has no parameter '{extra[0]}' ({hint}its parameters: {', '.join(wanted)})"
        elif missing:
            where, key = (*loc, "parameters"), False
            message = f"missing parameter(s) of a {family} curve: {', '.join(missing)} (flexsurv's names)"
        if extra or missing:
            c.fail(where, message, key=key)
            return None
        params = {}
        for k in wanted:
            params[k] = f"{name}_{k}"
            self.number(params[k], spec.parameters[k], (*loc, "parameters", k), f"survival curve {name}: {family} {k}")
        cure = None
        if spec.cure is not None:
            cure = f"{name}_{CURE}"
            self.number(cure, spec.cure, (*loc, "cure"), f"survival curve {name}: cure fraction")
        if spec.covariance is not None:
            self._covariance(
                name, family, params, cure, spec.covariance.parameters, spec.covariance.matrix, (*loc, "covariance")
            )
        return family, knots, params, cure

    def _fitted(self, name: str, spec: CurveSpec, loc: Loc, unit: float) -> tuple | None:
        from atmpcli.scenario.survival_fits import fit_curve

        c = self.c
        try:
            fit = fit_curve(c, spec, loc, unit)
        except ScenarioError as exc:
            c.problems.extend(exc.problems)
            return None
        if fit is None:
            return None
        params = {k: f"{name}_{k}" for k in fit.parameters}
        source = f"fitted to {spec.fit.file}" + (f" ({spec.fit.group} = {spec.fit.level})" if spec.fit.group else "")
        for k, value in fit.parameters.items():
            self.constant(params[k], value, (*loc, "fit"), f"survival curve {name}: {fit.family} {k}, {source}")
        cure = None
        if fit.cure is not None:
            cure = f"{name}_{CURE}"
            self.constant(cure, fit.cure, (*loc, "fit"), f"survival curve {name}: cure fraction, {source}")
        if fit.covariance is not None:
            self._covariance(name, fit.family, params, cure, fit.order, fit.covariance.tolist(), (*loc, "fit"))
        return fit.family, fit.knots, params, cure

    def number(self, pname: str, p: S.ParameterSpec, loc: Loc, source: str) -> None:
        """A curve's number as the parameter ``pname``, with its distribution and range if it has them."""
        if self._taken(pname, loc):
            return
        e = self.c.expr(p.value, loc)
        if e is not None:
            self.out.parameters[pname] = e
        parameter_uncertainty(self.c, pname, p, loc, self.out.uncertain, self.out.ranges)
        self.out.info[pname] = info_of(p, source)

    def constant(self, pname: str, value: float, loc: Loc, source: str) -> None:
        if not self._taken(pname, loc):
            self.out.parameters[pname] = Expression(parse(float(value)), loc)
            self.out.info[pname] = ParameterInfo(source)

    def _taken(self, pname: str, loc: Loc) -> bool:
        if pname in self.c.spec.parameters or pname in self.out.parameters:
            self.c.fail(loc, f"this number would be the parameter '{pname}', which is already defined; rename one")
            return True
        return False

    def _covariance(
        self,
        name: str,
        family: str,
        params: dict[str, str],
        cure: str | None,
        rows: list[str],
        matrix: list[list[float]],
        loc: Loc,
    ) -> None:
        """Normal marginals on the estimation scale joined by the matrix's correlations (flexsurv's normboot)."""
        c = self.c
        known = {**params, **({CURE: cure, "theta": cure} if cure else {})}
        pnames, transforms = [], []
        for r in rows:
            if r not in known:
                c.fail(
                    (*loc, "parameters"), f"'{r}' is not an estimated parameter of curve {name} ({', '.join(known)})"
                )
                return
            pnames.append(known[r])
            transforms.append(transform_of(family, "theta" if r in (CURE, "theta") else r))
        m = np.asarray(matrix, dtype=float) if all(len(row) == len(rows) for row in matrix) else None
        if m is None or m.shape != (len(rows), len(rows)):
            c.fail((*loc, "matrix"), f"expected a {len(rows)} x {len(rows)} matrix, one row per parameter")
            return
        if len(set(pnames)) != len(pnames) or not np.allclose(m, m.T, rtol=1e-6, atol=1e-12):
            c.fail((*loc, "matrix"), "the covariance matrix must be symmetric, with each parameter once")
            return
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            c.fail((*loc, "matrix"), "the covariance matrix is not positive definite (is it flexsurv's vcov(fit)?)")
            return
        se = np.sqrt(np.diag(m))
        for pname, tr, s in zip(pnames, transforms, se, strict=True):
            if pname in self.out.uncertain:
                c.fail(loc, f"'{pname}' has its own distribution; give it in the covariance or as a distribution")
                return
            self.out.uncertain[pname] = _normboot(pname, tr, float(s), loc)
            self.out.info[pname] = ParameterInfo(
                self.out.info[pname].source, f"normboot: {NORMBOOT[tr]} (se {s:.4g} on the {tr} scale)"
            )
        if len(pnames) > 1:
            corr = m / np.outer(se, se)
            self.out.correlation.append(CorrelationGroup(pnames, np.linalg.cholesky(corr), loc))


def _normboot(pname: str, transform: str, se: float, loc: Loc) -> Uncertain:
    """The marginal of one parameter: normal on its estimation scale around the parameter's value."""

    def e(text: str | float) -> Expression:
        return Expression(parse(text), loc)

    if transform == "log":
        return Uncertain(pname, "lognormal", {"meanlog": e(f"log({pname})"), "sdlog": e(se)}, loc)
    if transform == "logit":
        return Uncertain(pname, "logitnormal", {"mu": e(f"log({pname} / (1 - {pname}))"), "sigma": e(se)}, loc)
    return Uncertain(pname, "normal", {"sd": e(se)}, loc)


def _family(name: str) -> str | None:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    return key if key in PARAMETERS or key == "spline" else None


def _check_references(c: Compiler, curves: dict[str, CurveDef]) -> None:
    for name, d in curves.items():
        if d.reference is None:
            continue
        seen = [name]
        ref: str | None = d.reference
        while ref is not None:
            if ref not in curves:
                if ref not in c.spec.survival:  # a curve that failed to compile is reported already
                    c.unknown(("survival", name, "reference"), ref, list(c.spec.survival), "curve")
                break
            if ref in seen:
                c.fail(("survival", name, "reference"), "circular reference: " + " -> ".join([*seen, ref]))
                break
            seen.append(ref)
            ref = curves[ref].reference

"""Survival curves as a decision model uses them, on the model's clock (years), per PSA sample.

A curve is a parametric family in flexsurv's parameterisation (typed in or fitted), or a treatment
effect on a reference curve: a hazard ratio (H = HR x H_ref) or an acceleration factor
(S(t) = S_ref(t / AF)), either of which may wane. Every number of a curve is a model parameter (named
``<curve>_<parameter>``), so PSA draws, DSA values and strategy overrides reach curves like any other
parameter: a curve reads its parameters from the evaluation environment of the strategy.

Three adjustments work on a grid of the model's cycles (``step`` years apart), as spreadsheets do:

- ``waning``: the effect falls linearly from its full value at ``start`` to none at ``end`` (years);
  each cycle uses the effect at its midpoint (HR: H_k = H_(k-1) + HR_k (H_ref,k - H_ref,(k-1)); AF: the
  reference is read at u_k = u_(k-1) + step / AF_k).
- ``cure_point`` (years): from then on survivors follow general-population mortality (x SMR) only.
- ``floor``: in each cycle the hazard increment is at least the general population's (x SMR), so the
  curve's hazard never falls below the life table's (NICE DSU TSD 21).

Curves without them are evaluated exactly at any time. Curves with them are exact at the grid points and
linear in H between them. Waning, cure point and floor are in model time (time since the start), so in a
tunnel state (``state_time``) apply the general-population floor in the formula instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.errors import ModelError, Origin
from atmpcli.model.lifetable import LifeTable, population_cumhaz
from atmpcli.model.survival import PARAMETERS, family_cumhaz, floor_to_background, spline_parameters

YEARS_PER_UNIT = {"days": 1 / 365.25, "weeks": 7 / 365.25, "months": 1 / 12, "years": 1.0}
GENERAL_POPULATION = "general_population"  # the life table's survival, usable as a curve in formulas
CHECK_YEARS = (5.0, 10.0, 20.0)  # survival at these times is reported against the general population
# parameters that must be positive, by family (the others may take any sign)
POSITIVE = {
    "exp": ("rate",),
    "weibull": ("shape", "scale"),
    "gompertz": ("rate",),
    "llogis": ("shape", "scale"),
    "lnorm": ("sdlog",),
    "gengamma": ("sigma",),
    "spline": (),
}


@dataclass(frozen=True)
class Waning:
    """A treatment effect that works fully until ``start`` and not at all from ``end`` (years), linear between."""

    start: float
    end: float

    def remaining(self, t: np.ndarray) -> np.ndarray:
        """The share of the effect still working at ``t`` years."""
        return np.clip((self.end - np.asarray(t, dtype=float)) / (self.end - self.start), 0.0, 1.0)


@dataclass(frozen=True)
class GeneralPopulation:
    """General-population mortality of the modelled cohort: a life table, start age, share of women, SMR."""

    table: LifeTable
    start_age: float
    female: float
    smr: str | None  # the parameter holding the SMR; None for 1
    origin: Origin


@dataclass(frozen=True)
class CurveDef:
    """One curve: a family with its parameters (model parameter names), or an effect on a reference curve."""

    name: str
    origin: Origin
    label: str = ""
    years_per_unit: float = 1.0  # the curve's time unit (the one its parameters were estimated in), in years
    family: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)  # flexsurv name -> model parameter
    knots: tuple[float, ...] | None = None  # splines: log time, boundary knots included
    cure: str | None = None  # mixture-cure fraction parameter
    relative: bool = False  # the family is an excess hazard over general-population mortality
    reference: str | None = None
    hazard_ratio: str | None = None
    acceleration: str | None = None
    waning: Waning | None = None
    floor: bool = False
    cure_point: float | None = None  # years

    @property
    def adjusted(self) -> bool:
        """True when the curve is built on the cycle grid (waning, cure point or floor)."""
        return self.waning is not None or self.floor or self.cure_point is not None


@dataclass
class SurvivalModel:
    """The curves of a model and the general population they may refer to; ``step``: the cycle length (years)."""

    curves: dict[str, CurveDef]
    general_population: GeneralPopulation | None
    step: float

    def known(self) -> list[str]:
        """Curve names formulas may use: every curve, and the general population when a life table is given."""
        return [*self.curves, *([GENERAL_POPULATION] if self.general_population is not None else [])]

    def names(self, name: str) -> frozenset[str]:
        """The model parameters a curve depends on (its own, its reference's and the SMR where it is used)."""
        if name == GENERAL_POPULATION:
            return self._smr_names()
        d = self.curves[name]
        out = set(d.parameters.values()) | {p for p in (d.cure, d.hazard_ratio, d.acceleration) if p}
        if d.relative or d.floor or d.cure_point is not None:
            out |= self._smr_names()
        if d.reference:
            out |= self.names(d.reference)
        return frozenset(out)

    def _smr_names(self) -> frozenset[str]:
        gp = self.general_population
        return frozenset([gp.smr]) if gp is not None and gp.smr else frozenset()

    # --- evaluation: env maps parameter names to arrays (S, 1, 1); times are in years ---------------------

    def cumhaz(self, name: str, env: Mapping[str, Any], t: object) -> np.ndarray:
        """H(t) for times of shape (T,) or (1 or S, T): an (S, T) array."""
        t2 = np.asarray(t, dtype=float)
        t2 = t2.reshape(1, -1) if t2.ndim < 2 else t2
        if np.any(t2 < 0) or not np.all(np.isfinite(t2)):
            raise ModelError(f"curve {name} asked for survival at a negative or infinite time", self._origin(name))
        if name == GENERAL_POPULATION:
            return self.population_cumhaz(env, t2, with_smr=True)
        if not self._on_grid(name):
            return self._direct(self.curves[name], env, t2)
        k = max(1, math.ceil(float(np.max(t2)) / self.step - 1e-9))
        return _interpolate(self.grid(name, env, k), t2, self.step)

    def survival(self, name: str, env: Mapping[str, Any], t: object) -> np.ndarray:
        return np.exp(-self.cumhaz(name, env, t))

    def grid(self, name: str, env: Mapping[str, Any], k: int) -> np.ndarray:
        """H on the grid 0, step, ..., k x step: an (S, k + 1) array."""
        tg = np.arange(k + 1, dtype=float).reshape(1, -1) * self.step
        if name == GENERAL_POPULATION:
            return self.population_cumhaz(env, tg, with_smr=True)
        d = self.curves[name]
        cumhaz = self._waned(d, env, tg) if d.waning is not None else self._direct(d, env, tg)
        if d.cure_point is not None or d.floor:
            population = self.population_cumhaz(env, tg, with_smr=True, origin=d.origin)
            if d.cure_point is not None:
                at_cure = _interpolate(cumhaz, np.full((1, 1), d.cure_point), self.step)
                pop_at_cure = self.population_cumhaz(env, np.full((1, 1), d.cure_point), with_smr=True)
                cumhaz = np.where(tg > d.cure_point, at_cure + population - pop_at_cure, cumhaz)
            if d.floor:
                cumhaz = floor_to_background(tg[0], *np.broadcast_arrays(cumhaz, population))
        return cumhaz

    def population_cumhaz(
        self, env: Mapping[str, Any], t: np.ndarray, *, with_smr: bool, origin: Origin = ()
    ) -> np.ndarray:
        """General-population H*(t) (x the SMR with ``with_smr``), (S, T)."""
        gp = self.general_population
        if gp is None:
            raise ModelError("needs general_population (a life table)", origin or (GENERAL_POPULATION,))
        smr = self._value(env, gp.smr, gp.origin, "the SMR") if with_smr and gp.smr else np.ones((1, 1))
        return population_cumhaz(gp.table, gp.start_age, gp.female, smr, t)

    def _on_grid(self, name: str) -> bool:
        d = self.curves[name]
        return d.adjusted or (d.reference is not None and self._on_grid(d.reference))

    def _direct(self, d: CurveDef, env: Mapping[str, Any], t: np.ndarray) -> np.ndarray:
        """H of a family (cured, relative) or of a constant effect on its reference, at any times."""
        if d.reference is not None:
            if d.acceleration is not None:
                af = self._value(env, d.acceleration, (*d.origin, "acceleration_factor"), "the acceleration factor")
                return self.cumhaz(d.reference, env, t / af)
            ref = self.cumhaz(d.reference, env, t)
            if d.hazard_ratio is None:
                return ref
            hr = self._value(env, d.hazard_ratio, (*d.origin, "hazard_ratio"), "the hazard ratio")
            return hr * ref
        assert d.family is not None
        params = {k: self._value(env, p, (*d.origin, "parameters", k), k, d) for k, p in d.parameters.items()}
        knots = np.asarray(d.knots) if d.knots is not None else None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            cumhaz = family_cumhaz(d.family, {k: v[:, 0] for k, v in params.items()}, t / d.years_per_unit, knots)
            if d.cure is not None:
                theta = self._value(env, d.cure, (*d.origin, "cure"), "the cure fraction")
                cumhaz = np.where(cumhaz > 0, -np.logaddexp(np.log(theta), np.log1p(-theta) - cumhaz), 0.0)
        if d.relative:
            cumhaz = cumhaz + self.population_cumhaz(env, t, with_smr=True, origin=d.origin)
        if np.any(np.isnan(cumhaz)):
            raise ModelError(f"curve {d.name}: its parameters give survival that is not a number", d.origin)
        return cumhaz

    def _waned(self, d: CurveDef, env: Mapping[str, Any], tg: np.ndarray) -> np.ndarray:
        """H on the grid of an effect that wanes: the effect of each cycle is the one at its midpoint."""
        assert d.reference is not None and d.waning is not None
        mid = (tg[:, 1:] + tg[:, :-1]) / 2
        left = d.waning.remaining(mid)
        if d.acceleration is not None:
            af = self._value(env, d.acceleration, (*d.origin, "acceleration_factor"), "the acceleration factor")
            steps = np.diff(tg, axis=1) / (1 + (af - 1) * left)
            u = np.concatenate([np.zeros((steps.shape[0], 1)), np.cumsum(steps, axis=1)], axis=1)
            return self.cumhaz(d.reference, env, u)
        hr = self._value(env, d.hazard_ratio, (*d.origin, "hazard_ratio"), "the hazard ratio")
        ref = self.cumhaz(d.reference, env, tg)
        with np.errstate(invalid="ignore"):
            steps = (1 + (hr - 1) * left) * np.diff(ref, axis=1)
        steps = np.where(np.isnan(steps), np.inf, steps)  # every reference patient has had the event
        return np.concatenate([ref[:, :1], ref[:, :1] + np.cumsum(steps, axis=1)], axis=1)

    def _value(
        self, env: Mapping[str, Any], name: str | None, origin: Origin, what: str, d: CurveDef | None = None
    ) -> np.ndarray:
        """A parameter's value as (S, 1), checked: constant in time, finite, and in range for its role."""
        if name not in env:
            raise ModelError(f"{what} ({name}) varies with time; a survival curve's numbers cannot", origin)
        v = np.asarray(env[name], dtype=float)
        v = v.reshape(1, 1) if v.ndim == 0 else v.reshape(v.shape[0], -1)
        if v.shape[1] != 1:
            raise ModelError(f"{what} ({name}) varies with time; a survival curve's numbers cannot", origin)
        if not np.all(np.isfinite(v)):
            raise ModelError(f"{what} ({name}) is not a finite number", origin)
        positive = what in ("the hazard ratio", "the acceleration factor", "the SMR") or (
            d is not None and d.family is not None and what in POSITIVE[d.family]
        )
        if positive and np.any(v <= 0):
            raise ModelError(f"{what} must be positive, got {float(np.min(v)):g}", origin)
        if what == "the cure fraction" and np.any((v < 0) | (v > 1)):
            raise ModelError(f"the cure fraction must be between 0 and 1, got {float(np.min(v)):g}", origin)
        return v

    def _origin(self, name: str) -> Origin:
        return self.curves[name].origin if name in self.curves else (GENERAL_POPULATION,)


def expected_parameters(family: str, knots: tuple[float, ...] | None = None) -> tuple[str, ...]:
    """flexsurv's parameter names of a family (splines: gamma0 ... gamma{m+1} for their knots)."""
    if family == "spline":
        return spline_parameters(np.asarray(knots if knots is not None else ()))
    return PARAMETERS[family]


def _interpolate(grid: np.ndarray, t: np.ndarray, step: float) -> np.ndarray:
    """H at times ``t`` (1 or S, M) from its values on the grid (S, K + 1), linear between grid points."""
    last = grid.shape[1] - 1
    pos = t / step
    idx = np.clip(np.floor(pos + 1e-9).astype(int), 0, max(last - 1, 0))
    frac = np.clip(pos - idx, 0.0, 1.0)
    if t.shape[0] == 1:
        lo, hi = grid[:, idx[0]], grid[:, np.minimum(idx[0] + 1, last)]
    else:  # times that differ by sample (an acceleration factor drawn for PSA)
        full = np.broadcast_to(grid, (t.shape[0], grid.shape[1]))
        lo, hi = np.take_along_axis(full, idx, axis=1), np.take_along_axis(full, np.minimum(idx + 1, last), axis=1)
    with np.errstate(invalid="ignore"):
        out = lo + frac * (hi - lo)
    return np.where(frac <= 0, lo, np.where(np.isinf(lo) | np.isinf(hi), np.where(frac >= 1, hi, np.inf), out))


@dataclass(frozen=True)
class Partition:
    """States read off curves: 3 states (PFS, OS) or 2 (OS); curves per strategy."""

    name: str
    states: tuple[int, ...]  # (progression-free, progressed, dead) or (alive, dead)
    pfs: Mapping[str, str]  # strategy -> curve; empty with two states
    os: Mapping[str, str]
    origin: Origin

    @property
    def entry(self) -> int:
        return self.states[0]

"""EVSI by the regression method (Strong, Oakley, Brennan & Breeze, MDM 2015;35:570-583), and the expected
net benefit of sampling (ENBS) with the optimal study size.

For each study size (and follow-up time), one study's summary data are simulated for every PSA sample
from that sample's parameter values (:mod:`atmpcli.analysis.studies`); the incremental costs and effects
are regressed on the summaries with the EVPPI metamodels (:mod:`atmpcli.analysis.evppi`), and EVSI =
mean_i max_k g_k(T_i) - max_k mean_i g_k(T_i) with g the fitted incremental net benefit. As the study
grows the summaries pin the parameters down and EVSI rises to the EVPPI of the study's parameters.

Population EVSI = EVSI x the people affected (per year, discounted continuously over ``horizon`` years
when it is given: pop x (1 - exp(-r T)) / r, as voi's ``pop_voi``); ENBS = population EVSI - study cost,
with study cost = fixed + per patient x participants (+ per patient-year x participants x follow-up).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.analysis.evppi import evppi
from atmpcli.analysis.psa import PSAResult
from atmpcli.analysis.studies import Study


@dataclass(frozen=True)
class StudyCosts:
    fixed: float = 0.0
    per_patient: float = 0.0
    per_patient_year: float = 0.0

    def of(self, study: Study, n: int, followup: float | None) -> float:
        people = study.participants(n)
        return self.fixed + self.per_patient * people + self.per_patient_year * people * (followup or 0.0)


def effective_population(population: float, horizon: float | None = None, discount: float = 0.0) -> float:
    """People affected: ``population`` itself, or per year over ``horizon`` years discounted continuously."""
    if horizon is None:
        return population
    return population * horizon if discount == 0 else population * -math.expm1(-discount * horizon) / discount


@dataclass
class EVSIResult:
    study: Study
    wtp: list[float]
    designs: list[tuple[int, float | None]]  # (size, follow-up) of each row
    evsi: np.ndarray  # (designs, wtp) per person
    se: np.ndarray
    evppi: np.ndarray  # (wtp,) of the study's parameters: the limit of EVSI
    evppi_se: np.ndarray
    evpi: np.ndarray
    samples: int
    method: str
    population: float | None = None  # effective population (after discounting)
    costs: StudyCosts | None = None
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (designs,) study cost

    @property
    def enbs(self) -> np.ndarray | None:
        if self.population is None or self.costs is None:
            return None
        return self.evsi * self.population - self.cost[:, None]

    def optimal(self) -> list[int | None]:
        """Index of the design with the highest ENBS at each threshold (None if no study is worth it)."""
        enbs = self.enbs
        if enbs is None:
            return [None] * len(self.wtp)
        return [int(np.argmax(enbs[:, i])) if enbs[:, i].max() > 0 else None for i in range(len(self.wtp))]

    def rows(self) -> list[dict[str, Any]]:
        """Long table: measure, size, followup, wtp, value (docs/output-format.md)."""
        out: list[dict[str, Any]] = []

        def add(measure: str, value: float, size: int | None = None, followup: float | None = None, w=None) -> None:
            out.append({"measure": measure, "size": size, "followup": followup, "wtp": w, "value": float(value)})

        enbs, best = self.enbs, self.optimal()
        for i, w in enumerate(self.wtp):
            add("evpi", self.evpi[i], w=w)
            add("evppi", self.evppi[i], w=w)
            add("evppi_se", self.evppi_se[i], w=w)
            for j, (n, t) in enumerate(self.designs):
                add("evsi", self.evsi[j, i], n, t, w)
                add("evsi_se", self.se[j, i], n, t, w)
                if self.population is not None:
                    add("evsi_population", self.evsi[j, i] * self.population, n, t, w)
                if enbs is not None:
                    add("study_cost", self.cost[j], n, t, w)
                    add("enbs", enbs[j, i], n, t, w)
            if best[i] is not None:
                n, t = self.designs[best[i]]
                add("optimal_size", n, n, t, w)
        return out


def run_evsi(
    result: PSAResult,
    study: Study,
    sizes: Sequence[int],
    wtp: Sequence[float],
    *,
    followups: Sequence[float] | None = None,
    method: str = "auto",
    population: float | None = None,
    costs: StudyCosts | None = None,
    seed: int = 1,
    se: bool = True,
) -> EVSIResult:
    """EVSI of ``study`` for each size (and follow-up time) at each threshold, from a PSA with parameter draws."""
    missing = [p for p in study.parameters if p not in result.draws]
    if missing:
        raise KeyError(", ".join(missing))
    if not sizes or min(sizes) < 1:
        raise ValueError("study sizes must be whole numbers of at least 1")
    c, e, wtp = result.costs, result.effects, list(wtp)
    times: list[float | None] = list(followups) if study.follows_up and followups else [None]
    designs = [(int(n), t) for t in times for n in sizes]
    theta = np.column_stack([result.draws[p] for p in study.parameters])
    limit = evppi(c, e, wtp, theta, list(study.parameters), method=method, seed=seed, se=se)
    values, errors = [], []
    for n, t in designs:
        # each design its own random stream: the data for n = 100 do not depend on which other sizes are asked
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n, round((t or 0) * 1000))))
        summaries = study.simulate(result.draws, n, t, rng)
        r = evppi(c, e, wtp, summaries, study.summaries, method=method, seed=seed, se=se)
        values.append(r.evppi)
        errors.append(r.se)
    from atmpcli.analysis.voi import evpi

    return EVSIResult(
        study=study,
        wtp=wtp,
        designs=designs,
        evsi=np.array(values),
        se=np.array(errors),
        evppi=limit.evppi,
        evppi_se=limit.se,
        evpi=evpi(c, e, wtp),
        samples=result.samples,
        method=limit.method,
        population=population,
        costs=costs,
        cost=np.array([costs.of(study, n, t) for n, t in designs]) if costs else np.zeros(len(designs)),
    )

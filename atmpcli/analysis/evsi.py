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
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.evppi import evppi
from atmpcli.analysis.inputs import context
from atmpcli.analysis.psa import PSASamples
from atmpcli.analysis.result import Provenance, Result, Units, result_type
from atmpcli.analysis.studies import Study
from atmpcli.model.decision_model import DecisionModel

EVSI_COLUMNS = ["measure", "size", "followup", "wtp", "value"]


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


@result_type
class EVSIResult(Result):
    """EVSI (and its limit, the EVPPI of the study's parameters) per study design and threshold; ENBS with costs.

    Its main table is the tidy one ``atmpcli evsi --format csv`` writes: EVSI_COLUMNS (docs/output-format.md).
    """

    sheet: ClassVar[str] = "EVSI"
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
    results_file: str | None = None  # when the samples came from another tool (evsi --results)

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

    @cached_property
    def summary(self) -> pd.DataFrame:
        """EVSI_COLUMNS, one row per measure, design and threshold; sizes stay whole numbers."""
        return pd.DataFrame(self._summary_rows(), columns=EVSI_COLUMNS).astype({"size": "Int64"})

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"summary": self.summary}

    def _summary_rows(self) -> list[dict[str, Any]]:
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

    def body(self) -> dict[str, Any]:
        head = self.scenario_header() if self.settings is not None else {"results_file": self.results_file}
        best = self.optimal()
        return head | {
            "evsi": {
                "study": {
                    "design": self.study.kind,
                    "parameters": list(self.study.parameters),
                    "description": self.study.describe(),
                    "summaries": self.study.summaries,
                },
                "samples": self.samples,
                "method": self.method,
                "population": self.population,
                "wtp": self.wtp,
                "evpi": [float(x) for x in self.evpi],
                "evppi": [float(x) for x in self.evppi],
                "evppi_se": [float(x) for x in self.evppi_se],
                "designs": [self._design_document(j) for j in range(len(self.designs))],
                "optimal_size": [self.designs[b][0] if b is not None else None for b in best],
            }
        }

    def _design_document(self, j: int) -> dict[str, Any]:
        n, f = self.designs[j]
        enbs = self.enbs
        return {
            "size": n,
            "followup": f,
            "evsi": [float(x) for x in self.evsi[j]],
            "se": [float(x) for x in self.se[j]],
            "study_cost": float(self.cost[j]) if self.costs is not None else None,
            "enbs": [float(x) for x in enbs[j]] if enbs is not None else None,
        }


def run_evsi(
    result: PSASamples,
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
    model: DecisionModel | None = None,
    results_file: str | Path | None = None,
) -> EVSIResult:
    """EVSI of ``study`` for each size (and follow-up time) at each threshold, from a PSA with parameter draws.

    ``model`` (the scenario sampled) gives the title, units and provenance; ``results_file`` names the file
    the samples came from otherwise.
    """
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
        **_described(model, wtp, seed, results_file),
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


def _described(
    model: DecisionModel | None, wtp: list[float], seed: int, results_file: str | Path | None
) -> dict[str, Any]:
    """Title, units and provenance: of the scenario sampled, or of the results file of another tool."""
    if model is not None:
        return context(model, wtp=wtp, seed=seed)
    files = {"results_file": str(results_file)} if results_file is not None else {}
    return {
        "title": f"EVSI from {results_file}" if results_file else "EVSI",
        "units": Units(effect="qalys"),
        "provenance": Provenance(seed=seed, files=files),
        "results_file": None if results_file is None else str(results_file),
    }

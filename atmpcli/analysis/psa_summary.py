"""Everything a PSA report shows, computed once from per-sample results: the :class:`PSASummary` result.

Its main table is the tidy (long) one written as CSV, with the columns
``measure, strategy, wtp, parameters, value`` (documented in docs/output-format.md). The ``strategies``
table has the same spread per strategy in one row (means, standard deviations, 2.5/97.5th percentiles,
and the incremental analysis of the means).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from atmpcli.analysis import ceac as C
from atmpcli.analysis import voi
from atmpcli.analysis.dominance_and_icers import IncrementalAnalysis, incremental_analysis
from atmpcli.analysis.evppi import EVPPIResult, evppi
from atmpcli.analysis.inputs import context
from atmpcli.analysis.psa import PSASamples
from atmpcli.analysis.result import Provenance, Result, Rows, Units, result_type
from atmpcli.model.decision_model import DecisionModel

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_COLUMNS = ["measure", "strategy", "wtp", "parameters", "value"]
SPREAD = ("mean", "sd", "low", "high")


@dataclass
class Spread:
    """Per strategy: the mean, the sample standard deviation (n - 1), and the 2.5th and 97.5th percentiles."""

    mean: np.ndarray
    sd: np.ndarray
    low: np.ndarray
    high: np.ndarray


def spread(x: np.ndarray) -> Spread:
    with warnings.catch_warnings():  # one sample has no standard deviation: NaN, said once in the docs
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.full(x.shape[1], np.nan)
    return Spread(x.mean(axis=0), sd, np.percentile(x, 2.5, axis=0), np.percentile(x, 97.5, axis=0))


@result_type
class PSASummary(Result):
    """Means, spread, CEAC, CEAF, EVPI and EVPPI of a probabilistic sensitivity analysis."""

    sheet: ClassVar[str] = "PSA"
    psa: PSASamples
    wtp: list[float]
    cost: Spread
    effect: Spread
    inc_cost: Spread  # vs the comparator
    inc_effect: Spread
    incremental: IncrementalAnalysis  # on the means
    ceac: np.ndarray  # (wtp, strategies)
    expected_nmb: np.ndarray  # (wtp, strategies)
    optimal: np.ndarray  # (wtp,) index of the strategy with the highest expected NMB
    evpi: np.ndarray  # (wtp,) per person
    population: float | None
    evppi: list[EVPPIResult] = field(default_factory=list)
    results_file: str | None = None  # when the samples came from another tool (psa --results)

    @property
    def strategies(self) -> list[str]:
        return self.psa.strategies

    @property
    def ceaf(self) -> np.ndarray:
        """Per threshold, the CEAC value of the strategy with the highest expected NMB (the CEAF)."""
        return self.ceac[np.arange(len(self.wtp)), self.optimal.astype(int)]

    @property
    def evpi_population(self) -> np.ndarray | None:
        """EVPI x population, per threshold (None without a population)."""
        return self.evpi * self.population if self.population else None

    @cached_property
    def summary(self) -> pd.DataFrame:
        return Rows(self._summary_rows(), SUMMARY_COLUMNS)  # type: ignore[return-value]  # a frame once read

    @cached_property
    def by_strategy(self) -> pd.DataFrame:
        """One row per strategy: <outcome>_<mean|sd|low|high>, status, reference and icer_of_means."""
        comp = self.psa.comparator
        rows = []
        for k, s in enumerate(self.strategies):
            row: dict[str, Any] = {"strategy": s}
            for name, summ in self._spreads():
                for stat in SPREAD:
                    row[f"{name}_{stat}"] = (
                        np.nan if name.startswith("inc_") and k == comp else float(getattr(summ, stat)[k])
                    )
            inc = self.incremental
            row.update(status=inc.status[k], reference=inc.reference[k], icer_of_means=float(inc.icer[k]))
            rows.append(row)
        return Rows(rows, list(rows[0]) if rows else [])  # type: ignore[return-value]  # a frame once read

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"summary": self.summary, "strategies": self.by_strategy}

    def _spreads(self) -> list[tuple[str, Spread]]:
        return [
            ("cost", self.cost),
            ("effect", self.effect),
            ("inc_cost", self.inc_cost),
            ("inc_effect", self.inc_effect),
        ]

    def _summary_rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def add(measure: str, value: float, strategy: str = "", wtp: float | None = None, params: str = "") -> None:
            out.append(
                {"measure": measure, "strategy": strategy, "wtp": wtp, "parameters": params, "value": float(value)}
            )

        comp = self.psa.comparator
        for k, s in enumerate(self.strategies):
            for name, summ in self._spreads():
                if name.startswith("inc_") and k == comp:
                    continue  # the comparator versus itself
                for stat in SPREAD:
                    add(f"{name}_{stat}", getattr(summ, stat)[k], s)
            add("icer_of_means", self.incremental.icer[k], s)
        for i, w in enumerate(self.wtp):
            for k, s in enumerate(self.strategies):
                add("prob_cost_effective", self.ceac[i, k], s, w)
                add("expected_nmb", self.expected_nmb[i, k], s, w)
            best = int(self.optimal[i])
            add("ceaf", self.ceaf[i], self.strategies[best], w)
            add("evpi", self.evpi[i], "", w)
            if self.evpi_population is not None:
                add("evpi_population", self.evpi_population[i], "", w)
            for e in self.evppi:
                key = "+".join(e.parameters)
                add("evppi", e.evppi[i], "", w, key)
                add("evppi_se", e.se[i], "", w, key)
                if self.population:
                    add("evppi_population", e.evppi[i] * self.population, "", w, key)
        for e in self.evppi:
            key = "+".join(e.parameters)
            others = [s for k, s in enumerate(self.strategies) if k != 0]
            for j, s in enumerate(others):
                add("evppi_r2_cost", e.r2_cost[j], s, None, key)
                add("evppi_r2_effect", e.r2_effect[j], s, None, key)
        return out

    def body(self) -> dict[str, Any]:
        p = self.psa
        head = self.scenario_header() if self.settings is not None else {"results_file": self.results_file}
        return head | {
            "psa": {"samples": p.samples, "seed": p.seed, "source": p.source, "population": self.population},
            "comparator": p.strategies[p.comparator],
            "wtp": list(self.wtp),
            "strategies": [self._strategy_document(k) for k in range(len(p.strategies))],
            "ceaf": [
                {"wtp": w, "strategy": p.strategies[int(b)], "probability": float(self.ceaf[i])}
                for i, (w, b) in enumerate(zip(self.wtp, self.optimal, strict=True))
            ],
            "evpi": [float(x) for x in self.evpi],
            "evppi": [
                {
                    "parameters": e.parameters,
                    "evppi": [float(x) for x in e.evppi],
                    "se": [float(x) for x in e.se],
                    "method": e.method,
                    "samples": e.samples,
                    "basis_size": e.basis_size,
                    "r2_cost": [float(x) for x in e.r2_cost],
                    "r2_effect": [float(x) for x in e.r2_effect],
                }
                for e in self.evppi
            ],
        }

    def _strategy_document(self, k: int) -> dict[str, Any]:
        comp = self.psa.comparator

        def spread_of(s: Spread) -> dict[str, float]:
            return {stat: float(getattr(s, stat)[k]) for stat in SPREAD}

        return {
            "strategy": self.strategies[k],
            "cost": spread_of(self.cost),
            "effect": spread_of(self.effect),
            "inc_cost": spread_of(self.inc_cost) if k != comp else None,
            "inc_effect": spread_of(self.inc_effect) if k != comp else None,
            "status": self.incremental.status[k],
            "reference": self.incremental.reference[k],
            "icer_of_means": float(self.incremental.icer[k]),
            "prob_cost_effective": [float(x) for x in self.ceac[:, k]],
            "expected_nmb": [float(x) for x in self.expected_nmb[:, k]],
        }


def summarise_psa(
    result: PSASamples,
    wtp: Sequence[float],
    *,
    evppi_groups: Sequence[Sequence[str]] = (),
    evppi_method: str = "auto",
    population: float | None = None,
    model: DecisionModel | None = None,
    results_file: str | Path | None = None,
) -> PSASummary:
    """Summarise per-sample results; ``model`` (the scenario sampled) gives the title, units and provenance.

    Raises KeyError naming the parameters of an EVPPI group that have no draws.
    """
    c, e = result.costs, result.effects
    inc_c, inc_e = result.incremental()
    thresholds = list(wtp)
    # (thresholds, strategies), also with no thresholds at all (a scenario without settings.wtp)
    exp_nmb = np.array([w * e.mean(axis=0) - c.mean(axis=0) for w in thresholds]).reshape(len(thresholds), c.shape[1])
    groups = []
    for group in evppi_groups:
        missing = [p for p in group if p not in result.draws]
        if missing:
            raise KeyError(", ".join(missing))
        x = np.column_stack([result.draws[p] for p in group])
        groups.append(evppi(c, e, thresholds, x, group, method=evppi_method))
    if model is not None:
        described = context(model, wtp=thresholds, seed=result.seed)
    else:
        files = {"results_file": str(results_file)} if results_file is not None else {}
        described: dict[str, Any] = {
            "title": f"PSA results from {results_file}" if results_file else "PSA results",
            "units": Units(effect="qalys"),
            "provenance": Provenance(seed=result.seed, files=files),
            "results_file": None if results_file is None else str(results_file),
        }
    return PSASummary(
        **described,
        psa=result,
        wtp=thresholds,
        cost=spread(c),
        effect=spread(e),
        inc_cost=spread(inc_c),
        inc_effect=spread(inc_e),
        incremental=incremental_analysis(result.strategies, c.mean(axis=0), e.mean(axis=0)),
        ceac=C.ceac(c, e, thresholds),
        expected_nmb=exp_nmb,
        optimal=C.optimal(c, e, thresholds),
        evpi=voi.evpi(c, e, thresholds),
        population=population,
        evppi=groups,
    )

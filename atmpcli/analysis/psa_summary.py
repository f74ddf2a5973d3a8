"""Everything a PSA report shows, computed once from per-sample results.

``rows()`` gives the tidy (long) table written as CSV, with the columns
``measure, strategy, wtp, parameters, value`` (documented in docs/output-format.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.analysis import voi
from atmpcli.analysis.evppi import EVPPIResult, evppi
from atmpcli.analysis.icer import IncrementalAnalysis, incremental_analysis
from atmpcli.analysis.psa import PSAResult


@dataclass
class PSASummary:
    result: PSAResult
    wtp: list[float]
    cost: voi.Summary
    effect: voi.Summary
    inc_cost: voi.Summary  # vs the comparator
    inc_effect: voi.Summary
    incremental: IncrementalAnalysis  # on the means
    ceac: np.ndarray  # (wtp, strategies)
    expected_nmb: np.ndarray  # (wtp, strategies)
    optimal: np.ndarray  # (wtp,) index of the strategy with the highest expected NMB
    evpi: np.ndarray  # (wtp,) per person
    population: float | None
    evppi: list[EVPPIResult] = field(default_factory=list)

    @property
    def strategies(self) -> list[str]:
        return self.result.strategies

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def add(measure: str, value: float, strategy: str = "", wtp: float | None = None, params: str = "") -> None:
            out.append(
                {"measure": measure, "strategy": strategy, "wtp": wtp, "parameters": params, "value": float(value)}
            )

        comp = self.result.comparator
        for k, s in enumerate(self.strategies):
            for name, summ in (("cost", self.cost), ("effect", self.effect)):
                add(f"{name}_mean", summ.mean[k], s)
                add(f"{name}_low", summ.low[k], s)
                add(f"{name}_high", summ.high[k], s)
            if k != comp:
                for name, summ in (("inc_cost", self.inc_cost), ("inc_effect", self.inc_effect)):
                    add(f"{name}_mean", summ.mean[k], s)
                    add(f"{name}_low", summ.low[k], s)
                    add(f"{name}_high", summ.high[k], s)
        for i, w in enumerate(self.wtp):
            for k, s in enumerate(self.strategies):
                add("prob_cost_effective", self.ceac[i, k], s, w)
                add("expected_nmb", self.expected_nmb[i, k], s, w)
            best = int(self.optimal[i])
            add("ceaf", self.ceac[i, best], self.strategies[best], w)
            add("evpi", self.evpi[i], "", w)
            if self.population:
                add("evpi_population", self.evpi[i] * self.population, "", w)
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


def summarise_psa(
    result: PSAResult,
    wtp: Sequence[float],
    *,
    evppi_groups: Sequence[Sequence[str]] = (),
    evppi_method: str = "auto",
    population: float | None = None,
) -> PSASummary:
    c, e = result.costs, result.effects
    comp = result.comparator
    thresholds = list(wtp)
    exp_nmb = np.array([w * e.mean(axis=0) - c.mean(axis=0) for w in thresholds]).reshape(len(thresholds), -1)
    groups = []
    for group in evppi_groups:
        missing = [p for p in group if p not in result.draws]
        if missing:
            raise KeyError(", ".join(missing))
        x = np.column_stack([result.draws[p] for p in group])
        groups.append(evppi(c, e, thresholds, x, group, method=evppi_method))
    return PSASummary(
        result=result,
        wtp=thresholds,
        cost=voi.summarise(c),
        effect=voi.summarise(e),
        inc_cost=voi.summarise(c - c[:, [comp]]),
        inc_effect=voi.summarise(e - e[:, [comp]]),
        incremental=incremental_analysis(result.strategies, c.mean(axis=0), e.mean(axis=0)),
        ceac=voi.ceac(c, e, thresholds),
        expected_nmb=exp_nmb,
        optimal=voi.optimal(c, e, thresholds),
        evpi=voi.evpi(c, e, thresholds),
        population=population,
        evppi=groups,
    )

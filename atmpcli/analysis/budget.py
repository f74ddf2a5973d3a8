"""Budget impact: what the payer spends each year, with and without the new strategies.

Each strategy's undiscounted cost per patient by year since treatment comes from the model (one-off
costs in the first year; cycle k's costs in the year in which the cycle starts; payment schedules in the
years they fall). Patients start treatment each year (incident, plus the prevalent pool in year 1); a
strategy with limited capacity treats at most its slots per year and the others wait for a slot (they
cost nothing while waiting in this model). Results are undiscounted unless a rate is given (ISPOR good
practice: Sullivan et al., Value Health 2014;17:5-14).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.outcomes import StrategyOutcome

WORLDS = ("without", "with")


def cost_by_year(o: StrategyOutcome, cycle_length: float, years: int) -> np.ndarray:
    """Undiscounted cost per patient in years 0..years-1 after the start of treatment (first sample)."""
    out = np.zeros(years)
    if o.cost_points is not None:
        points = o.cost_points[0]
        for t, value in enumerate(points):
            y = 0 if t == 0 else int(np.floor((t - 1) * cycle_length + 1e-9))
            if y < years:
                out[y] += value
    for p in o.payments:
        out += p.flow.by_year(years)[0]
    return out


BUDGET_COLUMNS = ["world", "year", "strategy", "patients", "waiting", "cost"]


@result_type
class BudgetImpact(Result):
    """The payer's spending by year and strategy, without and with the new strategies, and the difference."""

    sheet: ClassVar[str] = "Budget impact"
    years: int
    strategies: list[str]
    discount: float
    started: dict[str, dict[str, np.ndarray]]  # world -> strategy -> patients starting per year
    waiting: dict[str, dict[str, np.ndarray]]  # world -> strategy -> patients waiting for a slot at year end
    cost: dict[str, dict[str, np.ndarray]]  # world -> strategy -> budget per year
    per_patient: dict[str, np.ndarray]  # strategy -> cost per patient by year since treatment

    def total(self, world: str) -> np.ndarray:
        return sum(self.cost[world].values(), np.zeros(self.years))

    @cached_property
    def by_year(self) -> pd.DataFrame:
        """``year, without, with, difference``: the total budget each year, then a ``total`` row over the years."""
        without, with_ = self.total("without"), self.total("with")
        frame = pd.DataFrame(
            {"year": list(range(1, self.years + 1)), "without": without, "with": with_, "difference": with_ - without}
        )
        total = {"year": "total", "without": without.sum(), "with": with_.sum(), "difference": (with_ - without).sum()}
        return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"budget": self.budget, "by_year": self.by_year}

    def body(self) -> dict[str, Any]:
        return {
            "scenario": self.provenance.scenario,
            "currency": self.units.currency,
            "discount": self.discount,
            "rows": records(self.budget),
        }

    @cached_property
    def budget(self) -> pd.DataFrame:
        """BUDGET_COLUMNS: world (without, with, incremental), year (1..N), strategy (or total), patients, cost."""
        return pd.DataFrame(self._rows(), columns=BUDGET_COLUMNS)

    def _rows(self) -> list[dict[str, Any]]:
        out = []
        for world in WORLDS:
            for s in self.strategies:
                for y in range(self.years):
                    out.append(
                        {
                            "world": world,
                            "year": y + 1,
                            "strategy": s,
                            "patients": float(self.started[world][s][y]),
                            "waiting": float(self.waiting[world][s][y]),
                            "cost": float(self.cost[world][s][y]),
                        }
                    )
            for y in range(self.years):
                out.append(
                    {
                        "world": world,
                        "year": y + 1,
                        "strategy": "total",
                        "patients": float(sum(self.started[world][s][y] for s in self.strategies)),
                        "waiting": float(sum(self.waiting[world][s][y] for s in self.strategies)),
                        "cost": float(self.total(world)[y]),
                    }
                )
        inc = self.total("with") - self.total("without")
        for y in range(self.years):
            out.append(
                {
                    "world": "incremental",
                    "year": y + 1,
                    "strategy": "total",
                    "patients": float("nan"),
                    "waiting": float("nan"),
                    "cost": float(inc[y]),
                }
            )
        return out


def _per_year(value: float | list[float], years: int, what: str) -> np.ndarray:
    if isinstance(value, list):
        if len(value) != years:
            raise ValueError(f"{what} has {len(value)} values, expected one per year ({years})")
        return np.asarray(value, dtype=float)
    return np.full(years, float(value))


def budget_impact(
    spec: Any,
    outcomes: list[StrategyOutcome],
    cycle_length: float,
    years: int | None = None,
    discount: float | None = None,
    *,
    model: DecisionModel | None = None,
) -> BudgetImpact:
    """Run the budget impact of ``spec`` (schema.BudgetImpactSpec) on evaluated strategies; ``model`` (the
    scenario evaluated) gives the result its title, currency and provenance."""
    n = years or spec.years
    rate = spec.discount if discount is None else discount
    by_name = {o.strategy: o for o in outcomes}
    names = list(by_name)
    for s in [*spec.current, *spec.new, *spec.capacity]:
        if s not in by_name:
            raise ValueError(f"unknown strategy '{s}' in budget_impact (strategies: {', '.join(names)})")
    per_patient = {s: cost_by_year(by_name[s], cycle_length, n) for s in names}
    incident = _per_year(spec.incident, n, "incident")
    eligible = incident.copy()
    eligible[0] += spec.prevalent
    current = np.array([spec.current.get(s, 0.0) for s in names])
    uptake = np.zeros((n, len(names)))
    for s, share in spec.new.items():
        uptake[:, names.index(s)] = _per_year(share, n, f"new.{s}")
    rest = 1.0 - uptake.sum(axis=1)
    if np.any(rest < -1e-9):
        raise ValueError("the uptake shares in new add up to more than 1 in some year")
    shares = {"without": np.tile(current, (n, 1)), "with": uptake + rest[:, None] * current}
    disc = np.power(1.0 + rate, -np.arange(n))
    started: dict[str, dict[str, np.ndarray]] = {}
    waiting: dict[str, dict[str, np.ndarray]] = {}
    cost: dict[str, dict[str, np.ndarray]] = {}
    for world in WORLDS:
        started[world], waiting[world], cost[world] = {}, {}, {}
        for j, s in enumerate(names):
            demand_left = 0.0
            st, wt = np.zeros(n), np.zeros(n)
            for y in range(n):
                demand = eligible[y] * shares[world][y, j] + demand_left
                st[y] = min(demand, spec.capacity.get(s, np.inf))
                wt[y] = demand - st[y]
                demand_left = wt[y]
            c = np.array([sum(st[y0] * per_patient[s][y - y0] for y0 in range(y + 1)) for y in range(n)])
            started[world][s], waiting[world][s], cost[world][s] = st, wt, c * disc
    described = context(model) if model is not None else {}
    return BudgetImpact(
        **described,
        years=n,
        strategies=names,
        discount=rate,
        started=started,
        waiting=waiting,
        cost=cost,
        per_patient=per_patient,
    )

"""Deterministic sensitivity analysis: one-way (tornado) and two-way, each in one vectorised pass.

Every setting of the varied parameters is one "sample" of the engine, so a one-way analysis of P
parameters is a single evaluation with 2P samples. Only input parameters (numbers, not formulas) are
varied; parameters computed from them follow. Probabilities varied in a transition row written with
``rest`` keep the row valid: the complement absorbs the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.analysis.sampling import resolve
from atmpcli.errors import AtmpError, ModelError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.outputs import Outputs
from atmpcli.model.parameters import Parameters, base_values

OUTCOMES = ("inc_nmb", "icer", "inc_cost", "inc_effect")


@dataclass
class Outcomes:
    """Per-sample cost and effect of every strategy: arrays (samples, strategies)."""

    strategies: list[str]
    costs: np.ndarray
    effects: np.ndarray

    def measure(self, outcome: str, strategy: int, comparator: int, wtp: float | np.ndarray) -> np.ndarray:
        """``outcome`` per setting; ``wtp`` one threshold, or one per setting (a threshold parameter varied)."""
        dc = self.costs[:, strategy] - self.costs[:, comparator]
        de = self.effects[:, strategy] - self.effects[:, comparator]
        if outcome == "inc_cost":
            return dc
        if outcome == "inc_effect":
            return de
        if outcome == "icer":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(de != 0, dc / np.where(de != 0, de, 1), np.nan)
        return wtp * de - dc

    def optimal(self, wtp: float | np.ndarray) -> list[str]:
        best = np.argmax(np.reshape(wtp, (-1, 1)) * self.effects - self.costs, axis=1)
        return [self.strategies[int(i)] for i in best]


def evaluate_settings(sc: DecisionModel, values: dict[str, np.ndarray]) -> Outcomes:
    """Evaluate every strategy for each row of ``values`` (parameter -> array, all the same length).

    The rows are evaluated in batches that fit half of the default memory budget (a two-way grid of a
    large tunnel model would not fit at once); each row's results do not depend on the batch.
    """
    from atmpcli.analysis.memory_estimate import DEFAULT_MEMORY, psa_chunk

    n = len(next(iter(values.values()))) if values else 1
    batch = psa_chunk(sc, DEFAULT_MEMORY)
    costs = np.empty((n, len(sc.strategies)))
    effects = np.empty((n, len(sc.strategies)))
    outputs = Outputs.decision(sc.settings.effect)  # each setting's cost and effect, nothing else
    for start in range(0, n, batch):
        rows = slice(start, min(n, start + batch))
        part = {name: v[rows] for name, v in values.items()}
        for k, s in enumerate(sc.strategies):
            o = evaluate_strategy(sc, s, part, rows.stop - rows.start, outputs)
            costs[rows, k] = o.cost
            effects[rows, k] = getattr(o, sc.settings.effect)
    return Outcomes([s.name for s in sc.strategies], costs, effects)


def inputs(sc: DecisionModel) -> dict[str, float]:
    """Parameters that are plain numbers (the ones a sensitivity analysis can vary), with their values."""
    base = base_values(sc)
    return {n: base[n] for n, e in sc.parameters.items() if e.formula.is_constant and n in base}


@dataclass
class Range:
    parameter: str
    base: float
    low: float
    high: float
    source: str  # "given", "distribution" or "percent"


def ranges(sc: DecisionModel, names: Sequence[str] | None = None, percent: float | None = None) -> list[Range]:
    """Low/high per parameter: given in the scenario, else the 2.5th/97.5th percentiles of its
    distribution, else +/- ``percent`` % of its value. Parameters with none of these are left out
    (unless named explicitly, which is an error)."""
    values = inputs(sc)
    base = base_values(sc)
    dists = resolve(sc)
    wanted = list(names) if names else [n for n in sc.parameters if n in values]
    out = []
    for name in wanted:
        if name not in sc.parameters:
            raise _error(sc, f"unknown parameter '{name}'")
        if name not in values:
            raise _error(sc, f"'{name}' is computed from other parameters; vary those instead")
        if name in sc.ranges:
            lo_e, hi_e = sc.ranges[name]
            lo = float(np.asarray(lo_e.formula.evaluate(base)).reshape(-1)[0]) if lo_e else values[name]
            hi = float(np.asarray(hi_e.formula.evaluate(base)).reshape(-1)[0]) if hi_e else values[name]
            out.append(Range(name, values[name], lo, hi, "given"))
        elif name in dists and dists[name].kind != "fixed":
            q = dists[name].quantile(np.array([0.025, 0.975]))
            out.append(Range(name, values[name], float(q[0]), float(q[1]), "distribution"))
        elif percent is not None:
            v = values[name]
            out.append(Range(name, v, v * (1 - percent / 100), v * (1 + percent / 100), "percent"))
        elif names:
            raise _error(sc, f"'{name}' has no low/high, no distribution, and no --percent was given")
    if not out:
        raise _error(sc, "no parameter has a range: give parameters low/high or a distribution, or use --percent")
    return out


def _error(sc: DecisionModel, message: str) -> AtmpError:
    return sc.located(ModelError(message, ("parameters",)))


ONE_WAY_COLUMNS = [
    "parameter",
    "base",
    "low",
    "high",
    "range_source",
    "strategy",
    "comparator",
    "wtp",
    "outcome",
    "base_value",
    "value_low",
    "value_high",
    "swing",
    "optimal_low",
    "optimal_high",
]
TWO_WAY_COLUMNS = [
    "parameter_a",
    "value_a",
    "parameter_b",
    "value_b",
    "strategy",
    "comparator",
    "wtp",
    "outcome",
    "value",
    "optimal",
]


@result_type
class OneWay(Result):
    """A one-way (tornado) analysis: the outcome at each parameter's low and high value, largest swing first.

    The arrays are in the order the ranges were given; ``frame`` (ONE_WAY_COLUMNS) is sorted by swing.
    """

    sheet: ClassVar[str] = "DSA"
    ranges: list[Range]
    outcome: str
    strategy: str
    comparator: str
    wtp: float
    base_value: float
    low_values: np.ndarray
    high_values: np.ndarray
    optimal_base: str
    optimal_low: list[str]
    optimal_high: list[str]

    @property
    def swing(self) -> np.ndarray:
        return np.abs(self.high_values - self.low_values)

    def order(self) -> list[int]:
        """Rows from the largest swing to the smallest (the tornado), undefined swings last."""
        sw = np.nan_to_num(self.swing, nan=-1.0)
        return sorted(range(len(self.ranges)), key=lambda i: -sw[i])

    @cached_property
    def tornado(self) -> pd.DataFrame:
        rows = [
            {
                "parameter": r.parameter,
                "base": r.base,
                "low": r.low,
                "high": r.high,
                "range_source": r.source,
                "strategy": self.strategy,
                "comparator": self.comparator,
                "wtp": self.wtp,
                "outcome": self.outcome,
                "base_value": self.base_value,
                "value_low": float(self.low_values[i]),
                "value_high": float(self.high_values[i]),
                "swing": float(self.swing[i]),
                "optimal_low": self.optimal_low[i],
                "optimal_high": self.optimal_high[i],
            }
            for i in self.order()
            for r in [self.ranges[i]]
        ]
        return pd.DataFrame(rows, columns=ONE_WAY_COLUMNS)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"one_way": self.tornado}

    def body(self) -> dict[str, Any]:
        return {"optimal_base": self.optimal_base, "rows": records(self.tornado)}


def thresholds(sc: DecisionModel, values: dict[str, np.ndarray], wtp: float | None) -> float | np.ndarray:
    """The threshold of each setting: ``wtp`` when given; else the scenario's first, evaluated per setting
    when it is written as a formula (settings.wtp: [k], a parameter the analysis may vary)."""
    formula = sc.settings.wtp_formulas[0] if sc.settings.wtp_formulas else None
    if wtp is not None or formula is None:
        return default_wtp(sc) if wtp is None else wtp
    n = len(next(iter(values.values())))
    try:
        return Parameters(sc, None, values, n).at_start(formula).copy()
    except ModelError as error:
        raise sc.located(error) from None


def one_way(
    sc: DecisionModel, rngs: list[Range], *, outcome: str, strategy: str, comparator: str, wtp: float | None
) -> OneWay:
    """``wtp`` None: the scenario's first threshold, varied with the parameters it is written in."""
    names = [r.parameter for r in rngs]
    values = inputs(sc)
    n = 2 * len(rngs) + 1  # the last sample is the base case
    settings = {p: np.full(n, values[p]) for p in names}
    for i, r in enumerate(rngs):
        settings[r.parameter][2 * i] = r.low
        settings[r.parameter][2 * i + 1] = r.high
    out = evaluate_settings(sc, settings)
    s, c = out.strategies.index(strategy), out.strategies.index(comparator)
    k = thresholds(sc, settings, wtp)
    m = out.measure(outcome, s, c, k)
    best = out.optimal(k)
    return OneWay(
        **context(sc),
        ranges=rngs,
        outcome=outcome,
        strategy=strategy,
        comparator=comparator,
        wtp=default_wtp(sc) if wtp is None else wtp,  # the base case's threshold
        base_value=float(m[-1]),
        low_values=m[0:-1:2],
        high_values=m[1:-1:2],
        optimal_base=best[-1],
        optimal_low=best[0:-1:2],
        optimal_high=best[1:-1:2],
    )


@result_type
class TwoWay(Result):
    """A two-way analysis: the outcome and the optimal strategy on a grid of two parameters' values."""

    sheet: ClassVar[str] = "DSA two-way"
    a: Range
    b: Range
    a_values: np.ndarray
    b_values: np.ndarray
    values: np.ndarray  # (len(a_values), len(b_values)) of the outcome
    optimal: list[list[str]]
    outcome: str
    strategy: str
    comparator: str
    wtp: float

    @cached_property
    def grid(self) -> pd.DataFrame:
        rows = [
            {
                "parameter_a": self.a.parameter,
                "value_a": float(av),
                "parameter_b": self.b.parameter,
                "value_b": float(bv),
                "strategy": self.strategy,
                "comparator": self.comparator,
                "wtp": self.wtp,
                "outcome": self.outcome,
                "value": float(self.values[i, j]),
                "optimal": self.optimal[i][j],
            }
            for i, av in enumerate(self.a_values)
            for j, bv in enumerate(self.b_values)
        ]
        return pd.DataFrame(rows, columns=TWO_WAY_COLUMNS)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"two_way": self.grid}

    def body(self) -> dict[str, Any]:
        return {"rows": records(self.grid)}


def two_way(
    sc: DecisionModel,
    a: Range,
    b: Range,
    steps: int,
    *,
    outcome: str,
    strategy: str,
    comparator: str,
    wtp: float | None,
) -> TwoWay:
    av = np.linspace(a.low, a.high, steps)
    bv = np.linspace(b.low, b.high, steps)
    grid_a, grid_b = np.meshgrid(av, bv, indexing="ij")
    settings = {a.parameter: grid_a.ravel(), b.parameter: grid_b.ravel()}
    out = evaluate_settings(sc, settings)
    s, c = out.strategies.index(strategy), out.strategies.index(comparator)
    k = thresholds(sc, settings, wtp)
    m = out.measure(outcome, s, c, k).reshape(steps, steps)
    best = np.array(out.optimal(k), dtype=object).reshape(steps, steps)
    return TwoWay(
        **context(sc),
        a=a,
        b=b,
        a_values=av,
        b_values=bv,
        values=m,
        optimal=[list(row) for row in best],
        outcome=outcome,
        strategy=strategy,
        comparator=comparator,
        wtp=default_wtp(sc) if wtp is None else wtp,  # the base case's threshold
    )


def default_strategy(sc: DecisionModel) -> str:
    """The strategy a sensitivity analysis looks at unless told: the first one that is not the comparator."""
    others = [s.name for s in sc.strategies if s.name != sc.comparator]
    if not others:
        raise _error(sc, "a sensitivity analysis compares strategies: the scenario has only one")
    return others[0]


def default_wtp(sc: DecisionModel) -> float:
    if not sc.settings.wtp:
        raise sc.located(ModelError("give a willingness to pay (the scenario has no settings.wtp)", ("settings",)))
    return float(sc.settings.wtp[0])


def sensitivity(
    sc: DecisionModel,
    *,
    parameters: Sequence[str] | None = None,
    percent: float | None = None,
    outcome: str = "inc_nmb",
    strategy: str | None = None,
    wtp: float | None = None,
    two_way_parameters: Sequence[str] | None = None,
    steps: int = 5,
) -> OneWay | TwoWay:
    """``atmpcli dsa``: a one-way analysis of ``parameters`` (default: all with a range), or with
    ``two_way_parameters`` a two-way grid; the strategy defaults to the first that is not the comparator and
    the threshold to the scenario's first."""
    chosen = strategy or default_strategy(sc)
    if chosen not in [s.name for s in sc.strategies] or chosen == sc.comparator:
        raise sc.located(ModelError(f"'{chosen}' is not a strategy other than the comparator", ("strategies",)))
    common = {"outcome": outcome, "strategy": chosen, "comparator": sc.comparator, "wtp": wtp}
    if two_way_parameters:
        a, b = ranges(sc, list(two_way_parameters), percent)
        return two_way(sc, a, b, steps, **common)
    return one_way(sc, ranges(sc, parameters, percent), **common)

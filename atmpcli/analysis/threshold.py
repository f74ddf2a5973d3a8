"""Threshold analysis: the value of one parameter at which a strategy becomes cost-effective.

"Cost-effective" means: the strategy has the highest net monetary benefit among all strategies at
the willingness to pay. For each threshold, g(v) = NMB_strategy(v) - max over the other strategies of
NMB(v) is evaluated on a grid over the range (one vectorised pass), sign changes are located, and each
root is refined by bisection (all thresholds at once) to 1e-10 of the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.dsa import evaluate_settings, inputs
from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.errors import ModelError
from atmpcli.model.decision_model import DecisionModel


@dataclass
class ThresholdPoint:
    wtp: float
    value: float | None  # where the strategy starts or stops being cost-effective (the first crossing)
    cost_effective_below: bool | None  # True: cost-effective for values below `value` (e.g. a price)
    crossings: int
    note: str


THRESHOLD_COLUMNS = [
    "parameter",
    "strategy",
    "wtp",
    "threshold",
    "cost_effective",
    "crossings",
    "base",
    "low",
    "high",
    "note",
]


@result_type
class ThresholdResult(Result):
    """Per willingness to pay, the value of ``parameter`` at which ``strategy`` becomes (or stops being) optimal."""

    sheet: ClassVar[str] = "Threshold"
    parameter: str
    strategy: str
    base: float
    low: float
    high: float
    points: list[ThresholdPoint]

    @cached_property
    def thresholds(self) -> pd.DataFrame:
        rows = [
            {
                "parameter": self.parameter,
                "strategy": self.strategy,
                "wtp": p.wtp,
                "threshold": p.value,
                "cost_effective": None
                if p.cost_effective_below is None
                else ("below" if p.cost_effective_below else "above"),
                "crossings": p.crossings,
                "base": self.base,
                "low": self.low,
                "high": self.high,
                "note": p.note,
            }
            for p in self.points
        ]
        return pd.DataFrame(rows, columns=THRESHOLD_COLUMNS)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"threshold": self.thresholds}

    def body(self) -> dict[str, Any]:
        return {"rows": records(self.thresholds)}


def threshold(
    sc: DecisionModel,
    parameter: str,
    strategy: str,
    wtp: Sequence[float],
    low: float | None = None,
    high: float | None = None,
    grid: int = 401,
    weight: float = 1.0,
) -> ThresholdResult:
    """``weight`` multiplies every strategy's effect (NICE's severity weight: ``threshold --severity``),
    i.e. each threshold w is applied as weight x w; the rows keep w."""
    values = inputs(sc)
    _check(sc, parameter, strategy, values)
    base = values[parameter]
    lo, hi = _range(sc, parameter, base, low, high)
    k = [s.name for s in sc.strategies].index(strategy)
    grid_v = np.linspace(lo, hi, grid)
    out = evaluate_settings(sc, {parameter: grid_v})

    def gap(costs: np.ndarray, effects: np.ndarray, w: np.ndarray) -> np.ndarray:
        nmb = w[:, None] * effects - costs
        others = np.delete(nmb, k, axis=1).max(axis=1)
        return nmb[:, k] - others

    points: list[ThresholdPoint] = []
    pending: list[tuple[int, float, float, float]] = []  # (index in points, w, left, right)
    for w in wtp:
        weighted = w * weight
        point, bracket = _on_grid(strategy, weighted, gap(out.costs, out.effects, np.full(grid, weighted)), grid_v)
        if weight != 1.0:
            point.wtp = w
            point.note = "; ".join(n for n in (f"effects weighted x {weight:g}", point.note) if n)
        points.append(point)
        if bracket is not None:
            pending.append((len(points) - 1, weighted, *bracket))
    if pending:
        _bisect(sc, parameter, pending, points, gap, tol=1e-10 * max(abs(hi - lo), 1e-300))
    return ThresholdResult(
        **context(sc),
        parameter=parameter,
        strategy=strategy,
        base=base,
        low=lo,
        high=hi,
        points=points,
    )


def priced_strategy(sc: DecisionModel, parameter: str, wtp: float) -> tuple[str, str]:
    """The strategy a threshold of ``parameter`` is about when none is named, and a line saying why.

    It is the strategy whose results the parameter moves (a product's price moves the costs of the
    strategies that use the product), other than the comparator; of several, the one with the highest
    NMB at ``wtp`` in the base case (the one whose price decides). None moves: the first other strategy.
    """
    values = inputs(sc)
    _check(sc, parameter, sc.strategies[0].name, values)
    names = [s.name for s in sc.strategies]
    base = values[parameter]
    lo, hi = _range(sc, parameter, base, None, None)
    out = evaluate_settings(sc, {parameter: np.array([lo, hi, base])})
    moved = (out.costs[0] != out.costs[1]) | (out.effects[0] != out.effects[1])
    users = [n for n, m in zip(names, moved, strict=True) if m and n != sc.comparator]
    others = [n for n in names if n != sc.comparator]
    if not users:
        return others[0], f"{parameter} changes the results of no strategy but the comparator; --strategy picks one"
    nmb = dict(zip(names, wtp * out.effects[2] - out.costs[2], strict=True))
    chosen = max(users, key=lambda n: nmb[n])
    why = f"the strategy whose results {parameter} changes"
    if len(users) > 1:
        rest = ", ".join(u for u in users if u != chosen)
        why = f"of those whose results {parameter} changes, the one with the highest NMB at {wtp:,.0f} (also: {rest})"
    return chosen, f"threshold for {chosen}: {why}; --strategy chooses another"


def _check(sc: DecisionModel, parameter: str, strategy: str, values: dict[str, float]) -> None:
    if parameter not in sc.parameters:
        raise sc.located(ModelError(f"unknown parameter '{parameter}'", ("parameters",)))
    if parameter not in values:
        message = f"'{parameter}' is computed from other parameters; choose an input"
        raise sc.located(ModelError(message, ("parameters", parameter)))
    names = [s.name for s in sc.strategies]
    if strategy not in names:
        raise sc.located(ModelError(f"unknown strategy '{strategy}'", ("strategies",)))
    if len(names) < 2:
        raise sc.located(ModelError("a threshold needs at least two strategies", ("strategies",)))


def _on_grid(
    strategy: str, w: float, g: np.ndarray, grid_v: np.ndarray
) -> tuple[ThresholdPoint, tuple[float, float] | None]:
    """The first crossing of the NMB gap ``g`` on the grid, and the grid interval to refine it in (if any)."""
    lo, hi = grid_v[0], grid_v[-1]
    sign = _signs(g)
    changes = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    zeros = np.array([], dtype=int) if np.any(sign) else np.arange(g.size)  # equal over the whole range
    if changes.size == 0 and zeros.size == 0:
        note = (
            f"{strategy} is cost-effective over the whole range [{lo:g}, {hi:g}]"
            if g[0] > 0
            else f"{strategy} is not cost-effective for any value in [{lo:g}, {hi:g}]; widen the range (--low, --high)"
        )
        return ThresholdPoint(w, None, None, 0, note), None
    first = int(changes[0]) if changes.size else int(zeros[0])
    below = bool(g[first] > 0) if changes.size else bool(g[0] > 0)
    note = "" if changes.size + zeros.size == 1 else "more than one crossing in the range; the first is shown"
    if zeros.size:
        note = f"{strategy} and the best alternative are equal over the whole range"
    point = ThresholdPoint(w, float(grid_v[first]), below, int(changes.size + zeros.size), note)
    return point, ((float(grid_v[first]), float(grid_v[first + 1])) if changes.size else None)


def _range(
    sc: DecisionModel, parameter: str, base: float, low: float | None, high: float | None
) -> tuple[float, float]:
    if low is None and high is None and parameter in sc.ranges:
        from atmpcli.analysis.dsa import ranges

        r = ranges(sc, [parameter])[0]
        low, high = r.low, r.high
    support = _support(sc, parameter)
    if low is None:
        low = support[0] if support else (0.0 if base >= 0 else 10 * base)
    if high is None:
        high = support[1] if support else (10 * base if base > 0 else (1.0 if base == 0 else 0.0))
    if not low < high:
        raise sc.located(ModelError(f"the range [{low:g}, {high:g}] is empty", ("parameters", parameter)))
    return float(low), float(high)


def _bisect(
    sc: DecisionModel,
    parameter: str,
    pending: list[tuple[int, float, float, float]],
    points: list[ThresholdPoint],
    gap,
    tol: float,
) -> None:  # noqa: ANN001 - a local closure
    idx = [p[0] for p in pending]
    w = np.array([p[1] for p in pending])
    left = np.array([p[2] for p in pending])
    right = np.array([p[3] for p in pending])
    g_left = gap(*_eval(sc, parameter, left), w)
    for _ in range(200):
        if np.all(right - left <= tol):
            break
        mid = (left + right) / 2
        g_mid = gap(*_eval(sc, parameter, mid), w)
        same = np.sign(g_mid) == np.sign(g_left)
        left = np.where(same, mid, left)
        g_left = np.where(same, g_mid, g_left)
        right = np.where(same, right, mid)
    for i, lo_v, hi_v in zip(idx, left, right, strict=True):
        points[i].value = float((lo_v + hi_v) / 2)


def _eval(sc: DecisionModel, parameter: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = evaluate_settings(sc, {parameter: values})
    return out.costs, out.effects


def _support(sc: DecisionModel, parameter: str) -> tuple[float, float] | None:
    """The bounds of a bounded distribution (a probability's [0, 1]); None for unbounded ones."""
    from atmpcli.analysis.sampling import resolve

    d = resolve(sc).get(parameter)
    if d is None:
        return None
    if d.kind == "beta":
        return 0.0, 1.0
    if d.kind in ("uniform", "triangular", "pert"):
        return d.params[0], d.params[-1]
    if d.kind == "truncnormal":
        return d.params[2], d.params[3]
    return None


def _signs(g: np.ndarray) -> np.ndarray:
    """Signs of g, with exact zeros taking the sign of the nearest non-zero neighbour on their left (or right)."""
    sign = np.sign(g)
    nonzero = np.flatnonzero(sign)
    if nonzero.size == 0:
        return sign
    idx = np.maximum.accumulate(np.where(sign != 0, np.arange(sign.size), -1))
    idx = np.where(idx < 0, nonzero[0], idx)
    return sign[idx]

"""evLYG and ICER's health-benefit price benchmarks from a scenario's base case (docs/decision-rules.md).

Both need the time profile of each arm, which cohort (Markov) and partitioned survival models keep (a
decision tree alone has none): QALYs and life-years at each time point (corrected, undiscounted) for
the evLYG, and the costs other than the therapy's price at each time point for the shared-savings and cost-offset-cap scenarios. The price is the ``product``
cost component (a cell or gene therapy's pathway price, with any payment schedule's present value).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from atmpcli.analysis.decision_rules import ICER_THRESHOLDS, credited_offsets, evlyg, price_at_threshold
from atmpcli.model.cycle_correction_and_discounting import reward_weights
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.outcomes import StrategyOutcome

EVLYG_COLUMNS = ["strategy", "comparator", "inc_qalys", "life_years_gained", "evlys", "comparator_evlys", "evlyg"]
BENCHMARK_COLUMNS = [
    "strategy",
    "offsets",
    "measure",
    "threshold",
    "inc_effect",
    "credited_offsets",
    "product_cost",
    "benchmark_product_cost",
    "price",
    "benchmark_price",
]
OFFSET_RULES = ("full", "shared", "capped")


def discount_ratio(model: DecisionModel, rate: float) -> np.ndarray:
    """Discounted over undiscounted weight of each time point (0 where a point has no weight); 1 at t = 0,
    where one-off costs and QALYs are counted undiscounted whatever the counting method."""
    st = model.settings
    n = model.n_cycles
    w = reward_weights(st.method, n, rate, st.cycle_length, st.discount_timing)
    w0 = reward_weights(st.method, n, 0.0, st.cycle_length, st.discount_timing)
    ratio = np.divide(w, w0, out=np.zeros_like(w), where=w0 > 0)
    ratio[0] = 1.0
    return ratio


def evlyg_row(model: DecisionModel, o: StrategyOutcome, comp: StrategyOutcome) -> dict[str, Any]:
    """The evLYG of ``o`` against the comparator: shared survival valued at the strategy's own utility,
    the added life-years at 0.851 (decision_rules.evlyg); NaN without a time profile (a decision tree alone)."""
    inc_q = float(o.qalys[0] - comp.qalys[0]) if o.qalys is not None and comp.qalys is not None else math.nan
    row = {"strategy": o.strategy, "comparator": comp.strategy, "inc_qalys": inc_q}
    if o.qaly_points is None or o.ly_points is None or comp.qaly_points is None or comp.ly_points is None:
        return row | {"life_years_gained": math.nan, "evlys": math.nan, "comparator_evlys": math.nan, "evlyg": math.nan}
    l1, l0 = o.ly_points[0], comp.ly_points[0]
    # utility of those alive at each point: QALYs / life-years (0 where nobody is alive)
    u1 = np.divide(o.qaly_points[0], l1, out=np.zeros_like(l1), where=l1 > 0)
    u0 = np.divide(comp.qaly_points[0], l0, out=np.zeros_like(l0), where=l0 > 0)
    d = discount_ratio(model, model.settings.discount.effects)
    mine, theirs = evlyg(l1, u1, l0, u0, d)
    lyg = float(o.life_years[0] - comp.life_years[0])
    return row | {"life_years_gained": lyg, "evlys": mine, "comparator_evlys": theirs, "evlyg": mine - theirs}


def _non_price_points(o: StrategyOutcome) -> np.ndarray | None:
    """Undiscounted costs other than o's price at each time point; an upfront price is a one-off at t = 0,
    a scheduled one is not in the time profile at all (evaluate._charge_payment_plan)."""
    if o.cost_points is None:
        return None
    points = o.cost_points[0].copy()
    if not o.payments:
        points[0] -= _product(o)
    return points


def _product(o: StrategyOutcome) -> float:
    return float(o.costs["product"][0]) if "product" in o.costs else 0.0


def offsets_by_rule(model: DecisionModel, o: StrategyOutcome, comp: StrategyOutcome) -> dict[str, float]:
    """Discounted cost offsets of ``o``: the comparator's costs (all of them) minus o's costs other than its
    own price, as credited by each rule; shared and capped are NaN when the time profile does not add up
    to the totals (a price paid by a schedule in the comparator arm)."""
    full = float(comp.cost[0]) - (float(o.cost[0]) - _product(o))
    out = {"full": full, "shared": math.nan, "capped": math.nan}
    mine, theirs = _non_price_points(o), (None if comp.cost_points is None else comp.cost_points[0])
    if mine is None or theirs is None or not model.has_markov:
        return out
    d = discount_ratio(model, model.settings.discount.costs)
    per_point = theirs - mine
    if not math.isclose(float(per_point @ d), full, rel_tol=1e-9, abs_tol=1e-6):
        return out  # costs outside the time profile (e.g. a scheduled comparator price): no per-year split
    st = model.settings
    # the cap is per year: per time point, the years that point stands for (cycle length x its correction weight)
    w0 = reward_weights(st.method, model.n_cycles, 0.0, st.cycle_length, st.discount_timing)
    years = st.cycle_length * w0
    out["shared"] = credited_offsets(per_point, d, "shared")
    out["capped"] = credited_offsets(per_point, d, "capped", cycle_length=years)
    return out


def benchmark_rows(
    model: DecisionModel,
    o: StrategyOutcome,
    comp: StrategyOutcome,
    evlyg_value: float,
    price: float | None,
    thresholds: tuple[float, ...] = ICER_THRESHOLDS,
) -> list[dict[str, Any]]:
    """ICER's benchmarks for ``o``: the product cost (and, given the base price, the price) at which the ICER
    per QALY and per evLYG equals each threshold, with full, shared (50/50) and capped cost offsets."""
    product = _product(o)
    units = (
        product / price if price else math.nan
    )  # discounted priced units per person: product cost is linear in price
    inc_q = float(o.qalys[0] - comp.qalys[0])
    offsets = offsets_by_rule(model, o, comp)
    rows = []
    for rule in OFFSET_RULES:
        for measure, effect in (("qaly", inc_q), ("evlyg", evlyg_value)):
            for t in thresholds:
                cost = price_at_threshold(t, effect, offsets[rule])
                rows.append(
                    {
                        "strategy": o.strategy,
                        "offsets": rule,
                        "measure": measure,
                        "threshold": t,
                        "inc_effect": effect,
                        "credited_offsets": offsets[rule],
                        "product_cost": product,
                        "benchmark_product_cost": cost,
                        "price": price if price else math.nan,
                        "benchmark_price": cost / units if price else math.nan,
                    }
                )
    return rows


def benchmark_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)

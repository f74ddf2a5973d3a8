"""Evaluate a compiled scenario: parameters -> arrays -> tree + cohort trace -> per-sample totals.

Everything carries a leading sample axis S. The deterministic base case is S = 1; a probabilistic
analysis passes ``draws`` (parameter name -> array of S values) through the very same code path.
Formula values are 3-d arrays broadcasting to (S, T, L): samples, time points and, for tunnel states,
cycles already spent in the state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atmpcli.model import conventions, markov
from atmpcli.model.parameters import Parameters
from atmpcli.model.payments import CashFlow, schedule
from atmpcli.model.tree import Node, TreeOutcome, roll_back
from atmpcli.model.tree_inputs import (
    ROW_TOLERANCE,
    check_probability,
    flat,
    metrics_arrays,
    nodes,
    payoff_arrays,
    sample_text,
)
from atmpcli.scenario.compiled import (
    Expression,
    PaymentPlan,
    Scenario,
    Strategy,
)
from atmpcli.scenario.graph import enters_states


@dataclass
class Payment:
    therapy: str
    flow: CashFlow  # per person, undiscounted
    present_value: np.ndarray  # (S,) at the cost discount rate


@dataclass
class StrategyOutcome:
    """Per-person results of one strategy; every array has shape (S,)."""

    strategy: str
    costs: dict[str, np.ndarray]
    cost: np.ndarray
    qalys: np.ndarray | None
    life_years: np.ndarray
    cost_undiscounted: np.ndarray
    qalys_undiscounted: np.ndarray | None
    life_years_undiscounted: np.ndarray
    responders: np.ndarray | None
    trace: np.ndarray | None  # (S, n+1, states) on the user's states, tunnels folded back
    leaves: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]  # test-and-treat accounting (tested, treated, true positives, ...), per person
    infused: StrategyOutcome | None = None  # cell/gene therapies: the same strategy among those infused
    payments: list[Payment] = field(default_factory=list)  # what the payer pays, per person, by therapy
    # undiscounted cost at each time point (corrected; one-off costs at t = 0), for budget impact; (S, n+1)
    cost_points: np.ndarray | None = None


def evaluate(scenario: Scenario, draws: dict[str, np.ndarray] | None = None, samples: int = 1) -> list[StrategyOutcome]:
    """Evaluate every strategy of ``scenario``."""
    return [evaluate_strategy(scenario, s, draws, samples) for s in scenario.strategies]


def evaluate_strategy(
    scenario: Scenario, strategy: Strategy | str, draws: dict[str, np.ndarray] | None = None, samples: int = 1
) -> StrategyOutcome:
    """Per-person costs, QALYs, life-years and responders of one strategy, for S = ``samples``.

    For a cell/gene therapy the outcome carries ``infused``: the same strategy for the people infused.
    Payment plans (instalments, outcome-based) add their present value to the ``product`` cost.
    """
    if isinstance(strategy, str):
        strategy = scenario.strategy(strategy)
    if draws:
        samples = max(samples, *(np.size(v) for v in draws.values()))
    params = Parameters(scenario, strategy, draws, samples)
    outcome = _evaluate(scenario, strategy, strategy.tree or scenario.tree, params, samples)
    if strategy.infused_tree is not None:
        outcome.infused = _evaluate(scenario, strategy, strategy.infused_tree, params, samples)
        for plan in strategy.payments:
            _add_payments(scenario, plan, params, outcome, outcome.infused, samples)
    return outcome


def _add_payments(
    sc: Scenario, plan: PaymentPlan, params: Parameters, itt: StrategyOutcome, infused: StrategyOutcome, S: int
) -> None:
    spec = plan.spec
    price = flat(params.value(plan.price, params.context("start")), S, params, plan.price)
    alive = [i for i, st in enumerate(sc.states) if st.alive]
    states = plan.states if plan.states is not None else alive

    def condition_at(t: float) -> np.ndarray:
        if infused.trace is None:
            raise sc.problem(plan.loc, "outcome-based payments need a cohort model")
        k = int(np.floor(t / sc.settings.cycle_length + 1e-9))
        if k > sc.n_cycles:
            raise sc.problem(plan.loc, f"a payment at {t:g} years falls after the time horizon")
        return infused.trace[:, k, states].sum(axis=1)

    try:
        flow = schedule(
            spec.type,
            price,
            instalments=spec.instalments,
            financing_rate=spec.financing_rate,
            times=spec.times,
            fractions=spec.fractions,
            condition_at=condition_at,
            rebate_fraction=spec.rebate_fraction,
            rebate_time=spec.rebate_time,
        )
    except ValueError as exc:
        raise sc.problem(plan.loc, str(exc)) from None
    rate = sc.settings.discount.costs
    for o in (itt, infused):
        charged = o.metrics.get("charged", np.zeros(S))
        paid = flow.scaled(charged)
        pv, nominal = paid.present_value(rate), paid.nominal
        o.costs["product"] = o.costs["product"] + pv
        o.cost = o.cost + pv
        o.cost_undiscounted = o.cost_undiscounted + nominal
        o.payments.append(Payment(plan.treatment, paid, pv))


def _evaluate(
    scenario: Scenario, strategy: Strategy, tree_spec: Any, params: Parameters, samples: int
) -> StrategyOutcome:
    sc, S = scenario, samples
    settings = sc.settings
    sizes = [st.tunnel for st in sc.states]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    n_expanded = int(offsets[-1])

    tree: TreeOutcome | None = None
    cost_points = np.zeros((S, 1))
    if tree_spec is not None:
        root = Node(
            "",
            np.ones(1),
            **payoff_arrays(tree_spec.payoff, params, S),
            children=nodes(tree_spec.branches, params, S),
            metrics=metrics_arrays(tree_spec.metrics, params, S),
        )
        tree = roll_back(root, max(n_expanded, 1), S)
        if n_expanded:
            tree.start = _expand_start(tree.start[:, : len(sizes)], offsets, n_expanded)

    costs = {c: np.zeros(S) for c in sc.cost_components}
    costs_u = {c: np.zeros(S) for c in sc.cost_components}
    qalys, qalys_u = np.zeros(S), np.zeros(S)
    ly, ly_u = np.zeros(S), np.zeros(S)
    trace_user = None

    if sc.has_markov:
        n = sc.n_cycles
        start = _start_distribution(sc, strategy, params, tree, offsets, n_expanded, S)
        P = _transition_array(sc, params, sizes, offsets, S)
        trace = markov.cohort_trace(start, P, n)
        # fold tunnel sub-states back onto the user's states (nothing to fold without tunnels)
        trace_user = trace if n_expanded == len(sizes) else np.add.reduceat(trace, offsets[:-1], axis=2)
        dt = settings.cycle_length
        scale = dt if settings.state_values_per == "year" else 1.0
        method, timing = settings.method, settings.discount_timing
        w_cost = conventions.reward_weights(method, n, settings.discount.costs, dt, timing)
        w_eff = conventions.reward_weights(method, n, settings.discount.effects, dt, timing)
        w_none = conventions.reward_weights(method, n, 0.0, dt, timing)

        per_point: dict[str, np.ndarray] = {}
        for comp in sc.cost_components:
            values = _state_values(sc, params, [st.costs.get(comp) for st in sc.states], sizes, S)
            if values is not None:
                per_point[comp] = markov.state_rewards(trace, values) * scale
        utilities = _state_values(sc, params, [st.utility for st in sc.states], sizes, S)
        q_point = markov.state_rewards(trace, utilities) * scale if utilities is not None else np.zeros((S, n + 1))
        alive = np.repeat([1.0 if st.alive else 0.0 for st in sc.states], sizes)
        ly_point = trace @ alive * dt

        for reward in sc.transition_rewards:
            flow = markov.flows_into(trace, P, _entry_mask(reward.sources, reward.targets, sizes, offsets))
            pay = reward.payoff
            for comp, expr in pay.costs.items():
                per_point[comp] = per_point.get(comp, 0.0) + flow * _per_cycle(params, expr, n, S)
            if pay.qalys is not None:
                q_point = q_point + flow * _per_cycle(params, pay.qalys, n, S)
            if pay.life_years is not None:
                ly_point = ly_point + flow * _per_cycle(params, pay.life_years, n, S)

        cost_points = np.zeros((S, n + 1))
        for comp, r in per_point.items():
            costs[comp] += r @ w_cost
            costs_u[comp] += r @ w_none
            cost_points = cost_points + r * w_none
        qalys += q_point @ w_eff
        qalys_u += q_point @ w_none
        ly += ly_point @ w_eff
        ly_u += ly_point @ w_none

    one_offs: list[tuple[dict[str, np.ndarray], Any, Any]] = []
    if sc.start is not None:
        p = payoff_arrays(sc.start, params, S)
        one_offs.append((p["costs"], p["qalys"], p["life_years"]))
    if tree is not None:
        one_offs.append((tree.costs, tree.qalys, tree.life_years))
    for c_map, q, life in one_offs:  # at time 0: neither corrected nor discounted
        for comp, v in c_map.items():
            costs[comp] += np.broadcast_to(v, (S,))
            costs_u[comp] += np.broadcast_to(v, (S,))
            cost_points[:, 0] += np.broadcast_to(v, (S,))
        qalys += q
        qalys_u += q
        ly += life
        ly_u += life

    total = sum(costs.values(), np.zeros(S))
    total_u = sum(costs_u.values(), np.zeros(S))
    has_q = sc.has_utilities
    return StrategyOutcome(
        strategy=strategy.name,
        costs=costs,
        cost=total,
        qalys=qalys if has_q else None,
        life_years=ly,
        cost_undiscounted=total_u,
        qalys_undiscounted=qalys_u if has_q else None,
        life_years_undiscounted=ly_u,
        responders=tree.responders
        if (tree is not None and sc.has_response)
        else (np.zeros(S) if sc.has_response else None),
        trace=trace_user,
        leaves=tree.leaves if tree else {},
        metrics={k: np.broadcast_to(v, (S,)) for k, v in tree.metrics.items()} if tree else {},
        cost_points=cost_points,
    )


# --------------------------------------------------------------------------- pieces


def _expand_start(start: np.ndarray, offsets: np.ndarray, n_expanded: int) -> np.ndarray:
    out = np.zeros((start.shape[0], n_expanded))
    out[:, offsets[:-1]] = start  # everyone enters a tunnel state at its first cycle
    return out


def _start_distribution(
    sc: Scenario,
    strategy: Strategy,
    params: Parameters,
    tree: TreeOutcome | None,
    offsets: np.ndarray,
    n_expanded: int,
    S: int,
) -> np.ndarray:
    initial = strategy.initial if strategy.initial is not None else sc.initial
    tree_spec = strategy.tree or sc.tree
    tree_enters = tree is not None and tree_spec is not None and enters_states(tree_spec.branches)
    if tree_enters and tree is not None:
        return tree.start
    user = np.zeros((S, len(sc.states)))
    if initial is None:
        user[:, 0] = 1.0
    else:
        env = params.context("start")
        for i, e in initial.items():
            user[:, i] = flat(params.value(e, env), S, params, e)
            check_probability(params, user[:, i, None, None], e, "initial share")
        total = user.sum(axis=1)
        if np.any(np.abs(total - 1) > ROW_TOLERANCE):
            s = int(np.argmax(np.abs(total - 1)))
            loc = strategy.loc + ("initial",) if strategy.initial is not None else ("initial",)
            raise sc.problem(loc, f"initial shares sum to {total[s]:.10g}, not 1{sample_text(s, S)}{params._which()}")
    return _expand_start(user, offsets, n_expanded)


def _transition_array(sc: Scenario, params: Parameters, sizes: list[int], offsets: np.ndarray, S: int) -> np.ndarray:
    rows = []
    T = 1
    for i, row in enumerate(sc.transitions):
        env = params.context("cycle", sizes[i])
        values: dict[int, np.ndarray] = {}
        rest_col = None
        for j, e in row.items():
            if e is None:
                rest_col = j
                continue
            a = params.value(e, env)
            check_probability(params, a, e, "transition probability", cycle_axis=True)
            values[j] = a
        total = sum(values.values(), np.zeros((1, 1, 1)))
        loc = ("transitions", sc.states[i].name)
        if rest_col is not None:
            values[rest_col] = 1.0 - total
            _row_check(sc, params, total, loc, over=True)
            values[rest_col] = np.clip(values[rest_col], 0.0, 1.0)
        else:
            _row_check(sc, params, total, loc, over=False)
        T = max(T, *(v.shape[1] for v in values.values())) if values else T
        rows.append(values)
    n_exp = int(offsets[-1])
    P = np.zeros((S, T, n_exp, n_exp))
    for i, values in enumerate(rows):
        L = sizes[i]
        for j, v in values.items():
            v = np.broadcast_to(v, (S, T, L))
            for d in range(L):
                target = offsets[i] + min(d + 1, L - 1) if j == i else offsets[j]
                P[:, :, offsets[i] + d, target] += v[:, :, d]
    return P


def _row_check(sc: Scenario, params: Parameters, total: np.ndarray, loc: tuple[str, str], *, over: bool) -> None:
    bad = total > 1 + ROW_TOLERANCE if over else np.abs(total - 1) > ROW_TOLERANCE
    if not np.any(bad):
        return
    s, t, d = (int(i) for i in np.argwhere(bad)[0])
    where = f" in cycle {t + 1}" if total.shape[1] > 1 else ""
    where += f" at state_time {d + 1}" if total.shape[2] > 1 else ""
    value = total[s, t, d]
    what = " before 'rest', more than 1" if over else ", not 1 (use 'rest' for the complement)"
    raise sc.problem(
        loc, f"row {loc[1]} sums to {value:.10g}{what}{where}{sample_text(s, total.shape[0])}{params._which()}"
    )


def _state_values(
    sc: Scenario, params: Parameters, exprs: list[Expression | None], sizes: list[int], S: int
) -> np.ndarray | None:
    """Per-state values as (S, T, expanded states), T = 1 or n+1; None if no state has one."""
    if all(e is None for e in exprs):
        return None
    parts = []
    for e, L in zip(exprs, sizes, strict=True):
        if e is None:
            parts.append(np.zeros((1, 1, L)))
        else:
            a = params.value(e, params.context("point", L))
            parts.append(np.broadcast_to(a, (a.shape[0], a.shape[1], L)))
    T = max(p.shape[1] for p in parts)
    S_ = max(p.shape[0] for p in parts)
    return np.concatenate([np.broadcast_to(p, (S_, T, p.shape[2])) for p in parts], axis=2)


def _per_cycle(params: Parameters, e: Expression, n: int, S: int) -> np.ndarray:
    """A transition payoff per cycle 1..n as (S, n+1), with nothing at t = 0."""
    a = params.value(e, params.context("cycle"))
    a = np.broadcast_to(a[:, :, 0], (S, n))
    out = np.zeros((S, n + 1))
    out[:, 1:] = a
    return out


def _entry_mask(sources: frozenset[int], targets: frozenset[int], sizes: list[int], offsets: np.ndarray) -> np.ndarray:
    n = int(offsets[-1])
    mask = np.zeros((n, n))
    for i in sources:
        for j in targets:
            if i != j:
                mask[offsets[i] : offsets[i] + sizes[i], offsets[j]] = 1.0
    return mask


__all__ = ["StrategyOutcome", "evaluate", "evaluate_strategy"]

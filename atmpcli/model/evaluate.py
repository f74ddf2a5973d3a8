"""Evaluate a decision model: parameters -> arrays -> tree + cohort trace -> per-sample totals.

Everything carries a leading sample axis S. The deterministic base case is S = 1; a probabilistic
analysis passes ``draws`` (parameter name -> array of S values) through the very same code path.
Formula values are 3-d arrays broadcasting to (S, T, L): samples, time points and, for tunnel states,
cycles already spent in the state.

The entry points are :func:`evaluate` and :func:`evaluate_strategy`. Errors inside the engine are
:class:`~atmpcli.errors.ModelError` with a logical location; the entry points hand them to
``model.located`` so that a model compiled from a file reports the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atmpcli.errors import ModelError
from atmpcli.model import markov
from atmpcli.model.cycle_correction_and_discounting import reward_weights
from atmpcli.model.decision_model import DecisionModel, PaymentPlan, Strategy, Tree
from atmpcli.model.expressions import Expression
from atmpcli.model.outcomes import StrategyOutcome
from atmpcli.model.parameters import Parameters
from atmpcli.model.partitioned_survival import run_partitioned
from atmpcli.model.payment_schedules import Payment, schedule
from atmpcli.model.probability_checks import check_probability, check_total
from atmpcli.model.transitions import TunnelLayout, row_values, transition_matrices
from atmpcli.model.tree import TreeOutcome, roll_back
from atmpcli.model.tree_inputs import payoff_arrays, root_node


def evaluate(
    model: DecisionModel, draws: dict[str, np.ndarray] | None = None, samples: int = 1
) -> list[StrategyOutcome]:
    """Evaluate every strategy of ``model``."""
    return [evaluate_strategy(model, s, draws, samples) for s in model.strategies]


def evaluate_strategy(
    model: DecisionModel, strategy: Strategy | str, draws: dict[str, np.ndarray] | None = None, samples: int = 1
) -> StrategyOutcome:
    """Per-person costs, QALYs, life-years and responders of one strategy, for S = ``samples``.

    For a cell/gene therapy the outcome carries ``infused``: the same strategy for the people infused.
    Payment plans (instalments, outcome-based) add their present value to the ``product`` cost.
    """
    if isinstance(strategy, str):
        strategy = model.strategy(strategy)
    if draws:
        samples = max(samples, *(np.size(v) for v in draws.values()))
    try:
        params = Parameters(model, strategy, draws, samples)
        outcome = _evaluate(model, strategy, strategy.tree or model.tree, params)
        if strategy.infused_tree is not None:
            outcome.infused = _evaluate(model, strategy, strategy.infused_tree, params)
            for plan in strategy.payments:
                _charge_payment_plan(model, plan, params, outcome, outcome.infused)
    except ModelError as error:
        raise model.located(error) from None
    return outcome


@dataclass
class _Totals:
    """Per-person totals being accumulated, discounted and undiscounted; arrays (S,)."""

    costs: dict[str, np.ndarray]
    costs_u: dict[str, np.ndarray]
    qalys: np.ndarray
    qalys_u: np.ndarray
    ly: np.ndarray
    ly_u: np.ndarray

    @classmethod
    def zeros(cls, components: list[str], S: int) -> _Totals:
        return cls(
            {c: np.zeros(S) for c in components},
            {c: np.zeros(S) for c in components},
            np.zeros(S),
            np.zeros(S),
            np.zeros(S),
            np.zeros(S),
        )


def _evaluate(model: DecisionModel, strategy: Strategy, tree_spec: Tree | None, params: Parameters) -> StrategyOutcome:
    S = params.samples
    layout = TunnelLayout.of(model.states)
    tree: TreeOutcome | None = None
    if tree_spec is not None:
        tree = roll_back(root_node(tree_spec, params), max(layout.expanded, 1), S)
        if layout.expanded:
            tree.start = layout.expand_start(tree.start[:, : len(layout.sizes)])
    totals = _Totals.zeros(model.cost_components, S)
    trace = survival = q_points = ly_points = None
    cost_points = np.zeros((S, 1))
    if model.partitions:  # partitioned survival: occupancy read off curves (model/partitioned_survival.py)
        start = _start_distribution(model, strategy, params, tree, layout)
        trace, cost_points, survival = run_partitioned(model, params, start, totals)
    elif model.has_markov:
        start = _start_distribution(model, strategy, params, tree, layout)
        expanded, cost_points, q_points, ly_points = _run_cohort(model, params, start, layout, totals)
        trace = layout.fold(expanded)
    _add_one_offs(model, params, tree, totals, cost_points, q_points, ly_points)
    has_response = model.has_response
    return StrategyOutcome(
        strategy=strategy.name,
        costs=totals.costs,
        cost=sum(totals.costs.values(), np.zeros(S)),
        qalys=totals.qalys if model.has_utilities else None,
        life_years=totals.ly,
        cost_undiscounted=sum(totals.costs_u.values(), np.zeros(S)),
        qalys_undiscounted=totals.qalys_u if model.has_utilities else None,
        life_years_undiscounted=totals.ly_u,
        responders=(tree.responders if tree is not None else np.zeros(S)) if has_response else None,
        trace=trace,
        leaves=tree.leaves if tree else {},
        metrics={k: np.broadcast_to(v, (S,)) for k, v in tree.metrics.items()} if tree else {},
        cost_points=cost_points,
        qaly_points=q_points,
        ly_points=ly_points,
        survival=survival,
    )


def _run_cohort(
    model: DecisionModel, params: Parameters, start: np.ndarray, layout: TunnelLayout, totals: _Totals
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the cohort and add its corrected, discounted rewards to ``totals``.

    Returns the trace on the expanded states and the corrected, undiscounted costs, QALYs and
    life-years at each time point.
    """
    settings, n, S = model.settings, model.n_cycles, params.samples
    # the evaluated rows are dropped once laid out: they are as large as the matrices themselves
    P = transition_matrices([row_values(row, model.states, params) for row in model.transitions], layout, S)
    trace = markov.cohort_trace(start, P, n)
    costs, q_point, ly_point = _rewards_per_point(model, params, trace, P, layout)
    dt, method, timing = settings.cycle_length, settings.method, settings.discount_timing
    w_cost = reward_weights(method, n, settings.discount.costs, dt, timing)
    w_eff = reward_weights(method, n, settings.discount.effects, dt, timing)
    w_none = reward_weights(method, n, 0.0, dt, timing)
    cost_points = np.zeros((S, n + 1))
    for comp, r in costs.items():
        totals.costs[comp] += r @ w_cost
        totals.costs_u[comp] += r @ w_none
        cost_points = cost_points + r * w_none
    totals.qalys += q_point @ w_eff
    totals.qalys_u += q_point @ w_none
    totals.ly += ly_point @ w_eff
    totals.ly_u += ly_point @ w_none
    return trace, cost_points, q_point * w_none, ly_point * w_none


def _rewards_per_point(
    model: DecisionModel, params: Parameters, trace: np.ndarray, P: np.ndarray, layout: TunnelLayout
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Costs by component, QALYs and life-years at each time point (S, n+1), before weighting."""
    settings, n, S = model.settings, model.n_cycles, params.samples
    dt = settings.cycle_length
    scale = dt if settings.state_values_per == "year" else 1.0
    costs: dict[str, np.ndarray] = {}
    for comp in model.cost_components:
        values = _state_values(params, [st.costs.get(comp) for st in model.states], layout)
        if values is not None:
            costs[comp] = markov.state_rewards(trace, values) * scale
    utilities = _state_values(params, [st.utility for st in model.states], layout)
    q_point = markov.state_rewards(trace, utilities) * scale if utilities is not None else np.zeros((S, n + 1))
    alive = np.repeat([1.0 if st.alive else 0.0 for st in model.states], layout.sizes)
    ly_point = trace @ alive * dt
    for reward in model.transition_rewards:
        flow = markov.flows_into(trace, P, layout.entry_mask(reward.sources, reward.targets))
        pay = reward.payoff
        for comp, expr in pay.costs.items():
            costs[comp] = costs.get(comp, 0.0) + flow * _per_cycle(params, expr, n)
        if pay.qalys is not None:
            q_point = q_point + flow * _per_cycle(params, pay.qalys, n)
        if pay.life_years is not None:
            ly_point = ly_point + flow * _per_cycle(params, pay.life_years, n)
    return costs, q_point, ly_point


def _add_one_offs(
    model: DecisionModel,
    params: Parameters,
    tree: TreeOutcome | None,
    totals: _Totals,
    cost_points: np.ndarray,
    q_points: np.ndarray | None = None,
    ly_points: np.ndarray | None = None,
) -> None:
    """One-off payoffs of the start and the tree, at time 0: neither corrected nor discounted."""
    S = params.samples
    one_offs = []
    if model.start is not None:
        p = payoff_arrays(model.start, params)
        one_offs.append((p["costs"], p["qalys"], p["life_years"]))
    if tree is not None:
        one_offs.append((tree.costs, tree.qalys, tree.life_years))
    for c_map, q, life in one_offs:
        for comp, v in c_map.items():
            totals.costs[comp] += np.broadcast_to(v, (S,))
            totals.costs_u[comp] += np.broadcast_to(v, (S,))
            cost_points[:, 0] += np.broadcast_to(v, (S,))
        totals.qalys += q
        totals.qalys_u += q
        totals.ly += life
        totals.ly_u += life
        if q_points is not None and ly_points is not None:
            q_points[:, 0] += np.broadcast_to(q, (S,))
            ly_points[:, 0] += np.broadcast_to(life, (S,))


def _start_distribution(
    model: DecisionModel, strategy: Strategy, params: Parameters, tree: TreeOutcome | None, layout: TunnelLayout
) -> np.ndarray:
    """The cohort at t = 0 on the expanded states: from the tree's leaves, the start shares, or all in state 1."""
    main_tree = strategy.tree or model.tree
    if tree is not None and main_tree is not None and main_tree.enters_states:
        return tree.start
    initial = strategy.initial if strategy.initial is not None else model.initial
    S = params.samples
    user = np.zeros((S, len(model.states)))
    if initial is None:
        user[:, 0] = 1.0
    else:
        for i, e in initial.shares.items():
            user[:, i] = params.at_start(e)
            check_probability(user[:, i, None, None], e.origin, "initial share", params.strategy_name)
        total = user.sum(axis=1)[:, None, None]
        check_total(total, initial.origin, "initial shares sum", params.strategy_name, before_rest=False, worst=True)
    return layout.expand_start(user)


def _state_values(params: Parameters, exprs: list[Expression | None], layout: TunnelLayout) -> np.ndarray | None:
    """Per-state values as (S, T, expanded states), T = 1 or n+1; None if no state has one."""
    if all(e is None for e in exprs):
        return None
    parts = []
    for e, L in zip(exprs, layout.sizes, strict=True):
        if e is None:
            parts.append(np.zeros((1, 1, L)))
        else:
            a = params.value(e, params.context("point", L))
            parts.append(np.broadcast_to(a, (a.shape[0], a.shape[1], L)))
    T = max(p.shape[1] for p in parts)
    S_ = max(p.shape[0] for p in parts)
    return np.concatenate([np.broadcast_to(p, (S_, T, p.shape[2])) for p in parts], axis=2)


def _per_cycle(params: Parameters, e: Expression, n: int) -> np.ndarray:
    """A transition payoff per cycle 1..n as (S, n+1), with nothing at t = 0."""
    a = params.value(e, params.context("cycle"))
    a = np.broadcast_to(a[:, :, 0], (params.samples, n))
    out = np.zeros((params.samples, n + 1))
    out[:, 1:] = a
    return out


def _charge_payment_plan(
    model: DecisionModel, plan: PaymentPlan, params: Parameters, itt: StrategyOutcome, infused: StrategyOutcome
) -> None:
    """Add what the payer pays under ``plan`` to the intention-to-treat and the infused outcomes."""
    S, terms = params.samples, plan.terms
    price = params.at_start(plan.price)
    states = plan.states if plan.states is not None else [i for i, st in enumerate(model.states) if st.alive]

    def condition_at(t: float) -> np.ndarray:
        if infused.trace is None:
            raise ModelError("outcome-based payments need a cohort model", plan.origin)
        k = int(np.floor(t / model.settings.cycle_length + 1e-9))
        if k > model.n_cycles:
            raise ModelError(f"a payment at {t:g} years falls after the time horizon", plan.origin)
        return infused.trace[:, k, states].sum(axis=1)

    try:
        flow = schedule(
            terms.type,
            price,
            instalments=terms.instalments,
            financing_rate=terms.financing_rate,
            times=terms.times,
            fractions=terms.fractions,
            condition_at=condition_at,
            rebate_fraction=terms.rebate_fraction,
            rebate_time=terms.rebate_time,
        )
    except ValueError as exc:
        raise ModelError(str(exc), plan.origin) from None
    rate = model.settings.discount.costs
    for o in (itt, infused):
        paid = flow.scaled(o.metrics.get("charged", np.zeros(S)))
        pv, nominal = paid.present_value(rate), paid.nominal
        o.costs["product"] = o.costs["product"] + pv
        o.cost = o.cost + pv
        o.cost_undiscounted = o.cost_undiscounted + nominal
        o.payments.append(Payment(plan.treatment, paid, pv))


__all__ = ["StrategyOutcome", "evaluate", "evaluate_strategy"]

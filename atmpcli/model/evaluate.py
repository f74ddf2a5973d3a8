"""Evaluate a decision model: parameters -> arrays -> tree + cohort trace -> per-sample totals.

Everything carries a leading sample axis S. The deterministic base case is S = 1; a probabilistic
analysis passes ``draws`` (parameter name -> array of S values) through the very same code path.
Formula values are 3-d arrays broadcasting to (S, T, L): samples, time points and, for tunnel states,
cycles already spent in the state. ``outputs`` says what the caller will read (model/outputs.py): the
base case computes everything, a probabilistic analysis only each sample's cost and effect.

The entry points are :func:`evaluate` and :func:`evaluate_strategy`. Errors inside the engine are
:class:`~atmpcli.errors.ModelError` with a logical location; the entry points hand them to
``model.located`` so that a model compiled from a file reports the file and line.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from atmpcli.errors import ModelError
from atmpcli.model.cohort import Kernel, KernelRow, Pair
from atmpcli.model.cohort_rewards import Rewards
from atmpcli.model.decision_model import DecisionModel, PaymentPlan, Strategy, Tree
from atmpcli.model.outcomes import StrategyOutcome
from atmpcli.model.outputs import EVERYTHING, Outputs, Totals
from atmpcli.model.parameters import Parameters
from atmpcli.model.partitioned_survival import run_partitioned
from atmpcli.model.payment_schedules import Payment, schedule
from atmpcli.model.probability_checks import check_probability, check_total
from atmpcli.model.transitions import TunnelLayout
from atmpcli.model.tree import TreeOutcome, roll_back
from atmpcli.model.tree_inputs import payoff_arrays, root_node


def evaluate(
    model: DecisionModel,
    draws: dict[str, np.ndarray] | None = None,
    samples: int = 1,
    outputs: Outputs = EVERYTHING,
) -> list[StrategyOutcome]:
    """Evaluate every strategy of ``model``."""
    return [evaluate_strategy(model, s, draws, samples, outputs) for s in model.strategies]


def evaluate_strategy(
    model: DecisionModel,
    strategy: Strategy | str,
    draws: dict[str, np.ndarray] | None = None,
    samples: int = 1,
    outputs: Outputs = EVERYTHING,
    first_sample: int = 0,
) -> StrategyOutcome:
    """Per-person costs, QALYs, life-years and responders of one strategy, for S = ``samples``.

    For a cell/gene therapy the outcome carries ``infused``: the same strategy for the people infused.
    Payment plans (instalments, outcome-based) add their present value to the ``product`` cost.
    """
    if isinstance(strategy, str):
        strategy = model.strategy(strategy)
    if draws:
        samples = max(samples, *(np.size(v) for v in draws.values()))
    try:  # totals that overflow become inf quietly and are then refused by name (_check_finite)
        with np.errstate(over="ignore", invalid="ignore"):
            params = Parameters(model, strategy, draws, samples)
            outcome = _evaluate(model, strategy, strategy.tree or model.tree, params, outputs)
            if strategy.infused_tree is not None:
                conditions = any(p.terms.type == "outcome_based" or p.terms.rebate_fraction for p in strategy.payments)
                infused = outputs.with_trace() if conditions else outputs  # the conditions read the trace
                outcome.infused = _evaluate(model, strategy, strategy.infused_tree, params, infused)
                for plan in strategy.payments:
                    _charge_payment_plan(model, plan, params, outcome, outcome.infused)
        _check_finite(outcome, samples)
    except ModelError as error:
        if error.sample is not None and first_sample:  # number the sample within the whole run, not the chunk
            error = dataclasses.replace(error, sample=error.sample + first_sample)
        raise model.located(error) from None
    return outcome


def _check_finite(outcome: StrategyOutcome, samples: int) -> None:
    """Totals must be finite numbers: a value near the floating-point limit (about 1.8e308) summed over
    time overflows to infinity, which no analysis can use."""
    for what, x in (("cost", outcome.cost), ("QALYs", outcome.qalys), ("life-years", outcome.life_years)):
        if x is not None and not np.all(np.isfinite(x)):
            j = int(np.flatnonzero(~np.isfinite(np.broadcast_to(x, (samples,))))[0])
            raise ModelError(
                f"the total {what} is not a finite number: the values summed are too large for floating point",
                strategy=outcome.strategy,
                sample=j + 1 if samples > 1 else None,
            )


def _evaluate(
    model: DecisionModel, strategy: Strategy, tree_spec: Tree | None, params: Parameters, outputs: Outputs
) -> StrategyOutcome:
    S = params.samples
    layout = TunnelLayout.of(model.states)
    tree: TreeOutcome | None = None
    if tree_spec is not None:
        tree = roll_back(root_node(tree_spec, params), max(layout.expanded, 1), S)
        if layout.expanded:
            tree.start = layout.expand_start(tree.start[:, : len(layout.sizes)])
    totals = Totals(model.cost_components, S, outputs, model.has_utilities)
    trace = survival = cost_points = q_points = ly_points = None
    if model.partitions:  # partitioned survival: occupancy read off curves (model/partitioned_survival.py)
        start = _start_distribution(model, strategy, params, tree, layout)
        trace, points, survival = run_partitioned(model, params, start, totals)
        cost_points, q_points, ly_points = (points.get(k) for k in ("cost", "qalys", "life_years"))
    elif model.has_markov:
        start = _start_distribution(model, strategy, params, tree, layout)
        trace, points = _run_cohort(model, params, start, layout, totals)
        cost_points, q_points, ly_points = (points.get(k) for k in ("cost", "qalys", "life_years"))
    if outputs.cost_points and cost_points is None:
        cost_points = np.zeros((S, 1))
    _add_one_offs(model, params, tree, totals, cost_points, q_points, ly_points)
    has_response = model.has_response
    return StrategyOutcome(
        strategy=strategy.name,
        costs=totals.costs,
        cost=totals.cost,
        qalys=totals.qalys,
        life_years=totals.ly,
        cost_undiscounted=totals.cost_undiscounted,
        qalys_undiscounted=totals.qalys_u,
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
    model: DecisionModel, params: Parameters, start: np.ndarray, layout: TunnelLayout, totals: Totals
) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """Run the cohort (model/cohort.py) and add its corrected, discounted rewards to ``totals``.

    Returns the trace on the user's states and the undiscounted cost, QALYs and life-years at each time
    point (by kind), as requested.
    """
    rows = [KernelRow(row, model.states, params) for row in model.transitions]
    pairs: dict[int, list[Pair]] = {
        r: [(i, j) for i in sorted(reward.sources) for j in sorted(reward.targets) if i != j]
        for r, reward in enumerate(model.transition_rewards)
    }
    kernel = Kernel(rows, layout, params.samples, [p for ps in pairs.values() for p in ps])
    rewards = Rewards(model, params, totals, pairs)
    kernel.now.start(start, layout)
    rewards.observe(0, kernel.now)
    for k in range(1, model.n_cycles + 1):
        flows = kernel.step(k)
        rewards.observe(k, kernel.now, flows)
    return rewards.finish(kernel.now)


def _add_one_offs(
    model: DecisionModel,
    params: Parameters,
    tree: TreeOutcome | None,
    totals: Totals,
    cost_points: np.ndarray | None,
    q_points: np.ndarray | None = None,
    ly_points: np.ndarray | None = None,
) -> None:
    """One-off payoffs of the start and the tree, at time 0: neither corrected nor discounted (and in the
    amounts per time point, when those were requested)."""
    S = params.samples
    one_offs = []
    if model.start is not None:
        p = payoff_arrays(model.start, params)
        one_offs.append((p["costs"], p["qalys"], p["life_years"]))
    if tree is not None:
        one_offs.append((tree.costs, tree.qalys, tree.life_years))
    for c_map, q, life in one_offs:
        for comp, v in c_map.items():
            totals.add_both(f"cost:{comp}", np.broadcast_to(v, (S,)))
            if cost_points is not None:
                cost_points[:, 0] += np.broadcast_to(v, (S,))
        totals.add_both("qalys", q)
        totals.add_both("life_years", life)
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
    rate = params.discount_rate("costs")
    for o in (itt, infused):
        paid = flow.scaled(o.metrics.get("charged", np.zeros(S)))
        pv, nominal = paid.present_value(rate), paid.nominal
        if "product" in o.costs:  # costs by component were requested
            o.costs["product"] = o.costs["product"] + pv
        o.cost = o.cost + pv
        if o.cost_undiscounted is not None:
            o.cost_undiscounted = o.cost_undiscounted + nominal
        o.payments.append(Payment(plan.treatment, paid, pv))


__all__ = ["StrategyOutcome", "evaluate", "evaluate_strategy"]

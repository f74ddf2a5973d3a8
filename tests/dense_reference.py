"""A dense reference implementation of the cohort engine, kept for tests only.

This is the engine atmpcli had before the structure-of-arrays kernel (model/cohort.py): every row
evaluated over the whole horizon at once, laid out as dense (S, T, N, N) transition matrices with
tunnel states expanded, the full trace by batched matrix products, rewards at every time point from
the stored trace, transition rewards from masked copies of the matrices, and the weights applied at
the end. It is slow and needs memory in states squared, which is why the engine no longer works this
way; it is simple, which is why the tests compare the engine against it.
"""

from __future__ import annotations

import numpy as np

from atmpcli.model.cycle_correction_and_discounting import reward_weights
from atmpcli.model.decision_model import DecisionModel, Strategy
from atmpcli.model.parameters import Parameters
from atmpcli.model.transitions import TunnelLayout, row_values
from atmpcli.model.tree import roll_back
from atmpcli.model.tree_inputs import payoff_arrays, root_node


def transition_matrices(model: DecisionModel, params: Parameters, layout: TunnelLayout) -> np.ndarray:
    """Every row (whole horizon) as dense matrices (S, T, sub-states, sub-states)."""
    rows = [row_values(row, model.states, params) for row in model.transitions]
    S = params.samples
    T = max((v.shape[1] for values in rows for v in values.values()), default=1)
    n = layout.expanded
    P = np.zeros((S, T, n, n))
    for i, values in enumerate(rows):
        L, first = layout.sizes[i], layout.offsets[i]
        for j, v in values.items():
            v = np.broadcast_to(v, (S, T, L))
            for d in range(L):
                target = first + min(d + 1, L - 1) if j == i else layout.offsets[j]
                P[:, :, first + d, target] += v[:, :, d]
    return P


def cohort_trace(start: np.ndarray, P: np.ndarray, n: int) -> np.ndarray:
    trace = np.empty((start.shape[0], n + 1, start.shape[1]))
    trace[:, 0] = start
    m = start[:, None, :]
    for k in range(n):
        m = m @ P[:, k if P.shape[1] > 1 else 0]
        trace[:, k + 1] = m[:, 0]
    return trace


def entry_mask(layout: TunnelLayout, sources: frozenset[int], targets: frozenset[int]) -> np.ndarray:
    mask = np.zeros((layout.expanded, layout.expanded))
    for i in sources:
        for j in targets:
            if i != j:
                mask[layout.offsets[i] : layout.offsets[i] + layout.sizes[i], layout.offsets[j]] = 1.0
    return mask


def flows_into(trace: np.ndarray, P: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(trace.shape[:2])
    weighted = P * mask
    if weighted.shape[1] == 1:
        out[:, 1:] = np.einsum("ski,sij->sk", trace[:, :-1], weighted[:, 0])
    else:
        out[:, 1:] = np.einsum("ski,skij->sk", trace[:, :-1], weighted)
    return out


def state_values(params: Parameters, exprs: list, layout: TunnelLayout) -> np.ndarray | None:
    if all(e is None for e in exprs):
        return None
    parts = []
    for e, L in zip(exprs, layout.sizes, strict=True):
        if e is None:
            parts.append(np.zeros((1, 1, L)))
        else:
            a = params.value(e, params.context("point", L))
            parts.append(np.broadcast_to(a, (a.shape[0], a.shape[1], L)))
    T, S = max(p.shape[1] for p in parts), max(p.shape[0] for p in parts)
    return np.concatenate([np.broadcast_to(p, (S, T, p.shape[2])) for p in parts], axis=2)


def per_cycle(params: Parameters, e, n: int) -> np.ndarray:
    a = np.broadcast_to(params.value(e, params.context("cycle"))[:, :, 0], (params.samples, n))
    out = np.zeros((params.samples, n + 1))
    out[:, 1:] = a
    return out


def dense_outcome(model: DecisionModel, strategy: Strategy, draws: dict | None = None, samples: int = 1) -> dict:
    """Costs by component, QALYs and life-years (discounted and not), the trace and the cost per time point."""
    params = Parameters(model, strategy, draws, samples)
    S, n, s = params.samples, model.n_cycles, model.settings
    layout = TunnelLayout.of(model.states)
    tree = None
    start = np.zeros((S, layout.expanded))
    if (strategy.tree or model.tree) is not None:
        tree = roll_back(root_node(strategy.tree or model.tree, params), layout.expanded, S)
        start = layout.expand_start(tree.start[:, : len(layout.sizes)])
    if tree is None or not (strategy.tree or model.tree).enters_states:
        user = np.zeros((S, len(model.states)))
        user[:, 0] = 1.0
        initial = strategy.initial or model.initial
        if initial is not None:
            user[:] = 0.0
            for i, e in initial.shares.items():
                user[:, i] = params.at_start(e)
        start = layout.expand_start(user)
    P = transition_matrices(model, params, layout)
    trace = cohort_trace(start, P, n)
    scale = s.cycle_length if s.state_values_per == "year" else 1.0
    points: dict[str, np.ndarray] = {}
    for comp in model.cost_components:
        values = state_values(params, [st.costs.get(comp) for st in model.states], layout)
        if values is not None:
            points[f"cost:{comp}"] = np.einsum("stn,stn->st", trace, np.broadcast_to(values, trace.shape)) * scale
    utilities = state_values(params, [st.utility for st in model.states], layout)
    zero = np.zeros((S, n + 1))
    points["qalys"] = (
        zero if utilities is None else np.einsum("stn,stn->st", trace, np.broadcast_to(utilities, trace.shape)) * scale
    )
    points["life_years"] = trace @ np.repeat([float(st.alive) for st in model.states], layout.sizes) * s.cycle_length
    for reward in model.transition_rewards:
        flow = flows_into(trace, P, entry_mask(layout, reward.sources, reward.targets))
        pay = reward.payoff
        for comp, e in pay.costs.items():
            points[f"cost:{comp}"] = points.get(f"cost:{comp}", 0.0) + flow * per_cycle(params, e, n)
        for key, e in (("qalys", pay.qalys), ("life_years", pay.life_years)):
            if e is not None:
                points[key] = points[key] + flow * per_cycle(params, e, n)
    w = {
        r: reward_weights(s.method, n, r, s.cycle_length, s.discount_timing)
        for r in (s.discount.costs, s.discount.effects, 0.0)
    }
    out: dict = {"trace": np.add.reduceat(trace, layout.offsets[:-1], axis=2), "cost_points": zero.copy()}
    for key, r in points.items():
        rate = s.discount.costs if key.startswith("cost:") else s.discount.effects
        out[key] = r @ w[rate]
        out[key + ":u"] = r @ w[0.0]
        if key.startswith("cost:"):
            out["cost_points"] += r * w[0.0]
    one_offs = []
    if model.start is not None:
        p = payoff_arrays(model.start, params)
        one_offs.append((p["costs"], p["qalys"], p["life_years"]))
    if tree is not None:
        one_offs.append((tree.costs, tree.qalys, tree.life_years))
    for costs, q, ly in one_offs:
        for comp, v in costs.items():
            for suffix in ("", ":u"):
                out[f"cost:{comp}{suffix}"] = out.get(f"cost:{comp}{suffix}", 0.0) + v
            out["cost_points"][:, 0] += v
        for key, v in (("qalys", q), ("life_years", ly)):
            for suffix in ("", ":u"):
                out[key + suffix] = out.get(key + suffix, 0.0) + v
    return out

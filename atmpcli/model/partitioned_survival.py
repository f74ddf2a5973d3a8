"""The partitioned survival (area under the curve) engine: state occupancy read off survival curves.

A partition is a set of states read off curves: (progression-free, progressed, dead) from PFS (or EFS)
and OS, or (alive, dead) from OS alone. Each strategy names its own curves. The cohort enters a
partition at its first state: everyone there follows its curves from t = 0 (everyone in a dead state
stays there). A decision tree in front (a cell-therapy pathway, a test) sends its leaves into the
partitions' first states, so the trace is the mix of the partitions weighted by their entry shares.

Occupancy at the time points t = 0..n of the model's cycles: progression-free = min(PFS, OS),
progressed = OS - min(PFS, OS), dead = 1 - OS (model/psm.py: PFS above OS is capped and counted).
State costs, utilities and life-years are then counted and discounted exactly as for a Markov trace.
A PSM knows when people die but not from which state, so one-off payoffs on flows (transition rewards)
may only go into a dead state: the flow is the increase of the dead share in each cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atmpcli.errors import ModelError, Origin
from atmpcli.model.cycle_correction_and_discounting import weights_by_rate
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.outputs import Totals
from atmpcli.model.parameters import Parameters
from atmpcli.model.psm import partition
from atmpcli.model.survival_model import CHECK_YEARS, SurvivalModel

STARTS_ELSEWHERE = 1e-12  # a start share above this in a state no partition starts in is an error
ABOVE = 1e-9  # survival above the general population's by more than this counts as a crossing


@dataclass
class SurvivalSummary:
    """What a reviewer checks (NICE DSU TSD 14, 19 and 21), per strategy; arrays have a sample axis first."""

    roles: dict[str, tuple[str, str]]  # curve -> (partition, "pfs" or "os")
    pfs_above_os: dict[str, np.ndarray]  # partition -> (S,) time points where PFS exceeded OS (capped at OS)
    above_population: dict[str, np.ndarray]  # curve -> (S,) time points above general-population survival
    first_above: dict[str, np.ndarray]  # curve -> (S,) the first such time point, -1 if none
    at_years: dict[str, np.ndarray]  # curve -> (S, len(CHECK_YEARS)) survival at CHECK_YEARS
    population_at_years: np.ndarray | None  # (len(CHECK_YEARS),) general-population survival (SMR 1)
    points: int  # time points looked at: 0..n


def run_partitioned(
    model: DecisionModel, params: Parameters, start: np.ndarray, totals: Totals
) -> tuple[np.ndarray | None, dict[str, np.ndarray], SurvivalSummary | None]:
    """The rewards of a partitioned survival model added to ``totals``.

    ``start`` is the cohort at t = 0 by state (S, states). Returns the trace (S, n+1, states), the
    undiscounted cost, QALYs and life-years at each time point (by kind: "cost", "qalys", "life_years";
    corrected, as a Markov model's) and the reviewer's checks, each only when requested.
    """
    surv = model.survival
    assert surv is not None
    n, S = model.n_cycles, params.samples
    strategy = params.strategy_name
    outputs = totals.outputs
    _check_start(model, start, strategy)
    shares: dict[int, np.ndarray] = {}  # state -> occupancy (S or 1, n + 1), each time point contiguous
    for i, st in enumerate(model.states):
        if not st.alive:
            shares[i] = np.repeat(start[:, i, None], n + 1, axis=1)
    summary = SurvivalSummary({}, {}, {}, {}, {}, None, n + 1)
    for part in model.partitions:
        curves = ({"pfs": part.pfs[strategy]} if part.pfs else {}) | {"os": part.os[strategy]}
        survival = {role: _survival(surv, name, params, n, part.origin) for role, name in curves.items()}
        weight = start[:, part.entry, None]
        everyone = bool(np.all(weight == 1.0))  # no tree in front: skip the products
        os = survival["os"]
        if "pfs" in survival:
            split = partition(*np.broadcast_arrays(survival["pfs"], os))
            summary.pfs_above_os[part.name] = np.broadcast_to(split.pfs_above_os, (S,))
            _add_share(shares, part.states[0], split.progression_free if everyone else weight * split.progression_free)
            _add_share(shares, part.states[1], split.progressed if everyone else weight * split.progressed)
        else:
            _add_share(shares, part.entry, os if everyone else weight * os)
        _add_share(shares, part.states[-1], weight * (1 - os))
        for role, name in curves.items():
            summary.roles[name] = (part.name, role)
    if outputs.survival:
        _checks(surv, params, summary, n)
    points = _add_rewards(model, params, shares, totals)
    trace = None
    if outputs.trace:
        trace = np.zeros((S, n + 1, len(model.states)))
        for i, share in shares.items():
            trace[:, :, i] = share
    return trace, points, summary if outputs.survival else None


def _add_share(shares: dict[int, np.ndarray], i: int, x: np.ndarray) -> None:
    if i in shares:
        shares[i] = shares[i] + x
    else:
        shares[i] = x


def _survival(surv: SurvivalModel, name: str, params: Parameters, n: int, origin: Origin) -> np.ndarray:
    """S on the model's time points, (S or 1, n + 1), checked to start at 1 and never rise."""
    try:
        cumhaz = surv.grid(name, params.base, n)
    except ModelError as exc:
        raise ModelError(exc.message, exc.origin, strategy=params.strategy_name) from None
    rises = np.diff(cumhaz, axis=1) < -1e-9
    if np.any(rises):
        k = int(np.argmax(rises.any(axis=0)))
        raise ModelError(
            f"curve {name}: survival rises between cycle {k} and {k + 1} (check its parameters)",
            surv.curves[name].origin,
            strategy=params.strategy_name,
        )
    return np.exp(-cumhaz)


def _check_start(model: DecisionModel, start: np.ndarray, strategy: str) -> None:
    entries = {p.entry for p in model.partitions}
    for i, st in enumerate(model.states):
        if st.alive and i not in entries and np.any(start[:, i] > STARTS_ELSEWHERE):
            share = float(np.max(start[:, i]))
            raise ModelError(
                f"{share:.3g} of the cohort starts in state '{st.name}', where no partition starts "
                "(a partition is entered at its first state)",
                ("partitioned_survival",),
                strategy=strategy,
            )


def _checks(surv: SurvivalModel, params: Parameters, summary: SurvivalSummary, n: int) -> None:
    """Survival at CHECK_YEARS and the points above general-population survival, for every curve used."""
    years = np.asarray(CHECK_YEARS).reshape(1, -1)
    for name in summary.roles:
        summary.at_years[name] = np.broadcast_to(surv.survival(name, params.base, years), (params.samples, years.size))
    if surv.general_population is None:
        return
    points = np.arange(n + 1, dtype=float).reshape(1, -1) * surv.step
    population = np.exp(-surv.population_cumhaz(params.base, points, with_smr=False))
    summary.population_at_years = np.exp(-surv.population_cumhaz(params.base, years, with_smr=False))[0]
    for name in summary.roles:
        above = np.broadcast_to(surv.survival(name, params.base, points) > population + ABOVE, (params.samples, n + 1))
        summary.above_population[name] = above.sum(axis=1)
        summary.first_above[name] = np.where(above.any(axis=1), np.argmax(above, axis=1), -1)


def _add_rewards(
    model: DecisionModel, params: Parameters, shares: dict[int, np.ndarray], totals: Totals
) -> dict[str, np.ndarray]:
    """State costs, utilities and life-years and one-off payoffs at death, weighted and discounted.

    Values that are constant in time multiply the state's weighted occupancy (one sum over time points
    per state and weight) rather than the occupancy at every time point. Returns the requested
    undiscounted amounts per time point by kind (cost; QALYs and life-years for the evLYG). Sums over
    time are einsums (no BLAS product), so a sample's result does not depend on the samples evaluated
    with it.
    """
    settings, n, S = model.settings, model.n_cycles, params.samples
    dt = settings.cycle_length
    scale = dt if settings.state_values_per == "year" else 1.0
    method, timing = settings.method, settings.discount_timing
    rates = {"cost": params.discount_rate("costs"), "effect": params.discount_rate("effects"), "none": 0.0}
    keys, weights = weights_by_rate(method, n, dt, timing, rates)
    roles = {False: None} | ({True: keys["none"]} if totals.outputs.undiscounted else {})
    point = params.context("point")
    points = _point_arrays(totals, S, n)
    for i, share in shares.items():
        st = model.states[i]
        summed: dict[float, np.ndarray] = {}  # the share summed over time with each rate's weights
        items = [(f"cost:{c}", params.value(e, point)[:, :, 0] * scale) for c, e in st.costs.items()]
        if st.utility is not None and totals.wants("qalys"):
            items.append(("qalys", params.value(st.utility, point)[:, :, 0] * scale))
        if st.alive and totals.wants("life_years"):
            items.append(("life_years", np.full((1, 1), dt)))
        for quantity, value in items:
            kind = "cost" if quantity.startswith("cost:") else "effect"
            for undiscounted, rate in roles.items():
                r = keys[kind] if rate is None else rate
                totals.add(quantity, _weighted(share, value, weights[r], summed, r), undiscounted)
            point_kind = "cost" if kind == "cost" else quantity
            if point_kind in points:
                points[point_kind] = points[point_kind] + share * value
    _add_flows(model, params, shares, totals, weights, keys, roles, points)
    return {k: x * weights[keys["none"]] for k, x in points.items()}  # the counting convention's weights, undiscounted


def _point_arrays(totals: Totals, S: int, n: int) -> dict[str, np.ndarray]:
    """Zeroed amounts per time point for each requested kind (QALYs only with utilities)."""
    out = {"cost": np.zeros((S, n + 1))} if totals.outputs.cost_points else {}
    if totals.outputs.effect_points:
        out |= {k: np.zeros((S, n + 1)) for k in ("qalys", "life_years") if totals.wants(k)}
    return out


def _weighted(share: np.ndarray, value: np.ndarray, weights: np.ndarray, summed: dict, rate: float | str) -> np.ndarray:
    """sum_t share_t value_t weight_t per sample; a value constant in time multiplies the weighted share,
    computed once per rate (``summed``) and shared by every such value of the state."""
    if value.shape[1] > 1:
        v = np.broadcast_to(value, share.shape)
        if weights.ndim == 1:
            return np.einsum("st,st,t->s", share, v, weights)
        return np.einsum("st,st,ts->s", share, v, weights)
    if rate not in summed:
        summed[rate] = over_time(share, weights)
    return value[:, 0] * summed[rate]


def over_time(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_t x[s, t] weights[t] (or weights[t, s], a discount rate per sample) per sample."""
    return np.einsum("st,t->s", x, weights) if weights.ndim == 1 else np.einsum("st,ts->s", x, weights)


def _add_flows(
    model: DecisionModel,
    params: Parameters,
    shares: dict[int, np.ndarray],
    totals: Totals,
    weights: dict[float | str, np.ndarray],
    keys: dict[str, float | str],
    roles: dict[bool, float | str | None],
    points: dict[str, np.ndarray],
) -> None:
    """One-off payoffs on the flow into dead states (the increase of their share in each cycle), also added
    undiscounted to ``points`` (before the counting weights) for the kinds requested there."""
    n, S = model.n_cycles, params.samples
    cycle = params.context("cycle") if model.transition_rewards else {}
    for reward in model.transition_rewards:
        flow = np.zeros((S, n + 1))
        for j in reward.targets:
            if j in shares:
                flow[:, 1:] += np.diff(shares[j], axis=1)
        pay = reward.payoff
        items = [(f"cost:{c}", e) for c, e in pay.costs.items()]
        items += [("qalys", pay.qalys)] if pay.qalys is not None else []
        items += [("life_years", pay.life_years)] if pay.life_years is not None else []
        for quantity, e in items:
            r = flow * _per_cycle(params.value(e, cycle), n)
            kind = "cost" if quantity.startswith("cost:") else "effect"
            for undiscounted, rate in roles.items():
                w = weights[rate if rate is not None else keys[kind]]
                totals.add(quantity, over_time(r, w), undiscounted)
            point_kind = "cost" if kind == "cost" else quantity
            if point_kind in points:
                points[point_kind] = points[point_kind] + r


def _per_cycle(value: np.ndarray, n: int) -> np.ndarray:
    """A payoff per cycle 1..n from (S, 1 or n, 1) as (S, n + 1) with nothing at t = 0."""
    out = np.zeros((value.shape[0], n + 1))
    out[:, 1:] = np.broadcast_to(value[:, :, 0], (value.shape[0], n))
    return out

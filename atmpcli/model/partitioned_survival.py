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
from typing import Any

import numpy as np

from atmpcli.errors import ModelError, Origin
from atmpcli.model.cycle_correction_and_discounting import reward_weights
from atmpcli.model.decision_model import DecisionModel
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
    model: DecisionModel, params: Parameters, start: np.ndarray, totals: Any
) -> tuple[np.ndarray, np.ndarray, SurvivalSummary]:
    """The trace of a partitioned survival model and its rewards added to ``totals``.

    ``start`` is the cohort at t = 0 by state (S, states). Returns the trace (S, n+1, states), the
    undiscounted cost at each time point and the reviewer's checks.
    """
    surv = model.survival
    assert surv is not None
    n, S = model.n_cycles, params.samples
    strategy = params.strategy_name
    _check_start(model, start, strategy)
    # occupancy as (S, states, n + 1): each state's time points contiguous, for fast weighted sums;
    # the trace handed on is its (S, n + 1, states) view
    occupancy = np.zeros((S, len(model.states), n + 1))
    for i, st in enumerate(model.states):
        if not st.alive:
            occupancy[:, i, :] = start[:, i, None]
    summary = SurvivalSummary({}, {}, {}, {}, {}, None, n + 1)
    for part in model.partitions:
        curves = ({"pfs": part.pfs[strategy]} if part.pfs else {}) | {"os": part.os[strategy]}
        survival = {role: _survival(surv, name, params, n, part.origin) for role, name in curves.items()}
        weight = start[:, part.entry, None]
        everyone = bool(np.all(weight == 1.0))  # no tree in front: skip the products
        if "pfs" in survival:
            split = partition(*np.broadcast_arrays(survival["pfs"], survival["os"]))
            summary.pfs_above_os[part.name] = np.broadcast_to(split.pfs_above_os, (S,))
            occupancy[:, part.states[0], :] += split.progression_free if everyone else weight * split.progression_free
            occupancy[:, part.states[1], :] += split.progressed if everyone else weight * split.progressed
        else:
            occupancy[:, part.entry, :] += survival["os"] if everyone else weight * survival["os"]
        occupancy[:, part.states[-1], :] += weight * (1 - survival["os"])
        for role, name in curves.items():
            summary.roles[name] = (part.name, role)
    _checks(surv, params, summary, n)
    used = {i for p in model.partitions for i in p.states} | {i for i, st in enumerate(model.states) if not st.alive}
    cost_points = _add_rewards(model, params, {i: occupancy[:, i, :] for i in sorted(used)}, totals)
    return occupancy.transpose(0, 2, 1), cost_points, summary


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


def _add_rewards(model: DecisionModel, params: Parameters, occupancy: dict[int, np.ndarray], totals: Any) -> np.ndarray:
    """State costs, utilities and life-years and one-off payoffs at death, weighted and discounted.

    Values that are constant in time multiply the state's weighted occupancy (one product per state and
    weight) rather than the occupancy at every time point. Returns the undiscounted cost per time point.
    """
    settings, n, S = model.settings, model.n_cycles, params.samples
    dt = settings.cycle_length
    scale = dt if settings.state_values_per == "year" else 1.0
    method, timing = settings.method, settings.discount_timing
    weights = np.column_stack(
        [
            reward_weights(method, n, rate, dt, timing)
            for rate in (settings.discount.costs, settings.discount.effects, 0.0)
        ]
    )  # (n + 1, 3): costs, effects, undiscounted
    point = params.context("point")
    cost_points = np.zeros((S, n + 1))
    for i, share in occupancy.items():
        st = model.states[i]
        weighted = share @ weights  # (S, 3)
        per_point = 0.0
        for comp, e in st.costs.items():
            value = params.value(e, point)[:, :, 0] * scale
            _add(totals.costs, totals.costs_u, comp, share, value, weighted, weights, (0, 2))
            per_point = per_point + value
        if st.costs:
            cost_points += share * per_point
        if st.utility is not None:
            value = params.value(st.utility, point)[:, :, 0] * scale
            totals.qalys += _weighted(share, value, weighted, weights, 1)
            totals.qalys_u += _weighted(share, value, weighted, weights, 2)
        if st.alive:
            totals.ly += weighted[:, 1] * dt
            totals.ly_u += weighted[:, 2] * dt
    cost_points += _add_flows(model, params, occupancy, totals, weights)
    cost_points *= weights[:, 2]  # the counting convention's weights, undiscounted
    return cost_points


def _add_flows(
    model: DecisionModel, params: Parameters, occupancy: dict[int, np.ndarray], totals: Any, weights: np.ndarray
) -> np.ndarray:
    """One-off payoffs on the flow into dead states (the increase of their share in each cycle); returns their
    undiscounted cost per time point before the counting weights."""
    n, S = model.n_cycles, params.samples
    cost_points = np.zeros((S, n + 1))
    cycle = params.context("cycle") if model.transition_rewards else {}
    for reward in model.transition_rewards:
        flow = np.zeros((S, n + 1))
        for j in reward.targets:
            if j in occupancy:
                flow[:, 1:] += np.diff(occupancy[j], axis=1)
        pay = reward.payoff
        for comp, e in pay.costs.items():
            r = flow * _per_cycle(params.value(e, cycle), n)
            totals.costs[comp] += r @ weights[:, 0]
            totals.costs_u[comp] += r @ weights[:, 2]
            cost_points += r
        if pay.qalys is not None:
            r = flow * _per_cycle(params.value(pay.qalys, cycle), n)
            totals.qalys += r @ weights[:, 1]
            totals.qalys_u += r @ weights[:, 2]
        if pay.life_years is not None:
            r = flow * _per_cycle(params.value(pay.life_years, cycle), n)
            totals.ly += r @ weights[:, 1]
            totals.ly_u += r @ weights[:, 2]
    return cost_points


def _weighted(share: np.ndarray, value: np.ndarray, weighted: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """sum_t share_t value_t weight_t per sample: from the weighted share when the value is constant in time."""
    if value.shape[1] == 1:
        return value[:, 0] * weighted[:, k]
    return (share * value) @ weights[:, k]


def _add(
    discounted: dict,
    undiscounted: dict,
    comp: str,
    share: np.ndarray,
    value: np.ndarray,
    weighted: np.ndarray,
    weights: np.ndarray,
    ks: tuple[int, int],
) -> None:
    discounted[comp] += _weighted(share, value, weighted, weights, ks[0])
    undiscounted[comp] += _weighted(share, value, weighted, weights, ks[1])


def _per_cycle(value: np.ndarray, n: int) -> np.ndarray:
    """A payoff per cycle 1..n from (S, 1 or n, 1) as (S, n + 1) with nothing at t = 0."""
    out = np.zeros((value.shape[0], n + 1))
    out[:, 1:] = np.broadcast_to(value[:, :, 0], (value.shape[0], n))
    return out

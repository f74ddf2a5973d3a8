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
    trace = np.zeros((S, n + 1, len(model.states)))
    for i, st in enumerate(model.states):
        if not st.alive:
            trace[:, :, i] += start[:, i, None]
    summary = SurvivalSummary({}, {}, {}, {}, {}, None, n + 1)
    for part in model.partitions:
        curves = ({"pfs": part.pfs[strategy]} if part.pfs else {}) | {"os": part.os[strategy]}
        survival = {role: _survival(surv, name, params, n, part.origin) for role, name in curves.items()}
        weight = start[:, part.entry, None]
        if "pfs" in survival:
            occupancy = partition(*np.broadcast_arrays(survival["pfs"], survival["os"]))
            summary.pfs_above_os[part.name] = np.broadcast_to(occupancy.pfs_above_os, (S,))
            pf, progressed, dead = part.states
            trace[:, :, pf] += weight * occupancy.progression_free
            trace[:, :, progressed] += weight * occupancy.progressed
        else:
            dead = part.states[1]
            trace[:, :, part.entry] += weight * survival["os"]
        trace[:, :, dead] += weight * (1 - survival["os"])
        for role, name in curves.items():
            summary.roles[name] = (part.name, role)
    _checks(surv, params, summary, n)
    return trace, _add_rewards(model, params, trace, totals), summary


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


def _add_rewards(model: DecisionModel, params: Parameters, trace: np.ndarray, totals: Any) -> np.ndarray:
    """State costs, utilities and life-years of the trace and one-off payoffs at death, weighted and discounted."""
    settings, n, S = model.settings, model.n_cycles, params.samples
    dt = settings.cycle_length
    scale = dt if settings.state_values_per == "year" else 1.0
    point = params.context("point")
    costs: dict[str, np.ndarray] = {}
    utility = np.zeros((S, n + 1))
    for i, st in enumerate(model.states):
        share = trace[:, :, i]
        for comp, e in st.costs.items():
            costs[comp] = costs.get(comp, 0.0) + share * params.value(e, point)[:, :, 0] * scale
        if st.utility is not None:
            utility = utility + share * params.value(st.utility, point)[:, :, 0] * scale
    alive = [i for i, st in enumerate(model.states) if st.alive]
    life_years = trace[:, :, alive].sum(axis=2) * dt
    cycle = params.context("cycle")
    for reward in model.transition_rewards:
        targets = sorted(reward.targets)
        flow = np.zeros((S, n + 1))
        flow[:, 1:] = np.diff(trace[:, :, targets].sum(axis=2), axis=1)
        pay = reward.payoff
        for comp, e in pay.costs.items():
            costs[comp] = costs.get(comp, 0.0) + flow * _per_cycle(params.value(e, cycle), n)
        if pay.qalys is not None:
            utility = utility + flow * _per_cycle(params.value(pay.qalys, cycle), n)
        if pay.life_years is not None:
            life_years = life_years + flow * _per_cycle(params.value(pay.life_years, cycle), n)
    method, timing = settings.method, settings.discount_timing
    w_cost = reward_weights(method, n, settings.discount.costs, dt, timing)
    w_eff = reward_weights(method, n, settings.discount.effects, dt, timing)
    w_none = reward_weights(method, n, 0.0, dt, timing)
    cost_points = np.zeros((S, n + 1))
    for comp, r in costs.items():
        r = np.broadcast_to(r, (S, n + 1))
        totals.costs[comp] += r @ w_cost
        totals.costs_u[comp] += r @ w_none
        cost_points = cost_points + r * w_none
    totals.qalys += utility @ w_eff
    totals.qalys_u += utility @ w_none
    totals.ly += life_years @ w_eff
    totals.ly_u += life_years @ w_none
    return cost_points


def _per_cycle(value: np.ndarray, n: int) -> np.ndarray:
    """A payoff per cycle 1..n from (S, 1 or n, 1) as (S, n + 1) with nothing at t = 0."""
    out = np.zeros((value.shape[0], n + 1))
    out[:, 1:] = np.broadcast_to(value[:, :, 0], (value.shape[0], n))
    return out

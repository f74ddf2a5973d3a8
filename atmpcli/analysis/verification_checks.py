"""The black-box tests of ``atmpcli verify`` (TECH-VER, Büyükkaramikli et al. 2019), one function per test.

Each test changes the model through the pure model layer (atmpcli/model/variations.py) or evaluates it at
chosen parameter values, and returns :class:`Check` rows: what was expected, what came out, pass or fail.
A test that does not apply to the model (zero mortality in a decision tree) says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atmpcli.analysis.dsa import inputs
from atmpcli.analysis.verification_roles import (
    COST,
    DEATH,
    UTILITY,
    inputs_moving_only,
    mortality_inputs,
    transition_role,
    uses,
)
from atmpcli.errors import AtmpError
from atmpcli.model.cycle_correction_and_discounting import correction_weights
from atmpcli.model.decision_model import DecisionModel, Strategy
from atmpcli.model.evaluate import evaluate, evaluate_strategy
from atmpcli.model.outcomes import StrategyOutcome
from atmpcli.model.parameters import Parameters
from atmpcli.model.tree import roll_back
from atmpcli.model.tree_inputs import payoff_arrays, root_node
from atmpcli.model.variations import (
    identical_strategies,
    with_unit_utilities,
    without_discounting,
    without_mortality,
)

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not applicable"
EXACT = 1e-9  # relative tolerance of an identity that holds exactly (rounding only)
MASS = 1e-6  # trace rows: each cycle's row may stray 1e-9 from 1 (model/probability_checks.py)
RAISE = 0.10  # a monotonicity test raises an input by 10 % of its value


@dataclass
class Check:
    check: str
    strategy: str
    expectation: str
    expected: float = float("nan")
    relation: str = "="  # observed = expected, observed <= expected or observed >= expected
    observed: float = float("nan")
    tolerance: float = float("nan")
    status: str = PASS
    detail: str = ""


def _close(expected: float, observed: float, rel: float = EXACT) -> tuple[bool, float]:
    tol = rel * max(1.0, abs(expected))
    return bool(abs(observed - expected) <= tol), tol


def _compare(name: str, strategy: str, expectation: str, expected: float, observed: float, detail: str = "") -> Check:
    ok, tol = _close(expected, observed)
    return Check(name, strategy, expectation, expected, "=", observed, tol, verdict(ok), detail)


def skipped(name: str, expectation: str, why: str) -> Check:
    return Check(name, "", expectation, status=NOT_APPLICABLE, detail=why)


def _failed_to_run(name: str, expectation: str, error: AtmpError, strategy: str = "") -> Check:
    return Check(name, strategy, expectation, status=FAIL, detail=f"the model failed to evaluate: {error}")


def mass_conservation(model: DecisionModel, base: list[StrategyOutcome]) -> list[Check]:
    what = "trace rows sum to the cohort at the start (1 unless tree leaves leave it); no share negative"
    if not model.has_markov:
        return [skipped("mass_conservation", what, "no cohort model (a decision tree only)")]
    out = []
    for o in base:
        trace = o.trace[0]  # type: ignore[index]
        sums = trace.sum(axis=1)
        cohort = float(sums[0])
        worst = int(np.argmax(np.abs(sums - cohort)))
        lowest = float(trace.min())
        ok = bool(np.all(np.abs(sums - cohort) <= MASS)) and cohort <= 1 + MASS and lowest >= -MASS
        detail = f"{cohort:.10g} at the start; furthest from it at cycle {worst}; smallest share {lowest:.3g}"
        off = np.flatnonzero(np.abs(sums - cohort) > MASS)
        if off.size:
            detail = f"the cohort is {sums[off[0]]:.10g} from cycle {off[0]}, not {cohort:.10g}"
        row = Check("mass_conservation", o.strategy, what, cohort, "=", float(sums[worst]), MASS, verdict(ok), detail)
        out.append(row)
    return out


def verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def zero_mortality(model: DecisionModel) -> list[Check]:
    what = "no deaths: life-years = share alive at the start x the horizon"
    if not model.has_markov:
        return [skipped("zero_mortality", what, "no cohort model (a decision tree only)")]
    st = model.settings
    horizon = float(correction_weights(st.method, model.n_cycles).sum()) * st.cycle_length
    alive = np.array([s.alive for s in model.states])
    changed = without_mortality(model)
    out = []
    for s in model.strategies:
        try:
            o = evaluate_strategy(changed, s.name)
        except AtmpError as error:
            out.append(_failed_to_run("zero_mortality", what, error, s.name))
            continue
        share = float(o.trace[0, 0][alive].sum())  # type: ignore[index]
        expected = share * horizon + _one_off_life_years(changed, s.name)
        detail = f"{share:.6g} alive at the start; horizon {horizon:g} years ({st.method})"
        detail += "; overall survival 1" if model.partitions else ""
        out.append(_compare("zero_mortality", s.name, what, expected, float(o.life_years_undiscounted[0]), detail))
    return out


def _one_off_life_years(model: DecisionModel, strategy: str) -> float:
    """Life-years paid once (by the start or the tree), which come on top of the cohort's."""
    s = model.strategy(strategy)
    params = Parameters(model, s, None, 1)
    total = 0.0
    if model.start is not None and model.start.life_years is not None:
        total += float(np.asarray(payoff_arrays(model.start, params)["life_years"]).reshape(-1)[0])
    tree = s.tree or model.tree
    if tree is not None:
        total += float(roll_back(root_node(tree, params), max(len(model.states), 1), 1).life_years[0])
    return total


def unit_utilities(model: DecisionModel) -> list[Check]:
    what = "every utility 1: QALYs = life-years (discounted and not)"
    if not model.has_markov:
        return [skipped("unit_utilities", what, "no life-years to compare (a decision tree only)")]
    out = []
    for o in _evaluate_or_fail(with_unit_utilities(model), "unit_utilities", what, out):
        assert o.qalys is not None and o.qalys_undiscounted is not None
        ok_u, _ = _close(float(o.life_years_undiscounted[0]), float(o.qalys_undiscounted[0]))
        c = _compare("unit_utilities", o.strategy, what, float(o.life_years[0]), float(o.qalys[0]))
        c.detail = f"undiscounted: {o.qalys_undiscounted[0]:.10g} QALYs, {o.life_years_undiscounted[0]:.10g} life-years"
        if not ok_u:
            c.status = FAIL
        out.append(c)
    return out


def qalys_within_life_years(model: DecisionModel, base: list[StrategyOutcome]) -> list[Check]:
    what = "QALYs at most life-years (undiscounted)"
    if not model.has_markov or not model.has_utilities:
        return [skipped("qalys_within_life_years", what, "no QALYs and life-years of a cohort to compare")]
    out = []
    for o in base:
        q, ly = float(o.qalys_undiscounted[0]), float(o.life_years_undiscounted[0])  # type: ignore[index]
        tol = EXACT * max(1.0, ly)
        out.append(Check("qalys_within_life_years", o.strategy, what, ly, "<=", q, tol, verdict(q <= ly + tol)))
    return out


def zero_discount(model: DecisionModel, base: list[StrategyOutcome]) -> list[Check]:
    what = "discount rates 0: totals = the undiscounted totals"
    out = []
    for o, b in zip(_evaluate_or_fail(without_discounting(model), "zero_discount", what, out), base, strict=False):
        pairs = {"cost": (b.cost_undiscounted, o.cost), "life-years": (b.life_years_undiscounted, o.life_years)}
        if b.qalys_undiscounted is not None and o.qalys is not None:
            pairs["QALYs"] = (b.qalys_undiscounted, o.qalys)
        bad = [k for k, (e, v) in pairs.items() if not _close(float(e[0]), float(v[0]))[0]]
        shown = "cost" if float(b.cost_undiscounted[0]) != 0 or len(pairs) == 1 else list(pairs)[-1]  # no costs
        c = _compare("zero_discount", o.strategy, what, float(pairs[shown][0][0]), float(pairs[shown][1][0]))
        c.detail = f"{shown} shown; " + (f"differs: {', '.join(bad)}" if bad else ", ".join(pairs) + " equal")
        c.status = verdict(not bad)
        out.append(c)
    return out


def _evaluate_or_fail(model: DecisionModel, name: str, what: str, out: list[Check]) -> list[StrategyOutcome]:
    try:
        return evaluate(model)
    except AtmpError as error:
        out.append(_failed_to_run(name, what, error))
        return []


def identical(model: DecisionModel) -> list[Check]:
    what = "every strategy a copy of the comparator: increments 0"
    if len(model.strategies) < 2:
        return [skipped("identical_strategies", what, "one strategy only")]
    out: list[Check] = []
    outcomes = _evaluate_or_fail(identical_strategies(model), "identical_strategies", what, out)
    if not outcomes:
        return out
    effect = model.settings.effect
    ref = next(o for o in outcomes if o.strategy == model.comparator)
    for o in outcomes:
        if o.strategy == model.comparator:
            continue
        d_cost = float(o.cost[0] - ref.cost[0])
        d_effect = float(getattr(o, effect)[0] - getattr(ref, effect)[0])
        c = _compare("identical_strategies", o.strategy, what, 0.0, d_cost)
        ok, _ = _close(0.0, d_effect)
        c.status = verdict(c.status == PASS and ok)
        c.detail = f"incremental cost shown; incremental {effect} {d_effect:.3g}"
        out.append(c)
    return out


def tree_probabilities(model: DecisionModel, base: list[StrategyOutcome]) -> list[Check]:
    what = "the probabilities of the leaves of the tree sum to 1"
    if not any(o.leaves for o in base):
        return [skipped("tree_probabilities", what, "no decision tree")]
    out = []
    for o in base:
        if o.leaves:
            total = float(sum(np.asarray(v).reshape(-1)[0] for v in o.leaves.values()))
            out.append(_compare("tree_probabilities", o.strategy, what, 1.0, total, f"{len(o.leaves)} leaves"))
    return out


MONOTONE = {  # role -> (what the test expects, what it raises, the total it watches)
    COST: (f"raising a cost input {RAISE:.0%} never lowers cost, moves no effect", "costs", "total cost"),
    UTILITY: (
        f"raising a utility input {RAISE:.0%} moves QALYs its way, not costs or life-years",
        "utilities",
        "QALYs",
    ),
    DEATH: (
        f"raising a mortality input {RAISE:.0%} never raises life-years",
        "transitions out of alive states",
        "life-years",
    ),
}


def monotone(model: DecisionModel, role: str) -> list[Check]:
    """Costs: raising a cost input never lowers a strategy's total cost and changes no effect. Utilities:
    raising a utility input moves QALYs the way it moves the utilities it enters (a disutility lowers them)
    and changes no cost or life-years. Deaths: raising a mortality input that raises the probabilities of
    dying it enters (lowers them: the other way round) never raises (lowers) undiscounted life-years."""
    name = f"{'mortality' if role == DEATH else role}_monotone"
    what, moves, _ = MONOTONE[role]
    if role == DEATH and not model.has_markov:
        return [skipped(name, what, "no cohort model (a decision tree only)")]
    if role == DEATH and model.partitions:
        why = "partitioned survival: deaths follow the OS curve, not a transition (see survival_curves)"
        return [skipped(name, what, why)]
    values = inputs(model)
    names = mortality_inputs(model, values) if role == DEATH else inputs_moving_only(model, role, values)
    if not names:
        return [
            skipped(name, what, f"no parameter moves {moves} only" + (" (deaths among them)" if role == DEATH else ""))
        ]
    n = len(names) + 1  # the last sample is the base case
    settings = {p: np.full(n, values[p]) for p in names}
    for i, p in enumerate(names):
        v = values[p]
        settings[p][i] = v + RAISE * abs(v) if v != 0 else (1.0 if role == COST else 0.01)
    out: list[Check] = []
    for s in model.strategies:
        try:
            o = evaluate_strategy(model, s.name, settings, n)
            sign = _directions(model, s, settings, n, role)
        except AtmpError as error:
            out.append(_failed_to_run(name, what, error, s.name))
            continue
        out.append(_monotone_row(name, s.name, names, o, sign, role))
    return out


def _monotone_row(name: str, strategy: str, names: list[str], o: StrategyOutcome, sign: np.ndarray, role: str) -> Check:
    what, _, total = MONOTONE[role]
    moved = {COST: o.cost, UTILITY: o.qalys, DEATH: o.life_years_undiscounted}[role]
    assert moved is not None
    fixed = {COST: [o.qalys, o.life_years], UTILITY: [o.cost, o.life_years], DEATH: []}[role]
    if role == DEATH:
        sign = -sign  # more deaths, fewer life-years
    tol = EXACT * max(1.0, abs(float(moved[-1])))
    change = (moved[:-1] - moved[-1]) * np.nan_to_num(sign)  # in the expected direction; mixed ones left out
    worst = int(np.argmin(change))
    strays = [names[i] for f in fixed if f is not None for i in np.flatnonzero(np.abs(f[:-1] - f[-1]) > tol)]
    ok = change[worst] >= -tol and not strays
    detail = f"{len(names)} inputs; the smallest change in the expected direction from raising {names[worst]}"
    if change[worst] < -tol:
        way = "lowers" if sign[worst] > 0 else "raises"
        detail = f"raising {names[worst]} {way} {total}"
    if strays:
        detail += f"; raising {', '.join(dict.fromkeys(strays))} also changed what it should not"
    mixed = [names[i] for i in np.flatnonzero(np.isnan(sign))]
    if mixed:
        why = "move people between alive states too" if role == DEATH else "raise some utilities, lower others"
        detail += f"; left out ({why}): {', '.join(mixed)}"
    return Check(name, strategy, what, 0.0, ">=", float(change[worst]), tol, verdict(ok), detail)


def _directions(model: DecisionModel, strategy: Strategy, settings: dict, n: int, role: str) -> np.ndarray:
    """Per raised input, the way it moves what it reaches: +1 up, -1 down, NaN both (left out)."""
    if role == COST:
        return np.ones(n - 1)
    if role == UTILITY:
        return _utility_directions(model, strategy, settings, n)
    return _death_directions(model, strategy, settings, n)


def _changes(params: Parameters, expr, env: dict, n: int) -> np.ndarray:
    """(raised inputs, time points, times in state): a formula's value less its base-case value."""
    value = params.value(expr, env)
    v = np.broadcast_to(value, (n, *value.shape[1:]))
    return v[:-1] - v[-1]


def _utility_directions(model: DecisionModel, strategy: Strategy, settings: dict, n: int) -> np.ndarray:
    """Per raised input: +1 when it raises (or keeps) every utility and one-off QALY it reaches, -1 when it
    lowers them all (a disutility), NaN when it raises some and lowers others."""
    params = Parameters(model, strategy, settings, n)
    env = params.context("point", max([st.tunnel for st in model.states], default=1))
    up = np.zeros(n - 1, dtype=bool)
    down = np.zeros(n - 1, dtype=bool)
    for role, expr in uses(model):
        if role == UTILITY:
            d = _changes(params, expr, env, n).reshape(n - 1, -1)
            up |= (d > EXACT).any(axis=1)
            down |= (d < -EXACT).any(axis=1)
    return np.where(up & down, np.nan, np.where(down, -1.0, 1.0))


def _death_directions(model: DecisionModel, strategy: Strategy, settings: dict, n: int) -> np.ndarray:
    """Per raised input: +1 when, in every cycle and row out of an alive state, no probability of dying
    falls and no probability of staying alive (the row's complement included) rises, so the raised model is
    the base case with some more of the cohort killed: its life-years cannot be higher. -1 the other way
    round (a probability of surviving raised), NaN when neither holds."""
    params = Parameters(model, strategy, settings, n)
    env = params.context("cycle", max([st.tunnel for st in model.states], default=1))
    more = np.ones(n - 1, dtype=bool)  # more deaths
    fewer = np.ones(n - 1, dtype=bool)
    for row in model.transitions:
        if not model.states[row.source].alive:
            continue
        changes = {t: _changes(params, e, env, n) for t, e in row.probabilities.items()}
        if row.rest is not None and changes:
            changes[row.rest] = -sum(np.broadcast_arrays(*changes.values()))
        for target, change in changes.items():
            d = change.reshape(n - 1, -1)
            dying = transition_role(model, row.source, target) == DEATH
            more &= ~((d < -EXACT) if dying else (d > EXACT)).any(axis=1)
            fewer &= ~((d > EXACT) if dying else (d < -EXACT)).any(axis=1)
    return np.where(more, 1.0, np.where(fewer, -1.0, np.nan))


def utilities_at_most_one(model: DecisionModel) -> list[Check]:
    what = "no state's utility above 1 (full health, per year) at any time"
    if not any(st.utility is not None for st in model.states):
        return [skipped("utilities_at_most_1", what, "no state has a utility")]
    full = model.settings.cycle_length if model.settings.state_values_per == "cycle" else 1.0
    out = []
    for s in model.strategies:
        try:
            params = Parameters(model, s, None, 1)
            highest = {
                st.name: float(np.max(params.value(st.utility, params.context("point", st.tunnel))))
                for st in model.states
                if st.utility is not None
            }
        except AtmpError as error:
            out.append(_failed_to_run("utilities_at_most_1", what, error, s.name))
            continue
        top = max(highest, key=lambda k: highest[k])
        per_year = highest[top] / full  # per cycle: a cycle of full health is worth the cycle length
        where = f"highest in {top}" + (f" ({highest[top]:.6g} per cycle of {full:.6g} years)" if full != 1 else "")
        row = Check("utilities_at_most_1", s.name, what, 1.0, "<=", per_year, EXACT, PASS, where)
        row.status = verdict(per_year <= 1 + EXACT)
        out.append(row)
    return out

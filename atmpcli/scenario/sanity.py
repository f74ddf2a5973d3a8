"""Model sanity: numbers a scenario accepts by its schema but that a careful analyst would not mean.

Errors (the scenario is refused):

- a state utility above the top or below the floor of ``settings.utility_range`` (default [-1, 1]:
  1 is full health; -1 lies below the worst state of EQ-5D value sets such as the UK 3L, -0.594, Dolan
  1997, and the England 5L, -0.285, Devlin et al. 2018). With ``state_values_per: cycle`` the range is per
  year and scaled by the cycle length;
- a state marked ``alive: false`` that people can leave (death is absorbing).

Warnings (errors with ``--strict``): a state no strategy can reach, a parameter nothing uses, a state
whose values or transitions use ``state_time`` without ``tunnel_cycles`` (where it is always 1), a
look-up past the last row of a table over the model's horizon (unless the table says ``after_last: carry``).

Values are checked in the base case of every strategy. A formula that cannot be evaluated is left to
the engine, which reports it with the same words as ever.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from atmpcli.errors import AtmpError, Problem, ScenarioError
from atmpcli.model.decision_model import Branch, Payoff, Strategy, TransitionRow
from atmpcli.model.expressions import STATE_TIME, Expression
from atmpcli.model.parameter_graph import ParameterGraph
from atmpcli.model.parameters import Parameters
from atmpcli.scenario.compiled import Scenario
from atmpcli.scenario.consistency import all_expressions
from atmpcli.scenario.lookup_tables import LookupRecorder, LookupTable

_MAX_CHECKED = 2_000_000  # values per formula; larger (time x tunnel) arrays are left to the engine's checks


def check_sanity(sc: Scenario, *, strict: bool = False) -> list[Problem]:
    """Raise :class:`ScenarioError` for sanity errors (and for warnings if ``strict``); return the warnings."""
    errors = _utilities(sc) + _dead_states(sc)
    warnings = _unreachable_states(sc) + _unused_parameters(sc) + _state_time_without_tunnel(sc)
    warnings += _past_last_row(sc)
    if errors or (strict and warnings):
        raise ScenarioError(errors + (warnings if strict else []))
    return warnings


# --------------------------------------------------------------------------- values


def _values(sc: Scenario, strategy: Strategy, expr: Expression, kind: str, tunnel: int) -> np.ndarray | None:
    """The base-case values of ``expr`` for ``strategy`` as (T, L), or None if they cannot be had cheaply.

    The engine's own evaluation, so that a value checked here is the value the results use.
    """
    points = (sc.n_cycles + 1) * tunnel
    if points > _MAX_CHECKED and expr.formula.names:
        return None
    try:
        with np.errstate(all="ignore"):  # values that overflow are the engine's to report
            params = Parameters(sc, strategy, None, 1)
            return np.asarray(params.value(expr, params.context(kind, tunnel)))[0]
    except AtmpError:
        return None


def _value_kind(sc: Scenario) -> str:
    """Where the engine evaluates state values: at time points, or per cycle (state_value_timing)."""
    return "cycle" if sc.settings.state_value_timing == "cycle" else "point"


def _in_cycles(values: np.ndarray) -> str:
    return " in some cycles" if values.shape[0] > 1 and np.ptp(values) > 0 else ""


def _utilities(sc: Scenario) -> list[Problem]:
    low, high = sc.spec.settings.utility_range
    span = f"now [{low:g}, {high:g}]"
    full = "full health"
    if sc.settings.state_values_per == "cycle":  # per-cycle values: the per-year range times the cycle length
        dt = sc.settings.cycle_length
        low, high = low * dt, high * dt
        span += " per year"
        full += f" over a cycle of {dt:g} years, as state_values_per is cycle"
    out: list[Problem] = []
    for st in sc.states:
        for strategy in sc.strategies if st.utility is not None else []:
            values = _values(sc, strategy, st.utility, _value_kind(sc), st.tunnel)
            if values is None:
                continue
            top, bottom = float(values.max()), float(values.min())
            if top > high:
                what = f"above {high:g}" + (f" ({full})" if sc.spec.settings.utility_range[1] == 1 else "")
                message = f"utility {top:g} is {what}"
            elif bottom < low:
                message = f"utility {bottom:g} is below {low:g} (the floor)"
            else:
                continue
            who = f" (strategy {strategy.name})" if len(sc.strategies) > 1 else ""
            message += f"{_in_cycles(values)}; if that is meant, widen settings.utility_range, {span}{who}"
            out.append(sc.doc.problem(st.utility.origin, message))
            break
    return out


def _dead_states(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    for i, st in enumerate(sc.states):
        if st.alive:
            continue
        if i >= len(sc.transitions):
            continue  # partitioned survival: no transitions
        row = sc.transitions[i]
        for strategy in sc.strategies:
            leaving = _leaving(sc, strategy, i, row, st.tunnel)
            if leaving:
                who = f" (strategy {strategy.name})" if len(sc.strategies) > 1 else ""
                out.append(
                    sc.doc.problem(
                        ("transitions", st.name),
                        f"state '{st.name}' has alive: false (death), so nobody may leave it, but its row moves "
                        f"{leaving}; make the row '{st.name}: {{{st.name}: 1}}' or remove alive: false{who}",
                    )
                )
                break
    return out


def _leaving(sc: Scenario, strategy: Strategy, i: int, row: TransitionRow, tunnel: int) -> str:
    """``0.5 to well`` when the row of dead state ``i`` sends people elsewhere in the base case, else ''."""
    others: dict[int, float] = {}
    total = 0.0
    for j, expr in row.probabilities.items():
        values = _values(sc, strategy, expr, "cycle", tunnel)
        if values is None:
            return ""
        if j == i:
            total = max(total, float(values.max()))
        else:
            others[j] = float(values.max())
    if row.rest is not None and row.rest != i:
        others[row.rest] = 1.0 - sum(others.values()) - total
    moved = {j: v for j, v in others.items() if v > 1e-12}
    return ", ".join(f"{v:g} to {sc.states[j].name}" for j, v in moved.items())


# --------------------------------------------------------------------------- structure


def _constant_zero(expr: Expression | None) -> bool:
    if expr is None or not expr.formula.is_constant:
        return False
    try:
        return float(np.asarray(expr.formula.evaluate({}))) == 0.0
    except AtmpError:  # e.g. '1 / 0': the engine reports it, located
        return False


def _unreachable_states(sc: Scenario) -> list[Problem]:
    if not sc.states:
        return []
    reached: set[int] = set()
    for strategy in sc.strategies:
        reached |= _starts(sc, strategy)
    for p in sc.partitions:  # partitioned survival: every state of a partition is read off its curves
        reached |= set(p.states)
    frontier = list(reached)
    while frontier:
        i = frontier.pop()
        row = sc.transitions[i] if i < len(sc.transitions) else None
        targets: dict[int, Expression | None] = {} if row is None else dict(row.probabilities)
        if row is not None and row.rest is not None:
            targets[row.rest] = None  # the complement
        for j, expr in targets.items():
            if j not in reached and not _constant_zero(expr):
                reached.add(j)
                frontier.append(j)
    return [
        sc.doc.problem(
            ("states", st.name),
            f"state '{st.name}' cannot be reached: no strategy starts in it and no transition leads to it",
            key=True,
        )
        for i, st in enumerate(sc.states)
        if i not in reached
    ]


def _starts(sc: Scenario, strategy: Strategy) -> set[int]:
    tree = strategy.tree or sc.tree
    if tree is not None and tree.enters_states:
        out = _leaf_states(tree.branches)
        if strategy.infused_tree is not None:
            out |= _leaf_states(strategy.infused_tree.branches)
        return out
    initial = strategy.initial if strategy.initial is not None else sc.initial
    if initial is None:
        return {0}
    return {i for i, e in initial.shares.items() if not _constant_zero(e)}


def _leaf_states(branches: list[Branch]) -> set[int]:
    out: set[int] = set()
    for b in branches:
        if b.state is not None and not _constant_zero(b.p):
            out.add(b.state)
        out |= _leaf_states(b.children)
    return out


def _graphs(sc: Scenario) -> list[dict[str, Expression]]:
    """The parameters of the base case and of every strategy (with its overrides)."""
    return [dict(sc.parameters)] + [{**sc.parameters, **s.overrides} for s in sc.strategies]


def _state_time_without_tunnel(sc: Scenario) -> list[Problem]:
    """An ordinary state's costs, utility or transitions that use state_time: it is 1 there, every cycle
    (removing tunnel_cycles from a tunnel model would otherwise pass unnoticed)."""
    on_state_time = {STATE_TIME}.union(*(ParameterGraph.of(g).depending_on([STATE_TIME]) for g in _graphs(sc)))
    out: list[Problem] = []
    for i, st in enumerate(sc.states):
        if st.tunnel > 1:
            continue
        row = sc.transitions[i].probabilities.values() if i < len(sc.transitions) else []
        for expr in [*st.costs.values(), *([st.utility] if st.utility else []), *row]:
            if expr.formula.names & on_state_time:
                out.append(
                    sc.doc.problem(
                        expr.origin,
                        f"uses state_time, but state '{st.name}' has no tunnel_cycles, so state_time is always 1 "
                        "there; add tunnel_cycles to track the cycles spent in it",
                    )
                )
                break
    return out


def _past_last_row(sc: Scenario) -> list[Problem]:
    """Tables looked up past their last row in the base case of some strategy, over the whole horizon.

    Every formula is evaluated where the engine evaluates it (transitions per cycle, state values per time
    point, the rest at the start), with tables that note what they are asked for.
    """
    watched = {
        n: LookupRecorder(t)
        for n, t in sc.tables.items()
        if isinstance(t, LookupTable) and sc.spec.tables[n].after_last == "warn"
    }
    if not watched:
        return []
    model = dataclasses.replace(sc, tables={**sc.tables, **watched})
    in_context: dict[int, tuple[str, int]] = {}
    for i, st in enumerate(sc.states):
        for e in [*st.costs.values(), *([st.utility] if st.utility else [])]:
            in_context[id(e)] = (_value_kind(sc), st.tunnel)
        for e in sc.transitions[i].probabilities.values() if i < len(sc.transitions) else []:
            in_context[id(e)] = ("cycle", st.tunnel)
    for r in sc.transition_rewards:
        for e in _payoff_expressions(r.payoff):
            in_context[id(e)] = ("cycle", 1)
    defined = {id(e) for e in sc.parameters.values()} | {id(e) for s in sc.strategies for e in s.overrides.values()}
    graphs = _graphs(sc)
    calling = {n for g in graphs for n, e in g.items() if e.formula.functions & set(watched)}
    calling = calling.union(*(ParameterGraph.of(g).depending_on(calling) for g in graphs))
    exprs = [
        e
        for e in all_expressions(sc)
        if id(e) not in defined and (e.formula.functions & set(watched) or e.formula.names & calling)
    ]
    for strategy in sc.strategies:
        try:
            params = Parameters(model, strategy, None, 1)
        except AtmpError:
            continue
        for e in exprs:
            kind, tunnel = in_context.get(id(e), ("start", 1))
            if (sc.n_cycles + 1) * tunnel > _MAX_CHECKED:
                continue
            try:
                with np.errstate(all="ignore"):
                    params.value(e, params.context(kind, tunnel))
            except (AtmpError, KeyError):  # errors are the engine's to report; KeyError: state_time at the start
                continue
    return [
        sc.doc.problem(
            ("tables", name),
            f"table {name}() is looked up at {rec.past:g}, past its last row (key {rec.table.keys[-1]:g}), whose "
            "value is then reused; extend the table, or set after_last: carry if that is meant",
            key=True,
        )
        for name, rec in watched.items()
        if rec.past is not None
    ]


def _unused_parameters(sc: Scenario) -> list[Problem]:
    """Parameters that no model quantity uses, directly or through other parameters."""
    own: dict[str, list[Expression]] = {name: [e] for name, e in sc.parameters.items()}
    for s in sc.strategies:
        for name, e in s.overrides.items():
            own.setdefault(name, []).append(e)
    for name, u in sc.uncertain.items():
        own.setdefault(name, []).extend(u.given.values())
    # a curve's parameters are used where the curve is: in a formula (its names include them) or a partition
    curve_names: set[str] = set()
    if sc.survival is not None:
        for p in sc.partitions:
            for curve in [*p.pfs.values(), *p.os.values()]:
                curve_names |= sc.survival.names(curve)
    for name, (lo, hi) in sc.ranges.items():
        own.setdefault(name, []).extend(e for e in (lo, hi) if e)
    defining = {id(e) for exprs in own.values() for e in exprs}
    roots = [e for e in all_expressions(sc) if id(e) not in defining]
    for s in sc.strategies:
        if s.infused_tree is not None:  # the cell-therapy pathway's infused population (not in all_expressions)
            tree = s.infused_tree
            roots += _payoff_expressions(tree.payoff) + list(tree.metrics.values()) + _tree_expressions(tree.branches)
    # a Dirichlet group is drawn as a whole: a member that completes the group is used with the others
    together = {name: {m for g in sc.dirichlet if name in g.parameters for m in g.parameters} for name in own}
    used: set[str] = set()
    named = curve_names | _named_in_variants(sc)
    frontier = [n for e in roots for n in e.formula.names if n in own] + [n for n in named if n in own]
    while frontier:
        name = frontier.pop()
        if name in used:
            continue
        used.add(name)
        frontier += [n for e in own[name] for n in e.formula.names if n in own] + list(together[name])
    return [
        sc.doc.problem(("parameters", name), f"parameter '{name}' is never used", key=True)
        for name in sc.spec.parameters
        if name not in used
    ]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _named_in_variants(sc: Scenario) -> set[str]:
    """Names in the formulas a variant puts in place: a parameter only a variant uses is used."""
    texts: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    for v in sc.spec.variants.values():
        collect([v.parameters, v.changes])
    return {name for text in texts for name in _NAME.findall(text)}


def _payoff_expressions(p: Payoff) -> list[Expression]:
    return [e for e in (p.qalys, p.life_years) if e is not None] + list(p.costs.values())


def _tree_expressions(branches: list[Branch]) -> list[Expression]:
    out: list[Expression] = []
    for b in branches:
        out += ([b.p] if b.p is not None else []) + _payoff_expressions(b.payoff) + list(b.metrics.values())
        out += _tree_expressions(b.children)
    return out

"""The parameter graph of one strategy evaluated to numpy arrays, per evaluation context.

Values are 3-d arrays broadcasting to (S, T, L): samples, time (cycles or time points) and, for tunnel
states, cycles already spent in the state. Parameters that do not depend on time are evaluated once;
the others are evaluated per context (the start, every cycle at once, every time point at once), when
a formula first asks for them, and cached: a context holds only what was used in it. A parameter that
depends on the model's clock (cycle, time, age) and on the time spent in a tunnel state can also be
evaluated for one cycle alone (:meth:`Parameters.at_cycle`), so that the engine never holds an array
over cycles x cycles in state x samples.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

import numpy as np

from atmpcli.errors import FormulaError, ModelError
from atmpcli.model.decision_model import DecisionModel, Strategy
from atmpcli.model.expressions import STATE_TIME, TIME_VARIABLES, Expression, as3d
from atmpcli.model.parameter_graph import ParameterGraph
from atmpcli.model.probability_checks import check_probability

BASE_CASE = "(base case)"  # the strategy named in errors about parameters without a strategy's overrides


class _Context(dict):
    """Names for formulas in one context; a time-dependent parameter is evaluated when first asked for."""

    def __init__(self, params: Parameters, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.params = params

    def __missing__(self, name: str) -> Any:
        formula = self.params.timed.get(name)
        if formula is None:
            raise KeyError(name)
        value = self[name] = _samples_fastest(self.params.value(formula, self))
        return value


def _samples_fastest(a: np.ndarray) -> np.ndarray:
    """A value over samples and cycles in state laid out with the samples contiguous (Fortran order), as
    the kernel's tunnel blocks are: the products of a cycle then run over whole sample vectors rather
    than over the few sub-states reached so far (several times faster; the numbers are the same)."""
    if a.ndim == 3 and a.shape[0] > 1 and a.shape[2] > 1:
        return np.asfortranarray(a)
    return a


class _OneCycle(_Context):
    """One cycle's names: parameters of ``state_time`` alone come from the tunnel's shared context
    (evaluated there once for every cycle), cut to the sub-states the cohort can have reached."""

    def __init__(self, params: Parameters, values: dict[str, Any], shared: dict[str, Any], reach: int) -> None:
        super().__init__(params, values)
        self.shared, self.reach = shared, reach

    def __missing__(self, name: str) -> Any:
        if name in self.params.timed and name not in self.params.clocked:
            v = self.shared[name]
            value = self[name] = v[:, :, : self.reach] if v.shape[2] > 1 else v
            return value
        return super().__missing__(name)


class Parameters:
    """The parameter graph of one strategy, evaluated lazily per context (start, cycle, time point).

    ``draws`` (parameter -> S values) replace the parameters' formulas, except where the strategy sets
    its own value (e.g. a fixed price). ``strategy`` None: the base case, without any overrides.
    """

    def __init__(
        self, model: DecisionModel, strategy: Strategy | None, draws: dict[str, np.ndarray] | None, samples: int
    ) -> None:
        self.model, self.samples = model, samples
        self.strategy_name = strategy.name if strategy is not None else BASE_CASE
        overrides = strategy.overrides if strategy is not None else {}
        formulas = {**model.parameters, **overrides}
        drawn = {k: as3d(v) for k, v in (draws or {}).items() if k not in overrides}
        for k in drawn:
            formulas.pop(k, None)
        self.formulas = formulas
        graph = ParameterGraph.of(formulas)
        timed = graph.depending_on({*TIME_VARIABLES, STATE_TIME})
        self.timed = {n: formulas[n] for n in timed}
        # names that vary with the model's clock (cycle, time, age), and with the time spent in a tunnel state
        self.clocked = graph.depending_on(TIME_VARIABLES) | set(TIME_VARIABLES)
        self.on_state_time = graph.depending_on([STATE_TIME]) | {STATE_TIME}
        self.base: dict[str, Any] = dict(model.tables)
        self.base.update(drawn)
        for name in graph.order():
            if name not in timed:
                self.base[name] = self.value(formulas[name], self.base)
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}
        self._factored: dict[Any, Any] = {}  # formula -> the same with its parts of state_time alone named

    def value(self, expr: Expression, env: Mapping[str, Any]) -> np.ndarray:
        if isinstance(env, _OneCycle):
            return self._one_cycle_value(expr, env)
        try:
            return as3d(expr.formula.evaluate(env))
        except FormulaError as exc:
            clocked = bool(expr.formula.names & self.clocked)
            message, state_time = str(exc) + (_when(exc, env) if clocked else ""), None
            if exc.at is not None and exc.at[1] is not None and "state_time" in env:
                state_time = int(np.asarray(env["state_time"]).reshape(-1)[exc.at[1]])
            raise ModelError(message, expr.origin, strategy=self.strategy_name, state_time=state_time) from None

    def _one_cycle_value(self, expr: Expression, env: _OneCycle) -> np.ndarray:
        """A value of one cycle, its parts that depend on state_time but not on the clock (a Weibull hazard
        by time in the state, say) taken from the tunnel's shared context: evaluated once for every
        sub-state instead of once per cycle. Element by element the same arithmetic; a formula whose parts
        cannot be evaluated on every sub-state (an error where the cohort never gets) is evaluated as written."""
        formula = self._factored.get(expr.formula)
        if formula is None:
            formula = self._factored[expr.formula] = self._factor(expr)
        if formula is not expr.formula:
            try:
                return as3d(formula.evaluate(env))
            except (FormulaError, ModelError, KeyError):
                self._factored[expr.formula] = expr.formula
        try:
            return as3d(expr.formula.evaluate(env))
        except FormulaError as exc:
            raise ModelError(str(exc), expr.origin, strategy=self.strategy_name) from None

    def _factor(self, expr: Expression) -> Any:
        """``expr``'s formula with its parts of state_time alone as new names of the tunnels' shared contexts."""
        factored = getattr(expr.formula, "factored", None)
        known = self.timed.keys() | self.base.keys() | {STATE_TIME}

        def movable(names: frozenset[str]) -> bool:
            return names <= known and not names & self.clocked and bool(names & self.on_state_time)

        if factored is None or not expr.formula.names & self.clocked:
            return expr.formula
        prefix = f"__state_time_part{len(self._factored)}_"
        formula, parts = factored(movable, prefix)
        if any(name in known for name in parts):
            return expr.formula
        for name, part in parts.items():
            self.timed[name] = Expression(part, expr.origin)
            self.on_state_time.add(name)
        return formula

    def at_start(self, expr: Expression, path: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """A value at the start of the model, as (S,); it must not vary with time or time in state.

        ``path``: a decision tree's path values, names that come before the parameters (model/tree_inputs.py).
        """
        env = self.context("start")
        a = self.value(expr, ChainMap(dict(path), env) if path else env)
        if a.shape[1:] != (1, 1):
            raise ModelError("a value at the start of the model cannot vary with state_time", expr.origin)
        return np.broadcast_to(a[:, 0, 0], (self.samples,))

    def discount_rate(self, which: str) -> float | np.ndarray:
        """The yearly discount rate of ``which`` ("costs" or "effects"): a number, or (S,) when a formula
        written for it takes different values across the samples (a DSA row or PSA draws on it)."""
        d = self.model.settings.discount
        expr = d.costs_formula if which == "costs" else d.effects_formula
        if expr is None:
            return float(getattr(d, which))
        rate = self.at_start(expr)
        check_probability(rate[:, None, None], expr.origin, "discount rate", self.strategy_name)
        return float(rate[0]) if np.all(rate == rate[0]) else np.array(rate)

    def context(self, kind: str, tunnel: int = 1) -> dict[str, Any]:
        """Names for formulas evaluated at the start, per cycle (``"cycle"``), per time point (``"point"``),
        or (``"residence"``) with ``state_time`` alone, what every cycle of a tunnel shares."""
        key = (kind, tunnel)
        if key not in self._cache:
            self._cache[key] = self._context(kind, tunnel)
        return self._cache[key]

    def _context(self, kind: str, tunnel: int) -> dict[str, Any]:
        settings = self.model.settings
        n, dt = settings.n_cycles, settings.cycle_length
        env = _Context(self, self.base)
        env["state_time"] = np.arange(1, tunnel + 1, dtype=float).reshape(1, 1, tunnel)
        if kind == "residence":  # no clock: a formula that needs one fails, as with an unknown name
            return env
        if kind == "start":
            cycle = np.zeros((1, 1, 1))
            time = cycle
        elif kind == "cycle":  # transitions of cycle k = 1..n, from time (k-1) to time k
            cycle = np.arange(1, n + 1, dtype=float).reshape(1, n, 1)
            time = (cycle - 1) * dt
        else:  # state values at time points t = 0..n
            cycle = np.arange(0, n + 1, dtype=float).reshape(1, n + 1, 1)
            time = cycle * dt
        env.update(cycle=cycle, time=time)
        if settings.start_age is not None:
            env["age"] = settings.start_age + time
        return env

    def varies(self, expr: Expression) -> tuple[bool, bool]:
        """Whether ``expr`` varies with the model's clock (cycle, time, age) and with ``state_time``."""
        names = expr.formula.names
        return bool(names & self.clocked), bool(names & self.on_state_time)

    def at_cycle(self, k: int, tunnel: int, reach: int, *, point: bool = False) -> dict[str, Any]:
        """Names for the transitions of cycle ``k`` (1..n) alone, or with ``point`` for time point ``k``
        (0..n) alone, for cycles in state 1..``reach`` of a tunnel. Values are (S, 1, reach) at most.

        Parameters of ``state_time`` alone come from the tunnel's cached context (cut to ``reach``);
        those that vary with the clock are evaluated again, when asked for.
        """
        env = _OneCycle(self, self.base, self.context("residence", tunnel), reach)
        env["state_time"] = np.arange(1, reach + 1, dtype=float).reshape(1, 1, reach)
        dt = self.model.settings.cycle_length
        cycle = np.full((1, 1, 1), float(k))
        env.update(cycle=cycle, time=cycle * dt if point else (cycle - 1) * dt)
        if self.model.settings.start_age is not None:
            env["age"] = self.model.settings.start_age + env["time"]
        return env


def _when(exc: FormulaError, env: Mapping[str, Any]) -> str:
    """' at cycle 0 (time = 0 years)': the model's clock where a time-dependent formula failed."""
    if "cycle" not in env:
        return ""
    cycle, time = (np.asarray(env[k]).reshape(-1) for k in ("cycle", "time"))
    i = exc.at[0] if exc.at is not None and exc.at[0] is not None else 0
    if (cycle.size > 1 and (exc.at is None or exc.at[0] is None)) or i >= cycle.size:
        return ""  # fails at every time point, or cannot tell where
    return f" at cycle {cycle[i]:g} (time = {time[i]:g} year{'' if time[i] == 1 else 's'})"


def base_values(model: DecisionModel) -> dict[str, float]:
    """Every time-independent parameter's base-case value (no strategy overrides)."""
    try:
        params = Parameters(model, None, None, 1)
    except ModelError as error:
        raise model.located(error) from None
    return {k: float(np.asarray(v).reshape(-1)[0]) for k, v in params.base.items() if k in model.parameters}

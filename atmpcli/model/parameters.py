"""The parameter graph of one strategy evaluated to numpy arrays, per evaluation context.

Values are 3-d arrays broadcasting to (S, T, L): samples, time (cycles or time points) and, for tunnel
states, cycles already spent in the state. Parameters that do not depend on time are evaluated once;
the others are evaluated per context (the start, each cycle, each time point) and cached.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from atmpcli.errors import FormulaError, ModelError
from atmpcli.model.decision_model import DecisionModel, Strategy
from atmpcli.model.expressions import STATE_TIME, TIME_VARIABLES, Expression, as3d
from atmpcli.model.parameter_graph import ParameterGraph

BASE_CASE = "(base case)"  # the strategy named in errors about parameters without a strategy's overrides


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
        order = graph.order()
        timed = graph.depending_on({*TIME_VARIABLES, STATE_TIME})
        self.timed_order = [n for n in order if n in timed]
        self.base: dict[str, Any] = dict(model.tables)
        self.base.update(drawn)
        for name in order:
            if name not in timed:
                self.base[name] = self.value(formulas[name], self.base)
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}

    def value(self, expr: Expression, env: dict[str, Any]) -> np.ndarray:
        try:
            return as3d(expr.formula.evaluate(env))
        except FormulaError as exc:
            raise ModelError(str(exc), expr.origin, strategy=self.strategy_name) from None

    def at_start(self, expr: Expression) -> np.ndarray:
        """A value at the start of the model, as (S,); it must not vary with time or time in state."""
        a = self.value(expr, self.context("start"))
        if a.shape[1:] != (1, 1):
            raise ModelError("a value at the start of the model cannot vary with state_time", expr.origin)
        return np.broadcast_to(a[:, 0, 0], (self.samples,))

    def context(self, kind: str, tunnel: int = 1) -> dict[str, Any]:
        """Names for formulas evaluated at the start, per cycle (``"cycle"``) or per time point (``"point"``)."""
        key = (kind, tunnel)
        if key in self._cache:
            return self._cache[key]
        settings = self.model.settings
        n, dt = settings.n_cycles, settings.cycle_length
        if kind == "start":
            cycle = np.zeros((1, 1, 1))
            time = cycle
        elif kind == "cycle":  # transitions of cycle k = 1..n, from time (k-1) to time k
            cycle = np.arange(1, n + 1, dtype=float).reshape(1, n, 1)
            time = (cycle - 1) * dt
        else:  # state values at time points t = 0..n
            cycle = np.arange(0, n + 1, dtype=float).reshape(1, n + 1, 1)
            time = cycle * dt
        env = dict(self.base)
        env.update(cycle=cycle, time=time, state_time=np.arange(1, tunnel + 1, dtype=float).reshape(1, 1, tunnel))
        if settings.start_age is not None:
            env["age"] = settings.start_age + time
        for name in self.timed_order:
            env[name] = self.value(self.formulas[name], env)
        self._cache[key] = env
        return env


def base_values(model: DecisionModel) -> dict[str, float]:
    """Every time-independent parameter's base-case value (no strategy overrides)."""
    try:
        params = Parameters(model, None, None, 1)
    except ModelError as error:
        raise model.located(error) from None
    return {k: float(np.asarray(v).reshape(-1)[0]) for k, v in params.base.items() if k in model.parameters}

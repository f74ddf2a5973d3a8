"""The parameter graph of one strategy evaluated to numpy arrays, per evaluation context.

Values are 3-d arrays broadcasting to (S, T, L): samples, time (cycles or time points) and, for tunnel
states, cycles already spent in the state. Parameters that do not depend on time are evaluated once;
the others are evaluated per context (the start, each cycle, each time point) and cached.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from atmpcli.errors import FormulaError
from atmpcli.scenario.compiled import STATE_TIME, TIME_VARIABLES, Expression, Scenario, Strategy
from atmpcli.scenario.graph import topological_order


def as3d(value: Any) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1, 1)
    return a


class Parameters:
    """The parameter graph of one strategy, evaluated lazily per context (start, cycle, time point)."""

    def __init__(self, scenario: Scenario, strategy: Strategy, draws: dict[str, np.ndarray] | None, samples: int):
        self.scenario, self.strategy, self.samples = scenario, strategy, samples
        formulas = {**scenario.parameters, **strategy.overrides}
        # a strategy's own value for a parameter wins over a draw of it (e.g. a fixed price)
        drawn = {k: as3d(v) for k, v in (draws or {}).items() if k not in strategy.overrides}
        for k in drawn:
            formulas.pop(k, None)
        self.formulas = formulas
        order = topological_order({k: e.formula.names for k, e in formulas.items()})
        timed: set[str] = set()
        for name in order:
            if formulas[name].formula.names & (timed | {*TIME_VARIABLES, STATE_TIME}):
                timed.add(name)
        self.timed_order = [n for n in order if n in timed]
        self.base: dict[str, Any] = dict(scenario.tables)
        self.base.update(drawn)
        for name in order:
            if name not in timed:
                self.base[name] = self.value(formulas[name], self.base)
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}

    def value(self, expr: Expression, env: dict[str, Any]) -> np.ndarray:
        try:
            return as3d(expr.formula.evaluate(env))
        except FormulaError as exc:
            raise self.scenario.problem(expr.loc, f"{exc}{self._which()}") from None

    def _which(self) -> str:
        return f" (strategy {self.strategy.name})" if len(self.scenario.strategies) > 1 else ""

    def context(self, kind: str, tunnel: int = 1) -> dict[str, Any]:
        """Names for formulas evaluated at the start, per cycle (``"cycle"``) or per time point (``"point"``)."""
        key = (kind, tunnel)
        if key in self._cache:
            return self._cache[key]
        sc = self.scenario
        n, dt = sc.n_cycles, sc.settings.cycle_length
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
        if sc.settings.start_age is not None:
            env["age"] = sc.settings.start_age + time
        for name in self.timed_order:
            env[name] = self.value(self.formulas[name], env)
        self._cache[key] = env
        return env

"""Evaluating a strategy's decision tree inputs: branch probabilities, payoffs and metrics as arrays.

Probabilities are checked here (each in [0, 1], siblings summing to 1 or completed by ``rest``) so that
errors name the branch, the sample and the strategy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from atmpcli.model.parameters import Parameters
from atmpcli.model.tree import Node
from atmpcli.scenario.compiled import Branch, Expression, Payoff

ROW_TOLERANCE = 1e-9  # how far a transition row or a set of branch probabilities may stray from 1


def payoff_arrays(payoff: Payoff, params: Parameters, S: int) -> dict[str, Any]:
    env = params.context("start")

    def one(e: Expression | None) -> np.ndarray | float:
        return 0.0 if e is None else flat(params.value(e, env), S, params, e)

    return {
        "costs": {c: flat(params.value(e, env), S, params, e) for c, e in payoff.costs.items()},
        "qalys": one(payoff.qalys),
        "life_years": one(payoff.life_years),
    }


def metrics_arrays(metrics: dict[str, Expression], params: Parameters, S: int) -> dict[str, np.ndarray]:
    env = params.context("start")
    return {k: flat(params.value(e, env), S, params, e) for k, e in metrics.items()}


def flat(a: np.ndarray, S: int, params: Parameters, e: Expression) -> np.ndarray:
    """A start-of-model value as (S,); it must not vary with time or time in state."""
    if a.shape[1:] != (1, 1):
        raise params.scenario.problem(e.loc, "a value at the start of the model cannot vary with state_time")
    return np.broadcast_to(a[:, 0, 0], (S,))


def nodes(branches: list[Branch], params: Parameters, S: int) -> list[Node]:
    if not branches:
        return []
    env = params.context("start")
    out: list[Node] = []
    total = np.zeros(S)
    rest: Node | None = None
    for b in branches:
        node = Node(
            b.name,
            np.zeros(S),
            **payoff_arrays(b.payoff, params, S),
            response=b.response,
            state=b.state,
            children=nodes(b.children, params, S),
            metrics=metrics_arrays(b.metrics, params, S),
        )
        if b.p is None:
            rest = node
        else:
            node.p = flat(params.value(b.p, env), S, params, b.p)
            check_probability(params, node.p[:, None, None], b.p, "probability")
            total = total + node.p
        out.append(node)
    parent = branches[0].loc[:-1]
    if rest is not None:
        if np.any(total > 1 + ROW_TOLERANCE):
            s = int(np.argmax(total))
            raise params.scenario.problem(
                parent,
                f"branch probabilities sum to {total[s]:.10g} before "
                f"'rest', more than 1{sample_text(s, S)}{params._which()}",
            )
        rest.p = np.clip(1.0 - total, 0.0, 1.0)
    elif np.any(np.abs(total - 1) > ROW_TOLERANCE):
        s = int(np.argmax(np.abs(total - 1)))
        raise params.scenario.problem(
            parent,
            f"branch probabilities sum to {total[s]:.10g}, not 1 "
            f"(use p: rest for the complement){sample_text(s, S)}{params._which()}",
        )
    return out


def sample_text(s: int, S: int) -> str:
    return f" in sample {s + 1}" if S > 1 else ""


def check_probability(params: Parameters, a: np.ndarray, e: Expression, what: str, cycle_axis: bool = False) -> None:
    bad = (a < 0) | (a > 1)
    if np.any(bad):
        s, t, d = (int(i) for i in np.argwhere(bad)[0])
        value = a[s, t, d]
        where = f" in cycle {t + 1}" if cycle_axis and a.shape[1] > 1 else ""
        where += f" at state_time {d + 1}" if a.shape[2] > 1 else ""
        raise params.scenario.problem(
            e.loc, f"{what} {value:.10g} is outside [0, 1]{where}{sample_text(s, a.shape[0])}{params._which()}"
        )

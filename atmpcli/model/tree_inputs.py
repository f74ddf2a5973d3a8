"""Evaluating a strategy's decision tree inputs: branch probabilities, payoffs and metrics as arrays.

Probabilities are checked here (each in [0, 1], siblings summing to 1 or completed by ``rest``) so that
errors name the branch, the sample and the strategy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from atmpcli.model.decision_model import Branch, Payoff, Tree
from atmpcli.model.expressions import Expression
from atmpcli.model.parameters import Parameters
from atmpcli.model.probability_checks import check_probability, check_total
from atmpcli.model.tree import Node


def payoff_arrays(payoff: Payoff, params: Parameters) -> dict[str, Any]:
    def one(e: Expression | None) -> np.ndarray | float:
        return 0.0 if e is None else params.at_start(e)

    return {
        "costs": {c: params.at_start(e) for c, e in payoff.costs.items()},
        "qalys": one(payoff.qalys),
        "life_years": one(payoff.life_years),
    }


def metrics_arrays(metrics: dict[str, Expression], params: Parameters) -> dict[str, np.ndarray]:
    return {k: params.at_start(e) for k, e in metrics.items()}


def root_node(tree: Tree, params: Parameters) -> Node:
    """The tree with every number evaluated, ready to roll back."""
    return Node(
        "",
        np.ones(1),
        **payoff_arrays(tree.payoff, params),
        children=nodes(tree.branches, params),
        metrics=metrics_arrays(tree.metrics, params),
    )


def nodes(branches: list[Branch], params: Parameters) -> list[Node]:
    if not branches:
        return []
    S = params.samples
    out: list[Node] = []
    total = np.zeros(S)
    rest: Node | None = None
    for b in branches:
        node = Node(
            b.name,
            np.zeros(S),
            **payoff_arrays(b.payoff, params),
            response=b.response,
            state=b.state,
            children=nodes(b.children, params),
            metrics=metrics_arrays(b.metrics, params),
        )
        if b.p is None:
            rest = node
        else:
            node.p = params.at_start(b.p)
            check_probability(node.p[:, None, None], b.p.origin, "probability", params.strategy_name)
            total = total + node.p
        out.append(node)
    parent = branches[0].origin[:-1]
    check_total(
        total[:, None, None],
        parent,
        "branch probabilities sum",
        params.strategy_name,
        before_rest=rest is not None,
        hint=" (use p: rest for the complement)",
        worst=True,
    )
    if rest is not None:
        rest.p = np.clip(1.0 - total, 0.0, 1.0)
    return out

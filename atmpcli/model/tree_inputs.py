"""Evaluating a strategy's decision tree inputs: branch probabilities, payoffs and metrics as arrays.

Probabilities are checked here (each in [0, 1], siblings summing to 1 or completed by ``rest``) so that
errors name the branch, the sample and the strategy. Path values (``set:``) are evaluated with the values
of the path above and passed down: a branch's probability sees its parent's path values, its payoffs and
the branches below see its own as well (atmpcli/scenario/tree_values.py checks the names).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from atmpcli.model.decision_model import Branch, Payoff, Tree
from atmpcli.model.expressions import Expression
from atmpcli.model.parameters import Parameters
from atmpcli.model.probability_checks import check_probability, check_total
from atmpcli.model.tree import Node

PathValues = dict[str, np.ndarray]  # name -> (S, 1, 1), as parameters are held


def payoff_arrays(payoff: Payoff, params: Parameters, path: PathValues | None = None) -> dict[str, Any]:
    def one(e: Expression | None) -> np.ndarray | float:
        return 0.0 if e is None else params.at_start(e, path)

    return {
        "costs": {c: params.at_start(e, path) for c, e in payoff.costs.items()},
        "qalys": one(payoff.qalys),
        "life_years": one(payoff.life_years),
    }


def metrics_arrays(metrics: dict[str, Expression], params: Parameters, path: PathValues) -> dict[str, np.ndarray]:
    return {k: params.at_start(e, path) for k, e in metrics.items()}


def path_values(values: dict[str, Expression], params: Parameters, above: PathValues) -> PathValues:
    """The path values below a node: those above, with the node's own (evaluated with those above)."""
    if not values:
        return above
    own = {k: params.at_start(e, above).reshape(-1, 1, 1) for k, e in values.items()}
    return {**above, **own}


def root_node(tree: Tree, params: Parameters) -> Node:
    """The tree with every number evaluated, ready to roll back."""
    path = path_values(tree.values, params, {})
    return Node(
        "",
        np.ones(1),
        **payoff_arrays(tree.payoff, params, path),
        children=nodes(tree.branches, params, path),
        metrics=metrics_arrays(tree.metrics, params, path),
    )


def nodes(branches: list[Branch], params: Parameters, above: PathValues | None = None) -> list[Node]:
    if not branches:
        return []
    above = above or {}
    S = params.samples
    out: list[Node] = []
    total = np.zeros(S)
    rest: Node | None = None
    for b in branches:
        path = path_values(b.values, params, above)
        node = Node(
            b.name,
            np.zeros(S),
            **payoff_arrays(b.payoff, params, path),
            response=b.response,
            state=b.state,
            children=nodes(b.children, params, path),
            metrics=metrics_arrays(b.metrics, params, path),
        )
        if b.p is None:
            rest = node
        else:
            node.p = params.at_start(b.p, above)
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

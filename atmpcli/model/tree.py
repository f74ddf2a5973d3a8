"""Decision trees in front of the cohort model: path probabilities, one-off payoffs, entry states."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Node:
    """A branch with numbers already evaluated; arrays broadcast to (S,)."""

    name: str
    p: np.ndarray
    costs: dict[str, np.ndarray] = field(default_factory=dict)
    qalys: np.ndarray | float = 0.0
    life_years: np.ndarray | float = 0.0
    response: bool = False
    state: int | None = None
    children: list[Node] = field(default_factory=list)
    metrics: dict[str, np.ndarray] = field(default_factory=dict)  # counted as reach x value


@dataclass
class TreeOutcome:
    start: np.ndarray  # (S, N) probability of entering each state of the cohort model
    costs: dict[str, np.ndarray]  # (S,) expected one-off cost per component
    qalys: np.ndarray
    life_years: np.ndarray
    responders: np.ndarray  # (S,) probability of reaching a leaf below a response branch
    leaves: dict[str, np.ndarray]  # "a/b/c" path -> (S,) probability
    metrics: dict[str, np.ndarray] = field(default_factory=dict)  # (S,) sum over branches of reach x value


def roll_back(root: Node, n_states: int, samples: int) -> TreeOutcome:
    """Expected payoffs of a tree whose root has probability 1."""
    out = TreeOutcome(
        start=np.zeros((samples, n_states)),
        costs={},
        qalys=np.zeros(samples),
        life_years=np.zeros(samples),
        responders=np.zeros(samples),
        leaves={},
    )

    def visit(node: Node, reach: np.ndarray, path: str, responding: bool) -> None:
        for comp, value in node.costs.items():
            out.costs[comp] = out.costs.get(comp, 0.0) + reach * value
        out.qalys += reach * node.qalys
        out.life_years += reach * node.life_years
        for name, value in node.metrics.items():
            out.metrics[name] = out.metrics.get(name, 0.0) + reach * value
        responding = responding or node.response
        if not node.children:
            out.leaves[path] = reach
            if responding:
                out.responders += reach
            if node.state is not None:
                out.start[:, node.state] += reach
            return
        for child in node.children:
            visit(child, reach * child.p, f"{path}/{child.name}" if path else child.name, responding)

    visit(root, np.ones(samples), "", False)
    return out

"""What a caller reads from an evaluation, and the totals the engine accumulates for it.

The engine computes only what is requested: a probabilistic analysis needs each sample's total
discounted cost and its effect, not costs by component, undiscounted totals, the cohort trace or the
cost at each time point (budget impact). ``Outputs()`` asks for everything (the base case of
``compare``); :meth:`Outputs.decision` asks for what a decision between strategies needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

EFFECTS = ("qalys", "life_years")


@dataclass(frozen=True)
class Outputs:
    """What to compute. Totals that are not requested come back as None (costs by component as {})."""

    effects: frozenset[str] = frozenset(EFFECTS)  # discounted effects (responders are always counted)
    by_component: bool = True  # costs by component, not just their total
    undiscounted: bool = True  # undiscounted totals next to the discounted ones
    trace: bool = True  # the cohort trace (S, n + 1, states)
    cost_points: bool = True  # undiscounted cost at each time point (budget impact)
    effect_points: bool = True  # undiscounted QALYs and life-years at each time point (evLYG): Markov and PSM
    survival: bool = True  # a partitioned survival model's reviewer checks

    @classmethod
    def decision(cls, effect: str) -> Outputs:
        """The total discounted cost and the decision's effect (qalys, life_years or responders) only."""
        return cls(
            effects=frozenset({effect}) & frozenset(EFFECTS),
            by_component=False,
            undiscounted=False,
            trace=False,
            cost_points=False,
            effect_points=False,
            survival=False,
        )

    def with_trace(self) -> Outputs:
        return replace(self, trace=True)


EVERYTHING = Outputs()


class Totals:
    """Per-person totals being accumulated, arrays (S,): costs (by component, or only their sum) and effects,
    discounted and, on request, undiscounted. What is not requested stays None (costs by component: {})."""

    def __init__(self, components: list[str], samples: int, outputs: Outputs, has_utilities: bool) -> None:
        S = self.samples = samples
        self.outputs = outputs
        by, undiscounted = outputs.by_component, outputs.undiscounted
        self.costs = {c: np.zeros(S) for c in components} if by else {}
        self.costs_u = {c: np.zeros(S) for c in components} if by and undiscounted else {}
        self._cost = np.zeros(S)  # the total when costs are not kept by component
        self._cost_u = np.zeros(S) if undiscounted else None
        self.qalys = np.zeros(S) if "qalys" in outputs.effects and has_utilities else None
        self.qalys_u = np.zeros(S) if self.qalys is not None and undiscounted else None
        self.ly = np.zeros(S) if "life_years" in outputs.effects else None
        self.ly_u = np.zeros(S) if self.ly is not None and undiscounted else None

    def wants(self, quantity: str) -> bool:
        """Whether ``quantity`` (qalys, life_years; costs always) is accumulated at all."""
        return {"qalys": self.qalys, "life_years": self.ly}.get(quantity, self._cost) is not None

    def add(self, quantity: str, x: np.ndarray | float, undiscounted: bool = False) -> None:
        """Add ``x`` to a total: ``quantity`` is "cost:<component>", "qalys" or "life_years"."""
        if quantity.startswith("cost:"):
            if self.outputs.by_component:
                target = (self.costs_u if undiscounted else self.costs).get(quantity[5:])
            else:
                target = self._cost_u if undiscounted else self._cost
        elif quantity == "qalys":
            target = self.qalys_u if undiscounted else self.qalys
        else:
            target = self.ly_u if undiscounted else self.ly
        if target is not None:
            target += x

    def add_both(self, quantity: str, x: np.ndarray | float) -> None:
        """A one-off at time 0: the same amount discounted and undiscounted."""
        self.add(quantity, x)
        self.add(quantity, x, undiscounted=True)

    @property
    def cost(self) -> np.ndarray:
        return sum(self.costs.values(), np.zeros(self.samples)) if self.outputs.by_component else self._cost

    @property
    def cost_undiscounted(self) -> np.ndarray | None:
        if not self.outputs.undiscounted:
            return None
        return sum(self.costs_u.values(), np.zeros(self.samples)) if self.outputs.by_component else self._cost_u

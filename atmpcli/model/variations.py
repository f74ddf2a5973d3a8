"""A decision model changed on purpose, as a reviewer's black-box tests change it (analysis/verification.py).

Each function returns a new :class:`DecisionModel` (the input is not touched) with one thing changed in the
model itself, not in its YAML: no mortality (no transitions into dead states, or overall survival 1), every
utility 1, no discounting, every strategy a copy of the comparator. The copy keeps the model's ``located``
(errors still name the file) but no ``rebuild``: it cannot be built again from its file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from atmpcli.model.decision_model import (
    Branch,
    DecisionModel,
    Discount,
    Payoff,
    State,
    Strategy,
    TransitionReward,
    Tree,
)
from atmpcli.model.expressions import Expression
from atmpcli.model.survival_model import SurvivalModel


@dataclass(frozen=True)
class Constant:
    """A formula that is a fixed number (satisfies :class:`atmpcli.model.expressions.Formula`)."""

    number: float

    @property
    def text(self) -> str:
        return f"{self.number:g}"

    @property
    def names(self) -> frozenset[str]:
        return frozenset()

    @property
    def is_constant(self) -> bool:
        return True

    def evaluate(self, env: Mapping[str, Any]) -> np.ndarray:
        return np.asarray(self.number, dtype=float)


def constant(number: float, origin: tuple = ()) -> Expression:
    return Expression(Constant(number), origin)


def _copy(model: DecisionModel, **changes: Any) -> DecisionModel:
    return dataclasses.replace(model, rebuild=None, **changes)


def dead_states(model: DecisionModel) -> set[int]:
    return {i for i, st in enumerate(model.states) if not st.alive}


def without_mortality(model: DecisionModel) -> DecisionModel:
    """No one dies in the cohort model: every transition into a dead state is removed, and in a
    partitioned survival model every overall-survival curve is 1 at all times.

    The removed probability stays where it was: a row whose complement (``rest``) went to a dead state, or
    that had none, sends its complement back to its own state. Nobody moves from an alive state to a dead one.
    """
    if model.partitions:
        return _without_deaths_from_curves(model)
    dead = dead_states(model)
    rows = []
    for row in model.transitions:
        if row.source in dead:
            rows.append(row)
            continue
        kept = {t: e for t, e in row.probabilities.items() if t not in dead}
        rest = row.rest if row.rest is not None and row.rest not in dead else row.source
        if rest in kept and rest != row.rest:
            kept.pop(rest)  # its own probability is now the complement
        rows.append(dataclasses.replace(row, probabilities=kept, rest=rest))
    return _copy(model, transitions=rows)


@dataclass
class _NoDeaths(SurvivalModel):
    """The model's curves, and copies of some (``immortal``) with S(t) = 1: a cumulative hazard of 0."""

    immortal: frozenset[str] = frozenset()

    def cumhaz(self, name: str, env: Mapping[str, Any], t: object) -> np.ndarray:
        if name in self.immortal:
            t2 = np.asarray(t, dtype=float)
            return np.zeros(t2.reshape(1, -1).shape if t2.ndim < 2 else t2.shape)
        return super().cumhaz(name, env, t)

    def grid(self, name: str, env: Mapping[str, Any], k: int) -> np.ndarray:
        return np.zeros((1, k + 1)) if name in self.immortal else super().grid(name, env, k)


def _without_deaths_from_curves(model: DecisionModel) -> DecisionModel:
    """Each partition's OS curves replaced by copies named ``<curve> (no deaths)`` that never fall; the PFS
    curves (and any curve built on an OS curve) as they were, capped at OS = 1 as always."""
    surv = model.survival
    assert surv is not None
    renamed = {c: f"{c} (no deaths)" for p in model.partitions for c in p.os.values()}
    curves = dict(surv.curves) | {new: dataclasses.replace(surv.curves[c], name=new) for c, new in renamed.items()}
    survival = _NoDeaths(curves, surv.general_population, surv.step, immortal=frozenset(renamed.values()))
    partitions = [dataclasses.replace(p, os={s: renamed[c] for s, c in p.os.items()}) for p in model.partitions]
    return _copy(model, survival=survival, partitions=partitions)


def with_unit_utilities(model: DecisionModel) -> DecisionModel:
    """Perfect health: utility 1 per year alive, none dead; one-off QALYs equal the one-off life-years."""
    per_cycle = model.settings.state_values_per == "cycle"
    full = model.settings.cycle_length if per_cycle else 1.0  # a cycle of perfect health, per cycle

    def state(st: State) -> State:
        return dataclasses.replace(st, utility=constant(full, ("states", st.name, "utility")) if st.alive else None)

    return _copy(
        model,
        states=[state(st) for st in model.states],
        transition_rewards=[_reward_qalys_as_life_years(r) for r in model.transition_rewards],
        start=_qalys_as_life_years(model.start) if model.start is not None else None,
        tree=_tree(model.tree),
        strategies=[
            dataclasses.replace(s, tree=_tree(s.tree), infused_tree=_tree(s.infused_tree)) for s in model.strategies
        ],
    )


def _qalys_as_life_years(p: Payoff) -> Payoff:
    return dataclasses.replace(p, qalys=p.life_years)


def _reward_qalys_as_life_years(r: TransitionReward) -> TransitionReward:
    return dataclasses.replace(r, payoff=_qalys_as_life_years(r.payoff))


def _tree(tree: Tree | None) -> Tree | None:
    if tree is None:
        return None

    def branch(b: Branch) -> Branch:
        return dataclasses.replace(b, payoff=_qalys_as_life_years(b.payoff), children=[branch(c) for c in b.children])

    return dataclasses.replace(
        tree, payoff=_qalys_as_life_years(tree.payoff), branches=[branch(b) for b in tree.branches]
    )


def without_discounting(model: DecisionModel) -> DecisionModel:
    """Costs and effects discounted at 0 %."""
    return _copy(model, settings=dataclasses.replace(model.settings, discount=Discount(0.0, 0.0)))


def identical_strategies(model: DecisionModel) -> DecisionModel:
    """Every strategy a copy of the comparator under its own name and label."""
    comparator = model.strategy(model.comparator)

    def same(s: Strategy) -> Strategy:
        return dataclasses.replace(comparator, name=s.name, label=s.label, description=s.description, origin=s.origin)

    c = comparator.name
    partitions = [
        dataclasses.replace(
            p,
            pfs={s.name: p.pfs[c] for s in model.strategies} if p.pfs else p.pfs,
            os={s.name: p.os[c] for s in model.strategies},
        )
        for p in model.partitions
    ]
    return _copy(model, strategies=[same(s) for s in model.strategies], partitions=partitions)


__all__ = [
    "Constant",
    "constant",
    "dead_states",
    "identical_strategies",
    "with_unit_utilities",
    "without_discounting",
    "without_mortality",
]

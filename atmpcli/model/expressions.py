"""Formulas as the engine sees them: something that evaluates to numpy arrays, and where it was written.

The engine does not parse formulas. It receives objects that satisfy :class:`Formula` (the scenario
layer's safe formula language provides them, see ``atmpcli/scenario/formula.py``) and evaluates them in
an environment of arrays: parameters, look-up tables, and the time variables below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from atmpcli.errors import Origin

# Names the engine puts in the environment besides parameters and tables. cycle, time and age follow the
# model clock (their meaning depends on where the formula is used); state_time counts cycles in a tunnel state.
TIME_VARIABLES = ("cycle", "time", "age")
STATE_TIME = "state_time"


class Formula(Protocol):
    """A compiled formula. ``evaluate`` raises :class:`atmpcli.errors.FormulaError` with a readable message.

    A formula may also offer ``factored(movable, prefix)`` (the scenario layer's do): the same formula with
    its largest parts whose names satisfy ``movable`` given new names, and those parts; the engine uses it,
    when present, to evaluate once what depends on the time in a tunnel state alone (model/parameters.py).
    """

    @property
    def text(self) -> str: ...  # the formula as written, for tables and reports

    @property
    def names(self) -> frozenset[str]: ...  # parameters and time variables it uses

    @property
    def is_constant(self) -> bool: ...  # a plain number (a sensitivity analysis can vary it)

    def evaluate(self, env: Mapping[str, Any]) -> np.ndarray: ...


@dataclass(frozen=True)
class Expression:
    """A formula and the input it came from (errors name ``origin``; the scenario layer adds file and line)."""

    formula: Formula
    origin: Origin


def as3d(value: Any) -> np.ndarray:
    """A formula's value as an array broadcasting to (samples, time, cycles in state)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1, 1)
    return a

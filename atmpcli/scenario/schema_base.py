"""The building blocks every part of the scenario schema shares: expressions (a number or a formula),
probabilities, the strict base model and the ``rest`` marker (kept apart so that the schema modules can
import them without importing one another)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

REST = "rest"  # the complement marker in transition rows and tree branches


def _expr(value: Any) -> float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number or a formula, got {kind_of(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    if isinstance(value, int) and abs(value) > 1.7976931348623157e308:  # e.g. a --set value; float() would fail
        raise ValueError("the number is beyond the range of floating-point numbers (about ±1.8e308)")
    return value if isinstance(value, str) else float(value)


def kind_of(value: Any) -> str:
    """A value of the wrong type as messages name it ("a mapping", "true (a yes/no value)")."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    return {dict: "a mapping", list: "a list"}.get(type(value), type(value).__name__)


Expr = Annotated[float | str, PlainValidator(_expr)]
Probability = Annotated[float, Field(ge=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


Costs = dict[str, Expr]

"""The cohort trace: the share of the cohort in each state at each cycle, per strategy, in long format.

The first thing a reviewer checks against a published model. One row per strategy, cycle and state:
``strategy, cycle, years, state, proportion, count`` (``count`` = proportion x settings.cohort_size, as
heemod's counts for a cohort of 1,000). Cycle 0 is the start (after any decision tree in front of the
cohort); tunnel states are reported as the state the user declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.errors import ModelError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.outcomes import StrategyOutcome

if TYPE_CHECKING:
    import pandas as pd

TRACE_COLUMNS = ["strategy", "cycle", "years", "state", "proportion", "count"]


def trace_frame(model: DecisionModel, outcomes: Sequence[StrategyOutcome]) -> pd.DataFrame:
    """TRACE_COLUMNS for the outcomes that have a trace (base case: the first sample)."""
    import pandas as pd

    states = [s.name for s in model.states]
    parts = []
    for o in outcomes:
        if o.trace is None:
            continue
        shares = o.trace[0]  # (cycles + 1, states)
        cycles = np.arange(shares.shape[0])
        parts.append(
            pd.DataFrame(
                {
                    "strategy": o.strategy,
                    "cycle": np.repeat(cycles, len(states)),
                    "years": np.repeat(cycles * model.settings.cycle_length, len(states)),
                    "state": np.tile(states, len(cycles)),
                    "proportion": shares.reshape(-1),
                    "count": shares.reshape(-1) * model.settings.cohort_size,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=TRACE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[TRACE_COLUMNS]


def trace_by_state(trace: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """One strategy's trace with one column per state (``cycle, years, <state>...``), for workbooks and tables."""
    mine = trace[trace["strategy"] == strategy]
    wide = mine.pivot(index=["cycle", "years"], columns="state", values="proportion")
    states = list(dict.fromkeys(mine["state"]))
    return wide[states].reset_index().rename_axis(columns=None)


@result_type
class CohortTrace(Result):
    """The cohort trace of a scenario's strategies (``atmpcli trace``)."""

    sheet: ClassVar[str] = "Trace"
    trace: pd.DataFrame  # TRACE_COLUMNS
    strategies: list[str]
    states: list[str]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"trace": self.trace}

    def by_state(self, strategy: str) -> pd.DataFrame:
        return trace_by_state(self.trace, strategy)

    def body(self) -> dict[str, Any]:
        return self.scenario_header() | {
            "strategies": self.strategies,
            "states": self.states,
            "columns": TRACE_COLUMNS,
            "rows": records(self.trace),
        }


def cohort_trace(model: DecisionModel, strategies: Sequence[str] | None = None) -> CohortTrace:
    """The base-case trace of ``strategies`` (default: all); an error for a model without a cohort."""
    if not model.has_markov:
        message = "the scenario has no cohort model (states), so it has no trace"
        raise model.located(ModelError(message, ("states",)))
    names = list(strategies) if strategies else [s.name for s in model.strategies]
    for name in names:
        if name not in [s.name for s in model.strategies]:
            known = ", ".join(s.name for s in model.strategies)
            raise model.located(ModelError(f"unknown strategy '{name}' (strategies: {known})", ("strategies",)))
    outcomes = [evaluate_strategy(model, name) for name in names]
    return CohortTrace(
        **context(model),
        trace=trace_frame(model, outcomes),
        strategies=names,
        states=[s.name for s in model.states],
    )

"""What the engine returns for one strategy: per-person totals, the cohort trace, tree and payment results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from atmpcli.model.payment_schedules import Payment

if TYPE_CHECKING:
    from atmpcli.model.partitioned_survival import SurvivalSummary


@dataclass
class StrategyOutcome:
    """Per-person results of one strategy; every array has shape (S,).

    What the evaluation was not asked for (``atmpcli.model.outputs.Outputs``) is None, or {} for costs by
    component; qalys is also None for a model without utilities.
    """

    strategy: str
    costs: dict[str, np.ndarray]
    cost: np.ndarray
    qalys: np.ndarray | None
    life_years: np.ndarray | None
    cost_undiscounted: np.ndarray | None
    qalys_undiscounted: np.ndarray | None
    life_years_undiscounted: np.ndarray | None
    responders: np.ndarray | None
    trace: np.ndarray | None  # (S, n+1, states) on the user's states, tunnels folded back
    leaves: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]  # test-and-treat accounting (tested, treated, true positives, ...), per person
    infused: StrategyOutcome | None = None  # cell/gene therapies: the same strategy among those infused
    payments: list[Payment] = field(default_factory=list)  # what the payer pays, per person, by therapy
    # undiscounted cost at each time point (corrected; one-off costs at t = 0), for budget impact; (S, n+1)
    cost_points: np.ndarray | None = None
    # QALYs and life-years at each time point, corrected and undiscounted, for the evLYG; (S, n+1); Markov and PSM
    qaly_points: np.ndarray | None = None
    ly_points: np.ndarray | None = None
    survival: SurvivalSummary | None = None  # partitioned survival: PFS above OS, curves against the general population

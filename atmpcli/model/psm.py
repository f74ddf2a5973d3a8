"""Partitioned survival: state occupancy from progression-free (or event-free) and overall survival.

On a time grid t_0 = 0 < t_1 < ... < t_n, for each PSA sample: progression-free = PFS(t),
progressed = OS(t) - PFS(t), dead = 1 - OS(t). A PFS curve above OS (possible when the two are
extrapolated separately) would make the progressed state negative; PFS is then capped at OS and the
number of capped time points is reported per sample, so the caller can warn (NICE DSU TSD 19).
Totals over time use the model's counting convention: ``correction_weights`` in model/cycle_correction_and_discounting.py
applied to these occupancies, exactly as for a Markov trace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-12  # PFS above OS by less than this is rounding, not a crossing


@dataclass(frozen=True)
class PartitionedSurvival:
    """State occupancy, each (S, T): progression_free + progressed + dead = 1 at every point."""

    progression_free: np.ndarray
    progressed: np.ndarray
    dead: np.ndarray
    pfs_above_os: np.ndarray  # (S,) number of time points where PFS exceeded OS and was capped

    @property
    def trace(self) -> np.ndarray:
        """(S, T, 3): the occupancy as a cohort trace over (progression-free, progressed, dead)."""
        return np.stack([self.progression_free, self.progressed, self.dead], axis=-1)


def partition(pfs: np.ndarray, os: np.ndarray) -> PartitionedSurvival:
    """Occupancy of a three-state PSM from PFS and OS arrays of shape (S, T) (or (T,))."""
    pfs = np.atleast_2d(np.asarray(pfs, dtype=float))
    os = np.atleast_2d(np.asarray(os, dtype=float))
    if pfs.shape != os.shape:
        raise ValueError(f"PFS and OS must have the same shape, got {pfs.shape} and {os.shape}")
    for name, curve in (("PFS", pfs), ("OS", os)):
        if np.any(~np.isfinite(curve)) or np.any(curve < 0) or np.any(curve > 1 + TOLERANCE):
            raise ValueError(f"{name} must be survival probabilities in [0, 1]")
    above = pfs > os + TOLERANCE
    capped = np.minimum(pfs, os)
    return PartitionedSurvival(capped, os - capped, 1 - os, above.sum(axis=1))

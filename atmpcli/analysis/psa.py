"""Probabilistic sensitivity analysis: many parameter sets through the one vectorised engine.

The samples are processed in chunks (a multiple of the sampler's block) so that memory stays flat
however many samples are asked for; only each sample's cost and effect per strategy (and, on request,
the drawn parameters) are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atmpcli.analysis.sampling import BLOCK, sampler
from atmpcli.errors import ModelError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.outputs import Outputs

Progress = Callable[[int, int], None]


@dataclass
class PSASamples:
    """Per-sample outcomes: ``costs`` and ``effects`` have shape (samples, strategies); ``draws`` holds the
    sampled parameters when they were kept. Summarised by analysis.psa_summary.summarise_psa."""

    strategies: list[str]
    costs: np.ndarray
    effects: np.ndarray
    comparator: int = 0
    draws: dict[str, np.ndarray] = field(default_factory=dict)
    seed: int | None = None
    source: str = "scenario"  # "scenario", "draws file" or "results file"

    @property
    def samples(self) -> int:
        return int(self.costs.shape[0])

    def incremental(self) -> tuple[np.ndarray, np.ndarray]:
        """Each sample's cost and effect minus the comparator's: arrays (samples, strategies)."""
        k = self.comparator
        return self.costs - self.costs[:, [k]], self.effects - self.effects[:, [k]]

    @property
    def frame(self) -> pd.DataFrame:
        """One row per sample: ``sample`` (from 1), ``cost_<strategy>``..., ``effect_<strategy>``..., then every
        kept parameter draw. What ``psa --per-sample`` writes and ``psa --results`` reads."""
        columns: dict[str, np.ndarray] = {"sample": np.arange(1, self.samples + 1)}
        columns.update({f"cost_{s}": self.costs[:, k] for k, s in enumerate(self.strategies)})
        columns.update({f"effect_{s}": self.effects[:, k] for k, s in enumerate(self.strategies)})
        columns.update({name: np.asarray(v, dtype=float) for name, v in self.draws.items()})
        return pd.DataFrame(columns)


def _effect(sc: DecisionModel, outcome: object) -> np.ndarray:
    return getattr(outcome, sc.settings.effect)


CHUNK = 2 * BLOCK


def run_psa(
    sc: DecisionModel,
    samples: int,
    seed: int,
    *,
    chunk: int = CHUNK,
    keep_draws: bool = False,
    progress: Progress | None = None,
) -> PSASamples:
    """Sample the scenario's distributions ``samples`` times and evaluate every strategy."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    s = sampler(sc)
    chunk = whole_blocks(chunk)

    def draws_for(start: int, size: int) -> dict[str, np.ndarray]:
        return s.draw(seed, start, size)

    result = _evaluate_in_chunks(sc, samples, draws_for, chunk, keep_draws, progress)
    result.seed = seed
    return result


def whole_blocks(chunk: int) -> int:
    return max(BLOCK, chunk - chunk % BLOCK)


def run_on_draws(
    sc: DecisionModel, table: dict[str, np.ndarray], *, chunk: int = 2 * BLOCK, progress: Progress | None = None
) -> PSASamples:
    """Evaluate the model on given parameter sets (e.g. posterior draws from another tool)."""
    unknown = sorted(set(table) - set(sc.parameters))
    if unknown:
        message = f"the draws file has columns that are not parameters of the scenario: {', '.join(unknown)}"
        raise sc.located(ModelError(message, ("parameters",)))
    n = len(next(iter(table.values())))

    def draws_for(start: int, size: int) -> dict[str, np.ndarray]:
        return {k: v[start : start + size] for k, v in table.items()}

    result = _evaluate_in_chunks(sc, n, draws_for, chunk, True, progress)
    result.source = "draws file"
    return result


def evaluate_chunk(sc: DecisionModel, draws: dict[str, np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Costs and effects (size, strategies) of one chunk of parameter sets."""
    costs = np.empty((size, len(sc.strategies)))
    effects = np.empty((size, len(sc.strategies)))
    outputs = Outputs.decision(sc.settings.effect)  # each sample's cost and effect, nothing else
    for j, strategy in enumerate(sc.strategies):
        o = evaluate_strategy(sc, strategy, draws, size, outputs)
        costs[:, j] = o.cost
        effects[:, j] = _effect(sc, o)
    return costs, effects


def chunks(samples: int, chunk: int) -> list[tuple[int, int]]:
    """(start, size) of each chunk; the same split locally and on a cluster, so results are identical."""
    return [(start, min(chunk, samples - start)) for start in range(0, samples, chunk)]


def _evaluate_in_chunks(
    sc: DecisionModel,
    samples: int,
    draws_for: Callable[[int, int], dict[str, np.ndarray]],
    chunk: int,
    keep_draws: bool,
    progress: Progress | None,
) -> PSASamples:
    k = len(sc.strategies)
    costs = np.empty((samples, k))
    effects = np.empty((samples, k))
    kept: dict[str, list[np.ndarray]] = {}
    for start, size in chunks(samples, chunk):
        draws = draws_for(start, size)
        costs[start : start + size], effects[start : start + size] = evaluate_chunk(sc, draws, size)
        if keep_draws:
            for name, v in draws.items():
                kept.setdefault(name, []).append(np.asarray(v, dtype=float))
        if progress:
            progress(start + size, samples)
    names = [s.name for s in sc.strategies]
    return PSASamples(
        names, costs, effects, names.index(sc.comparator), {n: np.concatenate(v) for n, v in kept.items()}
    )

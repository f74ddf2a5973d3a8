"""Probabilistic sensitivity analysis: many parameter sets through the one vectorised engine.

The samples are processed in chunks (a multiple of the sampler's block) so that memory stays flat
however many samples are asked for; only each sample's cost and effect per strategy (and, on request,
the drawn parameters) are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from atmpcli.analysis.memory_estimate import DEFAULT_MEMORY, psa_chunk
from atmpcli.analysis.sampling import BLOCK, sampler
from atmpcli.errors import ModelError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.outputs import Outputs

if TYPE_CHECKING:
    import pandas as pd

    from atmpcli.analysis.workers import LocalWorkers

Progress = Callable[[int, int], None]
Draws = dict[str, np.ndarray]


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
        import pandas as pd

        columns: dict[str, np.ndarray] = {"sample": np.arange(1, self.samples + 1)}
        columns.update({f"cost_{s}": self.costs[:, k] for k, s in enumerate(self.strategies)})
        columns.update({f"effect_{s}": self.effects[:, k] for k, s in enumerate(self.strategies)})
        columns.update({name: np.asarray(v, dtype=float) for name, v in self.draws.items()})
        return pd.DataFrame(columns)


def _effect(sc: DecisionModel, outcome: object) -> np.ndarray:
    return getattr(outcome, sc.settings.effect)


CHUNK = 2 * BLOCK  # a distributed run's chunk; a local run sizes its chunks by the memory budget


def run_psa(
    sc: DecisionModel,
    samples: int,
    seed: int,
    *,
    chunk: int | None = None,
    keep_draws: bool = False,
    progress: Progress | None = None,
    workers: int | LocalWorkers = 1,
) -> PSASamples:
    """Sample the scenario's distributions ``samples`` times and evaluate every strategy.

    ``chunk``: samples evaluated at once (rounded to whole sampler blocks); by default as many as fit
    half of the default memory budget (analysis/memory_estimate.py). The results do not depend on it.
    ``workers`` > 1 (or a running analysis.workers.LocalWorkers) shares the chunks with worker processes;
    the results are bit-identical to one worker's."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    sampler(sc)  # fail here, before any worker starts, if nothing is uncertain
    chunk = whole_blocks(chunk or psa_chunk(sc, DEFAULT_MEMORY))
    result = _evaluate_in_chunks(sc, samples, SampledDraws(seed), chunk, keep_draws, progress, workers)
    result.seed = seed
    return result


def whole_blocks(chunk: int) -> int:
    """``chunk`` rounded down to whole sampler blocks, or below one block to a power-of-two fraction of
    it, so that chunks tile the blocks (analysis/memory_estimate.py sizes the chunks)."""
    if chunk >= BLOCK:
        return chunk - chunk % BLOCK
    return 1 << (max(chunk, 1).bit_length() - 1)


def run_on_draws(
    sc: DecisionModel,
    table: Draws,
    *,
    chunk: int | None = None,
    progress: Progress | None = None,
    workers: int | LocalWorkers = 1,
) -> PSASamples:
    """Evaluate the model on given parameter sets (e.g. posterior draws from another tool)."""
    unknown = sorted(set(table) - set(sc.parameters))
    if unknown:
        message = f"the draws file has columns that are not parameters of the scenario: {', '.join(unknown)}"
        raise sc.located(ModelError(message, ("parameters",)))
    n = len(next(iter(table.values())))
    chunk = chunk or psa_chunk(sc, DEFAULT_MEMORY)
    result = _evaluate_in_chunks(sc, n, GivenDraws(table), chunk, True, progress, workers)
    result.source = "draws file"
    return result


@dataclass(frozen=True)
class SampledDraws:
    """Samples of the model's distributions from the block-seeded stream for ``seed`` (picklable)."""

    seed: int

    def __call__(self, sc: DecisionModel, start: int, size: int) -> Draws:
        return sampler(sc).draw(self.seed, start, size)


@dataclass(frozen=True)
class GivenDraws:
    """Rows of a table of parameter sets (picklable)."""

    table: Draws

    def __call__(self, sc: DecisionModel, start: int, size: int) -> Draws:
        return {k: v[start : start + size] for k, v in self.table.items()}


def evaluate_chunk(sc: DecisionModel, draws: Draws, size: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Costs and effects (size, strategies) of one chunk of parameter sets, the first being sample
    ``start`` + 1 of the run (as errors number it)."""
    costs = np.empty((size, len(sc.strategies)))
    effects = np.empty((size, len(sc.strategies)))
    outputs = Outputs.decision(sc.settings.effect)  # each sample's cost and effect, nothing else
    for j, strategy in enumerate(sc.strategies):
        o = evaluate_strategy(sc, strategy, draws, size, outputs, first_sample=start)
        costs[:, j] = o.cost
        effects[:, j] = _effect(sc, o)
    return costs, effects


def chunks(samples: int, chunk: int) -> list[tuple[int, int]]:
    """(start, size) of each chunk; the same split locally and on a cluster, so results are identical."""
    return [(start, min(chunk, samples - start)) for start in range(0, samples, chunk)]


@dataclass(frozen=True)
class ChunkTask:
    """Chunk i of a run: its draws, their costs and effects, and the draws if kept. The one function that
    evaluates a chunk, in this process or in a worker (picklable)."""

    draws: SampledDraws | GivenDraws
    chunks: list[tuple[int, int]]
    keep_draws: bool

    def __call__(self, sc: DecisionModel, i: int) -> tuple[np.ndarray, np.ndarray, Draws]:
        start, size = self.chunks[i]
        draws = self.draws(sc, start, size)
        costs, effects = evaluate_chunk(sc, draws, size, start)
        return costs, effects, ({n: np.asarray(v, dtype=float) for n, v in draws.items()} if self.keep_draws else {})


LARGEST = 1e150  # squares (for the SDs) and sums over samples of larger totals overflow floating point


def _check_summable(sc: DecisionModel, costs: np.ndarray, effects: np.ndarray) -> None:
    """Totals the summary can add up and square: an error naming the first sample beyond that, not inf."""
    for what, x in (("cost", costs), ("effect", effects)):
        bad = ~(np.abs(x) < LARGEST)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            message = (
                f"the total {what} of strategy {sc.strategies[j].name} is {x[i, j]:.3g} in sample {i + 1}: "
                f"beyond {LARGEST:g}, too large to summarise (check the scale of the inputs)"
            )
            raise sc.located(ModelError(message, ()))


def _evaluate_in_chunks(
    sc: DecisionModel,
    samples: int,
    draws: SampledDraws | GivenDraws,
    chunk: int,
    keep_draws: bool,
    progress: Progress | None,
    workers: int | LocalWorkers,
) -> PSASamples:
    task = ChunkTask(draws, chunks(samples, chunk), keep_draws)
    k = len(sc.strategies)
    costs = np.empty((samples, k))
    effects = np.empty((samples, k))
    kept: dict[int, Draws] = {}
    done = 0

    def store(i: int, out: tuple[np.ndarray, np.ndarray, Draws]) -> None:
        nonlocal done
        start, size = task.chunks[i]
        costs[start : start + size], effects[start : start + size], kept[i] = out
        done += size
        if progress:
            progress(done, samples)

    if workers == 1:
        for i in range(len(task.chunks)):
            store(i, task(sc, i))
    else:
        from atmpcli.analysis.workers import local_workers

        with local_workers(workers) as pool:
            pool.run(sc, task, len(task.chunks), store)
    _check_summable(sc, costs, effects)
    names = [s.name for s in sc.strategies]
    order = sorted(kept)
    draws_kept = {n: np.concatenate([kept[i][n] for i in order]) for n in kept[order[0]]} if keep_draws else {}
    return PSASamples(names, costs, effects, names.index(sc.comparator), draws_kept)

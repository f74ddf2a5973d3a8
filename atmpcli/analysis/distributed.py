"""PSA on a Dask distributed cluster (optional extra: ``pip install 'atmpcli[distributed]'``).

Each task rebuilds the model with the recipe it was built from (``DecisionModel.rebuild``: for a scenario
file, the text loaded and every override applied; cached per worker), draws its own range of samples from
the block-seeded stream and returns that chunk's costs and effects. The chunks are the same as in a local
run, so the results are identical to ``run_psa`` with the same seed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from atmpcli.analysis.psa import CHUNK, Progress, PSASamples, chunks, evaluate_chunk, whole_blocks
from atmpcli.analysis.sampling import sampler
from atmpcli.errors import AtmpError, Problem, ScenarioError
from atmpcli.model.decision_model import DecisionModel

Rebuild = Callable[[], DecisionModel]


@lru_cache(maxsize=8)
def _model(rebuild: Rebuild) -> DecisionModel:
    return rebuild()


def psa_chunk(
    rebuild: Rebuild, seed: int, start: int, size: int, keep_draws: bool
) -> tuple[int, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One chunk of a PSA, run on a worker."""
    sc = _model(rebuild)
    draws = sampler(sc).draw(seed, start, size)
    costs, effects = evaluate_chunk(sc, draws, size, start)
    return start, costs, effects, (draws if keep_draws else {})


def run_psa_distributed(
    scheduler: Any,
    sc: DecisionModel,
    samples: int,
    seed: int,
    *,
    chunk: int = CHUNK,
    keep_draws: bool = False,
    progress: Progress | None = None,
) -> PSASamples:
    """Run the PSA of ``sc`` on a Dask cluster: ``scheduler`` is an address or a ``distributed.Client``.

    The workers rebuild ``sc`` with ``sc.rebuild``, so a model loaded from a file has every override
    (variant, ``--set`` values, reference case) there as well.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ScenarioError(
            [Problem("--scheduler needs Dask distributed: pip install 'atmpcli[distributed]'")]
        ) from None
    sampler(sc)  # fail early, here, if nothing is uncertain
    if sc.rebuild is None:
        raise ScenarioError([Problem("--scheduler needs a model loaded from a scenario file")])
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="10s") if own else scheduler
    except (OSError, TimeoutError) as exc:
        raise ScenarioError([Problem(f"cannot reach the Dask scheduler at {scheduler}: {exc}")]) from None
    try:
        futures = [
            client.submit(psa_chunk, sc.rebuild, seed, start, size, keep_draws, pure=False)
            for start, size in chunks(samples, whole_blocks(chunk))
        ]
        k = len(sc.strategies)
        costs, effects = np.empty((samples, k)), np.empty((samples, k))
        kept: dict[int, dict[str, np.ndarray]] = {}
        done = 0
        for future in as_completed(futures):
            start, c, e, d = future.result()
            costs[start : start + len(c)], effects[start : start + len(c)] = c, e
            kept[start] = d
            done += len(c)
            if progress:
                progress(done, samples)
    except AtmpError:
        raise
    finally:
        if own:
            client.close()
    names = [s.name for s in sc.strategies]
    draws = {}
    if keep_draws and kept:
        order = sorted(kept)
        draws = {n: np.concatenate([kept[s][n] for s in order]) for n in kept[order[0]]}
    result = PSASamples(names, costs, effects, names.index(sc.comparator), draws, seed, "scenario (Dask cluster)")
    return result

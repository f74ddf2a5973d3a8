"""Local multi-core PSA (``--workers N``): this process and N - 1 worker processes share the chunks.

The chunks are those of a one-process run and each is evaluated by the same function from the same
block-seeded draws, so the results are bit-identical to one worker whichever process evaluates which
chunk. On Linux the workers are forked when the first run begins, from this process with the model
already compiled: they inherit every module imported and the model itself, so they cost milliseconds to
start. Elsewhere (macOS and Windows have no safe fork) they are spawned when the pool is created and
build the model again from its picklable recipe (``DecisionModel.rebuild``), as Dask workers do
(analysis/distributed.py); their start-up (Python, numpy, the compiler) then overlaps this process's
loading of the scenario. A fork happens before any progress bar or queue thread of this process starts.

Chunks are claimed in order from a shared counter, by this process too, so the work balances itself. A
chunk that fails stops the claiming of later chunks; once every worker is idle, the error of the first
failing chunk is raised, which is the error a one-process run gives. Workers never see Ctrl-C (SIGINT is
blocked in them); this process terminates them when the pool is closed, also when it is interrupted, so
no worker outlives it.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from atmpcli.model.decision_model import DecisionModel

Task = Callable[[DecisionModel, int], Any]  # picklable: task(model, i) evaluates chunk i
Store = Callable[[int, Any], None]  # store(i, result), called in this process
_NONE_LEFT = -1
_POLL = 0.2  # seconds between checks that the workers are alive while waiting for them


def start_method() -> str:
    """``fork`` on Linux (the workers inherit the compiled model), ``spawn`` elsewhere."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class LocalWorkers:
    """``workers - 1`` processes that, with this one, evaluate the chunks of a run.

    Use as a context manager. ``method``: ``fork`` or ``spawn`` (default: :func:`start_method`). Spawned
    workers start at once and import the modules ``preload`` names (the ones the model's ``rebuild``
    recipe needs), so that they are ready when the first run begins; forked ones start with the first
    run, or earlier with :meth:`start`.
    """

    def __init__(self, workers: int, preload: Sequence[str] = (), method: str | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.method = method or start_method()
        self._ctx = mp.get_context(self.method)
        self._jobs: Any = self._ctx.Queue()
        self._results: Any = self._ctx.Queue()
        self._claims: Any = self._ctx.Array("q", [0, 0])  # [next chunk to claim, chunks to run (lowered on an error)]
        self._preload = tuple(preload)
        self._processes: list[Any] = []
        if self.method != "fork":
            self.start()

    def start(self, model: DecisionModel | None = None) -> None:
        """Start the workers if they are not running yet; forked ones keep ``model`` as it is now."""
        if self._processes or self.workers == 1:
            return
        for stream in (sys.stdout, sys.stderr):  # a forked child must not write this process's buffered output
            stream.flush()
        inherited = model if self.method == "fork" else None
        args = (self._jobs, self._results, self._claims, self._preload, inherited)
        self._processes = [self._ctx.Process(target=_serve, args=args, daemon=True) for _ in range(self.workers - 1)]
        with _sigint_blocked():  # inherited by the workers, before their Python starts
            for p in self._processes:
                p.start()

    def __enter__(self) -> LocalWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers and wait for them. They hold no results by then (a run returns only when every
        worker is idle), so they are simply terminated: at once, also after Ctrl-C or an error."""
        for p in self._processes:
            if p.is_alive():
                p.terminate()
        for p in self._processes:
            p.join()
        for q in (self._jobs, self._results):
            q.cancel_join_thread()  # nothing left to deliver: exit must not wait on a feeder thread
            q.close()

    def run(self, model: DecisionModel, task: Task, tasks: int, store: Store) -> None:
        """Evaluate ``task(model, i)`` for i in 0 .. tasks - 1 here and in the workers; ``store(i, result)``
        is called in this process as each result comes in (in any order)."""
        helpers = min(self.workers - 1, tasks - 1)
        if helpers > 0 and model.rebuild is None:
            raise ValueError("more than one worker needs a model loaded from a scenario file (model.rebuild)")
        if helpers > 0:
            self.start(model)
        with self._claims.get_lock():
            self._claims[:] = [0, tasks]
        for _ in range(helpers):
            self._jobs.put((model.rebuild, task))
        errors: dict[int, BaseException] = {}
        with _one_blas_thread():
            idle = self._run_here(model, task, store, errors)
        while idle < helpers:
            idle += self._collect(store, errors, wait=True)
        if errors:
            raise errors[min(errors)]

    def _run_here(self, model: DecisionModel, task: Task, store: Store, errors: dict[int, BaseException]) -> int:
        """Claim and evaluate chunks in this process until none is left; returns the workers that became idle."""
        idle = 0
        while (i := _claim(self._claims)) != _NONE_LEFT:
            try:
                store(i, task(model, i))
            except Exception as exc:
                errors[i] = exc
                _stop_at(self._claims, i)
            idle += self._collect(store, errors, wait=False)
        return idle

    def _collect(self, store: Store, errors: dict[int, BaseException], *, wait: bool) -> int:
        """Handle the messages that have arrived (``wait``: at least one); returns how many workers became idle."""
        idle = 0
        while True:
            try:
                kind, i, payload = self._results.get(timeout=_POLL) if wait else self._results.get_nowait()
            except queue.Empty:
                if wait:
                    self._check_alive()
                    continue
                return idle
            wait = False
            if kind == "result":
                store(i, payload)
            elif kind == "error":
                errors[i] = payload
            else:
                idle += 1

    def _check_alive(self) -> None:
        for p in self._processes:
            if p.exitcode is not None:
                raise RuntimeError(f"a worker process stopped unexpectedly (exit code {p.exitcode})")


@contextmanager
def local_workers(workers: int | LocalWorkers) -> Iterator[LocalWorkers]:
    """``workers`` itself, or a pool of that many for the duration of the block."""
    if isinstance(workers, LocalWorkers):
        yield workers
        return
    with LocalWorkers(workers) as pool:
        yield pool


def _claim(claims: Any) -> int:
    with claims.get_lock():
        i = claims[0]
        if i >= claims[1]:
            return _NONE_LEFT
        claims[0] = i + 1
        return i


def _stop_at(claims: Any, i: int) -> None:
    """No chunk after ``i`` is needed any more: a one-process run would have stopped at chunk ``i``."""
    with claims.get_lock():
        claims[1] = min(claims[1], i + 1)


def _one_blas_thread() -> Any:
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread (a signal mask survives fork and exec, so the workers start with it)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _serve(jobs: Any, results: Any, claims: Any, preload: tuple[str, ...], model: DecisionModel | None) -> None:
    """A worker: import what the runs need, then claim and run chunks of each job until terminated; a forked
    worker has ``model`` already (and rebuilds only for a job on another model)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    else:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in preload:
        importlib.import_module(name)
    _one_blas_thread()  # for good: N processes share N cores
    built: tuple[Any, DecisionModel | None] = (None, None) if model is None else (model.rebuild, model)
    while True:
        rebuild, task = jobs.get()
        while (i := _claim(claims)) != _NONE_LEFT:
            try:
                if built[0] != rebuild:
                    built = (rebuild, rebuild())
                results.put(("result", i, task(built[1], i)))
            except Exception as exc:
                _stop_at(claims, i)
                results.put(("error", i, _sendable(exc)))
        results.put(("idle", -1, None))


def _sendable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (atmpcli's errors do), else a RuntimeError with the same text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

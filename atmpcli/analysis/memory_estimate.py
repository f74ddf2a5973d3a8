"""How much memory an analysis will need, estimated from the model's shape before any work starts.

Requests beyond the budget (``--memory``, default 1 GiB) are refused up front with one line, e.g.
``--samples 100,000,000 needs about 9.6 GiB of memory; --memory is 1 GiB``, never a MemoryError
minutes later; the same estimate sizes the PSA's chunks (:func:`psa_chunk`). The estimate follows the
arrays the engine allocates today (model/cohort.py, model/cohort_rewards.py, model/evaluate.py): when the
engine changes, :func:`model_bytes` is the one function to re-point. Figures are for the arrays only;
the Python process itself needs about 100 MiB more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atmpcli.analysis.sampling import BLOCK  # PSA chunks are whole blocks of the sampler
from atmpcli.errors import ModelError, Origin
from atmpcli.limits import GIB, format_size
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.expressions import STATE_TIME, TIME_VARIABLES
from atmpcli.model.parameter_graph import ParameterGraph

DEFAULT_MEMORY = 1 * GIB
FLOAT = 8  # bytes of a float64
ROW_BYTES = 600  # one row of a long-form result table as Python dicts of floats
CELL_BYTES = 90  # one cell of a per-sample table built as Python dicts
GP_MAX_SAMPLES, GP_REPLICATES = 5000, 200  # analysis/gp.py, analysis/evppi.py (kept light to import)
MAX_CHUNK_BLOCKS = 1  # larger chunks are slower (cache misses) and leave fewer chunks to share among --workers


@dataclass(frozen=True)
class Request:
    """What an analysis asks for, beyond the model itself."""

    samples: int = 1  # parameter sets evaluated in all
    batch: int = 1  # parameter sets evaluated at once (a PSA chunk, a DSA's 2P + 1 settings)
    thresholds: int = 0  # willingness-to-pay values in the output
    drawn: int = 0  # parameter draws kept per sample (EVPPI, --per-sample)
    evppi_groups: tuple[int, ...] = ()  # parameters per EVPPI group
    evppi_method: str = "auto"  # gam, gp, splines or auto (analysis/evppi.py)
    per_sample_file: bool = False


def expanded_states(model: DecisionModel) -> int:
    return sum(st.tunnel for st in model.states)


def model_bytes(model: DecisionModel, batch: int) -> float:
    """Peak bytes of evaluating one strategy for ``batch`` parameter sets at once.

    Follows the structure-of-arrays kernel (model/cohort.py, model/cohort_rewards.py): no states x states
    array is built. Each transition entry is held as batch values for one cycle, for every cycle when it
    varies with cycle, time or age, or for every cycle of its tunnel when it depends on state_time (one
    cycle at a time when it depends on both, with its parts that depend on state_time alone held for every
    cycle of the tunnel, model/parameters.py), twice when it varies (the formula's values and the checked
    probabilities); the occupancy of the expanded states (now, next, flows);
    each state value (a cost component, the utility) likewise; running sums per expanded state; and, as
    the base case asks for them, the trace on the user's states and the cost, QALYs and life-years at
    each time point. A partitioned survival model holds its occupancy and its curves on every time point.
    """
    m, n = expanded_states(model), model.n_cycles
    if m == 0:
        return FLOAT * batch * 64  # a decision tree: a few arrays of one value per leaf and sample
    timed, by_state_time = _dependence(model)
    entries = 0
    for row in model.transitions:
        tunnel = model.states[row.source].tunnel
        exprs = [*row.probabilities.values()]
        entries += len(exprs) + (row.rest is not None)
        # a varying entry: its formula's values and the checked probabilities, both held at once
        entries += sum(2 * x - 1 for e in exprs if (x := _extent(e, timed, by_state_time, n, tunnel)) > 1)
        # one evaluated a cycle at a time also keeps its parts of state_time alone for the whole tunnel
        entries += sum(
            tunnel for e in exprs if tunnel > 1 and e.formula.names & timed and e.formula.names & by_state_time
        )
    values = 0
    for st in model.states:
        for e in [*st.costs.values(), *([st.utility] if st.utility is not None else [])]:
            values += _extent(e, timed, by_state_time, n + 1, st.tunnel, both_in_time=True)
    users = len(model.states)
    grid = (n + 1) * (users + 3)  # the trace and the amounts per time point
    if model.partitions:  # occupancy read off the curves: shares by state, and each curve's S and H
        grid += (n + 1) * (2 * users + 8 * len(model.partitions))
    return FLOAT * batch * (entries + values + 3 * m + 4 * m + grid)


def _dependence(model: DecisionModel) -> tuple[set[str], set[str]]:
    """Names that vary with cycle, time or age, and names that vary with state_time (any strategy)."""
    timed, by_state_time = set(TIME_VARIABLES), {STATE_TIME}
    for overrides in [{}, *(s.overrides for s in model.strategies)]:
        graph = ParameterGraph.of({**model.parameters, **overrides})
        timed |= graph.depending_on(TIME_VARIABLES)
        by_state_time |= graph.depending_on({STATE_TIME})
    return timed, by_state_time


def _extent(
    e: Any, timed: set[str], by_state_time: set[str], points: int, tunnel: int, both_in_time: bool = False
) -> int:
    """Values held per sample for one expression: 1, ``points`` (time), ``tunnel`` (state_time) or, when it
    depends on both, one cycle's tunnel (transitions, evaluated a cycle at a time) or all (state values)."""
    names = e.formula.names
    in_time, in_state = bool(names & timed), bool(names & by_state_time) and tunnel > 1
    if in_time and in_state:
        return points * tunnel if both_in_time else tunnel
    return points if in_time else tunnel if in_state else 1


def analysis_bytes(model: DecisionModel | None, request: Request, strategies: int) -> float:
    """The model's peak for one batch plus the per-sample results and output tables."""
    engine = model_bytes(model, request.batch) if model is not None else 0.0
    s, k = request.samples, strategies
    results = FLOAT * s * k * 6  # costs and effects, incremental copies, NMB at one threshold
    draws = FLOAT * s * request.drawn * 2  # chunks and their concatenation
    evppi = sum(_evppi_bytes(s, k, p, request.evppi_method) for p in request.evppi_groups)
    rows = ROW_BYTES * request.thresholds * (2 * k + 3 + len(request.evppi_groups))
    per_sample = CELL_BYTES * s * (1 + 2 * k + request.drawn) if request.per_sample_file else 0
    return engine + results + draws + evppi + rows + per_sample


def _evppi_bytes(samples: int, strategies: int, parameters: int, method: str) -> float:
    """One EVPPI group: the regression's design, or for a Gaussian process (analysis/gp.py) its one n x n
    matrix at a time (half as much again while it is built and factorised) and every response's posterior
    draws with the normal deviates behind them."""
    if method == "gp" or (method == "auto" and parameters > 4):  # voi's rule, analysis/evppi.py
        n, responses = min(samples, GP_MAX_SAMPLES), 2 * max(strategies - 1, 1)
        return FLOAT * (1.5 * n * n + responses * GP_REPLICATES * (3 * n + parameters + 1))
    return FLOAT * samples * (1 + 4 * parameters + parameters * (parameters - 1) // 2) * 3


def psa_chunk(model: DecisionModel, budget: int) -> int:
    """Samples per PSA chunk: as many as take at most half of ``budget`` to evaluate (the other half is
    for the per-sample results), in whole sampler blocks up to MAX_CHUNK_BLOCKS of them; for a model
    too large for one block at once, the largest power-of-two fraction of a block that fits.

    Chunks that tile the sampler's blocks keep the draws, and so the results, identical to the bit
    however the run is chunked (analysis/sampling.py draws by block).
    """
    half = budget / 2
    blocks = int(half // model_bytes(model, BLOCK))
    if blocks >= 1:
        return BLOCK * min(MAX_CHUNK_BLOCKS, blocks)
    fits = max(1, int(half // model_bytes(model, 1)))
    return 1 << (min(fits, BLOCK).bit_length() - 1)


def check_memory(
    model: DecisionModel | None, request: Request, budget: int, what: str, *, strategies: int | None = None
) -> None:
    """Refuse ``what`` (e.g. ``--samples 100,000,000``) when its estimate exceeds ``budget`` bytes.

    Raises :class:`~atmpcli.errors.ModelError` (the caller locates it: ``model.located``).
    """
    k = strategies if strategies is not None else len(model.strategies) if model is not None else 1
    need = analysis_bytes(model, request, k)
    if need > budget:
        raise ModelError(f"{what} needs about {format_size(need)} of memory; --memory is {format_size(budget)}")


def check_model(model: DecisionModel, budget: int) -> None:
    """Refuse a model whose evaluation for one parameter set does not fit ``budget``, at the input that sizes it."""
    need = model_bytes(model, 1)
    if need <= budget:
        return
    tunnels = [st for st in model.states if st.tunnel > 1]
    origin: Origin = ("settings", "cycles")  # or its nearest ancestor, settings, when a horizon is given
    if tunnels:
        origin = ("states", max(tunnels, key=lambda st: st.tunnel).name, "tunnel_cycles")
    shape = f"{expanded_states(model):,} states with tunnels expanded, {model.n_cycles:,} cycles"
    message = f"the model ({shape}) needs about {format_size(need)} of memory; --memory is {format_size(budget)}"
    raise ModelError(message, origin)

"""psa: probabilistic sensitivity analysis and value of information."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    SetsOpt,
    VariantOpt,
    WorkersOpt,
    WtpGridOpt,
    app,
    load,
    non_negative,
    note,
    parse_workers,
    reporting_errors,
    start_workers,
    thresholds,
    worker_pool,
)
from atmpcli.commands.loading import check_request, data_file_limit, memory, scenario_options
from atmpcli.commands.output_options import emit, imported_when_used, output_options
from atmpcli.errors import Problem, ScenarioError
from atmpcli.report.output import OutputOptions

if TYPE_CHECKING:
    from atmpcli.analysis.psa import PSASamples
    from atmpcli.analysis.psa_summary import PSASummary


class _Bar:
    """A progress bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn(label),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task: Any = None

    def __enter__(self) -> _Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("psa", total=total)
        self.progress.update(self.task, completed=done)


ScenarioOpt = Annotated[str | None, typer.Argument(metavar="SCENARIO", help="Scenario file or name.")]
SamplesOpt = Annotated[int, typer.Option("--samples", "-n", min=1, help="Number of samples.")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Random seed; the same seed gives the same output.")]
ThresholdsOpt = Annotated[
    list[float] | None,
    typer.Option("--wtp", metavar="AMOUNT", callback=non_negative, help="A threshold; repeat for several."),
]
EvppiOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--evppi", metavar="P1,P2", help="EVPPI of a parameter or a comma-separated group; repeat for several."
    ),
]
PopulationOpt = Annotated[
    float | None,
    typer.Option(
        "--population",
        min=0.0,
        help="People affected by the decision, for population EVPI (default: settings.population).",
    ),
]
DrawsOpt = Annotated[
    Path | None,
    typer.Option(
        "--draws",
        metavar="FILE.csv",
        help="Run the model on these parameter draws (one column per parameter) instead of sampling.",
    ),
]
EvppiMethodOpt = Annotated[
    str,
    typer.Option(
        "--evppi-method",
        metavar="METHOD",
        help="EVPPI metamodel: auto (gam for up to 4 parameters, else gp), gam (penalised "
        "tensor-product splines, REML), gp (Gaussian process, as SAVI) or splines (least squares).",
    ),
]
ResultsOpt = Annotated[
    Path | None,
    typer.Option(
        "--results",
        metavar="FILE.csv",
        help="Analyse per-sample results of another tool (atmpcli, dampack, heemod, BCEA or voi "
        "layouts: cost_<s>/effect_<s>, <s>_cost/<s>_eff, c_<s>/e_<s>, or long strategy,cost,effect); "
        "its other numeric columns are parameters for --evppi. No scenario needed.",
    ),
]
ComparatorOpt = Annotated[
    str | None,
    typer.Option("--comparator", metavar="STRATEGY", help="The strategy increments are measured against."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on a Dask distributed cluster (e.g. tcp://host:8786); needs "
        "atmpcli[distributed]. Same results as a local run.",
    ),
]


@app.command(
    epilog="Examples:\n\n  atmpcli psa sick_sicker --samples 10000 --seed 1 --wtp-grid 0:200000:20000\n\n"
    "  atmpcli psa sick_sicker --samples 5000 --evppi c_trtA --evppi r_S1S2,hr_S1S2_trtB\n\n"
    "  atmpcli psa sick_sicker --samples 100000 --workers auto\n\n"
    "  atmpcli psa --results other_tool.csv --wtp 50000"
)
@output_options(plot=True, per_sample=True)
@scenario_options()
def psa(
    scenario: ScenarioOpt = None,
    samples: SamplesOpt = 1000,
    seed: SeedOpt = 1,
    wtp: ThresholdsOpt = None,
    wtp_grid: WtpGridOpt = None,
    evppi: EvppiOpt = None,
    evppi_method: EvppiMethodOpt = "auto",
    population: PopulationOpt = None,
    draws: DrawsOpt = None,
    results: ResultsOpt = None,
    comparator: ComparatorOpt = None,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = "1",
    severity: Annotated[
        bool,
        typer.Option(
            "--severity",
            help="Add the severity-weighted thresholds (NICE's weight x each threshold: the CEAC and EVPI "
            "with QALYs weighted; settings.severity). The base case's weight; no HST weight (docs/decision-rules.md).",
        ),
    ] = False,
    *,
    out: OutputOptions,
) -> None:
    """Probabilistic sensitivity analysis: means, SDs and intervals, CEAC, CEAF, EVPI and EVPPI."""
    from atmpcli.report.uncertainty_tables import psa_tables

    psa_figure = imported_when_used("atmpcli.report.figures", "psa_figure")

    groups = [[p.strip() for p in g.split(",") if p.strip()] for g in (evppi or [])]
    _check_evppi_method(evppi_method, groups)
    processes = parse_workers(workers)
    if processes > 1 and (scheduler is not None or results is not None):
        clash = "cannot be used with --scheduler" if scheduler else "--results analyses a file and runs no model"
        raise typer.BadParameter(clash, param_hint="--workers")
    with reporting_errors():
        if results is not None:
            if scenario is not None or draws is not None:
                raise typer.BadParameter("--results analyses a file on its own: give no scenario and no --draws")
            if severity:  # the weight is the scenario's comparator's QALY shortfall: a results file has neither
                raise typer.BadParameter(
                    "needs a SCENARIO (its comparator's QALYs and settings.severity), not --results",
                    param_hint="--severity",
                )
            wtps = thresholds([], wtp, wtp_grid)
            if not wtps:
                raise typer.BadParameter("give --wtp or --wtp-grid when analysing a results file")
            result = _read_results(results)
            what = f"this PSA summary ({result.samples:,} samples, {len(wtps):,} thresholds)"
            check_request(
                None,
                what,
                strategies=len(result.strategies),
                file=str(results),
                samples=result.samples,
                thresholds=len(wtps),
                evppi_groups=tuple(len(g) for g in groups),
                evppi_method=evppi_method,
            )
            source: dict[str, Any] = {"results_file": results}
        else:
            if scenario is None:
                raise typer.BadParameter("give a SCENARIO (or --results FILE.csv)")
            with worker_pool(processes) as pool:
                sc = load(scenario, variant, sets, reference_case)
                wtps = thresholds(sc.settings.wtp, wtp, wtp_grid)
                if severity:
                    wtps = _severity_weighted(sc, wtps)
                if groups and not wtps:
                    raise typer.BadParameter(
                        "EVPPI needs thresholds: give --wtp or --wtp-grid (the scenario has no settings.wtp)",
                        param_hint="--evppi",
                    )
                keep = bool(groups) or out.per_sample is not None
                if draws is None:  # a draws file is sized by its rows, once read
                    _check_memory(
                        sc, samples, wtps, groups, bool(groups), out.per_sample is not None, processes, evppi_method
                    )
                start_workers(pool, sc)
                with _Bar("sampling") as bar:
                    result = _sample(sc, samples, seed, draws, scheduler, keep, bar, pool)
            population = population if population is not None else sc.settings.population
            source = {"model": sc}
        if comparator is not None:
            _set_comparator(result, comparator)
        summary = _summarise(result, wtps, groups, evppi_method, population, **source)
        if out.per_sample is not None:
            _write_per_sample(out.per_sample, summary.psa)
    decision = sc.settings.wtp if results is None else None  # the plane's WTP lines: the scenario's thresholds
    emit(summary, out, table=psa_tables, figure=functools.partial(psa_figure, wtp=decision))


def _severity_weighted(sc: Any, wtps: list[float]) -> list[float]:
    """The thresholds and, beside them, NICE's severity weight times each (the base case's weight)."""
    from atmpcli.analysis.weighted_decisions import severity_weighted_thresholds

    weight, both = severity_weighted_thresholds(sc, wtps)
    note(f"NICE severity weight x {weight:g}: also at {', '.join(f'{weight * w:,.0f}' for w in wtps)}")
    return both


def _check_evppi_method(method: str, groups: list[list[str]]) -> None:
    """An unknown method, or one that cannot take a group's size, is a usage error (before any sampling)."""
    from atmpcli.analysis.evppi import METHODS, choose_method

    try:
        if method not in METHODS:
            raise ValueError(f"unknown EVPPI method {method!r}; expected one of {', '.join(METHODS)}")
        for g in groups:
            choose_method(method, len(g))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--evppi-method") from None


def _read_results(path: Path) -> PSASamples:
    """Per-sample results of another tool, with a note of what was read (layout, parameters, ignored columns)."""
    from atmpcli.analysis.psa import PSASamples
    from atmpcli.scenario.external import read_results

    ext = read_results(path, data_file_limit())
    note(
        f"{path}: {len(ext.strategies)} strategies ({', '.join(ext.strategies)}), "
        f"{ext.costs.shape[0]:,} samples, layout {ext.layout}"
        + (f"; parameters: {', '.join(ext.parameters)}" if ext.parameters else "")
        + (f"; ignored columns: {', '.join(ext.ignored)}" if ext.ignored else "")
    )
    return PSASamples(ext.strategies, ext.costs, ext.effects, 0, ext.parameters, None, "results file")


def _sample(
    sc: Any, samples: int, seed: int, draws: Path | None, scheduler: str | None, keep: bool, bar: _Bar, workers: Any
) -> PSASamples:
    from atmpcli.analysis.memory_estimate import psa_chunk
    from atmpcli.analysis.psa import run_on_draws, run_psa

    chunk = psa_chunk(sc, memory())  # as many samples at once as fit half of --memory, whatever the workers
    if draws is not None:
        from atmpcli.scenario.external import read_draws

        table, ignored = read_draws(draws, set(sc.parameters), data_file_limit())
        if ignored:
            note(f"{draws}: ignoring columns that are not parameters of the scenario: {', '.join(ignored)}")
        return run_on_draws(sc, table, chunk=chunk, progress=bar, workers=workers)
    if scheduler is not None:
        from atmpcli.analysis.distributed import run_psa_distributed

        return run_psa_distributed(scheduler, sc, samples, seed, keep_draws=keep, progress=bar)
    return run_psa(sc, samples, seed, chunk=chunk, keep_draws=keep, progress=bar, workers=workers)


def _check_memory(
    sc: Any,
    samples: int,
    wtps: list[float],
    groups: list[list[str]],
    keep: bool,
    file: bool,
    processes: int = 1,
    method: str = "auto",
) -> None:
    """Refuse, before sampling, a PSA whose estimate exceeds --memory (samples, thresholds, EVPPI, --per-sample);
    each worker process holds a chunk of its own (the chunk does not depend on the workers: the results
    would not be identical otherwise), so the estimate counts one chunk per process."""
    from atmpcli.analysis.memory_estimate import psa_chunk

    drawn = len(sc.uncertain) + sum(len(g.parameters) for g in sc.dirichlet) if keep else 0
    check_request(
        sc,
        f"this PSA ({samples:,} samples, {len(wtps):,} thresholds)",
        samples=samples,
        batch=min(samples, psa_chunk(sc, memory())) * processes,
        thresholds=len(wtps),
        drawn=drawn,
        evppi_groups=tuple(len(g) for g in groups),
        evppi_method=method,
        per_sample_file=file,
    )


def _set_comparator(result: PSASamples, comparator: str) -> None:
    if comparator not in result.strategies:
        raise ScenarioError(
            [Problem(f"--comparator: no strategy '{comparator}' (strategies: {', '.join(result.strategies)})")]
        )
    result.comparator = result.strategies.index(comparator)


def _summarise(
    result: PSASamples,
    wtps: list[float],
    groups: list[list[str]],
    method: str,
    population: float | None,
    **source: Any,
) -> PSASummary:
    from atmpcli.analysis.psa_summary import summarise_psa

    try:
        return summarise_psa(result, wtps, evppi_groups=groups, evppi_method=method, population=population, **source)
    except KeyError as exc:
        message = f"--evppi: no draws of {exc.args[0]} (only parameters with a distribution or a column in --draws can be used)"
        raise ScenarioError([Problem(message)]) from None


def _write_per_sample(path: Path, result: PSASamples) -> None:
    """Every sample's costs, effects and draws, in plain CSV (comma, point): what --results reads back."""
    from atmpcli.report.csv_json import write_csv
    from atmpcli.report.files import write_atomically

    try:
        write_atomically(path, lambda fh: write_csv(result.frame, fh))
    except OSError as exc:
        raise ScenarioError([Problem(f"cannot write: {exc.strerror}", file=str(path))]) from None

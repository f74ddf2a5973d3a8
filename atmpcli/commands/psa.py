"""psa: probabilistic sensitivity analysis and value of information."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    SetsOpt,
    VariantOpt,
    WtpGridOpt,
    app,
    load,
    non_negative,
    reporting_errors,
    thresholds,
)
from atmpcli.commands.output_options import emit, output_options
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
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same output.")]
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
ResultsOpt = Annotated[
    Path | None,
    typer.Option(
        "--results",
        metavar="FILE.csv",
        help="Analyse per-sample results of another tool (columns cost_<strategy>, "
        "effect_<strategy>); no scenario needed.",
    ),
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
    "  atmpcli psa --results other_tool.csv --wtp 50000"
)
@output_options(plot=True, per_sample=True)
def psa(
    scenario: ScenarioOpt = None,
    samples: SamplesOpt = 1000,
    seed: SeedOpt = 1,
    wtp: ThresholdsOpt = None,
    wtp_grid: WtpGridOpt = None,
    evppi: EvppiOpt = None,
    population: PopulationOpt = None,
    draws: DrawsOpt = None,
    results: ResultsOpt = None,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    scheduler: SchedulerOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Probabilistic sensitivity analysis: means, SDs and intervals, CEAC, CEAF, EVPI and EVPPI."""
    from atmpcli.report.figures import psa_figure
    from atmpcli.report.uncertainty_tables import psa_tables

    groups = [[p.strip() for p in g.split(",") if p.strip()] for g in (evppi or [])]
    with reporting_errors():
        if results is not None:
            if scenario is not None or draws is not None:
                raise typer.BadParameter("--results analyses a file on its own: give no scenario and no --draws")
            wtps = thresholds([], wtp, wtp_grid)
            if not wtps:
                raise typer.BadParameter("give --wtp or --wtp-grid when analysing a results file")
            summary = _summarise(_read_results(results), wtps, groups, population, results_file=results)
        else:
            if scenario is None:
                raise typer.BadParameter("give a SCENARIO (or --results FILE.csv)")
            sc = load(scenario, variant, sets, reference_case)
            with _Bar("sampling") as bar:
                result = _sample(sc, samples, seed, draws, scheduler, bool(groups) or out.per_sample is not None, bar)
            population = population if population is not None else sc.settings.population
            summary = _summarise(result, thresholds(sc.settings.wtp, wtp, wtp_grid), groups, population, model=sc)
        if out.per_sample is not None:
            _write_per_sample(out.per_sample, summary.psa)
    emit(summary, out, table=psa_tables, figure=psa_figure)


def _read_results(path: Path) -> PSASamples:
    from atmpcli.analysis.psa import PSASamples
    from atmpcli.scenario.external import read_results

    names, costs, effects = read_results(path)
    return PSASamples(names, costs, effects, 0, {}, None, "results file")


def _sample(
    sc: Any, samples: int, seed: int, draws: Path | None, scheduler: str | None, keep: bool, bar: _Bar
) -> PSASamples:
    from atmpcli.analysis.psa import run_on_draws, run_psa

    if draws is not None:
        from atmpcli.scenario.external import read_numeric_csv

        return run_on_draws(sc, read_numeric_csv(draws), progress=bar)
    if scheduler is not None:
        from atmpcli.analysis.distributed import run_psa_distributed

        return run_psa_distributed(scheduler, sc, samples, seed, keep_draws=keep, progress=bar)
    return run_psa(sc, samples, seed, keep_draws=keep, progress=bar)


def _summarise(
    result: PSASamples, wtps: list[float], groups: list[list[str]], population: float | None, **source: Any
) -> PSASummary:
    from atmpcli.analysis.psa_summary import summarise_psa

    try:
        return summarise_psa(result, wtps, evppi_groups=groups, population=population, **source)
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

"""psa: probabilistic sensitivity analysis and value of information."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from atmpcli.commands.common import (
    BomOpt,
    DecimalOpt,
    Format,
    FormatOpt,
    OutputOpt,
    PlotOpt,
    ReferenceCaseOpt,
    SepOpt,
    SetsOpt,
    VariantOpt,
    WtpGridOpt,
    app,
    emit,
    fail,
    load,
    non_negative,
    note,
    plot,
    plots,
    thresholds,
)
from atmpcli.errors import AtmpError, Problem, ScenarioError

PSA_COLUMNS = ["measure", "strategy", "wtp", "parameters", "value"]


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


@app.command(
    epilog="Examples:\n\n  atmpcli psa sick_sicker --samples 10000 --seed 1 --wtp-grid 0:200000:20000\n\n"
    "  atmpcli psa sick_sicker --samples 5000 --evppi c_trtA --evppi r_S1S2,hr_S1S2_trtB\n\n"
    "  atmpcli psa --results other_tool.csv --wtp 50000"
)
def psa(
    scenario: Annotated[str | None, typer.Argument(metavar="SCENARIO", help="Scenario file or name.")] = None,
    samples: Annotated[int, typer.Option("--samples", "-n", min=1, help="Number of samples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same output.")] = 1,
    wtp: Annotated[
        list[float] | None,
        typer.Option("--wtp", metavar="AMOUNT", callback=non_negative, help="A threshold; repeat for several."),
    ] = None,
    wtp_grid: WtpGridOpt = None,
    evppi: Annotated[
        list[str] | None,
        typer.Option(
            "--evppi", metavar="P1,P2", help="EVPPI of a parameter or a comma-separated group; repeat for several."
        ),
    ] = None,
    evppi_method: Annotated[
        str,
        typer.Option(
            "--evppi-method",
            metavar="METHOD",
            help="EVPPI metamodel: auto (gam for up to 4 parameters, else gp), gam (penalised "
            "tensor-product splines, REML), gp (Gaussian process, as SAVI) or splines (least squares).",
        ),
    ] = "auto",
    population: Annotated[
        float | None,
        typer.Option(
            "--population",
            min=0.0,
            help="People affected by the decision, for population EVPI (default: settings.population).",
        ),
    ] = None,
    draws: Annotated[
        Path | None,
        typer.Option(
            "--draws",
            metavar="FILE.csv",
            help="Run the model on these parameter draws (one column per parameter) instead of sampling.",
        ),
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            metavar="FILE.csv",
            help="Analyse per-sample results of another tool (atmpcli, dampack, heemod, BCEA or voi "
            "layouts: cost_<s>/effect_<s>, <s>_cost/<s>_eff, c_<s>/e_<s>, or long strategy,cost,effect); "
            "its other numeric columns are parameters for --evppi. No scenario needed.",
        ),
    ] = None,
    comparator: Annotated[
        str | None,
        typer.Option("--comparator", metavar="STRATEGY", help="The strategy increments are measured against."),
    ] = None,
    per_sample: Annotated[
        Path | None,
        typer.Option(
            "--per-sample",
            metavar="FILE.csv",
            help="Also write each sample's costs, effects and parameter draws to this CSV file.",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    plot_file: PlotOpt = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on a Dask distributed cluster (e.g. tcp://host:8786); needs "
            "atmpcli[distributed]. Same results as a local run.",
        ),
    ] = None,
) -> None:
    """Probabilistic sensitivity analysis: means and intervals, CEAC, CEAF, EVPI and EVPPI."""
    from atmpcli.analysis.evppi import METHODS, choose_method
    from atmpcli.analysis.psa import PSAResult, run_on_draws, run_psa
    from atmpcli.analysis.psa_summary import summarise_psa

    groups = [[p.strip() for p in g.split(",") if p.strip()] for g in (evppi or [])]
    try:
        if evppi_method not in METHODS:
            raise ValueError(f"unknown EVPPI method {evppi_method!r}; expected one of {', '.join(METHODS)}")
        for g in groups:
            choose_method(evppi_method, len(g))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--evppi-method") from None
    sc = None
    try:
        if results is not None:
            if scenario is not None or draws is not None:
                raise typer.BadParameter("--results analyses a file on its own: give no scenario and no --draws")
            from atmpcli.scenario.external import read_results

            ext = read_results(results)
            note(
                f"{results}: {len(ext.strategies)} strategies ({', '.join(ext.strategies)}), "
                f"{ext.costs.shape[0]:,} samples, layout {ext.layout}"
                + (f"; parameters: {', '.join(ext.parameters)}" if ext.parameters else "")
                + (f"; ignored columns: {', '.join(ext.ignored)}" if ext.ignored else "")
            )
            result = PSAResult(ext.strategies, ext.costs, ext.effects, 0, ext.parameters, None, "results file")
            wtps = thresholds([], wtp, wtp_grid)
            if not wtps:
                raise typer.BadParameter("give --wtp or --wtp-grid when analysing a results file")
            header: dict[str, Any] = {"results_file": str(results)}
            title, currency, effect = f"PSA results from {results}", "cost units", "qalys"
        else:
            if scenario is None:
                raise typer.BadParameter("give a SCENARIO (or --results FILE.csv)")
            from atmpcli.report.documents import header as make_header

            sc = load(scenario, variant, sets, reference_case)
            wtps = thresholds(sc.settings.wtp, wtp, wtp_grid)
            keep = bool(groups) or per_sample is not None
            with _Bar("sampling") as bar:
                if draws is not None:
                    from atmpcli.scenario.external import read_draws

                    table, ignored = read_draws(draws, set(sc.parameters))
                    if ignored:
                        note(f"{draws}: ignoring columns that are not parameters of the scenario: {', '.join(ignored)}")
                    result = run_on_draws(sc, table, progress=bar)
                elif scheduler is not None:
                    from atmpcli.analysis.distributed import run_psa_distributed

                    result = run_psa_distributed(scheduler, sc, samples, seed, keep_draws=keep, progress=bar)
                else:
                    result = run_psa(sc, samples, seed, keep_draws=keep, progress=bar)
            population = population if population is not None else sc.settings.population
            header = make_header(sc, "person", wtps, seed if draws is None else None)
            title, currency, effect = sc.spec.title, sc.spec.currency, sc.settings.effect
        if comparator is not None:
            if comparator not in result.strategies:
                raise ScenarioError(
                    [Problem(f"--comparator: no strategy '{comparator}' (strategies: {', '.join(result.strategies)})")]
                )
            result.comparator = result.strategies.index(comparator)
        try:
            summary = summarise_psa(result, wtps, evppi_groups=groups, evppi_method=evppi_method, population=population)
        except KeyError as exc:
            raise ScenarioError(
                [
                    Problem(
                        f"--evppi: no draws of {exc.args[0]} (only parameters with a distribution "
                        "or a column in --draws can be used)"
                    )
                ]
            ) from None
        if per_sample is not None:
            _write_per_sample(per_sample, result)
    except AtmpError as exc:
        raise fail(exc) from None

    plot(
        plot_file,
        lambda path: plots().psa_figure(summary, currency, effect, path),
    )

    def document() -> dict:
        from atmpcli.report.documents import psa_document

        return psa_document(summary, header)

    def table() -> object:
        from atmpcli.report.uncertainty import psa_tables

        return psa_tables(summary, currency, effect, title)

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        scenario=sc,
        sheet="PSA",
        csv=(PSA_COLUMNS, summary.rows()),
        json=document,
        table=table,
    )


def _write_per_sample(path: Path, result: Any) -> None:
    from atmpcli.report.files import write_atomically
    from atmpcli.report.formats import write_csv

    columns = ["sample"] + [f"cost_{s}" for s in result.strategies] + [f"effect_{s}" for s in result.strategies]
    columns += list(result.draws)
    rows = []
    for i in range(result.samples):
        row: dict[str, Any] = {"sample": i + 1}
        for k, s in enumerate(result.strategies):
            row[f"cost_{s}"] = float(result.costs[i, k])
            row[f"effect_{s}"] = float(result.effects[i, k])
        for name, v in result.draws.items():
            row[name] = float(v[i])
        rows.append(row)
    try:
        write_atomically(path, lambda fh: write_csv(columns, rows, fh))
    except OSError as exc:
        raise ScenarioError([Problem(f"cannot write: {exc.strerror}", file=str(path))]) from None

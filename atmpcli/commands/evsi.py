"""evsi: the expected value of sample information of a proposed study, and the optimal study size."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

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
from atmpcli.commands.output_options import emit, output_options
from atmpcli.errors import Problem, ScenarioError
from atmpcli.report.output import OutputOptions

MAX_SIZES = 1000  # study sizes or follow-up times; each pair is one regression on every PSA sample


def parse_sizes(text: str, hint: str, whole: bool = True) -> list[Any]:
    """``50,100,200`` or ``START:STOP:STEP`` (inclusive)."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if step <= 0 or stop < start:
                raise ValueError
            if not (stop - start) / step < MAX_SIZES:  # also refuses nan and infinity
                raise typer.BadParameter(f"more than {MAX_SIZES:,} values; at most {MAX_SIZES:,}", param_hint=hint)
            values = [start + i * step for i in range(int(round((stop - start) / step)) + 1)]
        else:
            values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(
            "expected a list like 50,100,200 or a range START:STOP:STEP", param_hint=hint
        ) from None
    if len(values) > MAX_SIZES:
        raise typer.BadParameter(f"{len(values):,} values; at most {MAX_SIZES:,}", param_hint=hint)
    if not values or min(values) <= 0 or not all(math.isfinite(v) for v in values):
        raise typer.BadParameter(f"expected positive {'whole ' if whole else ''}numbers", param_hint=hint)
    if whole and any(v != int(v) for v in values):
        raise typer.BadParameter(f"expected positive {'whole ' if whole else ''}numbers", param_hint=hint)
    return sorted({int(v) if whole else v for v in values})


def parse_study(text: str, sd: float | None, cv: float, after: float) -> Any:
    from atmpcli.analysis.studies import Study

    kind, _, params = text.partition(":")
    names = tuple(p.strip() for p in params.split(",") if p.strip())
    try:
        return Study(kind.strip(), names, sd=sd, cv=cv, after=after)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} (expected KIND:PARAMETER[,PARAMETER])", param_hint="--study") from None


@app.command(
    epilog="Examples:\n\n"
    "  atmpcli evsi cart_pediatric_all --study binomial:p_response_cart --size 20:200:20 --wtp 100000\n\n"
    "  atmpcli evsi sick_sicker --study normal:u_S1 --sd 0.2 --size 50,100,500 --population 100000 "
    "--cost 200000 --cost-per-patient 2000\n\n"
    "  atmpcli evsi MODEL --study cure:cure_fraction,rate_relapse --size 80 --followup 1:5:1"
)
@output_options()
@scenario_options()
def evsi(
    scenario: Annotated[str | None, typer.Argument(metavar="SCENARIO", help="Scenario file or name.")] = None,
    study: Annotated[
        str,
        typer.Option(
            "--study",
            metavar="KIND:PARAMS",
            help="The study and the parameters it informs: binomial:p, trial:p1,p2, normal:mean (with --sd), "
            "poisson:rate, gamma:mean (with --cv), survival:rate or cure:cure_fraction,rate (with --followup).",
        ),
    ] = "",
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            metavar="FILE.csv",
            help="Per-sample costs, effects and parameter draws of another tool (the layouts of psa --results) "
            "instead of a scenario.",
        ),
    ] = None,
    size: Annotated[
        str,
        typer.Option(
            "--size",
            metavar="N1,N2|START:STOP:STEP",
            help="Study sizes n: patients (per arm for trial; person-years for poisson).",
        ),
    ] = "25,50,100,200,400",
    followup: Annotated[
        str | None,
        typer.Option("--followup", metavar="T1,T2|START:STOP:STEP", help="Years of follow-up (survival, cure)."),
    ] = None,
    sd: Annotated[
        float | None, typer.Option("--sd", min=0.0, help="normal: standard deviation of one observation.")
    ] = None,
    cv: Annotated[
        float, typer.Option("--cv", min=0.0, help="gamma: coefficient of variation of one observation.")
    ] = 1.0,
    after: Annotated[
        float, typer.Option("--after", min=0.0, help="cure: years the patients have already been followed.")
    ] = 0.0,
    samples: Annotated[int, typer.Option("--samples", "-n", min=10, help="PSA samples.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed (PSA and simulated studies).")] = 1,
    wtp: Annotated[
        list[float] | None,
        typer.Option("--wtp", metavar="AMOUNT", callback=non_negative, help="A threshold; repeat for several."),
    ] = None,
    wtp_grid: WtpGridOpt = None,
    method: Annotated[
        str, typer.Option("--method", metavar="METHOD", help="Regression: auto, gam or gp (docs/methods.md).")
    ] = "auto",
    population: Annotated[
        float | None,
        typer.Option("--population", min=0.0, help="People affected (per year with --horizon); default settings."),
    ] = None,
    horizon: Annotated[
        float | None, typer.Option("--horizon", min=0.0, help="Years the decision applies to (population per year).")
    ] = None,
    discount: Annotated[
        float, typer.Option("--discount", min=0.0, help="Discount rate over --horizon (continuous, as voi).")
    ] = 0.035,
    cost: Annotated[float | None, typer.Option("--cost", min=0.0, help="Fixed cost of the study.")] = None,
    cost_per_patient: Annotated[float, typer.Option("--cost-per-patient", min=0.0, help="Cost per participant.")] = 0.0,
    cost_per_patient_year: Annotated[
        float, typer.Option("--cost-per-patient-year", min=0.0, help="Cost per participant and year of follow-up.")
    ] = 0.0,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    workers: WorkersOpt = "1",
    *,
    out: OutputOptions,
) -> None:
    """Expected value of sample information (regression method) and the expected net benefit of sampling."""
    from atmpcli.analysis.evppi import choose_method
    from atmpcli.report.evsi_tables import evsi_tables

    if (scenario is None) == (results is None):
        raise typer.BadParameter("give a SCENARIO or --results FILE.csv (not both)")
    if not study:
        raise typer.BadParameter("give the study, e.g. --study binomial:p_response", param_hint="--study")
    processes = parse_workers(workers)
    if processes > 1 and results is not None:
        raise typer.BadParameter("--results analyses a file and runs no model", param_hint="--workers")
    the_study = parse_study(study, sd, cv, after)
    sizes = parse_sizes(size, "--size")
    followups = parse_sizes(followup, "--followup", whole=False) if followup else None
    if the_study.follows_up and not followups:
        raise typer.BadParameter(f"a {the_study.kind} study needs --followup", param_hint="--followup")
    try:
        choose_method(method, len(the_study.summaries))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--method") from None
    with reporting_errors():
        if results is not None:
            result, sc = _external(results), None
        else:
            result, sc = _psa(scenario, samples, seed, variant, sets, reference_case, processes)
        evsi_result = _analyse(
            result,
            sc,
            results,
            the_study,
            sizes,
            followups,
            wtp,
            wtp_grid,
            method,
            seed,
            population,
            horizon,
            discount,
            (cost, cost_per_patient, cost_per_patient_year),
        )
    emit(evsi_result, out, table=evsi_tables)


def _psa(
    scenario: str, samples: int, seed: int, variant: Any, sets: Any, reference_case: Any, processes: int
) -> tuple[Any, Any]:
    """The PSA the EVSI regresses on; each of the ``processes`` holds a chunk of its own (psa --workers)."""
    from atmpcli.analysis.memory_estimate import psa_chunk
    from atmpcli.analysis.psa import run_psa

    with worker_pool(processes) as pool:
        sc = load(scenario, variant, sets, reference_case)
        chunk = psa_chunk(sc, memory())
        drawn = len(sc.uncertain) + sum(len(g.parameters) for g in sc.dirichlet)
        what = f"this EVSI's PSA ({samples:,} samples)"
        check_request(sc, what, samples=samples, batch=min(samples, chunk) * processes, drawn=drawn)
        start_workers(pool, sc)
        return run_psa(sc, samples, seed, chunk=chunk, keep_draws=True, workers=pool), sc


def _external(path: Path) -> Any:
    from atmpcli.analysis.psa import PSASamples
    from atmpcli.scenario.external import read_results

    ext = read_results(path, data_file_limit())
    note(f"{path}: {len(ext.strategies)} strategies, {ext.costs.shape[0]:,} samples, layout {ext.layout}")
    return PSASamples(ext.strategies, ext.costs, ext.effects, 0, ext.parameters, None, "results file")


def _analyse(
    result: Any,
    sc: Any,
    results_file: Path | None,
    study: Any,
    sizes: list[int],
    followups: Any,
    wtp: Any,
    grid: Any,
    method: str,
    seed: int,
    population: float | None,
    horizon: float | None,
    discount: float,
    costs: tuple,
) -> Any:
    from atmpcli.analysis.evsi import StudyCosts, effective_population, run_evsi

    wtps = thresholds(sc.settings.wtp if sc is not None else [], wtp, grid)
    if not wtps:
        raise ScenarioError([Problem("give --wtp or --wtp-grid (no thresholds in the scenario)")])
    people = population if population is not None or sc is None else sc.settings.population
    fixed, per_patient, per_year = costs
    study_costs = (
        StudyCosts(fixed or 0.0, per_patient, per_year) if (fixed is not None or per_patient or per_year) else None
    )
    if study_costs is not None and people is None:
        raise ScenarioError([Problem("study costs need --population (or settings.population) for the ENBS")])
    try:
        return run_evsi(
            result,
            study,
            sizes,
            wtps,
            followups=followups,
            method=method,
            population=effective_population(people, horizon, discount) if people is not None else None,
            costs=study_costs,
            seed=seed,
            model=sc,
            results_file=results_file,
        )
    except KeyError as exc:
        raise ScenarioError(
            [Problem(f"--study: no draws of {exc.args[0]} (a parameter with a distribution, or a column of --results)")]
        ) from None
    except ValueError as exc:
        raise ScenarioError([Problem(f"--study: {exc}")]) from None

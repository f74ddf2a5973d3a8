"""psa (and, below, dsa and threshold): uncertainty around the base case."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from atmpcli.commands.common import Format, SetOption, VariantOption, app, fail, load, stdout_console
from atmpcli.errors import AtmpError, Problem, ScenarioError


def parse_grid(text: str | None) -> list[float]:
    """``START:STOP:STEP`` -> the thresholds from START to STOP inclusive."""
    if not text:
        return []
    try:
        start, stop, step = (float(x) for x in text.split(":"))
    except ValueError:
        raise typer.BadParameter("expected START:STOP:STEP, e.g. 0:200000:10000") from None
    if step <= 0 or stop < start:
        raise typer.BadParameter("expected STOP >= START and a positive STEP")
    n = int(round((stop - start) / step))
    return [start + i * step for i in range(n + 1)]


def _thresholds(sc_wtp: list[float], wtp: list[float] | None, grid: str | None) -> list[float]:
    values = (wtp or []) + parse_grid(grid)
    return sorted(set(values)) if values else list(sc_wtp)


class _Bar:
    """A progress bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, total_label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn(total_label),
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
        list[float] | None, typer.Option("--wtp", metavar="AMOUNT", help="A threshold; repeat for several.")
    ] = None,
    wtp_grid: Annotated[
        str | None, typer.Option("--wtp-grid", metavar="START:STOP:STEP", help="A range of thresholds.")
    ] = None,
    evppi: Annotated[
        list[str] | None,
        typer.Option(
            "--evppi", metavar="P1,P2", help="EVPPI of a parameter or a comma-separated group; repeat for several."
        ),
    ] = None,
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
            help="Analyse per-sample results of another tool (columns cost_<strategy>, effect_<strategy>); no scenario needed.",
        ),
    ] = None,
    per_sample: Annotated[
        Path | None,
        typer.Option(
            "--per-sample",
            metavar="FILE.csv",
            help="Also write each sample's costs, effects and parameter draws to this CSV file.",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
    variant: Annotated[str | None, VariantOption] = None,
    sets: Annotated[list[str] | None, SetOption] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on a Dask distributed cluster (e.g. tcp://host:8786); needs atmpcli[distributed]. Same results as a local run.",
        ),
    ] = None,
) -> None:
    """Probabilistic sensitivity analysis: means and intervals, CEAC, CEAF, EVPI and EVPPI."""
    from atmpcli.analysis.psa import PSAResult, run_on_draws, run_psa
    from atmpcli.analysis.psa_summary import summarise_psa

    groups = [[p.strip() for p in g.split(",") if p.strip()] for g in (evppi or [])]
    try:
        if results is not None:
            if scenario is not None or draws is not None:
                raise typer.BadParameter("--results analyses a file on its own: give no scenario and no --draws")
            from atmpcli.scenario.external import read_results

            names, costs, effects = read_results(results)
            result = PSAResult(names, costs, effects, 0, {}, None, "results file")
            thresholds = _thresholds([], wtp, wtp_grid)
            if not thresholds:
                raise typer.BadParameter("give --wtp or --wtp-grid when analysing a results file")
            header: dict[str, Any] = {"results_file": str(results)}
            title, currency, effect = f"PSA results from {results}", "cost units", "qalys"
        else:
            if scenario is None:
                raise typer.BadParameter("give a SCENARIO (or --results FILE.csv)")
            from atmpcli.report.documents import header as make_header

            sc = load(scenario, variant, sets)
            thresholds = _thresholds(sc.settings.wtp, wtp, wtp_grid)
            keep = bool(groups) or per_sample is not None
            with _Bar("sampling") as bar:
                if draws is not None:
                    from atmpcli.scenario.external import read_numeric_csv

                    result = run_on_draws(sc, read_numeric_csv(draws), progress=bar)
                elif scheduler is not None:
                    from atmpcli.analysis.distributed import run_psa_distributed
                    from atmpcli.commands.common import parse_sets

                    result = run_psa_distributed(
                        scheduler,
                        sc,
                        samples,
                        seed,
                        variant=variant,
                        sets=parse_sets(sets),
                        keep_draws=keep,
                        progress=bar,
                    )
                else:
                    result = run_psa(sc, samples, seed, keep_draws=keep, progress=bar)
            population = population if population is not None else sc.settings.population
            header = make_header(sc, "person", thresholds)
            title, currency, effect = sc.spec.title, sc.spec.currency, sc.settings.effect
        try:
            summary = summarise_psa(result, thresholds, evppi_groups=groups, population=population)
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
    _emit_psa(summary, fmt, header, title, currency, effect)


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


def _emit_psa(summary: Any, fmt: Format, header: dict[str, Any], title: str, currency: str, effect: str) -> None:
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(["measure", "strategy", "wtp", "parameters", "value"], summary.rows(), sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.documents import psa_document
        from atmpcli.report.formats import write_json

        write_json(psa_document(summary, header), sys.stdout)
    else:
        from atmpcli.report.uncertainty import psa_tables

        stdout_console().print(psa_tables(summary, currency, effect, title))


class Outcome(StrEnum):
    inc_nmb = "inc_nmb"
    icer = "icer"
    inc_cost = "inc_cost"
    inc_effect = "inc_effect"


def _pair(sc: Any, strategy: str | None) -> tuple[str, str]:
    names = [s.name for s in sc.strategies]
    if len(names) < 2:
        raise typer.BadParameter("a sensitivity analysis compares strategies: the scenario has only one")
    if strategy is None:
        strategy = next(n for n in names if n != sc.comparator)
    if strategy not in names:
        raise typer.BadParameter(
            f"unknown strategy '{strategy}' (strategies: {', '.join(names)})", param_hint="--strategy"
        )
    if strategy == sc.comparator:
        raise typer.BadParameter("choose a strategy other than the comparator", param_hint="--strategy")
    return strategy, sc.comparator


def _wtp_one(sc: Any, wtp: float | None) -> float:
    if wtp is not None:
        return wtp
    if sc.settings.wtp:
        return sc.settings.wtp[0]
    raise typer.BadParameter("give --wtp (the scenario has no settings.wtp)")


@app.command(
    epilog="Examples:\n\n  atmpcli dsa sick_sicker --strategy B --wtp 100000\n\n"
    "  atmpcli dsa hiv_chancellor --percent 20 --outcome icer\n\n"
    "  atmpcli dsa sick_sicker --two-way c_trtB,u_S1 --steps 5"
)
def dsa(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="Scenario file or name.")],
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter",
            "-p",
            metavar="NAME",
            help="Vary only these parameters (repeat); default: every parameter with a range or a distribution.",
        ),
    ] = None,
    percent: Annotated[
        float | None,
        typer.Option(
            "--percent", min=0.0, help="Vary parameters without a range or distribution by +/- this percentage."
        ),
    ] = None,
    outcome: Annotated[
        Outcome, typer.Option("--outcome", metavar="OUTCOME", help="inc_nmb (default), icer, inc_cost or inc_effect.")
    ] = Outcome.inc_nmb,
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy", metavar="NAME", help="Strategy compared with the comparator (default: the first other one)."
        ),
    ] = None,
    wtp: Annotated[
        float | None,
        typer.Option("--wtp", metavar="AMOUNT", help="Willingness to pay (default: the scenario's first)."),
    ] = None,
    two_way_params: Annotated[
        str | None,
        typer.Option("--two-way", metavar="A,B", help="Two-way analysis of two parameters over their ranges."),
    ] = None,
    steps: Annotated[int, typer.Option("--steps", min=2, max=101, help="Grid points per parameter for --two-way.")] = 5,
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
    variant: Annotated[str | None, VariantOption] = None,
    sets: Annotated[list[str] | None, SetOption] = None,
) -> None:
    """One-way (tornado) and two-way deterministic sensitivity analysis."""
    from atmpcli.analysis import dsa as D

    try:
        sc = load(scenario, variant, sets)
        chosen, comparator = _pair(sc, strategy)
        w = _wtp_one(sc, wtp)
        if two_way_params:
            pair = [p.strip() for p in two_way_params.split(",") if p.strip()]
            if len(pair) != 2:
                raise typer.BadParameter("expected two parameter names: A,B", param_hint="--two-way")
            a, b = D.ranges(sc, pair, percent)
            tw = D.two_way(sc, a, b, steps, outcome=outcome.value, strategy=chosen, comparator=comparator, wtp=w)
            rows = [
                {
                    "parameter_a": a.parameter,
                    "value_a": float(tw.a_values[i]),
                    "parameter_b": b.parameter,
                    "value_b": float(tw.b_values[j]),
                    "strategy": chosen,
                    "comparator": comparator,
                    "wtp": w,
                    "outcome": outcome.value,
                    "value": float(tw.values[i, j]),
                    "optimal": tw.optimal[i][j],
                }
                for i in range(steps)
                for j in range(steps)
            ]
            _emit_rows(
                rows,
                fmt,
                lambda: __import__("atmpcli.report.uncertainty", fromlist=["x"]).two_way_table(tw, outcome.value),
            )
            return
        ow = D.one_way(
            sc, D.ranges(sc, parameter, percent), outcome=outcome.value, strategy=chosen, comparator=comparator, wtp=w
        )
    except AtmpError as exc:
        raise fail(exc) from None
    rows = [
        {
            "parameter": ow.ranges[i].parameter,
            "base": ow.ranges[i].base,
            "low": ow.ranges[i].low,
            "high": ow.ranges[i].high,
            "range_source": ow.ranges[i].source,
            "strategy": chosen,
            "comparator": comparator,
            "wtp": w,
            "outcome": outcome.value,
            "base_value": ow.base_value,
            "value_low": float(ow.low_values[i]),
            "value_high": float(ow.high_values[i]),
            "swing": float(ow.swing[i]),
            "optimal_low": ow.optimal_low[i],
            "optimal_high": ow.optimal_high[i],
        }
        for i in ow.order()
    ]
    _emit_rows(
        rows,
        fmt,
        lambda: __import__("atmpcli.report.uncertainty", fromlist=["x"]).tornado_table(
            ow, sc.spec.currency, sc.spec.title
        ),
    )


def _emit_rows(rows: list[dict[str, Any]], fmt: Format, table: Any) -> None:
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(list(rows[0]) if rows else [], rows, sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.formats import write_json

        write_json({"rows": rows}, sys.stdout)
    else:
        stdout_console().print(table())


@app.command(
    epilog="Examples:\n\n  atmpcli threshold cart_pediatric_all --parameter c_tisagenlecleucel --wtp 100000\n\n"
    "  atmpcli threshold egfr_test_and_treat -p c_test --strategy test_and_treat --wtp-grid 20000:80000:10000"
)
def threshold(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="Scenario file or name.")],
    parameter: Annotated[
        str, typer.Option("--parameter", "-p", metavar="NAME", help="The parameter to solve for (e.g. a price).")
    ],
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy",
            metavar="NAME",
            help="The strategy that should be cost-effective (default: the first non-comparator).",
        ),
    ] = None,
    wtp: Annotated[
        list[float] | None, typer.Option("--wtp", metavar="AMOUNT", help="Willingness to pay; repeat for several.")
    ] = None,
    wtp_grid: Annotated[
        str | None,
        typer.Option(
            "--wtp-grid",
            metavar="START:STOP:STEP",
            help="A range of thresholds: the curve of the threshold value against WTP.",
        ),
    ] = None,
    low: Annotated[
        float | None,
        typer.Option("--low", help="Lower end of the search range (default: the parameter's low, else 0)."),
    ] = None,
    high: Annotated[
        float | None, typer.Option("--high", help="Upper end (default: the parameter's high, else 10 x its value).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
    variant: Annotated[str | None, VariantOption] = None,
    sets: Annotated[list[str] | None, SetOption] = None,
) -> None:
    """The value of a parameter at which a strategy becomes cost-effective (e.g. the maximum price)."""
    from atmpcli.analysis.threshold import threshold as solve

    try:
        sc = load(scenario, variant, sets)
        chosen, _ = _pair(sc, strategy)
        thresholds = _thresholds(sc.settings.wtp, wtp, wtp_grid)
        if not thresholds:
            raise typer.BadParameter("give --wtp or --wtp-grid (the scenario has no settings.wtp)")
        res = solve(sc, parameter, chosen, thresholds, low, high)
    except AtmpError as exc:
        raise fail(exc) from None
    rows = [
        {
            "parameter": res.parameter,
            "strategy": res.strategy,
            "wtp": p.wtp,
            "threshold": p.value,
            "cost_effective": None
            if p.cost_effective_below is None
            else ("below" if p.cost_effective_below else "above"),
            "crossings": p.crossings,
            "base": res.base,
            "low": res.low,
            "high": res.high,
            "note": p.note,
        }
        for p in res.points
    ]
    _emit_rows(
        rows,
        fmt,
        lambda: __import__("atmpcli.report.uncertainty", fromlist=["x"]).threshold_table(
            res, sc.spec.currency, sc.spec.title
        ),
    )

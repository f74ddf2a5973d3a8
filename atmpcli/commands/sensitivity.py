"""dsa and threshold: deterministic sensitivity around the base case."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    ScenarioArg,
    SetsOpt,
    VariantOpt,
    WtpGridOpt,
    app,
    load,
    note,
    positive,
    reporting_errors,
    thresholds,
)
from atmpcli.commands.loading import scenario_options
from atmpcli.commands.output_options import emit, output_options
from atmpcli.report.output import OutputOptions


class Outcome(StrEnum):
    inc_nmb = "inc_nmb"
    icer = "icer"
    inc_cost = "inc_cost"
    inc_effect = "inc_effect"


StrategyOpt = Annotated[
    str | None,
    typer.Option(
        "--strategy", metavar="NAME", help="Strategy of interest (default: the first one that is not the comparator)."
    ),
]


ParametersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        "-p",
        metavar="NAME",
        help="Vary only these parameters (repeat); default: every parameter with a range or a distribution.",
    ),
]
PercentOpt = Annotated[
    float | None,
    typer.Option("--percent", min=0.0, help="Vary parameters without a range or distribution by +/- this percentage."),
]
OutcomeOpt = Annotated[
    Outcome, typer.Option("--outcome", metavar="OUTCOME", help="inc_nmb (default), icer, inc_cost or inc_effect.")
]
OneWtpOpt = Annotated[
    float | None,
    typer.Option("--wtp", metavar="AMOUNT", help="Willingness to pay (default: the scenario's first)."),
]
TwoWayOpt = Annotated[
    str | None,
    typer.Option("--two-way", metavar="A,B", help="Two-way analysis of two parameters over their ranges."),
]
StepsOpt = Annotated[int, typer.Option("--steps", min=2, max=101, help="Grid points per parameter for --two-way.")]


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


@app.command(
    epilog="Examples:\n\n  atmpcli dsa sick_sicker --strategy B --wtp 100000\n\n"
    "  atmpcli dsa hiv_chancellor --percent 20 --outcome icer\n\n"
    "  atmpcli dsa sick_sicker --two-way c_trtB,u_S1 --steps 5"
)
@output_options(plot=True)
@scenario_options()
def dsa(
    scenario: ScenarioArg,
    parameter: ParametersOpt = None,
    percent: PercentOpt = None,
    outcome: OutcomeOpt = Outcome.inc_nmb,
    strategy: StrategyOpt = None,
    wtp: OneWtpOpt = None,
    two_way_params: TwoWayOpt = None,
    steps: StepsOpt = 5,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """One-way (tornado) and two-way deterministic sensitivity analysis."""
    from atmpcli.analysis.dsa import OneWay, sensitivity
    from atmpcli.report.figures import tornado_figure, two_way_figure
    from atmpcli.report.uncertainty_tables import tornado_table, two_way_table

    pair = None
    if two_way_params:
        pair = [p.strip() for p in two_way_params.split(",") if p.strip()]
        if len(pair) != 2:
            raise typer.BadParameter("expected two parameter names: A,B", param_hint="--two-way")
    with reporting_errors():
        sc = load(scenario, variant, sets, reference_case)
        chosen, _ = _pair(sc, strategy)
        if wtp is None and not sc.settings.wtp:
            raise typer.BadParameter("give --wtp (the scenario has no settings.wtp)")
        result = sensitivity(
            sc,
            parameters=parameter,
            percent=percent,
            outcome=outcome.value,
            strategy=chosen,
            wtp=wtp,
            two_way_parameters=pair,
            steps=steps,
        )
    if isinstance(result, OneWay):
        emit(result, out, table=tornado_table, figure=tornado_figure)
    else:
        emit(result, out, table=two_way_table, figure=two_way_figure)


@app.command(
    epilog="Examples:\n\n  atmpcli threshold cart_pediatric_all --parameter c_tisagenlecleucel --wtp 100000\n\n"
    "  atmpcli threshold egfr_test_and_treat -p c_test --wtp-grid 200000:350000:50000\n\n"
    "Without --strategy: the strategy whose results the parameter changes (of several, the one with the highest "
    "NMB at the first threshold)."
)
@output_options()
@scenario_options()
def threshold(
    scenario: ScenarioArg,
    parameter: Annotated[
        str, typer.Option("--parameter", "-p", metavar="NAME", help="The parameter to solve for (e.g. a price).")
    ],
    strategy: StrategyOpt = None,
    wtp: Annotated[
        list[float] | None,
        typer.Option("--wtp", metavar="AMOUNT", callback=positive, help="Willingness to pay; repeat for several."),
    ] = None,
    wtp_grid: WtpGridOpt = None,
    low: Annotated[
        float | None,
        typer.Option(
            "--low",
            help="Lower end of the search range (default: the parameter's low, a bounded distribution's "
            "minimum, else 0).",
        ),
    ] = None,
    high: Annotated[
        float | None,
        typer.Option(
            "--high",
            help="Upper end (default: the parameter's high, a bounded distribution's maximum, else 10 x its value).",
        ),
    ] = None,
    severity: Annotated[
        bool,
        typer.Option(
            "--severity",
            help="At the severity-weighted threshold: QALYs weighted by NICE's severity modifier "
            "(settings.severity; docs/decision-rules.md).",
        ),
    ] = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """The value of a parameter at which a strategy becomes cost-effective (e.g. the maximum price)."""
    from atmpcli.analysis.threshold import priced_strategy
    from atmpcli.analysis.threshold import threshold as solve
    from atmpcli.report.uncertainty_tables import threshold_table

    with reporting_errors():
        sc = load(scenario, variant, sets, reference_case)
        chosen, _ = _pair(sc, strategy)
        wtps = thresholds(sc.settings.wtp, wtp, wtp_grid)
        if not wtps:
            raise typer.BadParameter("give --wtp or --wtp-grid (the scenario has no settings.wtp)")
        if strategy is None:  # the strategy whose price is asked: the one whose results the parameter moves
            chosen, why = priced_strategy(sc, parameter, wtps[0])
            note(why)
        weight = 1.0
        if severity:
            from atmpcli.analysis.weighted_decisions import severity_weight

            weight = severity_weight(sc)
            note(f"NICE severity weight x {weight:g}: QALYs weighted, thresholds as given")
        result = solve(sc, parameter, chosen, wtps, low, high, weight=weight)
    emit(result, out, table=threshold_table)

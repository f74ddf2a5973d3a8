"""dsa and threshold: deterministic sensitivity around the base case."""

from __future__ import annotations

from enum import StrEnum
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
    ScenarioArg,
    SepOpt,
    SetsOpt,
    VariantOpt,
    WtpGridOpt,
    app,
    emit,
    fail,
    load,
    plot,
    plots,
    positive,
    thresholds,
)
from atmpcli.errors import AtmpError


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


def _report(name: str) -> Any:
    from atmpcli.report import uncertainty

    return getattr(uncertainty, name)


@app.command(
    epilog="Examples:\n\n  atmpcli dsa sick_sicker --strategy B --wtp 100000\n\n"
    "  atmpcli dsa hiv_chancellor --percent 20 --outcome icer\n\n"
    "  atmpcli dsa sick_sicker --two-way c_trtB,u_S1 --steps 5"
)
def dsa(
    scenario: ScenarioArg,
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
    strategy: StrategyOpt = None,
    wtp: Annotated[
        float | None,
        typer.Option("--wtp", metavar="AMOUNT", help="Willingness to pay (default: the scenario's first)."),
    ] = None,
    two_way_params: Annotated[
        str | None,
        typer.Option("--two-way", metavar="A,B", help="Two-way analysis of two parameters over their ranges."),
    ] = None,
    steps: Annotated[int, typer.Option("--steps", min=2, max=101, help="Grid points per parameter for --two-way.")] = 5,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    plot_file: PlotOpt = None,
) -> None:
    """One-way (tornado) and two-way deterministic sensitivity analysis."""
    from atmpcli.analysis import dsa as D

    try:
        sc = load(scenario, variant, sets, reference_case)
        chosen, comparator = _pair(sc, strategy)
        w = wtp if wtp is not None else (sc.settings.wtp or [None])[0]
        if w is None:
            raise typer.BadParameter("give --wtp (the scenario has no settings.wtp)")
        common = {"strategy": chosen, "comparator": comparator, "wtp": w, "outcome": outcome.value}
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
                    **common,
                    "value": float(tw.values[i, j]),
                    "optimal": tw.optimal[i][j],
                }
                for i in range(steps)
                for j in range(steps)
            ]
            emit(
                fmt,
                style=(sep, decimal, bom),
                output=output,
                scenario=sc,
                sheet="DSA two-way",
                csv=(list(rows[0]), rows),
                json=lambda: {"rows": rows},
                table=lambda: _report("two_way_table")(tw, outcome.value),
            )
            return
        ow = D.one_way(
            sc, D.ranges(sc, parameter, percent), outcome=outcome.value, strategy=chosen, comparator=comparator, wtp=w
        )
    except AtmpError as exc:
        raise fail(exc) from None
    plot(plot_file, lambda path: plots().tornado_figure(ow, sc.spec.currency, path))
    rows = [
        {
            "parameter": r.parameter,
            "base": r.base,
            "low": r.low,
            "high": r.high,
            "range_source": r.source,
            **common,
            "base_value": ow.base_value,
            "value_low": float(ow.low_values[i]),
            "value_high": float(ow.high_values[i]),
            "swing": float(ow.swing[i]),
            "optimal_low": ow.optimal_low[i],
            "optimal_high": ow.optimal_high[i],
        }
        for i in ow.order()
        for r in [ow.ranges[i]]
    ]
    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        scenario=sc,
        sheet="DSA",
        csv=(list(rows[0]), rows),
        json=lambda: {"rows": rows},
        table=lambda: _report("tornado_table")(ow, sc.spec.currency, sc.spec.title),
    )


@app.command(
    epilog="Examples:\n\n  atmpcli threshold cart_pediatric_all --parameter c_tisagenlecleucel --wtp 100000\n\n"
    "  atmpcli threshold egfr_test_and_treat -p c_test --strategy test_and_treat --wtp-grid 20000:80000:10000"
)
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
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
) -> None:
    """The value of a parameter at which a strategy becomes cost-effective (e.g. the maximum price)."""
    from atmpcli.analysis.threshold import threshold as solve

    try:
        sc = load(scenario, variant, sets, reference_case)
        chosen, _ = _pair(sc, strategy)
        wtps = thresholds(sc.settings.wtp, wtp, wtp_grid)
        if not wtps:
            raise typer.BadParameter("give --wtp or --wtp-grid (the scenario has no settings.wtp)")
        res = solve(sc, parameter, chosen, wtps, low, high)
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
    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        scenario=sc,
        sheet="Threshold",
        csv=(list(rows[0]), rows),
        json=lambda: {"rows": rows},
        table=lambda: _report("threshold_table")(res, sc.spec.currency, sc.spec.title),
    )

"""compare, trace and icers: the base case of a scenario, its cohort trace, and any table of strategies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from atmpcli.commands.common import (
    Per,
    ReferenceCaseOpt,
    ScenarioArg,
    SetsOpt,
    VariantOpt,
    WtpOpt,
    app,
    load,
    note,
    reporting_errors,
)
from atmpcli.commands.loading import data_file_limit, scenario_options
from atmpcli.commands.output_options import emit, imported_when_used, output_options
from atmpcli.report.output import OutputOptions

if TYPE_CHECKING:
    from atmpcli.model.decision_model import DecisionModel

PerOpt = Annotated[
    Per, typer.Option("--per", metavar="UNIT", help="person (default) or cohort: totals for the cohort.")
]
LongOpt = Annotated[
    bool,
    typer.Option(
        "--long", help="One row per strategy and measure (tidy data for ggplot/seaborn) instead of a wide table."
    ),
]

SeverityOpt = Annotated[
    bool,
    typer.Option(
        "--severity",
        help="Weighted decisions instead: NICE severity-weighted, HST-weighted, ZIN reference-value and "
        "evLYG ICERs and NMB beside the unweighted ones (docs/decision-rules.md).",
    ),
]
BenchmarksOpt = Annotated[
    bool,
    typer.Option(
        "--benchmarks",
        help="ICER's health-benefit price benchmarks instead: the price at $100k/$150k per QALY and per evLYG, "
        "with full, shared (50/50) and capped cost offsets.",
    ),
]
PriceOpt = Annotated[
    str | None,
    typer.Option(
        "--price",
        metavar="PARAM",
        help="With --severity/--benchmarks: the parameter holding the therapy's price, so results are prices.",
    ),
]


@app.command(
    epilog="Examples:\n\n  atmpcli compare hiv_chancellor --format csv > results.csv\n\n"
    "  atmpcli compare scd_gene_therapy --benchmarks --price c_gene_therapy"
)
@output_options(plot=True)
@scenario_options()
def compare(
    scenario: ScenarioArg,
    wtp: WtpOpt = None,
    per: PerOpt = Per.person,
    long: LongOpt = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    severity: SeverityOpt = False,
    benchmarks: BenchmarksOpt = False,
    price: PriceOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Compare the strategies of a scenario: costs, QALYs, life-years, ICERs with dominance, NMB."""
    from atmpcli.analysis.compare import compare as run_compare
    from atmpcli.report.comparison_tables import comparison_tables, long_table

    comparison_figure = imported_when_used("atmpcli.report.figures", "comparison_figure")
    comparison_workbook = imported_when_used("atmpcli.report.workbook", "comparison_workbook")

    if severity or benchmarks:
        # the rules are per person (a maximum price, a benchmark) and have no figure: refuse, never ignore
        for given, hint in ((long, "--long"), (per is not Per.person, "--per"), (out.plot is not None, "--plot")):
            if given:
                raise typer.BadParameter("only for the comparison, not with --severity/--benchmarks", param_hint=hint)
        with reporting_errors():
            model = load(scenario, variant, sets, reference_case)
        _decision_rules(model, wtp, price, severity, benchmarks, out)
        return
    with reporting_errors():
        result = run_compare(load(scenario, variant, sets, reference_case), wtp=wtp, per=per.value)
    for w in result.warnings:
        note(f"warning: {w}")
    if long:
        emit(result.select("long"), out, table=long_table, figure=comparison_figure)
    else:
        emit(result, out, table=comparison_tables, figure=comparison_figure, workbook=comparison_workbook)


def _decision_rules(
    model: DecisionModel,
    wtp: list[float] | None,
    price: str | None,
    severity: bool,
    benchmarks: bool,
    out: OutputOptions,
) -> None:
    """compare --severity / --benchmarks: the weighted decisions result (analysis/weighted_decisions.py)."""
    from atmpcli.analysis.weighted_decisions import weighted_decisions
    from atmpcli.report.decision_rule_tables import decision_rule_tables

    if severity and benchmarks:
        raise typer.BadParameter("give --severity or --benchmarks, not both", param_hint="--benchmarks")
    rules = ("nice_severity",) if severity else ("evlyg", "price_benchmarks")
    with reporting_errors():
        result = weighted_decisions(model, wtp=wtp, price=price, rules=rules)
    for w in result.warnings:
        note(f"warning: {w}")
    emit(result.select("benchmarks") if benchmarks else result, out, table=decision_rule_tables)


@app.command(
    epilog="Examples:\n\n  atmpcli trace hiv_chancellor --format csv > trace.csv\n\n"
    "  atmpcli trace sick_sicker --strategy B -o trace.xlsx\n\n"
    "  atmpcli trace sick_sicker --plot trace.png"
)
@output_options(plot=True)
@scenario_options()
def trace(
    scenario: ScenarioArg,
    strategy: Annotated[
        list[str] | None,
        typer.Option("--strategy", metavar="NAME", help="Only this strategy (repeat for several); default: all."),
    ] = None,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """The cohort trace: the share of the cohort in each state at each cycle, per strategy (long format)."""
    from atmpcli.analysis.trace import cohort_trace
    from atmpcli.report.figures import cohort_trace_figure
    from atmpcli.report.scenario_tables import trace_tables

    with reporting_errors():
        result = cohort_trace(load(scenario, variant, sets, reference_case), strategy)
    emit(result, out, table=trace_tables, figure=cohort_trace_figure)


@app.command(epilog="Examples:\n\n  atmpcli icers results.csv\n\n  other_tool --csv | atmpcli icers - --format json")
@output_options()
@scenario_options(scenario=False, memory=False)
def icers(
    file: Annotated[str, typer.Argument(metavar="FILE", help="CSV with columns strategy, cost, effect; - for stdin.")],
    *,
    out: OutputOptions,
) -> None:
    """Incremental analysis (dominance, extended dominance, ICERs) of any table of strategies."""
    import sys
    from pathlib import Path

    from atmpcli.analysis.dominance_and_icers import icers as run_icers
    from atmpcli.report.comparison_tables import icer_table
    from atmpcli.scenario.external import read_strategy_table

    limit = data_file_limit()
    with reporting_errors():
        if file == "-":  # one character past the limit, so that endless input is refused, not exhausted
            names, costs, effects = read_strategy_table(None, sys.stdin.read(limit + 1), limit)
        else:
            names, costs, effects = read_strategy_table(Path(file), max_bytes=limit)
    emit(run_icers(names, costs, effects, source="stdin" if file == "-" else file), out, table=icer_table)

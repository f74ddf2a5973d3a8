"""variants and budget-impact: the scenario under its named variants, and what the payer spends by year."""

from __future__ import annotations

from typing import Annotated

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    ScenarioArg,
    SetsOpt,
    VariantOpt,
    WtpOpt,
    app,
    load,
    reporting_errors,
)
from atmpcli.commands.loading import scenario_options
from atmpcli.commands.output_options import emit, output_options
from atmpcli.report.output import OutputOptions


@app.command(
    epilog="Examples:\n\n  atmpcli variants cart_pediatric_all\n\n"
    "  atmpcli variants hiv_chancellor --set rr_combination=0.6 --format csv"
)
@output_options()
@scenario_options()
def variants(
    scenario: ScenarioArg,
    only: Annotated[
        list[str] | None,
        typer.Option("--variant", metavar="NAME", help="Run only these variants (repeat); default: all."),
    ] = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    wtp: WtpOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Scenario analysis: the base case and the scenario's named variants side by side (with --set applied to all)."""
    from atmpcli.analysis.variants import scenario_analysis
    from atmpcli.report.scenario_tables import variants_table

    with reporting_errors():
        result = scenario_analysis(lambda v: load(scenario, v, sets, reference_case), only or None, wtp)
    emit(result, out, table=variants_table)


@app.command("budget-impact", epilog="Example: atmpcli budget-impact cart_belgium_budget --years 5 --format csv")
@output_options(plot=True)
@scenario_options()
def budget_impact(
    scenario: ScenarioArg,
    years: Annotated[
        int | None, typer.Option("--years", min=1, max=50, help="Years (default: the scenario's).")
    ] = None,
    discount: Annotated[
        float | None,
        typer.Option("--discount", min=0.0, max=1.0, help="Discount rate (default: the scenario's, usually 0)."),
    ] = None,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Budget impact: the payer's yearly spending with and without the new strategies, and the difference."""
    from atmpcli.api import budget_impact_of
    from atmpcli.report.figures import budget_figure
    from atmpcli.report.scenario_tables import budget_table

    with reporting_errors():
        result = budget_impact_of(load(scenario, variant, sets, reference_case), years, discount)
    emit(result, out, table=budget_table, figure=budget_figure)

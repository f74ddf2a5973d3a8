"""equity: the distributional cost-effectiveness analysis of a scenario with an `equity:` block.

A command of its own rather than ``compare --equity``: a DCEA has inputs compare does not (the whole
population's subgroups, an opportunity-cost threshold, inequality aversion), tables of its own (by
subgroup and by inequality index) and its own figure, the equity-efficiency impact plane.
"""

from __future__ import annotations

from typing import Annotated

import typer

from atmpcli.commands.common import ReferenceCaseOpt, ScenarioArg, SetsOpt, VariantOpt, app, load, reporting_errors
from atmpcli.commands.loading import scenario_options
from atmpcli.commands.output_options import emit, output_options
from atmpcli.report.output import OutputOptions


@app.command(
    epilog="Examples:\n\n  atmpcli equity scd_gene_therapy_dcea --plot plane.png\n\n"
    "  atmpcli equity scd_gene_therapy_dcea --by-subgroup --format csv\n\n"
    "  atmpcli equity scd_gene_therapy_dcea --atkinson 0 --kolm 0"
)
@output_options(plot=True)
@scenario_options()
def equity(
    scenario: ScenarioArg,
    atkinson: Annotated[
        float | None,
        typer.Option(
            "--atkinson",
            metavar="E",
            min=0.0,
            help="Atkinson inequality aversion (default: the scenario's, else 10.95, England's public).",
        ),
    ] = None,
    kolm: Annotated[
        float | None,
        typer.Option(
            "--kolm",
            metavar="A",
            min=0.0,
            help="Kolm inequality aversion per QALY (default: the scenario's, else 0.15, England's public).",
        ),
    ] = None,
    by_subgroup: Annotated[
        bool, typer.Option("--by-subgroup", help="Write the table by subgroup instead of the summary.")
    ] = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Distributional CEA: net health benefit by subgroup, EDE health, equity-weighted NMB (docs/decision-rules.md)."""
    from atmpcli.api import equity_of
    from atmpcli.report.equity_tables import equity_tables
    from atmpcli.report.figures.equity_plane import equity_plane_figure

    with reporting_errors():
        result = equity_of(load(scenario, variant, sets, reference_case), atkinson, kolm)
    emit(result.select("subgroups") if by_subgroup else result, out, table=equity_tables, figure=equity_plane_figure)

"""verify: the model verification battery (TECH-VER black-box tests)."""

from __future__ import annotations

import typer

from atmpcli.commands.common import ReferenceCaseOpt, ScenarioArg, SetsOpt, VariantOpt, app, load, reporting_errors
from atmpcli.commands.output_options import emit, output_options
from atmpcli.report.output import OutputOptions


@app.command(
    epilog="Examples:\n\n  atmpcli verify sick_sicker\n\n  atmpcli verify my_model.yaml --format csv > checks.csv"
)
@output_options()
def verify(
    scenario: ScenarioArg,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Run black-box verification tests on a model (zero mortality, utilities 1, no discounting, identical
    strategies, monotone costs, utilities and life-years, mass balance, extreme values, PSA mean); exit 1 if one
    fails."""
    from atmpcli.analysis.verification import verify as run_verify
    from atmpcli.report.verification_tables import verification_table

    with reporting_errors():
        result = run_verify(load(scenario, variant, sets, reference_case))
    emit(result, out, table=verification_table)
    if not result.passed:
        failed = ", ".join(dict.fromkeys(c.check for c in result.failed))
        typer.echo(f"error: verification failed: {failed}", err=True)
        raise typer.Exit(1)

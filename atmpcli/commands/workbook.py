"""workbook: the live Excel twin of a scenario (atmpcli/report/excel_twin/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    ScenarioArg,
    SetsOpt,
    VariantOpt,
    WtpOpt,
    app,
    fail,
    load,
    note,
    reporting_errors,
)
from atmpcli.commands.loading import scenario_options
from atmpcli.errors import AtmpError

TOLERANCE = 1e-9


@app.command(epilog="Example: atmpcli workbook sick_sicker -o sick_sicker.xlsx --check")
@scenario_options()
def workbook(
    scenario: ScenarioArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The .xlsx file to write (atomically).")
    ],
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    wtp: WtpOpt = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Recalculate the workbook in LibreOffice (soffice) and check that it reproduces atmpcli's "
            "costs, QALYs, life-years and ICERs to 1e-9.",
        ),
    ] = False,
) -> None:
    """Write a live Excel workbook of the base case: every number a formula of named inputs.

    Inputs, per-strategy transition matrices, cohort traces, rewards, weights and discount factors,
    decision trees, payments, results and the incremental analysis are Excel formulas that recompute
    when an input changes (Excel 2016 or later, LibreOffice). compare -o FILE.xlsx writes values only.
    """
    from atmpcli.report.excel_twin import write_live_workbook

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the live workbook is an .xlsx file", param_hint="--output")
    with reporting_errors():
        sc = load(scenario, variant, sets, reference_case)
        try:
            summary = write_live_workbook(sc, output, wtp=wtp)
        except OSError as exc:
            raise AtmpError(f"{output}: cannot write: {exc.strerror}") from None
    values = (
        f"; {len(summary.values_written)} cells or columns hold atmpcli's values, listed on its Notes sheet"
        if summary.values_written
        else ""
    )
    note(f"wrote {output} ({len(summary.sheets) + 1} sheets, every number a formula{values})")
    if check:
        _check(sc, output, wtp)


def _check(sc: object, output: Path, wtp: list[float] | None) -> None:
    """Recalculate ``output`` in LibreOffice and compare its Results with atmpcli's."""
    import tempfile

    from atmpcli.analysis.compare import compare
    from atmpcli.report.excel_twin.recalc import differences, recalculate, results_table

    with reporting_errors(), tempfile.TemporaryDirectory(prefix="atmpcli-check-") as tmp:
        recalculated = recalculate([output], Path(tmp))[0]
        worst, problems = differences(compare(sc, wtp=wtp).rows, results_table(recalculated))  # type: ignore[arg-type]
    if problems or worst > TOLERANCE:
        detail = "; ".join(problems) or f"largest relative difference {worst:.3g}"
        raise fail(AtmpError(f"{output}: the recalculated workbook differs from atmpcli: {detail}"))
    note(
        f"checked in LibreOffice: costs, QALYs, life-years and ICERs equal atmpcli's (largest relative difference {worst:.1e})"
    )

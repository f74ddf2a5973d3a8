"""shortfall: general-population QALE and QALY shortfall, as the QALY Shortfall Calculator computes them."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atmpcli.commands.common import (
    BomOpt,
    DecimalOpt,
    Format,
    FormatOpt,
    OutputOpt,
    SepOpt,
    app,
    emit,
    fail,
)
from atmpcli.errors import AtmpError


@app.command(
    epilog="Examples:\n\n"
    "  atmpcli shortfall --start-age 12 --female 0.5 --discount 0.035 --qalys 9.5\n\n"
    "  atmpcli shortfall --start-age 60 --female 0.4 --discount 0.035 --norms england-cw --by-age -f csv"
)
def shortfall(
    start_age: Annotated[
        int, typer.Option("--start-age", metavar="AGE", help="Age of the patients at the start, whole years (0-99).")
    ],
    female: Annotated[
        float, typer.Option("--female", metavar="SHARE", help="Share of women among the patients, 0 to 1.")
    ],
    discount: Annotated[
        float, typer.Option("--discount", metavar="RATE", help="Discount rate for QALYs, e.g. 0.035 (NICE).")
    ],
    norms: Annotated[
        str,
        typer.Option(
            "--norms",
            metavar="NAME",
            help="england-dsu-2014 (the calculator's reference case), england-co, england-cw, england-mvh, "
            "england-tto, or a CSV file of your own norms.",
        ),
    ] = "england-dsu-2014",
    qalys: Annotated[
        float | None,
        typer.Option(
            "--qalys",
            metavar="Q",
            help="Expected QALYs of the patients with current care, discounted at --discount: adds the "
            "absolute and proportional shortfall and NICE's severity weight.",
        ),
    ] = None,
    by_age: Annotated[
        bool, typer.Option("--by-age", help="Write the general population's year-by-year QALYs instead.")
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
) -> None:
    """Quality-adjusted life expectancy of the general population and the QALY shortfall of a condition."""
    from atmpcli.analysis.shortfall import BY_AGE_COLUMNS, SUMMARY_COLUMNS
    from atmpcli.analysis.shortfall import shortfall as run_shortfall

    try:
        result = run_shortfall(start_age, female, discount, norms, qalys)
    except AtmpError as exc:
        raise fail(exc) from None

    if by_age:
        columns, rows = BY_AGE_COLUMNS, result.by_age.to_dict("records")
    else:
        columns, rows = SUMMARY_COLUMNS, [result.row]

    def document() -> dict[str, Any]:
        from atmpcli import __version__

        return {
            "atmpcli_version": __version__,
            "norms": {"name": result.norms.name, "title": result.norms.title},
            "result": result.row,
            "by_age": result.by_age.to_dict("records") if by_age else None,
        }

    def table() -> Any:
        from atmpcli.report.shortfall import by_age_table, shortfall_table

        return by_age_table(result) if by_age else shortfall_table(result)

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        csv=(columns, rows),
        json=document,
        table=table,
        sheet="Shortfall",
    )

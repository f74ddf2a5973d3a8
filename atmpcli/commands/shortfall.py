"""shortfall: general-population QALE and QALY shortfall, as the QALY Shortfall Calculator computes them."""

from __future__ import annotations

from typing import Annotated

import typer

from atmpcli.commands.common import app, reporting_errors
from atmpcli.commands.output_options import emit, output_options
from atmpcli.report.output import OutputOptions


@app.command(
    epilog="Examples:\n\n"
    "  atmpcli shortfall --start-age 12 --female 0.5 --discount 0.035 --qalys 9.5\n\n"
    "  atmpcli shortfall --start-age 60 --female 0.4 --discount 0.035 --norms england-cw --by-age -f csv"
)
@output_options()
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
    *,
    out: OutputOptions,
) -> None:
    """Quality-adjusted life expectancy of the general population and the QALY shortfall of a condition."""
    from atmpcli.analysis.shortfall import shortfall as run_shortfall
    from atmpcli.report.shortfall_tables import shortfall_tables

    with reporting_errors():
        result = run_shortfall(start_age, female, discount, norms, qalys)
    emit(result.select("by_age") if by_age else result, out, table=shortfall_tables)

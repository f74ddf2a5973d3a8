"""survival reconstruct, survival fit: from a published Kaplan-Meier curve to fitted, extrapolated curves."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from atmpcli.commands.common import app, note, reporting_errors
from atmpcli.commands.loading import data_file_limit, scenario_options
from atmpcli.commands.output_options import emit, output_options
from atmpcli.report.output import OutputOptions

survival_app = typer.Typer(
    name="survival",
    help="Survival curves for cost-effectiveness: reconstruct patient data from a published Kaplan-Meier "
    "figure (Guyot et al. 2012), fit parametric, spline and mixture-cure models (flexsurv's parameterisations).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(survival_app, name="survival")


class TimeUnit(StrEnum):
    days = "days"
    weeks = "weeks"
    months = "months"
    years = "years"


def _numbers(text: str | None, option: str) -> list[float]:
    if not text:
        return []
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected numbers separated by commas, got '{text}'", param_hint=option) from None
    if any(v < 0 for v in values):
        raise typer.BadParameter("times cannot be negative", param_hint=option)
    return values


def _families(text: str | None) -> list[str]:
    from atmpcli.analysis.survival.from_files import families

    try:
        return families(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--dist") from None


@survival_app.command(
    epilog="Example: atmpcli survival reconstruct km_os.csv --at-risk risk_os.csv --events 52 -o ipd_os.csv"
)
@output_options()
@scenario_options(scenario=False, memory=False)
def reconstruct(
    curve: Annotated[
        Path, typer.Argument(metavar="KM.csv", help="Digitised coordinates: columns time, survival (0-1).")
    ],
    at_risk: Annotated[
        Path,
        typer.Option("--at-risk", metavar="RISK.csv", help="Numbers at risk: columns time, at_risk; first row time 0."),
    ],
    events: Annotated[
        int | None,
        typer.Option("--events", metavar="N", min=0, help="Total number of events, when the paper reports it."),
    ] = None,
    time_col: Annotated[str, typer.Option("--time", metavar="COL", help="Time column of both files.")] = "time",
    survival_col: Annotated[
        str, typer.Option("--survival", metavar="COL", help="Survival column of KM.csv.")
    ] = "survival",
    at_risk_col: Annotated[
        str, typer.Option("--at-risk-column", metavar="COL", help="Column of RISK.csv.")
    ] = "at_risk",
    max_rise: Annotated[
        float,
        typer.Option("--max-rise", metavar="X", min=0, help="Largest rise of the curve taken as digitising noise."),
    ] = 0.02,
    *,
    out: OutputOptions,
) -> None:
    """Reconstruct patient-level data (time, event) from a digitised Kaplan-Meier curve (Guyot et al. 2012)."""
    from atmpcli.analysis.survival.from_files import reconstruct_from_files
    from atmpcli.report.survival_tables import reconstruction_table

    with reporting_errors():
        result = reconstruct_from_files(
            curve,
            at_risk,
            events=events,
            time=time_col,
            survival=survival_col,
            at_risk_column=at_risk_col,
            max_rise=max_rise,
            max_bytes=data_file_limit(),
        )
    for w in result.warnings:
        note(f"warning: {w}")
    emit(result, out, table=reconstruction_table)


def _check_background(life_table: Path | None, start_age: float | None) -> None:
    if life_table is None and start_age is not None:
        raise typer.BadParameter("--start-age needs --life-table", param_hint="--start-age")
    if life_table is not None and start_age is None:
        raise typer.BadParameter("a life table needs the cohort's age at time 0", param_hint="--start-age")


DataArg = Annotated[
    Path, typer.Argument(metavar="DATA.csv", help="Patient-level data: a time and an event (1/0) column.")
]
TimeColOpt = Annotated[str, typer.Option("--time", metavar="COL", help="Time column (times > 0).")]
EventColOpt = Annotated[str, typer.Option("--event", metavar="COL", help="Event column: 1 event, 0 censored.")]
GroupOpt = Annotated[str | None, typer.Option("--group", metavar="COL", help="Fit each group (arm) separately.")]
DistOpt = Annotated[
    str | None,
    typer.Option(
        "--dist",
        metavar="LIST",
        help="Families, comma-separated: exp, weibull, gompertz, llogis, lnorm, "
        "gengamma, spline1, spline2, spline3 (internal knots). Default: all.",
    ),
]
CureOpt = Annotated[bool, typer.Option("--cure", help="Also fit each parametric family as a mixture cure model.")]
LifeTableOpt = Annotated[
    Path | None,
    typer.Option("--life-table", metavar="FILE", help="General-population mortality by age: relative-survival fits."),
]
StartAgeOpt = Annotated[
    float | None, typer.Option("--start-age", metavar="A", help="Age at time 0 (with --life-table).")
]
FemaleOpt = Annotated[float, typer.Option("--female", metavar="F", min=0, max=1, help="Share of women (life table).")]
SmrOpt = Annotated[
    float, typer.Option("--smr", metavar="X", min=0, help="Standardised mortality ratio on the life table.")
]
TimeUnitOpt = Annotated[TimeUnit, typer.Option("--time-unit", metavar="UNIT", help="days, weeks, months or years.")]
TimesOpt = Annotated[str | None, typer.Option("--times", metavar="T1,T2", help="Report S(t) at these times.")]
RmstToOpt = Annotated[
    float | None,
    typer.Option("--rmst-to", metavar="T", min=0, help="Restricted mean to T. Default: the last follow-up."),
]
HorizonOpt = Annotated[
    float | None,
    typer.Option("--horizon", metavar="H", min=0, help="Extrapolate the figure to H. Default: 5 x follow-up."),
]


@survival_app.command(
    epilog="Examples:\n\n  atmpcli survival fit ipd_os.csv --time time --event event\n\n"
    "  atmpcli survival fit ipd_os.csv --cure --life-table uk.csv --start-age 12 --times 365,1825 --plot fits.png"
)
@output_options(plot=True)
@scenario_options(scenario=False, memory=False)
def fit(
    data: DataArg,
    time_col: TimeColOpt = "time",
    event_col: EventColOpt = "event",
    group_col: GroupOpt = None,
    dist: DistOpt = None,
    cure: CureOpt = False,
    life_table: LifeTableOpt = None,
    start_age: StartAgeOpt = None,
    female: FemaleOpt = 0.5,
    smr: SmrOpt = 1.0,
    time_unit: TimeUnitOpt = TimeUnit.days,
    times: TimesOpt = None,
    rmst_to: RmstToOpt = None,
    horizon: HorizonOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Fit parametric survival models by maximum likelihood: AIC/BIC, parameters, median, RMST, S(t), cure fraction."""
    from atmpcli.analysis.survival.from_files import fit_from_file
    from atmpcli.report.survival_tables import fit_tables

    families = _families(dist)
    at = _numbers(times, "--times")
    _check_background(life_table, start_age)
    with reporting_errors():
        result = fit_from_file(
            data,
            time=time_col,
            event=event_col,
            group=group_col,
            dist=families,
            cure=cure,
            life_table=life_table,
            start_age=start_age,
            female=female,
            smr=smr,
            time_unit=time_unit.value,
            times=at,
            rmst_to=rmst_to,
            max_bytes=data_file_limit(),
        )
    if life_table is not None:
        note(f"times read as {time_unit.value} (--time-unit) to age the cohort along the life table")
    failed = result.summary[~result.summary["status"].isin(["ok"])]
    for r in failed.to_dict("records"):
        note(f"warning: {r['model']}" + (f" ({r['group']})" if group_col else "") + f": {r['message']}")

    def draw(fits: Any, path: Path) -> None:
        from atmpcli.report.survival_figures import fits_figure

        fits_figure(fits, path, horizon=horizon)

    emit(result, out, table=fit_tables, figure=draw)

"""survival reconstruct, survival fit: from a published Kaplan-Meier curve to fitted, extrapolated curves."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from atmpcli.commands.common import (
    BomOpt,
    DecimalOpt,
    Format,
    FormatOpt,
    OutputOpt,
    PlotOpt,
    SepOpt,
    app,
    emit,
    fail,
    note,
    plot,
)
from atmpcli.errors import AtmpError

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


YEARS_PER_UNIT = {"days": 1 / 365.25, "weeks": 7 / 365.25, "months": 1 / 12, "years": 1.0}


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
    from atmpcli.analysis.survival.likelihood import DEFAULT_MODELS, canonical

    names = [x.strip() for x in text.split(",") if x.strip()] if text else list(DEFAULT_MODELS)
    try:
        return [canonical(n) for n in names]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--dist") from None


@survival_app.command(
    epilog="Example: atmpcli survival reconstruct km_os.csv --at-risk risk_os.csv --events 52 -o ipd_os.csv"
)
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
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
) -> None:
    """Reconstruct patient-level data (time, event) from a digitised Kaplan-Meier curve (Guyot et al. 2012)."""
    from atmpcli.analysis.survival.data import curve_problem, read_at_risk, read_curve
    from atmpcli.analysis.survival.guyot import CurveProblem
    from atmpcli.analysis.survival.guyot import reconstruct as run

    try:
        t, s, ctable = read_curve(curve, time_col, survival_col)
        tr, nr, rtable = read_at_risk(at_risk, time_col, at_risk_col)
        try:
            rec = run(t, s, tr, nr, total_events=events, max_rise=max_rise)
        except CurveProblem as exc:
            names = {
                "curve.time": time_col,
                "curve.survival": survival_col,
                "at_risk.time": time_col,
                "at_risk.at_risk": at_risk_col,
            }
            raise curve_problem(exc, ctable, rtable, names) from None
    except AtmpError as exc:
        raise fail(exc) from None
    for w in rec.warnings:
        note(f"warning: {w}")
    rows = rec.ipd.to_dict("records")

    def table() -> Any:
        from atmpcli.report.survival_tables import reconstruction_table

        n_events = int(rec.ipd["event"].sum())
        return reconstruction_table(rec, f"Reconstructed from {curve.name}: {len(rows)} patients, {n_events} events")

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        sheet="Reconstructed IPD",
        csv=(["time", "event"], [{"time": float(r["time"]), "event": int(r["event"])} for r in rows]),
        json=lambda: {
            "curve": str(curve),
            "at_risk": str(at_risk),
            "total_events": events,
            "warnings": rec.warnings,
            "intervals": rec.intervals.to_dict("records"),
            "ipd": rows,
        },
        table=table,
    )


def _background(life_table: Path | None, start_age: float | None, female: float, smr: float, unit: str) -> Any:
    if life_table is None:
        if start_age is not None:
            raise typer.BadParameter("--start-age needs --life-table", param_hint="--start-age")
        return None
    if start_age is None:
        raise typer.BadParameter("a life table needs the cohort's age at time 0", param_hint="--start-age")
    from atmpcli.analysis.survival.data import read_life_table
    from atmpcli.model.lifetable import Background

    table = read_life_table(life_table)
    try:
        return Background(table, start_age, female=female, smr=smr, years_per_unit=YEARS_PER_UNIT[unit])
    except ValueError as exc:
        raise AtmpError(f"{life_table}: {exc}") from None


@survival_app.command(
    epilog="Examples:\n\n  atmpcli survival fit ipd_os.csv --time time --event event\n\n"
    "  atmpcli survival fit ipd_os.csv --cure --life-table uk.csv --start-age 12 --times 365,1825 --plot fits.png"
)
def fit(
    data: Annotated[
        Path, typer.Argument(metavar="DATA.csv", help="Patient-level data: a time and an event (1/0) column.")
    ],
    time_col: Annotated[str, typer.Option("--time", metavar="COL", help="Time column (times > 0).")] = "time",
    event_col: Annotated[
        str, typer.Option("--event", metavar="COL", help="Event column: 1 event, 0 censored.")
    ] = "event",
    group_col: Annotated[
        str | None, typer.Option("--group", metavar="COL", help="Fit each group (arm) separately.")
    ] = None,
    dist: Annotated[
        str | None,
        typer.Option(
            "--dist",
            metavar="LIST",
            help="Families, comma-separated: exp, weibull, gompertz, llogis, lnorm, "
            "gengamma, spline1, spline2, spline3 (internal knots). Default: all.",
        ),
    ] = None,
    cure: Annotated[
        bool, typer.Option("--cure", help="Also fit each parametric family as a mixture cure model.")
    ] = False,
    life_table: Annotated[
        Path | None,
        typer.Option(
            "--life-table", metavar="FILE", help="General-population mortality by age: relative-survival fits."
        ),
    ] = None,
    start_age: Annotated[
        float | None, typer.Option("--start-age", metavar="A", help="Age at time 0 (with --life-table).")
    ] = None,
    female: Annotated[
        float, typer.Option("--female", metavar="F", min=0, max=1, help="Share of women (life table).")
    ] = 0.5,
    smr: Annotated[
        float, typer.Option("--smr", metavar="X", min=0, help="Standardised mortality ratio on the life table.")
    ] = 1.0,
    time_unit: Annotated[
        TimeUnit, typer.Option("--time-unit", metavar="UNIT", help="days, weeks, months or years.")
    ] = TimeUnit.days,
    times: Annotated[str | None, typer.Option("--times", metavar="T1,T2", help="Report S(t) at these times.")] = None,
    rmst_to: Annotated[
        float | None,
        typer.Option("--rmst-to", metavar="T", min=0, help="Restricted mean to T. Default: the last follow-up."),
    ] = None,
    horizon: Annotated[
        float | None,
        typer.Option("--horizon", metavar="H", min=0, help="Extrapolate the figure to H. Default: 5 x follow-up."),
    ] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    plot_file: PlotOpt = None,
) -> None:
    """Fit parametric survival models by maximum likelihood: AIC/BIC, parameters, median, RMST, S(t), cure fraction."""
    from atmpcli.analysis.survival.data import read_patients
    from atmpcli.analysis.survival.fit import fit_survival

    families = _families(dist)
    at = _numbers(times, "--times")
    try:
        patients = read_patients(data, time_col, event_col, group_col)
        background = _background(life_table, start_age, female, smr, time_unit.value)
        result = fit_survival(
            patients, families, cure=cure, background=background, times=at, rmst_to=rmst_to, time_unit=time_unit.value
        )
    except AtmpError as exc:
        raise fail(exc) from None
    if life_table is not None:
        note(f"times read as {time_unit.value} (--time-unit) to age the cohort along the life table")
    failed = result.summary[~result.summary["status"].isin(["ok"])]
    for r in failed.to_dict("records"):
        note(f"warning: {r['model']}" + (f" ({r['group']})" if group_col else "") + f": {r['message']}")

    def table() -> Any:
        from atmpcli.report.survival_tables import fit_tables

        return fit_tables(result)

    def draw(path: Path) -> None:
        from atmpcli.report.survival_plots import fits_figure

        fits_figure(result, path, horizon=horizon)

    plot(plot_file, draw)
    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        sheet="Survival models",
        csv=(result.columns, result.rows),
        json=result.document,
        table=table,
    )

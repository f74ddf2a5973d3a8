"""The survival analyses on CSV files, as ``atmpcli survival`` and the Python API run them: read, check, run,
and stamp the result with the files it came from. Bad input is one error naming the file, line and column."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from atmpcli.analysis.result import Provenance
from atmpcli.analysis.survival.data import curve_problem, read_at_risk, read_curve, read_life_table, read_patients
from atmpcli.analysis.survival.fit import fit_survival
from atmpcli.analysis.survival.guyot import CurveProblem, reconstruct
from atmpcli.analysis.survival.likelihood import DEFAULT_MODELS, canonical
from atmpcli.analysis.survival.result import Reconstruction, SurvivalFits
from atmpcli.errors import AtmpError
from atmpcli.limits import DATA_FILE_BYTES
from atmpcli.model.lifetable import Background

YEARS_PER_UNIT = {"days": 1 / 365.25, "weeks": 7 / 365.25, "months": 1 / 12, "years": 1.0}


def reconstruct_from_files(
    curve: str | Path,
    at_risk: str | Path,
    *,
    events: int | None = None,
    time: str = "time",
    survival: str = "survival",
    at_risk_column: str = "at_risk",
    max_rise: float = 0.02,
    max_bytes: int = DATA_FILE_BYTES,
) -> Reconstruction:
    """Patient-level data from a digitised KM curve (KM.csv: time, survival) and the numbers at risk."""
    t, s, ctable = read_curve(Path(curve), time, survival, max_bytes=max_bytes)
    tr, nr, rtable = read_at_risk(Path(at_risk), time, at_risk_column, max_bytes=max_bytes)
    try:
        rec = reconstruct(t, s, tr, nr, total_events=events, max_rise=max_rise)
    except CurveProblem as exc:
        names = {
            "curve.time": time,
            "curve.survival": survival,
            "at_risk.time": time,
            "at_risk.at_risk": at_risk_column,
        }
        raise curve_problem(exc, ctable, rtable, names) from None
    n_events = int(rec.ipd["event"].sum())
    return dataclasses.replace(
        rec,
        title=f"Reconstructed from {Path(curve).name}: {len(rec.ipd)} patients, {n_events} events",
        provenance=Provenance(files={"curve": str(curve), "at_risk": str(at_risk)}),
    )


def background_mortality(
    life_table: str | Path,
    start_age: float,
    *,
    female: float = 0.5,
    smr: float = 1.0,
    time_unit: str = "days",
    max_bytes: int = DATA_FILE_BYTES,
) -> Background:
    """General-population mortality from a life table, for a cohort of ``start_age`` at time 0."""
    table = read_life_table(Path(life_table), max_bytes=max_bytes)
    try:
        return Background(table, start_age, female=female, smr=smr, years_per_unit=YEARS_PER_UNIT[time_unit])
    except ValueError as exc:
        raise AtmpError(f"{life_table}: {exc}") from None


def families(names: Sequence[str] | str | None) -> list[str]:
    """Model families by their names (``"weibull,lnorm"`` or a list); all of them when None. ValueError if unknown."""
    if isinstance(names, str):
        names = [x.strip() for x in names.split(",") if x.strip()]
    return [canonical(n) for n in (names or DEFAULT_MODELS)]


def fit_from_file(
    data: str | Path,
    *,
    time: str = "time",
    event: str = "event",
    group: str | None = None,
    dist: Sequence[str] | str | None = None,
    cure: bool = False,
    life_table: str | Path | None = None,
    start_age: float | None = None,
    female: float = 0.5,
    smr: float = 1.0,
    time_unit: str = "days",
    times: Sequence[float] = (),
    rmst_to: float | None = None,
    max_bytes: int = DATA_FILE_BYTES,
) -> SurvivalFits:
    """Fit parametric survival models to patient-level data in a CSV file (``atmpcli survival fit``)."""
    if (life_table is None) != (start_age is None):
        raise AtmpError("a life table needs the cohort's age at time 0 (start_age), and start_age a life table")
    patients = read_patients(Path(data), time, event, group, max_bytes=max_bytes)
    background = None
    if life_table is not None and start_age is not None:
        background = background_mortality(
            life_table, start_age, female=female, smr=smr, time_unit=time_unit, max_bytes=max_bytes
        )
    return fit_survival(
        patients, families(dist), cure=cure, background=background, times=times, rmst_to=rmst_to, time_unit=time_unit
    )

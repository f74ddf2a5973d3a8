"""General-population quality-adjusted life expectancy (QALE) and QALY shortfall, as the QALY Shortfall
Calculator computes them (McNamara et al., Value Health 2022; github.com/bitowaqr/shortfall, app/R/compQale.R).

Sullivan method, one sex at a time, then mixed by the share of women:
- person-years lived at age x: L_x = l_(x+1) + d_x / 2 (half a year for those who die), and at the oldest
  age L_x = (l_x - d_x) + d_x / 2, so nobody lives past it;
- QALYs at age x: u_x * L_x, discounted by 1 / (1 + r)^k in the k-th year from the start age (k = 0 first,
  so the first year is not discounted);
- QALE = sum of discounted QALYs / l_(start age);
- the QALE of a mixed population is (1 - f) * QALE_male + f * QALE_female (the calculator's fix of
  30 January 2023), not the QALE of a mixed life table.
The comparator's QALYs must be on the same discounting as the QALE (the calculator does not discount them).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.decision_rules import nice_severity_weight
from atmpcli.analysis.norms import DEFAULT_NORMS, Norms, load_norms
from atmpcli.analysis.result import Provenance, Result, Units, records, result_type
from atmpcli.errors import AtmpError

SUMMARY_COLUMNS = [
    "norms",
    "start_age",
    "female",
    "discount",
    "life_expectancy",
    "qale",
    "qalys",
    "absolute_shortfall",
    "proportional_shortfall",
    "severity_weight",
]
BY_AGE_COLUMNS = ["age", "alive", "hrqol", "life_years", "qalys", "cumulative_qalys"]


@result_type
class Shortfall(Result):
    """General-population QALE for a patient population and, given the comparator's QALYs, its shortfall.

    Tables: ``summary`` (one row of SUMMARY_COLUMNS) and ``by_age`` (``shortfall --by-age``).
    """

    sheet: ClassVar[str] = "Shortfall"

    norms: Norms
    start_age: int
    female: float
    discount: float
    qale: float
    life_expectancy: float
    qalys: float | None
    by_age: pd.DataFrame  # BY_AGE_COLUMNS, one row per year of age from the start age

    @property
    def absolute_shortfall(self) -> float | None:
        return None if self.qalys is None else self.qale - self.qalys

    @property
    def proportional_shortfall(self) -> float | None:
        return None if self.qalys is None else (self.qale - self.qalys) / self.qale

    @property
    def severity_weight(self) -> float | None:
        if self.qalys is None:
            return None
        return nice_severity_weight(self.absolute_shortfall, self.proportional_shortfall)

    @property
    def row(self) -> dict[str, Any]:
        """The summary as one row of SUMMARY_COLUMNS."""
        return {
            "norms": self.norms.name,
            "start_age": self.start_age,
            "female": self.female,
            "discount": self.discount,
            "life_expectancy": self.life_expectancy,
            "qale": self.qale,
            "qalys": self.qalys,
            "absolute_shortfall": self.absolute_shortfall,
            "proportional_shortfall": self.proportional_shortfall,
            "severity_weight": self.severity_weight,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"summary": pd.DataFrame([self.row], columns=SUMMARY_COLUMNS), "by_age": self.by_age}

    def body(self) -> dict[str, Any]:
        return {
            "norms": {"name": self.norms.name, "title": self.norms.title},
            "result": self.row,
            "by_age": records(self.by_age) if self.main == "by_age" else None,
        }


def shortfall(
    start_age: int,
    female: float,
    discount: float,
    norms: str | Norms = DEFAULT_NORMS,
    qalys: float | None = None,
) -> Shortfall:
    """QALE of the general population with the patients' age and sex mix; with ``qalys`` (the comparator's
    expected QALYs, discounted at the same rate) also the absolute and proportional shortfall."""
    table = norms if isinstance(norms, Norms) else load_norms(norms)
    start = _check(table, start_age, female, discount, qalys)
    parts = {sex: _sullivan(table, sex, start, discount) for sex in ("female", "male")}
    share = {"female": female, "male": 1.0 - female}
    by_age = pd.DataFrame({"age": table.ages[start:]})
    for col in BY_AGE_COLUMNS[1:]:
        by_age[col] = sum(share[s] * parts[s][col] for s in share)
    qale = float(by_age["qalys"].sum())
    if table.ex is not None:
        life_expectancy = float(sum(share[s] * table.ex[s][start] for s in share))
    else:  # no ex column: the same person-years convention, undiscounted
        life_expectancy = float(sum(share[s] * parts[s]["life_years"].sum() for s in share))
    return Shortfall(
        title="General population like the patients",
        units=Units(effect="qalys"),
        provenance=Provenance(files={"norms": table.name}),
        norms=table,
        start_age=int(start_age),
        female=float(female),
        discount=float(discount),
        qale=qale,
        life_expectancy=life_expectancy,
        qalys=qalys,
        by_age=by_age,
    )


def _sullivan(norms: Norms, sex: str, start: int, discount: float) -> dict[str, np.ndarray]:
    lx, dx, u = norms.lx[sex][start:], norms.dx[sex][start:], norms.utility[sex][start:]
    person_years = np.empty_like(lx)
    person_years[:-1] = lx[1:] + 0.5 * dx[:-1]
    person_years[-1] = lx[-1] - 0.5 * dx[-1]
    weights = (1.0 + discount) ** -np.arange(lx.size)
    qalys = u * person_years * weights / lx[0]
    return {
        "alive": lx / lx[0],
        "hrqol": u,
        "life_years": person_years / lx[0],
        "qalys": qalys,
        "cumulative_qalys": np.cumsum(qalys),
    }


def _check(norms: Norms, start_age: Any, female: float, discount: float, qalys: float | None) -> int:
    low, high = int(norms.ages[0]), int(norms.ages[-1]) - 1
    if isinstance(start_age, bool) or float(start_age) != int(start_age) or not low <= start_age <= high:
        # the norms are by single year of age; the calculator takes whole ages 0-99 too
        raise AtmpError(f"start age must be a whole number of years from {low} to {high}, got {start_age}")
    if not 0.0 <= female <= 1.0:
        raise AtmpError(f"the share of women must be between 0 and 1, got {female:g}")
    if not 0.0 <= discount < 1.0:
        raise AtmpError(f"the discount rate is a fraction (0.035 for 3.5 %), got {discount:g}")
    if qalys is not None and not (np.isfinite(qalys) and qalys >= 0):
        raise AtmpError(f"the comparator's QALYs must be a non-negative number, got {qalys:g}")
    return int(start_age) - low

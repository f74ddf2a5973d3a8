"""General-population norms: a life table and EQ-5D utilities by single year of age and sex.

The bundled sets are the QALY Shortfall Calculator's data for England (atmpcli/data/norms/SOURCES.md);
any other country's norms load from a CSV file with the same columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atmpcli.errors import AtmpError, Problem, ScenarioError
from atmpcli.limits import DATA_FILE_BYTES, InputProblem, read_csv_rows

DATA = Path(__file__).resolve().parent.parent / "data" / "norms"
SEXES = ("female", "male")


@dataclass(frozen=True)
class NormSet:
    """A bundled set: which file and which utility column, and what it is."""

    file: str
    column: str
    title: str


# Names follow the calculator's own scenario keys (app.R), prefixed by the country.
BUNDLED: dict[str, NormSet] = {
    "england-dsu-2014": NormSet(
        "england.csv",
        "dsu_2014",
        "England: ONS 2017-19 life tables; EQ-5D-3L (MVH value set), HSE 2014, ALDVMM model "
        "(Hernandez Alava et al. 2022). The calculator's reference case.",
    ),
    "england-co": NormSet(
        "england.csv",
        "co",
        "England: ONS 2017-19 life tables; EQ-5D-5L mapped to 3L (Hernandez Alava et al. 2020), HSE 2017-18.",
    ),
    "england-cw": NormSet(
        "england.csv",
        "cw",
        "England: ONS 2017-19 life tables; EQ-5D-5L crosswalk to 3L (van Hout et al. 2012), HSE 2017-18. "
        "The paper's main results.",
    ),
    "england-mvh": NormSet(
        "england.csv",
        "mvh",
        "England: ONS 2017-19 life tables; EQ-5D-3L (MVH value set), MVH 1993 survey (Kind et al. 1999).",
    ),
    "england-tto": NormSet(
        "england.csv",
        "tto",
        "England: ONS 2017-19 life tables; EQ-5D-3L (MVH value set), HSE 2012+2014.",
    ),
}
DEFAULT_NORMS = "england-dsu-2014"


@dataclass(frozen=True)
class Norms:
    """One norm set, as arrays by sex over the same consecutive ages (youngest first)."""

    name: str
    title: str
    ages: np.ndarray
    lx: dict[str, np.ndarray]  # survivors at exact age x
    dx: dict[str, np.ndarray]  # deaths between x and x + 1
    utility: dict[str, np.ndarray]
    ex: dict[str, np.ndarray] | None  # the life table's own life expectancy, when it has one


def load_norms(name: str) -> Norms:
    """A bundled set by name, or norms from a CSV file (a name ending in .csv)."""
    if name in BUNDLED:
        spec = BUNDLED[name]
        return _from_rows(str(DATA / spec.file), _read(DATA / spec.file), spec.column, name, spec.title)
    if name.lower().endswith(".csv"):
        return _from_rows(name, _read(Path(name)), "utility", name, f"norms from {name}")
    raise AtmpError(f"unknown norms '{name}'; choose one of {', '.join(BUNDLED)} or give a .csv file")


def _read(path: Path) -> list[dict[str, str]]:
    """The rows of a norms file, read within the data-file limit as checked text (atmpcli/limits.py)."""
    try:
        raw = read_csv_rows(path, DATA_FILE_BYTES, "data file")
    except FileNotFoundError:
        raise ScenarioError([Problem("file not found", file=str(path))]) from None
    except InputProblem as exc:
        raise ScenarioError([Problem(exc.message, file=str(path), line=exc.line, column=exc.column)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(f"cannot read: {exc.strerror}", file=str(path))]) from None
    header = [h.strip() for h in raw[0]] if raw else []
    # as csv.DictReader: blank lines skipped, missing cells None
    return [{h: row[i] if i < len(row) else None for i, h in enumerate(header)} for row in raw[1:] if row]


def _from_rows(file: str, rows: list[dict[str, str]], column: str, name: str, title: str) -> Norms:
    def bad(message: str, line: int | None = None, field: str = "") -> ScenarioError:
        return ScenarioError([Problem(message, file=file, line=line, field=field)])

    header = list(rows[0]) if rows else []
    need = ["age", "sex", column] + ([] if "qx" in header else ["lx", "dx"])
    missing = [c for c in need if c not in header]
    if not rows or missing:
        raise bad(f"expected columns age, sex, {column} and either lx and dx or qx; missing {', '.join(missing)}", 1)
    numeric = [c for c in ("age", "lx", "dx", "qx", "ex", column) if c in header]
    by_sex: dict[str, dict[str, list[float]]] = {s: {c: [] for c in numeric} for s in SEXES}
    for line, row in enumerate(rows, start=2):
        sex = (row["sex"] or "").strip().lower()
        if sex not in SEXES:
            raise bad(f"expected female or male, got '{row['sex']}'", line, "sex")
        for c in numeric:
            try:
                value = float(row[c])
            except (TypeError, ValueError):
                raise bad(f"expected a number, got '{row[c]}'", line, c) from None
            if not math.isfinite(value):
                raise bad("not a finite number", line, c)
            by_sex[sex][c].append(value)
    ages = np.asarray(by_sex["female"]["age"])
    for sex in SEXES:
        a = np.asarray(by_sex[sex]["age"])
        if a.size < 2 or np.any(a != np.round(a)) or np.any(np.diff(a) != 1):
            raise bad(f"the {sex} rows must cover consecutive whole ages in increasing order", None, "age")
        if a.size != ages.size or np.any(a != ages):
            raise bad("female and male rows must cover the same ages", None, "age")
    lx, dx, u = {}, {}, {}
    for sex in SEXES:
        cols = {c: np.asarray(v) for c, v in by_sex[sex].items()}
        lx[sex], dx[sex] = _survivors(cols, bad, sex)
        u[sex] = cols[column]
        if np.any(u[sex] > 1):
            raise bad(f"{sex} utilities must not exceed 1", None, column)
    ex = {s: np.asarray(by_sex[s]["ex"]) for s in SEXES} if "ex" in header else None
    return Norms(name, title, ages.astype(int), lx, dx, u, ex)


def _survivors(cols: dict[str, np.ndarray], bad, sex: str) -> tuple[np.ndarray, np.ndarray]:
    """lx and dx as given, or built from qx on a radix of 100,000 (lx at the youngest age)."""
    if "lx" in cols and "dx" in cols:
        lx, dx = cols["lx"], cols["dx"]
        if np.any(lx <= 0) or np.any(dx < 0) or np.any(dx > lx):
            raise bad(f"{sex} rows need lx > 0 and 0 <= dx <= lx", None, "lx")
        return lx, dx
    qx = cols["qx"]
    if np.any(qx < 0) or np.any(qx > 1) or np.any(qx[:-1] >= 1):
        raise bad(f"{sex} rows need 0 <= qx < 1 (qx = 1 only at the oldest age)", None, "qx")
    lx = 100_000 * np.concatenate([[1.0], np.cumprod(1 - qx[:-1])])
    return lx, lx * qx

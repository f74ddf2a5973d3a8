"""The shape every analysis returns: one result object that owns its tables as pandas DataFrames.

A result knows what it is about (``title``), its units (currency, price year, effect, per person or per
cohort, time unit) and what produced it (``provenance``). Its main table, ``frame``, is one tidy
DataFrame: exactly what ``--format csv`` writes and what the Python API returns. ``tables()`` names every
table the result has (the main one first); ``select(name)`` gives the same result with another of its
tables as the main one (``compare --long``, ``shortfall --by-age``); ``document()`` is the JSON document.

Renderers (``atmpcli/report``) take a result and only format it: they never compute or reshape rows.
Numbers are never rounded here. The columns of every result are documented in docs/output-format.md.

To add an analysis: subclass :class:`Result` with :func:`result_type`, give it a
``sheet`` name, build its frames once (fields or ``cached_property``), return them from ``tables()``,
and override ``body()`` when its JSON document has a documented shape of its own.

A table may be given as :class:`Rows` (its rows as dicts) or :class:`Deferred` (a function that builds
the frame) instead of a DataFrame: it becomes the DataFrame when it is first read, so that pandas (a
quarter of a second to import) is imported only by what needs frames. Renderers for people read
``rows``/``records_of(name)``, which give the same plain values without building a frame.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, dataclass_transform

import numpy as np

from atmpcli import __version__
from atmpcli.model.decision_model import DecisionModel

if TYPE_CHECKING:
    import pandas as pd


class Rows:
    """A table as rows (dicts by column) that becomes ``pd.DataFrame(rows, columns=columns)`` (with ``dtypes``
    applied) when it is read as a frame. ``records()`` gives what :func:`records` of that frame gives."""

    __slots__ = ("rows", "columns", "dtypes")

    def __init__(self, rows: list[dict[str, Any]], columns: Sequence[str], dtypes: dict[str, str] | None = None):
        self.rows, self.columns, self.dtypes = rows, list(columns), dtypes or {}

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=self.columns)
        return frame.astype(self.dtypes) if self.dtypes else frame

    def records(self) -> list[dict[str, Any]]:
        if not self.rows:
            return []
        columns = [[row.get(c, math.nan) for row in self.rows] for c in self.columns]
        plain_columns = [_as_pandas_would(v, self.dtypes.get(c)) for c, v in zip(self.columns, columns, strict=True)]
        if any(col is None for col in plain_columns):  # a mixture pandas would convert in its own way
            return records(self.frame())
        return [dict(zip(self.columns, values, strict=True)) for values in zip(*plain_columns, strict=True)]


class Deferred:
    """A table built by ``build()`` when it is first read (e.g. a long cohort trace nobody may ask for)."""

    __slots__ = ("build", "columns")

    def __init__(self, build: Callable[[], pd.DataFrame], columns: Sequence[str]):
        self.build, self.columns = build, list(columns)

    def frame(self) -> pd.DataFrame:
        return self.build()

    def records(self) -> list[dict[str, Any]]:
        return records(self.frame())


Lazy = Rows | Deferred


def _as_pandas_would(values: list[Any], dtype: str | None) -> list[Any] | None:
    """The plain values of one column as pandas would infer and store them (None: a mixture left to pandas).

    Numbers with missing values (None) become floats with NaN; whole numbers stay ints; booleans stay
    booleans unless mixed with anything else; text columns keep their values (None stays None).
    """
    missing = [v is None or (isinstance(v, float | np.floating) and math.isnan(v)) for v in values]
    if dtype == "Int64":
        return [None if m else int(v) for v, m in zip(values, missing, strict=True)]
    if dtype is not None:
        return None
    kinds = {_kind(v) for v, m in zip(values, missing, strict=True) if not m}
    has_none = any(v is None for v in values)
    if kinds <= {"int", "float"} and kinds and not (kinds == {"int"} and not any(missing)):
        return [math.nan if m else float(v) for v, m in zip(values, missing, strict=True)]
    if kinds == {"int"}:
        return [int(v) for v in values]
    if kinds == {"bool"} and not any(missing):
        return [bool(v) for v in values]
    if not kinds:  # nothing but None (an object column), else left to pandas
        return list(values) if all(v is None for v in values) else None
    if kinds == {"str"} and not (has_none and any(m and v is not None for v, m in zip(values, missing, strict=True))):
        return [plain(v) for v in values]  # text with None or with NaN (not both) keeps its values
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    return "str" if isinstance(value, str) else "other"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Units:
    """The units of a result's numbers."""

    currency: str = ""  # ISO code, e.g. "USD"; "" when a result has no costs
    price_year: int | None = None
    effect: str = ""  # "qalys", "life_years" or "responders"; "" when a result has no effect
    per: str = "person"  # "person" or "cohort" (totals for settings.cohort_size people)
    time: str = ""  # survival times: "days", "weeks", "months" or "years"


@dataclass(frozen=True)
class Provenance:
    """What produced a result: the atmpcli version, the inputs (a scenario file or data files), the seed."""

    atmpcli_version: str = __version__
    generated_at: str = field(default_factory=now)
    scenario: str | None = None  # the scenario's name
    scenario_file: str | None = None
    scenario_sha256: str | None = None
    overrides: dict[str, Any] | None = None  # variant, --set values, reference case
    seed: int | None = None
    illustrative: bool = False
    sources: tuple[str, ...] = ()
    files: dict[str, Any] = field(default_factory=dict)  # inputs that are not a scenario, e.g. data_file

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``provenance`` object (documented in docs/output-format.md)."""
        out: dict[str, Any] = {"atmpcli_version": self.atmpcli_version}
        if self.scenario_file is not None:
            out.update(
                scenario_file=self.scenario_file,
                scenario_sha256=self.scenario_sha256,
                overrides=self.overrides,
                seed=self.seed,
            )
        out.update(self.files)
        out["generated_at"] = self.generated_at
        return out


def provenance_of(model: DecisionModel, seed: int | None = None) -> Provenance:
    """The provenance of a result computed from ``model`` (the file, its hash and overrides when it has them)."""
    about = model.describe()
    return Provenance(
        scenario=model.name,
        scenario_file=about.file,
        scenario_sha256=about.sha256,
        overrides=dict(about.overrides),
        seed=seed,
        illustrative=about.illustrative,
        sources=tuple(about.sources),
    )


def units_of(model: DecisionModel, per: str = "person") -> Units:
    return Units(model.currency, model.price_year, model.settings.effect, per)


def settings_of(model: DecisionModel, per: str, wtp: list[float]) -> dict[str, Any]:
    """The JSON ``settings`` object of a result computed from ``model``."""
    st = model.settings
    return {
        "effect": st.effect,
        "per": per,
        "cohort_size": st.cohort_size,
        "discount_costs": st.discount.costs,
        "discount_effects": st.discount.effects,
        "method": st.method,
        "discount_timing": st.discount_timing,
        "cycle_length": st.cycle_length,
        "cycles": model.n_cycles if model.has_markov else None,
        "wtp": list(wtp),
    }


T = TypeVar("T")


@dataclass_transform(kw_only_default=True)
def result_type(cls: type[T]) -> type[T]:
    """Declare a result class: a keyword-only dataclass whose repr is the readable one of :class:`Result`."""
    return dataclass(kw_only=True, repr=False, eq=False)(cls)


@result_type
class Result:
    """The base of every analysis result (see the module docstring)."""

    sheet: ClassVar[str] = "Results"  # the sheet name of its main table in a workbook, the heading in .md/.html
    title: str = ""
    units: Units = Units()
    provenance: Provenance = field(default_factory=Provenance)
    settings: dict[str, Any] | None = None  # the JSON settings object, for results computed from a scenario
    inputs: Result | None = None  # the scenario's inputs (analysis.inputs.ScenarioInputs), for workbooks
    main: str = ""  # the name of the table that `frame` returns; "" for the first one

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if isinstance(value, Rows | Deferred) and not object.__getattribute__(self, "__dict__").get("_lazy", 0):
            value = value.frame()  # a table read as a frame becomes one, once
            object.__setattr__(self, name, value)
        return value

    @contextmanager
    def _as_given(self) -> Iterator[None]:
        """Tables read inside the block stay as they were given (Rows, Deferred or DataFrame)."""
        self.__dict__["_lazy"] = self.__dict__.get("_lazy", 0) + 1  # a count: the blocks may nest
        try:
            yield
        finally:
            self.__dict__["_lazy"] -= 1

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the result by name, the main one first."""
        raise NotImplementedError

    @property
    def frame(self) -> pd.DataFrame:
        """The main table: what ``--format csv`` writes and the Python API returns."""
        tables = self.tables()
        return tables[self.main] if self.main else next(iter(tables.values()))

    def _given(self, name: str | None = None) -> pd.DataFrame | Lazy:
        """The table ``name`` (default: the main one) as it was given, without building a frame."""
        with self._as_given():
            tables = self.tables()
        name = name or self.main
        return tables[name] if name else next(iter(tables.values()))

    def _given_attribute(self, attribute: str) -> pd.DataFrame | Lazy:
        """The table in ``attribute`` as it was given (for the properties that make the other tables)."""
        with self._as_given():
            return getattr(self, attribute)

    def records_of(self, name: str | None = None) -> list[dict[str, Any]]:
        """The table ``name`` (default: the main one) as :func:`records` gives it, without pandas if it was
        given as Rows."""
        return _records(self._given(name))

    def _records_at(self, attribute: str) -> list[dict[str, Any]]:
        return _records(self._given_attribute(attribute))

    def select(self, name: str) -> Self:
        """The same result with the table ``name`` as its main table."""
        if name not in self.tables():
            raise KeyError(f"{type(self).__name__} has no table '{name}' (tables: {', '.join(self.tables())})")
        return dataclasses.replace(self, main=name)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self._given().columns]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The main table as records of plain Python values (NaN stays a float)."""
        return self.records_of()

    def document(self) -> dict[str, Any]:
        """The JSON document: version and provenance, then the result's own keys."""
        return {"atmpcli_version": self.provenance.atmpcli_version, "provenance": self.provenance.to_dict()} | (
            self.body()
        )

    def body(self) -> dict[str, Any]:
        """The result's own JSON keys; by default every table as a list of records."""
        return {name: records(table) for name, table in self.tables().items()}

    def scenario_header(self) -> dict[str, Any]:
        """The ``scenario`` and ``settings`` objects of a result computed from a scenario file."""
        p, u = self.provenance, self.units
        return {
            "scenario": {
                "name": p.scenario,
                "title": self.title,
                "file": p.scenario_file,
                "illustrative": p.illustrative,
                "currency": u.currency,
                "price_year": u.price_year,
                "sources": list(p.sources),
            },
            "settings": self.settings,
        }

    def __repr__(self) -> str:
        frame = self.frame
        head = [f"{type(self).__name__}: {self.title}" if self.title else type(self).__name__]
        units = ", ".join(
            x
            for x in (
                " ".join(str(v) for v in (self.units.currency, self.units.price_year) if v),
                f"effect {self.units.effect}" if self.units.effect else "",
                f"per {self.units.per}" if self.units.currency else "",
                f"times in {self.units.time}" if self.units.time else "",
            )
            if x
        )
        if units:
            head.append(units)
        shape = f"{len(frame)} rows x {len(frame.columns)} columns"
        others = [n for n in self.tables() if n != (self.main or next(iter(self.tables())))]
        head.append(shape + (f"; other tables: {', '.join(others)}" if others else ""))
        return "\n".join(head) + "\n" + frame.to_string(max_rows=12, max_cols=8, show_dimensions=False)

    def _repr_html_(self) -> str:  # Jupyter
        import html

        return f"<p><b>{html.escape(type(self).__name__)}</b>: {html.escape(self.title)}</p>" + str(
            self.frame._repr_html_()
        )


def _records(table: pd.DataFrame | Lazy) -> list[dict[str, Any]]:
    return table.records() if isinstance(table, Rows | Deferred) else records(table)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of dicts of plain Python values (numpy scalars unboxed; NaN stays a float)."""
    return [{str(k): plain(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]


def plain(value: Any) -> Any:
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    pd = sys.modules.get("pandas")  # NA and NaT only come from frames, so pandas is loaded by then
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return value

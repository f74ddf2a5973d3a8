"""The Typer application and what every command shares: loading a scenario, its options, error handling.

Commands parse, call the library and render; no modelling happens in them. The output options
(format, file, CSV style, figure) are in commands/output_options.py. Heavy modules (numpy, pydantic,
rich tables) are imported inside the commands so that ``atmpcli --help`` starts quickly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer

from atmpcli import __version__
from atmpcli.commands.usage import OneLineErrors, printable
from atmpcli.errors import AtmpError

EPILOG = (
    "Examples:\n\n"
    "  atmpcli list-scenarios\n\n"
    "  atmpcli compare hiv_chancellor\n\n"
    "  atmpcli compare scenarios/sick_sicker.yaml --format csv > results.csv\n\n"
    "  atmpcli validate my.yaml other.yaml"
)

app = typer.Typer(
    name="atmpcli",
    help="Is a precision-medicine or cell/gene-therapy (ATMP) strategy worth it compared with the "
    "one-size-fits-all treatment it would replace? Cost-effectiveness from YAML scenarios.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)


class Per(StrEnum):
    person = "person"
    cohort = "cohort"


state: dict[str, Any] = {"debug": False, "quiet": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"atmpcli {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No messages on stderr except errors.")] = False,
) -> None:
    state.update(debug=debug, quiet=quiet, limits=None, strict=False, memory=None, warned=set())


def note(message: str) -> None:
    """A message for the user on stderr (not with --quiet); results go to stdout only."""
    if not state["quiet"]:
        typer.echo(message, err=True)


def fail(exc: Exception) -> typer.Exit:
    if state["debug"]:
        raise exc
    for line in str(exc).splitlines() or [type(exc).__name__]:
        typer.echo(f"error: {printable(line)}", err=True)
    return typer.Exit(1)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Bad input inside the block becomes one ``error: ...`` line per problem and exit status 1."""
    try:
        yield
    except AtmpError as exc:
        raise fail(exc) from None


def positive(values: list[float] | None) -> list[float] | None:
    if values is not None and any(v <= 0 for v in values):
        raise typer.BadParameter("willingness to pay must be positive")
    return values


def non_negative(values: list[float] | None) -> list[float] | None:
    if values is not None and any(v < 0 for v in values):
        raise typer.BadParameter("willingness to pay cannot be negative")
    return values


# Options shared by the commands, declared once.
ScenarioArg = Annotated[
    str, typer.Argument(metavar="SCENARIO", help="Scenario file, or the name of a bundled/user scenario.")
]
VariantOpt = Annotated[
    str | None, typer.Option("--variant", metavar="NAME", help="Apply one of the scenario's named variants.")
]
SetsOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=VALUE", help="Replace a parameter's value (or settings.KEY); repeat."),
]
WtpOpt = Annotated[
    list[float] | None,
    typer.Option(
        "--wtp",
        metavar="AMOUNT",
        callback=positive,
        help="Willingness to pay per QALY (or life-year); repeat for several. Default: the scenario's.",
    ),
]
WtpGridOpt = Annotated[
    str | None,
    typer.Option("--wtp-grid", metavar="START:STOP:STEP", help="A range of thresholds, e.g. 0:200000:10000."),
]


MAX_THRESHOLDS = 1_000_000  # a --wtp-grid longer than this is refused before it is built


def grid_size(text: str | None) -> int:
    """The number of thresholds of ``START:STOP:STEP``, checked (finite, ordered, at most MAX_THRESHOLDS)."""
    if not text:
        return 0
    try:
        start, stop, step = (float(x) for x in text.split(":"))
    except ValueError:
        raise typer.BadParameter("expected START:STOP:STEP, e.g. 0:200000:10000", param_hint="--wtp-grid") from None
    if not all(math.isfinite(v) for v in (start, stop, step)) or step <= 0 or stop < start or start < 0:
        raise typer.BadParameter("expected finite 0 <= START <= STOP and a positive STEP", param_hint="--wtp-grid")
    n = (stop - start) / step + 1
    if not n <= MAX_THRESHOLDS:  # also when (STOP - START) / STEP overflows to infinity
        count = f"{n:,.0f}" if math.isfinite(n) else "too many"
        raise typer.BadParameter(f"{count} thresholds; at most {MAX_THRESHOLDS:,}", param_hint="--wtp-grid")
    return int(round(n - 1)) + 1


def parse_grid(text: str | None) -> list[float]:
    """``START:STOP:STEP`` -> the thresholds from START to STOP inclusive."""
    n = grid_size(text)  # checks the text first
    if not n:
        return []
    start, _, step = (float(x) for x in str(text).split(":"))
    return [start + i * step for i in range(n)]


def thresholds(scenario_wtp: list[float], wtp: list[float] | None, grid: str | None) -> list[float]:
    """--wtp values and --wtp-grid together, sorted; the scenario's thresholds when neither is given."""
    values = (wtp or []) + parse_grid(grid)
    return sorted(set(values)) if values else list(scenario_wtp)


ReferenceCaseOpt = Annotated[
    str | None,
    typer.Option(
        "--reference-case",
        metavar="NAME",
        help="Apply a jurisdiction's discount rates and thresholds: "
        "be_kce, nl_zin_2024, uk_nice_2026, uk_nice_1_5, us_icer, de_iqwig, fr_has.",
    ),
]


WorkersOpt = Annotated[
    str,
    typer.Option(
        "--workers",
        metavar="N",
        help="Processes to evaluate the samples in: a number, or auto (one per core). Same results "
        "whatever the number; each process holds one chunk of samples in memory.",
    ),
]


def parse_workers(text: str) -> int:
    """--workers: a positive number, or ``auto`` for the cores this process may use."""
    if text.strip().lower() == "auto":
        from atmpcli.analysis.workers import available_cores

        return available_cores()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise typer.BadParameter(
            f"expected a number of processes (1 or more) or auto, got '{text}'", param_hint="--workers"
        )
    return n


@contextmanager
def worker_pool(workers: int) -> Iterator[Any]:
    """1, or a pool of worker processes: spawned ones start now, so that they start up while the scenario
    loads; forked ones (Linux) with :func:`start_workers`, once it is loaded."""
    if workers == 1:
        yield 1
        return
    from atmpcli.analysis.workers import LocalWorkers

    with LocalWorkers(workers, preload=("atmpcli.analysis.psa", "atmpcli.scenario.compile")) as pool:
        yield pool


def start_workers(pool: Any, model: Any) -> None:
    """Fork the pool's workers now, with ``model`` loaded and before a progress bar's thread starts."""
    if pool != 1:
        pool.start(model)


def load(
    scenario: str, variant: str | None = None, sets: list[str] | None = None, reference_case: str | None = None
) -> Any:
    """Resolve and load a scenario with a reference case, a variant and --set overrides applied.

    The loading options of the command (``@scenario_options``) apply; warnings go to stderr, and a model
    too large for --memory is refused here, before any analysis starts.
    """
    from atmpcli.analysis.memory_estimate import check_model
    from atmpcli.commands.loading import memory, warn
    from atmpcli.errors import ModelError
    from atmpcli.scenario.catalog import resolve
    from atmpcli.scenario.compile import load_scenario

    sc = load_scenario(
        resolve(scenario),
        variant=variant,
        sets=parse_sets(sets),
        reference_case=reference_case,
        limits=state.get("limits"),
        strict=state.get("strict", False),
    )
    warn(sc)
    try:
        check_model(sc, memory())
    except ModelError as exc:
        raise sc.located(exc) from None
    return sc


def parse_sets(sets: list[str] | None) -> dict[str, Any]:
    """``["a=1", "settings.x=2"]`` -> ``{"a": 1.0, "settings.x": 2.0}``, values read as YAML scalars."""
    from atmpcli.limits import control_in
    from atmpcli.scenario.yamlfile import parse_scalar

    parsed: dict[str, Any] = {}
    for item in sets or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(f"expected NAME=VALUE, got '{item}'", param_hint="--set")
        char = control_in(item, line_breaks=False)
        if char:
            raise typer.BadParameter(f"{char} is not allowed", param_hint="--set")
        parsed[name.strip()] = parse_scalar(value.strip())
    return parsed

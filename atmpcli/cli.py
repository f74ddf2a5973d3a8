"""Command-line interface: parse, call the library, render. No modelling happens here.

Heavy modules (numpy, pydantic, rich tables) are imported inside the commands so that
``atmpcli --help`` starts quickly.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from atmpcli import __version__
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
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Per(StrEnum):
    person = "person"
    cohort = "cohort"


_state = {"debug": False}


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
) -> None:
    _state["debug"] = debug


def _fail(exc: Exception) -> typer.Exit:
    if _state["debug"]:
        raise exc
    for line in str(exc).splitlines() or [type(exc).__name__]:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(1)


def _stdout_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stdout, soft_wrap=False, no_color=bool(os.environ.get("NO_COLOR")))


def _positive(values: list[float] | None) -> list[float] | None:
    if values is not None and any(v <= 0 for v in values):
        raise typer.BadParameter("willingness to pay must be positive")
    return values


@app.command(epilog="Example: atmpcli compare hiv_chancellor --format csv > results.csv")
def compare(
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="Scenario file, or the name of a bundled/user scenario.")
    ],
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
    wtp: Annotated[
        list[float] | None,
        typer.Option(
            "--wtp",
            metavar="AMOUNT",
            callback=_positive,
            help="Willingness to pay per QALY (or life-year); repeat for several. Default: the scenario's.",
        ),
    ] = None,
    per: Annotated[
        Per, typer.Option("--per", metavar="UNIT", help="person (default) or cohort: totals for the cohort.")
    ] = Per.person,
) -> None:
    """Compare the strategies of a scenario: costs, QALYs, life-years, ICERs with dominance, NMB."""
    try:
        from atmpcli.analysis.compare import compare as run_compare
        from atmpcli.scenario.catalog import resolve
        from atmpcli.scenario.compile import load_scenario

        result = run_compare(load_scenario(resolve(scenario)), wtp=wtp, per=per.value)
    except AtmpError as exc:
        raise _fail(exc) from None
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(result.columns, result.rows, sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.documents import comparison_document
        from atmpcli.report.formats import write_json

        write_json(comparison_document(result), sys.stdout)
    else:
        from atmpcli.report.tables import comparison_tables

        _stdout_console().print(comparison_tables(result))


@app.command("list-scenarios", epilog="Example: atmpcli list-scenarios --dir my_scenarios --format csv")
def list_scenarios(
    directory: Annotated[
        list[Path] | None,
        typer.Option("--dir", metavar="DIR", help="Also list the scenarios in this directory; repeat for several."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
) -> None:
    """List bundled scenarios, those in $ATMPCLI_SCENARIO_PATH (os.pathsep-separated) and in --dir."""
    try:
        from atmpcli.scenario.catalog import find_files
        from atmpcli.scenario.compile import load_scenario

        rows = []
        for entry in find_files(directory):
            try:
                sc = load_scenario(entry.path)
            except AtmpError as exc:
                typer.echo(f"warning: skipped invalid scenario: {str(exc).splitlines()[0]}", err=True)
                continue
            rows.append(
                {
                    "name": sc.name,
                    "title": sc.spec.title,
                    "strategies": ";".join(s.name for s in sc.strategies),
                    "illustrative": sc.spec.illustrative,
                    "currency": sc.spec.currency,
                    "sources": " | ".join(sc.spec.sources),
                    "origin": entry.origin,
                    "path": str(entry.path),
                }
            )
    except AtmpError as exc:
        raise _fail(exc) from None
    columns = ["name", "title", "strategies", "illustrative", "currency", "sources", "origin", "path"]
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(columns, rows, sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.formats import write_json

        write_json(
            {
                "scenarios": [
                    {
                        **r,
                        "strategies": r["strategies"].split(";"),
                        "sources": r["sources"].split(" | ") if r["sources"] else [],
                    }
                    for r in rows
                ]
            },
            sys.stdout,
        )
    else:
        from atmpcli.report.tables import list_table

        _stdout_console().print(list_table(rows))


@app.command(epilog="Example: atmpcli validate scenarios/*.yaml")
def validate(
    files: Annotated[list[str], typer.Argument(metavar="FILE", help="Scenario files (or names) to check.")],
) -> None:
    """Check scenario files: schema, names, formulas, and the model's numbers for every strategy."""
    from atmpcli.model.evaluate import evaluate
    from atmpcli.scenario.catalog import resolve
    from atmpcli.scenario.compile import load_scenario

    failed = 0
    for name in files:
        try:
            sc = load_scenario(resolve(name))
            evaluate(sc)
        except AtmpError as exc:
            if _state["debug"]:
                raise
            failed += 1
            for line in str(exc).splitlines():
                typer.echo(f"error: {line}", err=True)
            continue
        typer.echo(f"ok: {name} ({len(sc.strategies)} strategies)")
    if failed:
        typer.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    if hasattr(__import__("signal"), "SIGPIPE"):
        import signal

        # `atmpcli compare x --format csv | head` must end quietly, as csvkit does
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except Exception as exc:  # a bug, not bad input: still one line unless --debug
        if "--debug" in sys.argv:
            raise
        typer.echo(
            f"error: internal error ({type(exc).__name__}: {exc}); rerun with --debug for details and please report it",
            err=True,
        )
        sys.exit(1)

"""The output options every command that prints a result shares, declared once (sqlite-utils' ``output_options``).

A command takes them as one :class:`~atmpcli.report.output.OutputOptions` and ends with :func:`emit`::

    @app.command()
    @output_options(plot=True)
    def compare(scenario: ScenarioArg, wtp: WtpOpt = None, *, out: OutputOptions) -> None:
        with reporting_errors():  # commands.common
            result = analysis.compare(load(scenario), wtp=wtp)
        emit(result, out, table=comparison_tables, figure=comparison_figure)

``output_options`` adds ``--format/-f``, ``--output/-o``, ``--sep``, ``--decimal``, ``--bom`` (and with
``plot=True`` ``--plot``, with ``per_sample=True`` ``--per-sample``) to the command's signature, checks
them before the command runs (a bad one is a usage error, exit 2) and passes them as ``out``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from atmpcli.commands.common import fail, note
from atmpcli.errors import AtmpError
from atmpcli.report.output import Format, OutputError, OutputOptions

F = TypeVar("F", bound=Callable[..., Any])

FormatOpt = Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of stdout; the format comes from the "
        "extension (.csv, .json, .txt, .xlsx, .md, .html), written atomically.",
    ),
]
SepOpt = Annotated[
    str,
    typer.Option("--sep", metavar="CHAR", help="CSV field separator, e.g. ';' for Excel with continental settings."),
]
DecimalOpt = Annotated[str, typer.Option("--decimal", metavar="CHAR", help="CSV decimal mark, e.g. ','.")]
BomOpt = Annotated[bool, typer.Option("--bom", help="Start CSV output with a UTF-8 byte-order mark (for Excel).")]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", metavar="FILE", help="Also draw the figure to FILE (.png, .svg or .pdf).")
]
PerSampleOpt = Annotated[
    Path | None,
    typer.Option(
        "--per-sample",
        metavar="FILE.csv",
        help="Also write each sample's costs, effects and parameter draws to this CSV file.",
    ),
]


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def output_options(*, plot: bool = False, per_sample: bool = False) -> Callable[[F], F]:
    """Give a command the shared output options, passed to it as ``out: OutputOptions``."""
    added = [
        _option("fmt", FormatOpt, Format.table),
        _option("output", OutputOpt, None),
        _option("sep", SepOpt, ","),
        _option("decimal", DecimalOpt, "."),
        _option("bom", BomOpt, False),
    ]
    if plot:
        added.append(_option("plot_file", PlotOpt, None))
    if per_sample:
        added.append(_option("per_sample", PerSampleOpt, None))
    names = [p.name for p in added]

    def decorate(command: F) -> F:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "out"]

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            chosen = {n: kwargs.pop(n) for n in names}
            out = OutputOptions(
                format=chosen["fmt"],
                output=chosen["output"],
                sep=chosen["sep"],
                decimal=chosen["decimal"],
                bom=chosen["bom"],
                plot=chosen.get("plot_file"),
                per_sample=chosen.get("per_sample"),
            )
            try:
                out.check()
            except OutputError as exc:
                raise typer.BadParameter(str(exc), param_hint=exc.option) from None
            return command(*args, **kwargs, out=out)

        params = own + added
        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run  # type: ignore[return-value]

    return decorate


def emit(
    result: Any,
    out: OutputOptions,
    *,
    table: Callable[[Any], Any] | None = None,
    figure: Callable[[Any, Path], None] | None = None,
    workbook: Callable[[Any, Path], None] | None = None,
) -> None:
    """Draw the figure (with --plot) and write the result as ``out`` says; say on stderr which files were written.

    ``table`` renders the result for people, ``figure`` draws it, ``workbook`` writes its .xlsx (each
    imported by the command only when used; see atmpcli.report.output.write_result for the defaults).
    """
    from atmpcli.report.output import draw_figure, write_result

    if figure is not None:
        with _writing(out.plot):
            if draw_figure(result, out, figure) is not None:
                note(f"wrote {out.plot}")
    with _writing(out.output):
        written = write_result(result, out, table=table, workbook=workbook)
    if written is not None:
        note(f"wrote {written}")


def imported_when_used(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when it is first called: figures and workbooks cost start-up that a
    command writing a table does not need."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


@contextmanager
def _writing(path: Path | None) -> Iterator[None]:
    try:
        yield
    except OutputError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.option) from None
    except OSError as exc:
        raise fail(AtmpError(f"{path}: cannot write: {exc.strerror}")) from None

"""One set of output options and one writer for every command (sqlite-utils' ``output_options`` as a model).

:class:`OutputOptions` holds what a user chose: the format, an output file, the CSV separator, decimal
mark and byte-order mark, a figure file and (for the PSA) a per-sample file. :func:`write_result` writes
a result in that format to standard output or, atomically, to the file, whose extension picks the
format: .csv, .json, .txt (the table as plain text), .xlsx, .md and .html. Problems with the options
are :class:`OutputError` (a usage error naming the option); a file that cannot be written is an OSError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module at start-up: no pandas until a result is written
    from atmpcli.analysis.result import Result


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


# The extension of --output picks the format; None: a file format with no --format counterpart.
SUFFIXES: dict[str, Format | None] = {
    ".csv": Format.csv,
    ".json": Format.json,
    ".txt": Format.table,
    ".xlsx": None,
    ".md": None,
    ".html": None,
}

Renderer = Callable[[Any], Any]  # result -> a Rich renderable
WorkbookWriter = Callable[[Any, Path], None]  # (result, path) -> writes an .xlsx
FigureWriter = Callable[[Any, Path], None]  # (result, path) -> writes a .png, .svg or .pdf


class OutputError(ValueError):
    """A bad output option: ``option`` names it (``--output``, ``--sep``, ``--plot``)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class OutputOptions:
    format: Format = Format.table
    output: Path | None = None
    sep: str = ","
    decimal: str = "."
    bom: bool = False
    plot: Path | None = None
    per_sample: Path | None = None

    def check(self) -> None:
        """Refuse options that cannot work, before any analysis runs."""
        if self.output is not None and self.output.suffix.lower() not in SUFFIXES:
            suffix = self.output.suffix or self.output.name
            raise OutputError("--output", f"cannot write '{suffix}' files; use .csv, .json, .txt, .xlsx, .md or .html")
        if len(self.sep) != 1 or len(self.decimal) != 1 or self.sep == self.decimal or self.decimal not in ".,":
            if self.writes_csv:
                raise OutputError("--sep", "--sep must be one character, --decimal '.' or ',', and they must differ")
        if self.plot is not None and self.plot.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise OutputError("--plot", f"--plot writes .png, .svg or .pdf files, not '{self.plot.suffix}'")

    @property
    def suffix(self) -> str | None:
        return None if self.output is None else self.output.suffix.lower()

    @property
    def writes_csv(self) -> bool:
        return (SUFFIXES.get(self.suffix or "") if self.output is not None else self.format) is Format.csv


def write_result(
    result: Result,
    options: OutputOptions,
    *,
    table: Renderer | None = None,
    workbook: WorkbookWriter | None = None,
) -> Path | None:
    """Write ``result`` as the options say; returns the file written (None for standard output).

    ``table`` renders the result for people (default: its main frame as a plain table); ``workbook``
    writes an .xlsx (default: the main table, then the scenario's settings and parameters).
    """
    from atmpcli.report.files import write_atomically

    options.check()
    suffix = options.suffix
    if suffix == ".xlsx":
        from atmpcli.report.workbook import result_workbook

        (workbook or result_workbook)(result, options.output)
        return options.output
    if suffix in (".md", ".html"):
        from atmpcli.report.markdown_html import markdown_to_html, result_markdown

        text = result_markdown(result)
        if suffix == ".html":
            text = markdown_to_html(text, result.sheet)
        write_atomically(options.output, lambda fh: fh.write(text))
        return options.output
    fmt = options.format if suffix is None else SUFFIXES[suffix]

    def write(stream: IO[str] | None) -> None:
        if fmt is Format.csv:
            from atmpcli.report.csv_json import write_rows

            write_rows(result.columns, result.rows, stream, sep=options.sep, decimal=options.decimal, bom=options.bom)
        elif fmt is Format.json:
            from atmpcli.report.csv_json import write_json

            write_json(result.document(), stream)
        else:
            from atmpcli.report.console import frame_table, print_table

            print_table((table or frame_table)(result), stream)

    if options.output is None:
        import sys

        write(None if fmt is Format.table else sys.stdout)
        return None
    write_atomically(options.output, write)
    return options.output


def draw_figure(result: Result, options: OutputOptions, figure: FigureWriter) -> Path | None:
    """Draw ``figure(result, path)`` when ``--plot`` was given; returns the file written."""
    if options.plot is None:
        return None
    figure(result, options.plot)
    return options.plot

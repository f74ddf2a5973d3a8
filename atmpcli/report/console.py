"""Showing tables for people: the console on standard output, plain text for files, and a plain table of
any result's main frame for results without a table of their own (``compare --long``)."""

from __future__ import annotations

import os
import sys
from typing import IO, Any

from rich.console import Console
from rich.table import Table

TEXT_WIDTH = 120  # .txt files: wide enough for every table without wrapping numbers


def stdout_console() -> Console:
    return Console(file=sys.stdout, soft_wrap=False, no_color=bool(os.environ.get("NO_COLOR")))


def print_table(renderable: Any, stream: IO[str] | None = None) -> None:
    """On the terminal (stdout) at its width, or as plain text of TEXT_WIDTH columns into ``stream``; every
    table fitted so that no number is cut (report/table_fit.py)."""
    from atmpcli.report.table_fit import fit

    renderable = fit(renderable)
    if stream is None:
        stdout_console().print(renderable)
    else:
        Console(file=stream, soft_wrap=False, no_color=True, width=TEXT_WIDTH).print(renderable)


def frame_table(result: Any) -> Table:
    """Any result's main table as it is (e.g. ``compare --long``): numbers to 6 significant digits."""
    t = Table(title=result.title or None, title_justify="left")
    frame = result.frame
    for c in frame.columns:
        numeric = frame[c].dtype.kind in "fiu"
        t.add_column(str(c), justify="right" if numeric else "left", overflow="fold")
    for r in result.rows:
        t.add_row(*(_cell(v) for v in r.values()))
    return t


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)

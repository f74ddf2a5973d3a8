"""Command-line interface entry point: the Typer app with every command registered."""

from __future__ import annotations

import signal
import sys

import typer

# Importing a module registers its commands; --help lists them in this order (isort would sort them).
# isort: off
from atmpcli.commands import scenarios, compare, report, workbook, psa, evsi  # noqa: F401
from atmpcli.commands import sensitivity, variants, shortfall, survival, verify  # noqa: F401
from atmpcli.commands import equity  # noqa: F401

# isort: on
from atmpcli.commands.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `atmpcli compare x --format csv | head` must end quietly, as csvkit does
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

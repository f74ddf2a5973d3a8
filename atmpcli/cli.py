"""Command-line interface entry point: the Typer app, its commands loaded as they are used."""

from __future__ import annotations

import signal
import sys

import typer

# A command's module is imported when the command runs (commands/registry.py lists them, in --help order).
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

"""Usage errors as one line, and number options that refuse nan and infinity, for every command.

click prints a usage error as four lines (usage, a hint, a blank line, the error); atmpcli prints one,
``error: MESSAGE (see 'atmpcli psa --help')``, and keeps click's exit status 2. Typer reads ``nan`` and
``inf`` as numbers; no option of atmpcli means them, so they are refused before a command runs.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException  # typer bundles click (pinned in pyproject.toml)
from typer.core import TyperGroup

from atmpcli.commands.registry import LazyCommands


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes, so that an error cannot drive the terminal."""
    return "".join(c if c.isprintable() or c == "\t" else ascii(c)[1:-1] for c in text)


class OneLineErrors(TyperGroup):
    """The command group: one-line usage errors, finite numbers only, commands loaded when used
    (commands/registry.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(dict(self.commands), prepare=_refuse_all)
        self._summaries_only = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: typer's own would build every command

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._summaries_only:
            return self.commands.summary(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list of --help, from the summaries: no command module is imported for it."""
        self._summaries_only = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._summaries_only = False

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        except ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None and exc.exit_code == 2 else ""
            typer.echo(f"error: {printable(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def _refuse_all(commands: Any) -> None:
    for command in commands:
        _refuse_non_finite(command)
        _refuse_all(getattr(command, "commands", {}).values())  # a group such as `survival`


def _refuse_non_finite(command: Any) -> None:
    callback = command.callback
    if callback is None:
        return
    options = {p.name: p.opts[0] for p in command.params if getattr(p, "opts", None)}

    @functools.wraps(callback)
    def checked(**kwargs: Any) -> Any:
        for name, value in kwargs.items():
            for v in value if isinstance(value, list | tuple) else [value]:
                if isinstance(v, float) and not math.isfinite(v):
                    raise typer.BadParameter(f"{v} is not a finite number", param_hint=f"'{options.get(name, name)}'")
        return callback(**kwargs)

    command.callback = checked

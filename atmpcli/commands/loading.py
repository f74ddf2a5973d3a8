"""The options every command that loads a scenario shares: what it may read, and how much memory it may use.

``--allow-path``, ``--max-file-size``, ``--strict`` and ``--memory`` are declared once, in
:func:`scenario_options`, and applied by :func:`atmpcli.commands.common.load` (docs/trust.md).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from atmpcli.commands.common import note, state
from atmpcli.commands.usage import printable


def warn(sc: Any) -> None:
    """The scenario's sanity warnings on stderr, each once per command."""
    for w in sc.warnings:
        if str(w) not in state.setdefault("warned", set()):
            state["warned"].add(str(w))
            note(f"warning: {printable(str(w))}")


def check_request(sc: Any, what: str, *, strategies: int | None = None, file: str = "", **request: Any) -> None:
    """Refuse an analysis whose memory estimate (analysis/memory_estimate.py) exceeds --memory.

    The error names the scenario file (or ``file``, e.g. a --results file, when there is no scenario).
    """
    from atmpcli.analysis.memory_estimate import Request, check_memory
    from atmpcli.errors import ModelError, Problem, ScenarioError

    try:
        check_memory(sc, Request(**request), memory(), what, strategies=strategies)
    except ModelError as exc:
        name = file or str(getattr(sc, "path", ""))  # the request, not a line of the file, is too large
        raise ScenarioError([Problem(exc.message, file=name)]) from None


def data_file_limit() -> int:
    """Bytes a --draws or --results file may have: 64 MiB, or --max-file-size if larger."""
    from atmpcli.limits import DATA_FILE_BYTES

    limits = state.get("limits")
    return max(DATA_FILE_BYTES, limits.max_file_bytes if limits else 0)


def memory() -> int:
    """The command's --memory budget in bytes."""
    from atmpcli.analysis.memory_estimate import DEFAULT_MEMORY

    return int(state.get("memory") or DEFAULT_MEMORY)


def _size(text: str, option: str) -> int:
    from atmpcli.limits import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def _configure(allow_path: list[Path] | None, max_file_size: str, strict: bool | None, budget: str | None) -> None:
    from atmpcli.limits import InputLimits

    folders = []
    for folder in allow_path or []:
        if not folder.is_dir():
            raise typer.BadParameter(f"{folder} is not a folder", param_hint="--allow-path")
        folders.append(folder.resolve())
    state["limits"] = InputLimits(max_file_bytes=_size(max_file_size, "--max-file-size"), allow_paths=tuple(folders))
    state["strict"] = bool(strict)
    state["memory"] = _size(budget, "--memory") if budget else None
    state["warned"] = set()


_MAX_FILE_SIZE: tuple[str, Any, Any] = (
    "max_file_size",
    Annotated[
        str,
        typer.Option(
            "--max-file-size",
            metavar="SIZE",
            help="Largest scenario or look-up file read, e.g. 4MiB; data files (--draws, --results, patient "
            "data) may have 64MiB, or SIZE if larger.",
        ),
    ],
    "1MiB",
)
_SCENARIO: list[tuple[str, Any, Any]] = [
    (
        "allow_path",
        Annotated[
            list[Path] | None,
            typer.Option(
                "--allow-path",
                metavar="DIR",
                help="Let the scenario read look-up files and base scenarios in DIR too; repeat (docs/trust.md).",
            ),
        ],
        None,
    ),
    (
        "strict",
        Annotated[bool, typer.Option("--strict", help="Warnings (unreachable states, unused parameters) are errors.")],
        False,
    ),
]
_MEMORY: tuple[str, Any, Any] = (
    "memory",
    Annotated[
        str,
        typer.Option(
            "--memory", metavar="SIZE", help="Memory the analysis may use, e.g. 4GiB; larger requests are refused."
        ),
    ],
    "1GiB",
)


def scenario_options(
    *, memory: bool = True, scenario: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add --allow-path, --max-file-size, --strict (and --memory) to a command that loads scenarios;
    only --max-file-size (and --memory) with ``scenario=False``, for a command that reads data files only.

    Declared once here rather than in every signature: the wrapper removes them from the arguments and
    sets the loading options that :func:`atmpcli.commands.common.load` applies.
    """
    extra = (_SCENARIO if scenario else []) + [_MAX_FILE_SIZE] + ([_MEMORY] if memory else [])

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func, eval_str=True)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            options = {name: kwargs.pop(name, default) for name, _, default in extra}
            _configure(
                options.get("allow_path"), options["max_file_size"], options.get("strict"), options.get("memory")
            )
            return func(*args, **kwargs)

        added = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in extra]
        params = [*sig.parameters.values(), *added]
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate

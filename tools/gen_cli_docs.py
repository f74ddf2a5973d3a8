"""Write docs/cli.md from the commands' --help (tests/cli/test_docs.py checks that it is current).

Usage: python tools/gen_cli_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atmpcli.cli import app  # noqa: E402

COMMANDS = [
    "compare",
    "trace",
    "list-scenarios",
    "validate",
    "show",
    "init",
    "report",
    "workbook",
    "psa",
    "evsi",
    "dsa",
    "threshold",
    "variants",
    "budget-impact",
    "icers",
    "verify",
    "shortfall",
    "equity",
    "survival reconstruct",
    "survival fit",
]


def help_text(args: list[str]) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100", "TERM": "dumb"}, prog_name="atmpcli")
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()).strip() + "\n"


def render() -> str:
    parts = [
        "# Command reference",
        "",
        "Generated from `--help` by `python tools/gen_cli_docs.py`; a test keeps it current.",
        "",
        "```",
        help_text([]).rstrip(),
        "```",
        "",
    ]
    for command in COMMANDS:
        parts += [f"## `atmpcli {command}`", "", "```", help_text(command.split()).rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    target = ROOT / "docs" / "cli.md"
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if target.exists() and target.read_text() == text else "docs/cli.md is out of date")
    target.write_text(text)

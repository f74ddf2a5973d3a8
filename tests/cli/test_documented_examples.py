"""Every example in the commands' --help, the README and docs/*.md gives a real answer.

The ``atmpcli ...`` lines are taken from the help epilogs, from ``$ atmpcli`` / ``atmpcli`` lines of code
blocks and from inline code; each runs (in a directory holding the repository's scenarios/ and examples/,
so that bundled names and repository paths resolve; ``A && B`` in order, a shell redirection or pipe
dropped) and must exit 0 without an answer that is no answer: no "widen the range" and no table row
whose numbers are all "—". Examples that need a file the reader brings (``my.yaml``, ``ipd_os.csv``) are
listed in ``NEEDS_OWN_FILE`` and only checked to name a file that is not in the repository.
"""

from __future__ import annotations

import os
import re
import shlex

import pytest
import typer.main
from typer.testing import CliRunner

from atmpcli.cli import app
from tests.conftest import ROOT

runner = CliRunner()
INLINE = re.compile(r"`(atmpcli [^`]+)`")
LINE = re.compile(r"^\s*(?:\$\s+)?(atmpcli\s.+?)\s*$")


def _help_examples() -> list[str]:
    group = typer.main.get_command(app)
    found: list[str] = [group.epilog or ""]

    def walk(cmd) -> None:
        found.append(cmd.epilog or "")
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    for cmd in group.commands.values():
        walk(cmd)
    return [m.group(1) for text in found for line in text.splitlines() if (m := LINE.match(line))]


def _doc_examples() -> list[str]:
    """Command lines of fenced code blocks (backslash continuations joined, comments dropped), and inline
    code of a command with at least one argument."""
    lines: list[str] = []
    # docs/cli.md is the --help text (wrapped to 80 columns): its examples are the epilogs read above
    for path in [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "cli.md")]:
        text = path.read_text(encoding="utf-8")
        inline = [" ".join(m.group(1).split()) for m in INLINE.finditer(text)]
        lines += [e for e in inline if len(e.split()) >= 3 and not e.split()[2].startswith("-")]
        for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S):
            joined = re.sub(r"\\\n\s*", " ", block)
            lines += [m.group(1) for line in joined.splitlines() if (m := LINE.match(line.split(" #")[0]))]
    commands = set(typer.main.get_command(app).commands)
    # a command with at least one argument ("atmpcli survival fit" alone names a command, it is no example)
    return [e for e in lines if e.split()[1] in commands and len(e.split()) > 2 + (e.split()[1] == "survival")]


def _runs(example: str) -> list[list[str]]:
    """The atmpcli invocations of one example line: split at &&, without redirections and pipes."""
    out = []
    for part in example.split("&&"):
        part = re.split(r"\s[|>]\s?", part.strip())[0]
        words = shlex.split(part)
        if words and words[0] == "atmpcli":
            out.append(words[1:])
    return out


EXAMPLES = sorted(set(_help_examples() + _doc_examples()))
# files a reader brings: an example naming one of these is not run
NEEDS_OWN_FILE = {"my.yaml", "other.yaml", "ipd_os.csv", "km_os.csv", "results.csv", "other_tool.csv", "MODEL"}
NEEDS_OWN_FILE |= {"my_scenarios", "s.yaml", "x", "FILE", "SCENARIO", "psa.csv", "uk.csv"}


def _needs_own_file(example: str) -> bool:
    """An example naming a reader's file, or a placeholder (SCENARIO, <file>, ...)."""
    words = [w for run in _runs(example) for w in run]
    placeholder = re.compile(r"<.*|.*….*|[A-Z][A-Z_:.|]{2,}")
    return any(w in NEEDS_OWN_FILE or placeholder.fullmatch(w) for w in words)


def _no_answer(stdout: str) -> str | None:
    """ "widen the range", or a table whose rows have no number after the row label, only "—"."""
    if "widen the range" in stdout:
        return "widen the range"
    rows: list[list[str]] | None = None
    for line in stdout.splitlines():
        if line.startswith("┡"):
            rows = []
        elif line.startswith("└") and rows is not None:
            cells = [c for row in rows for c in row[1:]]
            if "—" in cells and not any(re.search(r"\d", c) for c in cells):
                return "a table of dashes only"
            rows = None
        elif line.startswith("│") and rows is not None:
            rows.append([c.strip() for c in line.strip("│").split("│")])
    return None


def test_examples_were_found():
    assert len(EXAMPLES) > 30 and any("threshold" in e for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_documented_example_answers(example, tmp_path, monkeypatch):
    if _needs_own_file(example):
        named = [w for run in _runs(example) for w in run if w in NEEDS_OWN_FILE]
        assert not any((ROOT / w).exists() for w in named)
        pytest.skip("needs the reader's own file")
    for folder in ("scenarios", "examples"):
        os.symlink(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    # the files earlier steps of the same page make: the starter model, the reconstructed patient data
    before = []
    if "my_model" in example and "init" not in example:
        before.append(["init", "my_model", "--template", "test-and-treat"])
    if " ipd.csv" in example and "reconstruct" not in example:
        before.append(["survival", "reconstruct", "examples/survival/ovarian_km.csv", "--at-risk"])
        before[-1] += ["examples/survival/ovarian_at_risk.csv", "--events", "12", "-o", "ipd.csv"]
    for args in before:
        assert runner.invoke(app, args).exit_code == 0
    for args in _runs(example):
        result = runner.invoke(app, args, env={"COLUMNS": "100", "NO_COLOR": "1"})
        assert result.exit_code == 0, f"{example}\n{result.stderr}"
        problem = _no_answer(result.stdout)
        assert problem is None, f"{example}: {problem}\n{result.stdout}"

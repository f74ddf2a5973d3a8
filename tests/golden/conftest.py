"""Golden files (csvkit's ``assertConverted``): each renderer's output on bundled scenarios, compared with a
file under tests/golden/. ``pytest tests/golden --update-golden`` (or ``make golden``) rewrites the files;
``git diff tests/golden`` then shows what changed, for review like any other change."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

HERE = Path(__file__).resolve().parent
FLOAT = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def normalise(text: str) -> str:
    """What may change from run to run or machine to machine: the time, the checkout's path, the version."""
    from atmpcli import __version__

    text = text.replace(str(ROOT), "<root>")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "<time>", text)
    text = re.sub(r"on \d{4}-\d\d-\d\d \d\d:\d\d UTC", "on <time> UTC", text)
    return text.replace(f'"{__version__}"', '"<version>"').replace(f"atmpcli {__version__} ", "atmpcli <version> ")


def _rounded(text: str) -> str:
    # the last bits of a float can differ between numpy builds; 10 significant digits cannot
    return FLOAT.sub(lambda m: f"{float(m.group()):.10g}", text)


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(name, text)``: compare ``text`` with tests/golden/NAME, or write it with --update-golden."""

    def check(name: str, text: str) -> None:
        path = HERE / name
        text = normalise(text)
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path.relative_to(ROOT)}: run make golden, then review git diff"
        expected = path.read_text(encoding="utf-8")
        if text == expected or _rounded(text) == _rounded(expected):
            return
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), f"{name} (golden)", f"{name} (now)"
            )
        )
        pytest.fail(f"output differs from tests/golden/{name} (make golden to accept, then review git diff):\n{diff}")

    return check

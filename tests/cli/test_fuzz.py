"""Mutated bundled scenarios: atmpcli succeeds, or says what is wrong in `error:` lines naming the file.

Never an internal error or a traceback, never an exit status other than 0, 1 or 2. The mutations are
those careless and hostile files make: keys deleted or misspelt, values of the wrong type, characters
YAML and atmpcli refuse, numbers at and beyond the range of floating-point numbers, and raw bytes.
200 examples run in the test suite (the same ones each time); ``make fuzz`` runs thousands
of new ones (ATMPCLI_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from atmpcli.cli import app
from tests.conftest import SCENARIOS

EXAMPLES = int(os.environ.get("ATMPCLI_FUZZ_EXAMPLES", "200"))
BUNDLED = {p.name: yaml.safe_load(p.read_text()) for p in sorted(SCENARIOS.glob("*.yaml"))}

ODD_VALUES = [None, True, False, "", "text", "rest", "p_x * 2", "1 / 0", "log(0)", "age", 0, -1, 2, [], {}, [1, "a"]]
EXTREME = [10**400, -(10**400), 2**63, 1e308, -1e308, 1e-308, 5e-324, 0.0, -0.0, 1e16, 10**18]
INJECTED = [
    "\x00",
    "\x1b[2J",
    "\x07",
    "\x7f",
    "\x85",
    "é",
    "ß",
    "{",
    "}",
    "[",
    "]",
    ":",
    ": ",
    "#",
    "'",
    '"',
    "&a ",
    "*a",
]
RAW = [
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\r",
    b"\t",
    b"*a ",
    b"&a ",
    b"<<: ",
    b"[",
    b"{",
    b"\n  ",
    b"9" * 400,
    b"!!python/object ",
]


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in the data, parents first."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths(v, (*prefix, i))
    return out


def get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(sorted(BUNDLED)))
    data = yaml.safe_load(yaml.safe_dump(BUNDLED[name]))  # a fresh copy
    for _ in range(draw(st.integers(1, 3))):
        where = paths(data)
        path = draw(st.sampled_from(where))
        parent, key = get(data, path[:-1]), path[-1]
        value = parent[key]
        kind = draw(st.sampled_from(["delete", "swap", "inject", "extreme", "rename"]))
        if kind == "delete":
            del parent[key]
        elif kind == "swap":
            parent[key] = draw(st.sampled_from(ODD_VALUES))
        elif kind == "inject" and isinstance(value, str):
            at = draw(st.integers(0, len(value)))
            parent[key] = value[:at] + draw(st.sampled_from(INJECTED)) + value[at:]
        elif kind == "extreme":
            parent[key] = draw(st.sampled_from(EXTREME))
        elif kind == "rename" and isinstance(parent, dict):
            parent[str(key) + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(key)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
    if draw(st.booleans()):  # raw bytes anywhere, including inside a multi-byte character
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(RAW)) + text[at:]
    return text


COMMANDS = [["validate"], ["compare", "-f", "csv"], ["psa", "-n", "16", "-f", "csv"]]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="ATMPCLI_FUZZ_EXAMPLES" not in os.environ,  # the suite runs the same examples each time
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(content=mutated(), command=st.sampled_from(COMMANDS))
def test_mutated_scenarios_succeed_or_say_what_is_wrong(content: bytes, command: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        # a warning would be a stray line on stderr in a real run (pytest would swallow it here)
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("error", UserWarning)
        for companion in SCENARIOS.iterdir():  # the files bundled scenarios read: data and base scenarios
            if companion.suffix in (".csv", ".yaml"):
                shutil.copy(companion, folder)
        path = Path(folder) / "mutated.yaml"
        path.write_bytes(content)
        for data in SCENARIOS.glob("*.csv"):  # the data files the bundled scenarios read, beside them
            shutil.copy(data, folder)
        result = CliRunner().invoke(app, [command[0], str(path), *command[1:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    stderr = result.stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("warning: ")]
    if result.exit_code == 1:
        errors = [line for line in lines if line != "1 of 1 file(s) invalid"]
        # naming the mutated file, or a file it reads (a data file, the scenario it extends)
        assert errors and all(line.startswith(f"error: {folder}{os.sep}") for line in errors), stderr
    elif result.exit_code == 2:  # a usage line (e.g. a scenario left without distributions is not one)
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    else:
        assert not lines, stderr

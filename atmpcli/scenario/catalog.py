"""Finding scenarios: the bundled ones, directories named by ATMPCLI_SCENARIO_PATH, and --dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from atmpcli.errors import Problem, ScenarioError

ENV_VAR = "ATMPCLI_SCENARIO_PATH"
BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class Entry:
    path: Path
    origin: str  # "bundled" or the directory it came from


def scenario_dirs(extra: list[Path] | None = None) -> list[tuple[Path, str]]:
    dirs: list[tuple[Path, str]] = [(BUNDLED, "bundled")]
    for part in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if part.strip():
            dirs.append((Path(part).expanduser(), ENV_VAR))
    for d in extra or []:
        dirs.append((d, "--dir"))
    return dirs


def find_files(extra: list[Path] | None = None) -> list[Entry]:
    out = []
    for d, origin in scenario_dirs(extra):
        if not d.is_dir():
            if origin != "bundled":
                raise ScenarioError([Problem(f"scenario directory not found (from {origin})", file=str(d))])
            continue
        for p in sorted([*d.glob("*.yaml"), *d.glob("*.yml")]):
            out.append(Entry(p, origin))
    return out


def resolve(name_or_path: str) -> Path:
    """A path to an existing file, or the file of a bundled/user scenario with that name."""
    p = Path(name_or_path)
    if p.is_file() or p.suffix in (".yaml", ".yml") or os.sep in name_or_path:
        return p
    for entry in find_files():
        if entry.path.stem == name_or_path:
            return entry.path
    raise ScenarioError(
        [
            Problem(
                "no such file, and no bundled or user scenario of that name (see 'atmpcli list-scenarios')",
                file=name_or_path,
            )
        ]
    )

"""Which files a scenario may read: its look-up tables and the base scenarios it extends.

A scenario names files (``tables: {x: {file: ...}}``, ``extends: ...``) that atmpcli opens on the
user's behalf, so a scenario from someone else must not reach files the user did not mean to share
with it. A named file must lie, after following symbolic links, inside the folder of the scenario the
user gave, a scenario folder (the bundled one, ``$ATMPCLI_SCENARIO_PATH``, ``--dir``) or a folder
allowed with ``--allow-path``. Paths are checked when the file is named; a link swapped between the
check and the read is outside this model (the user's own file system is trusted, the scenario is not).
"""

from __future__ import annotations

import os
from pathlib import Path

from atmpcli.limits import InputLimits


def allowed_folders(limits: InputLimits, base_dir: Path) -> list[Path]:
    """The folders (symbolic links followed) a scenario loaded under ``limits`` may read from."""
    from atmpcli.scenario.catalog import scenario_dirs

    folders = [limits.scenario_dir or base_dir, *(d for d, _ in scenario_dirs()), *limits.allow_paths]
    return [Path(os.path.realpath(f)) for f in folders]


def confine(limits: InputLimits, base_dir: Path, name: str, what: str) -> Path:
    """``base_dir / name`` if it lies inside an allowed folder; otherwise ``ValueError`` saying how to allow it.

    The message names the path and, for a link, where it leads, but never the file's content.
    """
    path = base_dir / name
    real = Path(os.path.realpath(path))
    folders = allowed_folders(limits, base_dir)
    if any(real.is_relative_to(f) for f in folders):
        return path
    home = folders[0]
    allow = f"to allow it, add --allow-path {real.parent}"
    if any(Path(os.path.abspath(path)).is_relative_to(f) for f in folders):
        raise ValueError(f"{what} {name} is a link to {real}, outside the scenario's folder {home}; {allow}")
    raise ValueError(f"{what} {name} is outside the scenario's folder {home}; {allow}")

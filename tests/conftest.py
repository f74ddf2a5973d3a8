from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from atmpcli.scenario.compile import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "atmpcli" / "scenarios"
DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


def bundled(name: str) -> Path:
    return SCENARIOS / f"{name}.yaml"


def load_variant(name: str, settings: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """A bundled scenario with some settings or top-level keys replaced (for convention checks)."""
    path = bundled(name)
    data = yaml.safe_load(path.read_text())
    data.setdefault("settings", {}).update(settings or {})
    data.update(top)
    return load_scenario(path, text=yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write YAML text to a file in a temporary directory and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write

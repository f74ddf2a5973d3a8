"""A compiled scenario: the decision model the engine evaluates, plus the file it came from.

:class:`Scenario` is a :class:`~atmpcli.model.decision_model.DecisionModel`; the engine and the analyses
see only that. What it adds (the path, the YAML document with every position, the validated spec and
the overrides applied) is for the commands and the renderers, and for mapping engine errors back to
``FILE:LINE:COL: field: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atmpcli.errors import ModelError, ScenarioError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.expressions import STATE_TIME, TIME_VARIABLES
from atmpcli.scenario import schema as S
from atmpcli.scenario.yamlfile import YamlDocument

# Names a formula can use besides parameters and tables.
RESERVED = {*TIME_VARIABLES, STATE_TIME, S.REST, "true", "false", "True", "False"}
VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(kw_only=True)
class Scenario(DecisionModel):
    """A decision model compiled from a scenario file."""

    path: Path
    doc: YamlDocument
    spec: S.ScenarioSpec
    overrides: dict[str, Any] = field(default_factory=dict)  # variant, --set values, reference case applied

    def located(self, error: ModelError) -> ScenarioError:
        """An engine error at the file, line and column of the input it names."""
        message = error.detail(name_strategy=len(self.strategies) > 1)
        return ScenarioError([self.doc.problem(error.origin, message)])

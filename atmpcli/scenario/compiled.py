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

from atmpcli.errors import ModelError, Problem, ScenarioError
from atmpcli.model.decision_model import DecisionModel, ModelDescription
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
    warnings: list[Problem] = field(default_factory=list)  # sanity warnings (scenario/sanity.py)

    def located(self, error: ModelError) -> ScenarioError:
        """An engine error at the file, line and column of the input it names."""
        message = error.detail(name_strategy=len(self.strategies) > 1)
        return ScenarioError([self.doc.problem(error.origin, message)])

    def describe(self) -> ModelDescription:
        """The file, its hash, the overrides applied, and what the scenario says about itself."""
        spec = self.spec
        perspective = ""
        if self.settings.reference_case:
            from atmpcli.scenario.reference_cases import REFERENCE_CASES

            perspective = REFERENCE_CASES[self.settings.reference_case].perspective
        subgroups = ()
        if spec.population is not None:
            subgroups = tuple((g.label or name, str(g.prevalence)) for name, g in spec.population.subgroups.items())
        return ModelDescription(
            file=str(self.path),
            sha256=self.doc.sha256,
            overrides=dict(self.overrides),
            illustrative=spec.illustrative,
            description=(spec.description or "").strip(),
            sources=tuple(spec.sources),
            variants={name: v.description or "" for name, v in spec.variants.items()},
            perspective=perspective,
            subgroups=subgroups,
        )

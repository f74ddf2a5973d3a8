"""Exceptions that the CLI turns into one-line messages (never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass, field


class AtmpError(Exception):
    """Base class for every error atmpcli reports to the user."""


@dataclass
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    message: str
    field: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if not self.file:
            return (f"{self.field}: " if self.field else "") + self.message
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        head = f"{where}: {self.field}: " if self.field else f"{where}: "
        return head + self.message


@dataclass
class ScenarioError(AtmpError):
    """A scenario that cannot be used; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class FormulaError(AtmpError):
    """A formula that cannot be parsed or evaluated (no location; callers add it)."""


class ModelError(AtmpError):
    """The numbers of a valid scenario break the model (e.g. a row that does not sum to 1)."""

"""Exceptions that the CLI turns into one-line messages (never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where an input sits in a scenario, as a path of keys: ("transitions", "sick", "dead"), ("tree", "branches", 0).
# The engine only carries it; the scenario layer turns it into a file, line and column.
Origin = tuple[str | int, ...]


def dotted(origin: Origin) -> str:
    """``('strategies', 'combo', 'parameters')`` -> ``strategies.combo.parameters``."""
    out = ""
    for part in origin:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:  # keep the problems when sent between processes
        return type(self), (self.problems,)


class FormulaError(AtmpError):
    """A formula that cannot be parsed or evaluated (no location; callers add it).

    ``at`` is where in a (samples, time, cycles in state) array the value first went wrong: the index on
    the time axis and on the state-time axis, each None when the value does not vary along it.
    """

    def __init__(self, message: str, at: tuple[int | None, int | None] | None = None) -> None:
        super().__init__(message)
        self.at = at


@dataclass(eq=False)  # compared and hashed by identity, as exceptions are
class ModelError(AtmpError):
    """The numbers of a valid scenario break the model (e.g. a row that does not sum to 1).

    Raised by the engine and the analyses with a logical location only: the input at fault (``origin``)
    and, where they matter, the strategy, cycle, cycles spent in a tunnel state and sample. The scenario
    layer maps it to ``FILE:LINE:COL: field: message`` (``Scenario.located``).
    """

    message: str
    origin: Origin = ()
    strategy: str | None = None  # set where the numbers differ by strategy
    cycle: int | None = None  # 1 = the first cycle; set when the value varies by cycle
    state_time: int | None = None  # 1 = the first cycle in a tunnel state
    sample: int | None = None  # 1 = the first sample; set when there is more than one

    def detail(self, *, name_strategy: bool = True) -> str:
        """The message with its cycle, state time, sample and (with ``name_strategy``) strategy."""
        text = self.message
        if self.cycle is not None:
            text += f" in cycle {self.cycle}"
        if self.state_time is not None:
            text += f" at state_time {self.state_time}"
        if self.sample is not None:
            text += f" in sample {self.sample}"
        if self.strategy is not None and name_strategy:
            text += f" (strategy {self.strategy})"
        return text

    def __str__(self) -> str:
        return f"{dotted(self.origin)}: {self.detail()}" if self.origin else self.detail()

    def __reduce__(self) -> tuple[type, tuple]:  # keep the location when sent between processes
        return type(self), (self.message, self.origin, self.strategy, self.cycle, self.state_time, self.sample)

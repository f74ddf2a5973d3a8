"""Which module defines each command, and its one-line summary: ``atmpcli --help`` without importing them.

A command's module (and with it its options, typer's signature analysis and whatever the module imports)
is loaded only when that command runs or shows its own help; the command list of ``atmpcli --help`` is
made from the summaries below. They are the first paragraph of each command's docstring (a test checks
that they still are), in the order ``--help`` lists them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping

from typer._click import Command
from typer.core import TyperCommand

COMMANDS: dict[str, tuple[str, str]] = {
    "list-scenarios": (
        "scenarios",
        "List bundled scenarios, those in $ATMPCLI_SCENARIO_PATH (os.pathsep-separated) and in --dir.",
    ),
    "validate": (
        "scenarios",
        "Check scenario files: schema, names, formulas, and the model's numbers for every strategy.",
    ),
    "init": ("scenarios", "Write a commented starter scenario that validates; edit it, then run compare."),
    "show": (
        "scenarios",
        "List the parameters: base-case value, formula, distribution, one-way range, source and overrides.",
    ),
    "compare": (
        "compare",
        "Compare the strategies of a scenario: costs, QALYs, life-years, ICERs with dominance, NMB.",
    ),
    "trace": (
        "compare",
        "The cohort trace: the share of the cohort in each state at each cycle, per strategy (long format).",
    ),
    "icers": (
        "compare",
        "Incremental analysis (dominance, extended dominance, ICERs) of any table of strategies.",
    ),
    "report": (
        "report",
        "A CHEERS 2022 report: question, strategies, inputs with sources, settings, results, uncertainty.",
    ),
    "workbook": (
        "workbook",
        "Write a live Excel workbook of the base case: every number a formula of named inputs.",
    ),
    "psa": (
        "psa",
        "Probabilistic sensitivity analysis: means, SDs and intervals, CEAC, CEAF, EVPI and EVPPI.",
    ),
    "evsi": (
        "evsi",
        "Expected value of sample information (regression method) and the expected net benefit of sampling.",
    ),
    "dsa": ("sensitivity", "One-way (tornado) and two-way deterministic sensitivity analysis."),
    "threshold": (
        "sensitivity",
        "The value of a parameter at which a strategy becomes cost-effective (e.g. the maximum price).",
    ),
    "variants": (
        "variants",
        "Scenario analysis: the base case and the scenario's named variants side by side (with --set applied to all).",
    ),
    "budget-impact": (
        "variants",
        "Budget impact: the payer's yearly spending with and without the new strategies, and the difference.",
    ),
    "shortfall": (
        "shortfall",
        "Quality-adjusted life expectancy of the general population and the QALY shortfall of a condition.",
    ),
    "equity": (
        "equity",
        "Distributional CEA: net health benefit by subgroup, EDE health, equity-weighted NMB (docs/decision-rules.md).",
    ),
    "verify": (
        "verify",
        "Run black-box verification tests on a model (zero mortality, utilities 1, no discounting, identical "
        "strategies, monotone costs, utilities and life-years, mass balance, extreme values, PSA mean); exit 1 if one fails.",
    ),
    "survival": (
        "survival",
        "Survival curves for cost-effectiveness: reconstruct patient data from a published Kaplan-Meier "
        "figure (Guyot et al. 2012), fit parametric, spline and mixture-cure models (flexsurv's parameterisations).",
    ),
}
"""command name -> (module under atmpcli.commands, summary)"""


class LazyCommands(MutableMapping[str, Command]):
    """The commands of the group by name, each built from its module on first access.

    ``prepare`` is applied to every command once it is built (the group's checks of its parameters).
    Iterating gives the names without loading anything; ``summary`` gives a command that only knows its
    summary, for the command list of ``--help``, unless the command itself is already loaded.
    """

    def __init__(self, loaded: dict[str, Command], prepare: Callable[[Iterable[Command]], None]) -> None:
        self._loaded = dict(loaded)
        self._prepare = prepare
        prepare(self._loaded.values())

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            command = _build(name, COMMANDS[name][0])
            self._prepare([command])
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*COMMANDS, *(n for n in self._loaded if n not in COMMANDS)])

    def __len__(self) -> int:
        return len(list(iter(self)))

    def summary(self, name: str) -> Command | None:
        if name in self._loaded or name not in COMMANDS:
            return self._loaded.get(name)
        return TyperCommand(name=name, help=COMMANDS[name][1])


def _build(name: str, module: str) -> Command:
    """Import the command's module (which registers it on the app) and build its click command, as typer
    would have built it with the whole group."""
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    from atmpcli.commands.common import app

    importlib.import_module(f"atmpcli.commands.{module}")
    options = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": app.rich_markup_mode}
    for info in app.registered_commands:
        if (info.name or get_command_name(info.callback.__name__)) == name:  # type: ignore[union-attr]
            return get_command_from_info(info, **options)
    for group in app.registered_groups:
        if group.name == name:
            return get_group_from_info(group, suggest_commands=app.suggest_commands, **options)
    raise LookupError(f"atmpcli.commands.{module} defines no command '{name}'")

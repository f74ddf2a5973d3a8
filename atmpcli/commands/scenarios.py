"""list-scenarios, validate, init and show: finding, checking, starting and reading scenarios."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    ScenarioArg,
    SetsOpt,
    VariantOpt,
    app,
    fail,
    load,
    note,
    reporting_errors,
    state,
)
from atmpcli.commands.loading import scenario_options
from atmpcli.commands.output_options import emit, output_options
from atmpcli.commands.usage import printable
from atmpcli.errors import AtmpError, Problem, ScenarioError
from atmpcli.report.output import OutputOptions

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@app.command("list-scenarios", epilog="Example: atmpcli list-scenarios --dir my_scenarios --format csv")
@output_options()
@scenario_options(memory=False)
def list_scenarios(
    directory: Annotated[
        list[Path] | None,
        typer.Option("--dir", metavar="DIR", help="Also list the scenarios in this directory; repeat for several."),
    ] = None,
    *,
    out: OutputOptions,
) -> None:
    """List bundled scenarios, those in $ATMPCLI_SCENARIO_PATH (os.pathsep-separated) and in --dir."""
    from atmpcli.analysis.scenario_list import scenario_list
    from atmpcli.report.scenario_tables import list_table
    from atmpcli.scenario.catalog import find_files
    from atmpcli.scenario.compile import load_scenario

    # scenarios in one --dir may extend scenarios in another
    limits = replace(state["limits"], allow_paths=(*state["limits"].allow_paths, *(directory or [])))
    rows = []
    with reporting_errors():
        for entry in find_files(directory):
            try:
                sc = load_scenario(entry.path, limits=limits)
            except AtmpError as exc:
                note(f"warning: skipped invalid scenario: {printable(str(exc).splitlines()[0])}")
                continue
            rows.append(
                {
                    "name": sc.name,
                    "title": sc.spec.title,
                    "strategies": ";".join(s.name for s in sc.strategies),
                    "illustrative": sc.spec.illustrative,
                    "currency": sc.spec.currency,
                    "sources": " | ".join(sc.spec.sources),
                    "origin": entry.origin,
                    "path": str(entry.path),
                }
            )
    emit(scenario_list(rows), out, table=list_table)


@app.command(epilog="Example: atmpcli validate scenarios/*.yaml")
@scenario_options()
def validate(
    files: Annotated[list[str], typer.Argument(metavar="FILE", help="Scenario files (or names) to check.")],
) -> None:
    """Check scenario files: schema, names, formulas, and the model's numbers for every strategy."""
    from atmpcli.model.evaluate import evaluate

    failed = 0
    for name in files:
        try:
            sc = load(name)
            evaluate(sc)
        except AtmpError as exc:
            if state["debug"]:
                raise
            failed += 1
            for line in str(exc).splitlines():
                typer.echo(f"error: {printable(line)}", err=True)
            continue
        typer.echo(f"ok: {name} ({len(sc.strategies)} strategies)")
    if failed:
        typer.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
        raise typer.Exit(1)


class Template(StrEnum):
    markov = "markov"
    tree = "tree"
    test_and_treat = "test-and-treat"
    cell_therapy = "cell-therapy"
    psm = "psm"


@app.command(epilog="Example: atmpcli init my_model --template test-and-treat && atmpcli compare my_model.yaml")
def init(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Scenario name; writes NAME.yaml.")],
    template: Annotated[
        Template,
        typer.Option("--template", "-t", metavar="KIND", help="markov, tree, test-and-treat, cell-therapy or psm."),
    ] = Template.markov,
    directory: Annotated[Path, typer.Option("--dir", metavar="DIR", help="Where to write it.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter scenario that validates; edit it, then run compare."""
    from atmpcli.report.files import write_atomically

    stem = name.removesuffix(".yaml")
    if not stem.replace("_", "").replace("-", "").isalnum():
        raise typer.BadParameter("use letters, digits, - and _ only", param_hint="NAME")
    target = directory / f"{stem}.yaml"
    try:
        if target.exists() and not force:
            raise ScenarioError([Problem("exists already; use --force to overwrite", file=str(target))])
        text = (TEMPLATES / f"{template.value}.yaml").read_text(encoding="utf-8")
        text = f"name: {stem}\n" + text
        try:
            write_atomically(target, lambda fh: fh.write(text))
        except OSError as exc:
            raise ScenarioError([Problem(f"cannot write: {exc.strerror}", file=str(target))]) from None
    except AtmpError as exc:
        raise fail(exc) from None
    note(f"wrote {target} ({template.value} template); next: atmpcli compare {target}")


@app.command(epilog="Example: atmpcli show sick_sicker --format csv")
@output_options()
@scenario_options()
def show(
    scenario: ScenarioArg,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """List the parameters: base-case value, formula, distribution, one-way range, source and overrides."""
    from atmpcli.analysis.inputs import scenario_inputs
    from atmpcli.report.scenario_tables import parameters_table

    with reporting_errors():
        result = scenario_inputs(load(scenario, variant, sets, reference_case))
    emit(result, out, table=parameters_table)

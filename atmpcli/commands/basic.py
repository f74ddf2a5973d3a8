"""compare, list-scenarios, validate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from atmpcli.commands.common import Format, Per, SetOption, VariantOption, app, fail, load, state, stdout_console
from atmpcli.errors import AtmpError


def _positive(values: list[float] | None) -> list[float] | None:
    if values is not None and any(v <= 0 for v in values):
        raise typer.BadParameter("willingness to pay must be positive")
    return values


@app.command(epilog="Example: atmpcli compare hiv_chancellor --format csv > results.csv")
def compare(
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="Scenario file, or the name of a bundled/user scenario.")
    ],
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
    wtp: Annotated[
        list[float] | None,
        typer.Option(
            "--wtp",
            metavar="AMOUNT",
            callback=_positive,
            help="Willingness to pay per QALY (or life-year); repeat for several. Default: the scenario's.",
        ),
    ] = None,
    per: Annotated[
        Per, typer.Option("--per", metavar="UNIT", help="person (default) or cohort: totals for the cohort.")
    ] = Per.person,
    variant: Annotated[str | None, VariantOption] = None,
    sets: Annotated[list[str] | None, SetOption] = None,
) -> None:
    """Compare the strategies of a scenario: costs, QALYs, life-years, ICERs with dominance, NMB."""
    try:
        from atmpcli.analysis.compare import compare as run_compare

        result = run_compare(load(scenario, variant, sets), wtp=wtp, per=per.value)
    except AtmpError as exc:
        raise fail(exc) from None
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(result.columns, result.rows, sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.documents import comparison_document
        from atmpcli.report.formats import write_json

        write_json(comparison_document(result), sys.stdout)
    else:
        from atmpcli.report.tables import comparison_tables

        stdout_console().print(comparison_tables(result))


@app.command("list-scenarios", epilog="Example: atmpcli list-scenarios --dir my_scenarios --format csv")
def list_scenarios(
    directory: Annotated[
        list[Path] | None,
        typer.Option("--dir", metavar="DIR", help="Also list the scenarios in this directory; repeat for several."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
) -> None:
    """List bundled scenarios, those in $ATMPCLI_SCENARIO_PATH (os.pathsep-separated) and in --dir."""
    try:
        from atmpcli.scenario.catalog import find_files
        from atmpcli.scenario.compile import load_scenario

        rows = []
        for entry in find_files(directory):
            try:
                sc = load_scenario(entry.path)
            except AtmpError as exc:
                typer.echo(f"warning: skipped invalid scenario: {str(exc).splitlines()[0]}", err=True)
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
    except AtmpError as exc:
        raise fail(exc) from None
    columns = ["name", "title", "strategies", "illustrative", "currency", "sources", "origin", "path"]
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(columns, rows, sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.formats import write_json

        write_json(
            {
                "scenarios": [
                    {
                        **r,
                        "strategies": r["strategies"].split(";"),
                        "sources": r["sources"].split(" | ") if r["sources"] else [],
                    }
                    for r in rows
                ]
            },
            sys.stdout,
        )
    else:
        from atmpcli.report.tables import list_table

        stdout_console().print(list_table(rows))


@app.command(epilog="Example: atmpcli validate scenarios/*.yaml")
def validate(
    files: Annotated[list[str], typer.Argument(metavar="FILE", help="Scenario files (or names) to check.")],
) -> None:
    """Check scenario files: schema, names, formulas, and the model's numbers for every strategy."""
    from atmpcli.model.evaluate import evaluate
    from atmpcli.scenario.catalog import resolve
    from atmpcli.scenario.compile import load_scenario

    failed = 0
    for name in files:
        try:
            sc = load_scenario(resolve(name))
            evaluate(sc)
        except AtmpError as exc:
            if state["debug"]:
                raise
            failed += 1
            for line in str(exc).splitlines():
                typer.echo(f"error: {line}", err=True)
            continue
        typer.echo(f"ok: {name} ({len(sc.strategies)} strategies)")
    if failed:
        typer.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
        raise typer.Exit(1)


@app.command(
    epilog="Examples:\n\n  atmpcli variants cart_pediatric_all\n\n"
    "  atmpcli variants hiv_chancellor --set rr_combination=0.6 --format csv"
)
def variants(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="Scenario file or name.")],
    only: Annotated[
        list[str] | None,
        typer.Option("--variant", metavar="NAME", help="Run only these variants (repeat); default: all."),
    ] = None,
    sets: Annotated[list[str] | None, SetOption] = None,
    wtp: Annotated[
        list[float] | None,
        typer.Option("--wtp", metavar="AMOUNT", callback=_positive, help="Willingness to pay; repeat for several."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")] = Format.table,
) -> None:
    """Scenario analysis: the base case and the scenario's named variants side by side (with --set applied to all)."""
    from atmpcli.analysis.variants import scenario_analysis

    try:
        base = load(scenario, None, sets)
        names = list(only) if only else list(base.spec.variants)
        descriptions = {n: (v.description or "") for n, v in base.spec.variants.items()}
        columns, rows, thresholds = scenario_analysis(
            lambda v: base if v is None else load(scenario, v, sets), names, wtp, descriptions
        )
    except AtmpError as exc:
        raise fail(exc) from None
    if fmt is Format.csv:
        from atmpcli.report.formats import write_csv

        write_csv(columns, rows, sys.stdout)
    elif fmt is Format.json:
        from atmpcli.report.formats import write_json

        write_json({"scenario": base.name, "wtp": thresholds, "rows": rows}, sys.stdout)
    else:
        from atmpcli.report.tables import variants_table

        stdout_console().print(
            variants_table(rows, thresholds, base.spec.currency, base.spec.title, base.settings.effect)
        )

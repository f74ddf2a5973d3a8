"""compare, list-scenarios, validate, variants."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atmpcli.commands.common import (
    BomOpt,
    DecimalOpt,
    Format,
    FormatOpt,
    OutputOpt,
    Per,
    PlotOpt,
    ReferenceCaseOpt,
    ScenarioArg,
    SepOpt,
    SetsOpt,
    VariantOpt,
    WtpOpt,
    app,
    emit,
    fail,
    load,
    note,
    plot,
    plots,
    state,
)
from atmpcli.errors import AtmpError


@app.command(epilog="Example: atmpcli compare hiv_chancellor --format csv > results.csv")
def compare(
    scenario: ScenarioArg,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    wtp: WtpOpt = None,
    per: Annotated[
        Per, typer.Option("--per", metavar="UNIT", help="person (default) or cohort: totals for the cohort.")
    ] = Per.person,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    plot_file: PlotOpt = None,
) -> None:
    """Compare the strategies of a scenario: costs, QALYs, life-years, ICERs with dominance, NMB."""
    from atmpcli.analysis.compare import compare as run_compare

    try:
        result = run_compare(load(scenario, variant, sets, reference_case), wtp=wtp, per=per.value)
    except AtmpError as exc:
        raise fail(exc) from None
    for w in result.warnings:
        note(f"warning: {w}")

    def document() -> dict:
        from atmpcli.report.documents import comparison_document

        return comparison_document(result)

    def tables() -> object:
        from atmpcli.report.tables import comparison_tables

        return comparison_tables(result)

    def workbook(path: Path) -> None:
        from atmpcli.report.workbook import comparison_workbook

        comparison_workbook(result, path)

    plot(plot_file, lambda path: plots().comparison_figure(result, path))

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        csv=(result.columns, result.rows),
        json=document,
        table=tables,
        workbook=workbook,
    )


LIST_COLUMNS = ["name", "title", "strategies", "illustrative", "currency", "sources", "origin", "path"]


@app.command("list-scenarios", epilog="Example: atmpcli list-scenarios --dir my_scenarios --format csv")
def list_scenarios(
    directory: Annotated[
        list[Path] | None,
        typer.Option("--dir", metavar="DIR", help="Also list the scenarios in this directory; repeat for several."),
    ] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
) -> None:
    """List bundled scenarios, those in $ATMPCLI_SCENARIO_PATH (os.pathsep-separated) and in --dir."""
    from atmpcli.scenario.catalog import find_files
    from atmpcli.scenario.compile import load_scenario

    rows = []
    try:
        for entry in find_files(directory):
            try:
                sc = load_scenario(entry.path)
            except AtmpError as exc:
                note(f"warning: skipped invalid scenario: {str(exc).splitlines()[0]}")
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

    def document() -> dict:
        split = [
            {
                **r,
                "strategies": r["strategies"].split(";"),
                "sources": r["sources"].split(" | ") if r["sources"] else [],
            }
            for r in rows
        ]
        return {"scenarios": split}

    def table() -> object:
        from atmpcli.report.tables import list_table

        return list_table(rows)

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        sheet="Scenarios",
        csv=(LIST_COLUMNS, rows),
        json=document,
        table=table,
    )


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
    scenario: ScenarioArg,
    only: Annotated[
        list[str] | None,
        typer.Option("--variant", metavar="NAME", help="Run only these variants (repeat); default: all."),
    ] = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    wtp: WtpOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
) -> None:
    """Scenario analysis: the base case and the scenario's named variants side by side (with --set applied to all)."""
    from atmpcli.analysis.variants import scenario_analysis

    try:
        base = load(scenario, None, sets, reference_case)
        names = list(only) if only else list(base.spec.variants)
        descriptions = {n: (v.description or "") for n, v in base.spec.variants.items()}
        columns, rows, wtps = scenario_analysis(
            lambda v: base if v is None else load(scenario, v, sets, reference_case), names, wtp, descriptions
        )
    except AtmpError as exc:
        raise fail(exc) from None

    def table() -> object:
        from atmpcli.report.tables import variants_table

        return variants_table(rows, wtps, base.spec.currency, base.spec.title, base.settings.effect)

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        scenario=base,
        sheet="Variants",
        csv=(columns, rows),
        json=lambda: {"scenario": base.name, "wtp": wtps, "rows": rows},
        table=table,
    )


@app.command("budget-impact", epilog="Example: atmpcli budget-impact cart_belgium_budget --years 5 --format csv")
def budget_impact(
    scenario: ScenarioArg,
    years: Annotated[
        int | None, typer.Option("--years", min=1, max=50, help="Years (default: the scenario's).")
    ] = None,
    discount: Annotated[
        float | None,
        typer.Option("--discount", min=0.0, max=1.0, help="Discount rate (default: the scenario's, usually 0)."),
    ] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    plot_file: PlotOpt = None,
) -> None:
    """Budget impact: the payer's yearly spending with and without the new strategies, and the difference."""
    from atmpcli.analysis.budget import budget_impact as run
    from atmpcli.errors import Problem, ScenarioError
    from atmpcli.model.evaluate import evaluate

    try:
        sc = load(scenario, variant, sets, reference_case)
        if sc.spec.budget_impact is None:
            raise ScenarioError([sc.doc.problem((), "the scenario has no budget_impact section")])
        try:
            result = run(sc.spec.budget_impact, evaluate(sc), sc.settings.cycle_length, years, discount)
        except ValueError as exc:
            raise ScenarioError([Problem(str(exc), "budget_impact", str(sc.path))]) from None
    except AtmpError as exc:
        raise fail(exc) from None

    def table() -> object:
        from atmpcli.report.tables import budget_table

        return budget_table(result, sc.spec.currency, sc.spec.title)

    plot(
        plot_file,
        lambda path: plots().budget_figure(result, sc.spec.currency, path),
    )
    rows = result.rows()
    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        scenario=sc,
        sheet="Budget impact",
        csv=(list(rows[0]), rows),
        json=lambda: {"scenario": sc.name, "currency": sc.spec.currency, "discount": result.discount, "rows": rows},
        table=table,
    )


ICER_COLUMNS = ["strategy", "cost", "effect", "status", "reference", "inc_cost", "inc_effect", "icer"]


@app.command(epilog="Examples:\n\n  atmpcli icers results.csv\n\n  other_tool --csv | atmpcli icers - --format json")
def icers(
    file: Annotated[str, typer.Argument(metavar="FILE", help="CSV with columns strategy, cost, effect; - for stdin.")],
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
) -> None:
    """Incremental analysis (dominance, extended dominance, ICERs) of any table of strategies."""
    import sys

    from atmpcli.analysis.icer import incremental_analysis
    from atmpcli.scenario.external import read_strategy_table

    try:
        if file == "-":
            names, costs, effects = read_strategy_table(None, sys.stdin.read())
        else:
            names, costs, effects = read_strategy_table(Path(file))
    except AtmpError as exc:
        raise fail(exc) from None
    inc = incremental_analysis(names, costs, effects)
    order = sorted(range(len(names)), key=lambda i: (costs[i], -effects[i]))
    rows = [
        {
            "strategy": names[i],
            "cost": costs[i],
            "effect": effects[i],
            "status": inc.status[i],
            "reference": inc.reference[i],
            "inc_cost": float(inc.inc_cost[i]),
            "inc_effect": float(inc.inc_effect[i]),
            "icer": float(inc.icer[i]),
        }
        for i in order
    ]

    def table() -> object:
        from atmpcli.report.tables import icer_table

        return icer_table(rows)

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        sheet="ICERs",
        csv=(ICER_COLUMNS, rows),
        json=lambda: {"frontier": inc.frontier, "rows": rows},
        table=table,
    )

"""init and show: starting a scenario, and seeing what is in one."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from atmpcli.commands.common import (
    BomOpt,
    DecimalOpt,
    Format,
    FormatOpt,
    OutputOpt,
    ScenarioArg,
    SepOpt,
    SetsOpt,
    VariantOpt,
    app,
    emit,
    fail,
    load,
    note,
)
from atmpcli.errors import AtmpError, Problem, ScenarioError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
def show(
    scenario: ScenarioArg,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    sep: SepOpt = ",",
    decimal: DecimalOpt = ".",
    bom: BomOpt = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
) -> None:
    """List the parameters: base-case value, formula, distribution, one-way range, source and overrides."""
    from atmpcli.analysis.inputs import PARAMETER_COLUMNS, parameter_rows

    try:
        sc = load(scenario, variant, sets)
        rows = parameter_rows(sc)
    except AtmpError as exc:
        raise fail(exc) from None

    def table() -> object:
        from rich.table import Table

        t = Table(
            title=f"{sc.spec.title}\n[dim]Parameters (base case; time-varying ones have no single value)[/dim]",
            title_justify="left",
        )
        for col in ("Parameter", "Value", "Formula", "Distribution", "Source", "Set by"):
            t.add_column(col, overflow="fold", no_wrap=col == "Parameter")
        for r in rows:
            value = "" if r["value"] is None else f"{r['value']:.6g}"
            t.add_row(r["parameter"], value, r["formula"], r["distribution"], r["source"], r["set_by_strategy"])
        return t

    emit(
        fmt,
        style=(sep, decimal, bom),
        output=output,
        scenario=sc,
        sheet="Show",
        csv=(PARAMETER_COLUMNS, rows),
        json=lambda: {"scenario": sc.name, "parameters": rows},
        table=table,
    )


@app.command(
    epilog="Examples:\n\n  atmpcli report sick_sicker -o report.html --psa-samples 1000\n\n"
    "  atmpcli report cart_pediatric_all -o cart.md"
)
def report(
    scenario: ScenarioArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="report.md or report.html")],
    psa_samples: Annotated[
        int,
        typer.Option(
            "--psa-samples", min=0, help="Also run a PSA with this many samples (0: none; needs distributions)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the PSA.")] = 1,
    figures: Annotated[bool, typer.Option("--figures/--no-figures", help="Draw figures next to the report.")] = True,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
) -> None:
    """A CHEERS 2022-style report: question, strategies, inputs with sources, settings, results, uncertainty."""
    from atmpcli.analysis.compare import compare
    from atmpcli.analysis.inputs import parameter_rows
    from atmpcli.report.document import build_markdown, write_report

    if output.suffix.lower() not in (".md", ".html"):
        raise typer.BadParameter("the report is written as .md or .html", param_hint="--output")
    try:
        sc = load(scenario, variant, sets)
        cmp = compare(sc)
        psa_summary = None
        if psa_samples:
            from atmpcli.analysis.psa import run_psa
            from atmpcli.analysis.psa_summary import summarise_psa

            wtps = cmp.wtp or [0.0]
            psa_summary = summarise_psa(run_psa(sc, psa_samples, seed), wtps, population=sc.settings.population)
        one_way = None
        if sc.ranges or sc.uncertain:
            from atmpcli.analysis import dsa as D

            others = [s.name for s in sc.strategies if s.name != sc.comparator]
            if others and cmp.wtp:
                one_way = D.one_way(
                    sc, D.ranges(sc), outcome="inc_nmb", strategy=others[0], comparator=sc.comparator, wtp=cmp.wtp[0]
                )
        drawn: dict[str, str] = {}
        if figures:
            from atmpcli.report import plots

            folder = output.with_name(output.stem + "_files")
            folder.mkdir(parents=True, exist_ok=True)
            plots.comparison_figure(cmp, folder / "ce_plane.png")
            drawn["ce_plane"] = f"{folder.name}/ce_plane.png"
            if psa_summary is not None:
                plots.psa_figure(psa_summary, sc.spec.currency, sc.settings.effect, folder / "psa.png")
                drawn["psa"] = f"{folder.name}/psa.png"
        text = build_markdown(cmp, psa=psa_summary, one_way=one_way, figures=drawn, parameter_rows=parameter_rows(sc))
        write_report(output, text, sc.spec.title)
    except AtmpError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(AtmpError(f"{output}: cannot write: {exc.strerror}")) from None
    note(f"wrote {output}" + (f" and figures in {output.stem}_files/" if drawn else ""))

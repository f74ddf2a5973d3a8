"""report: a CHEERS 2022-style report of a scenario, with figures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from atmpcli.commands.common import ReferenceCaseOpt, ScenarioArg, SetsOpt, VariantOpt, app, fail, load, note
from atmpcli.commands.loading import check_request, memory, scenario_options
from atmpcli.errors import AtmpError

if TYPE_CHECKING:
    from atmpcli.model.decision_model import DecisionModel
    from atmpcli.report.cheers_report import ReportContents


@app.command(
    epilog="Examples:\n\n  atmpcli report sick_sicker -o report.html --psa-samples 1000\n\n"
    "  atmpcli report cart_pediatric_all -o cart.md"
)
@scenario_options()
def report(
    scenario: ScenarioArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="report.md or report.html")],
    psa_samples: Annotated[
        int,
        typer.Option(
            "--psa-samples", min=0, help="Also run a PSA with this many samples (0: none; needs distributions)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the PSA.")] = 1,
    figures: Annotated[bool, typer.Option("--figures/--no-figures", help="Draw figures next to the report.")] = True,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
) -> None:
    """A CHEERS 2022-style report: question, strategies, inputs with sources, settings, results, uncertainty."""
    from atmpcli.analysis.memory_estimate import psa_chunk
    from atmpcli.report.cheers_report import write_report

    if output.suffix.lower() not in (".md", ".html"):
        raise typer.BadParameter("the report is written as .md or .html", param_hint="--output")
    try:
        sc = load(scenario, variant, sets, reference_case)
        if psa_samples:  # sized before any work
            what = f"the report's PSA ({psa_samples:,} samples)"
            check_request(sc, what, samples=psa_samples, batch=min(psa_samples, psa_chunk(sc, memory())))
        contents = report_contents(sc, psa_samples, seed)
        if figures:
            draw_report_figures(contents, output)
        write_report(output, contents)
    except AtmpError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(AtmpError(f"{output}: cannot write: {exc.strerror}")) from None
    note(f"wrote {output}" + (f" and figures in {output.stem}_files/" if contents.figures else ""))


def report_contents(sc: DecisionModel, psa_samples: int, seed: int) -> ReportContents:
    """The results a report shows: the comparison, the inputs, a PSA when asked for, a one-way analysis
    of the first strategy that is not the comparator when the scenario has ranges or distributions."""
    from atmpcli.analysis import dsa as D
    from atmpcli.analysis.compare import compare
    from atmpcli.analysis.inputs import scenario_inputs
    from atmpcli.report.cheers_report import ReportContents

    cmp = compare(sc)
    contents = ReportContents(comparison=cmp, inputs=cmp.inputs or scenario_inputs(sc))
    if psa_samples:
        from atmpcli.analysis.psa import run_psa
        from atmpcli.analysis.psa_summary import summarise_psa

        contents.psa = summarise_psa(
            run_psa(sc, psa_samples, seed), cmp.wtp or [0.0], population=sc.settings.population, model=sc
        )
    others = [s.name for s in sc.strategies if s.name != sc.comparator]
    if (sc.ranges or sc.uncertain) and others and cmp.wtp:
        contents.one_way = D.one_way(
            sc, D.ranges(sc), outcome="inc_nmb", strategy=others[0], comparator=sc.comparator, wtp=cmp.wtp[0]
        )
    return contents


def draw_report_figures(contents: ReportContents, output: Path) -> None:
    """The CE plane (and the PSA figure) in a folder next to the report, named in ``contents.figures``."""
    from atmpcli.report.figures import comparison_figure, psa_figure

    folder = output.with_name(output.stem + "_files")
    folder.mkdir(parents=True, exist_ok=True)
    comparison_figure(contents.comparison, folder / "ce_plane.png")
    contents.figures["ce_plane"] = f"{folder.name}/ce_plane.png"
    if contents.psa is not None:
        psa_figure(contents.psa, folder / "psa.png")
        contents.figures["psa"] = f"{folder.name}/psa.png"

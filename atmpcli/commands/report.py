"""report: a CHEERS 2022 report of a scenario, with its figures (Markdown, one HTML file, or PDF)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from atmpcli.commands.common import (
    ReferenceCaseOpt,
    ScenarioArg,
    SetsOpt,
    VariantOpt,
    WorkersOpt,
    WtpGridOpt,
    app,
    fail,
    load,
    note,
    parse_grid,
    parse_workers,
    start_workers,
    worker_pool,
)
from atmpcli.commands.loading import check_request, memory, scenario_options
from atmpcli.errors import AtmpError

if TYPE_CHECKING:
    from atmpcli.analysis.compare import Comparison
    from atmpcli.analysis.workers import LocalWorkers
    from atmpcli.model.decision_model import DecisionModel
    from atmpcli.report.cheers_report import ReportContents

FORMATS = (".md", ".html", ".pdf")
GRID_POINTS = 100  # thresholds on the automatic CEAC grid


@app.command(
    epilog="Examples:\n\n  atmpcli report cart_pediatric_all -o cart.html --psa-samples 1000\n\n"
    "  atmpcli report sick_sicker -o sick_sicker.pdf --psa-samples 1000 --wtp-grid 0:200000:2000\n\n"
    "  atmpcli report hiv_chancellor -o hiv.md"
)
@scenario_options()
def report(
    scenario: ScenarioArg,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE", help="report.html (one file, figures inside), .pdf or .md"),
    ],
    psa_samples: Annotated[
        int,
        typer.Option(
            "--psa-samples", min=0, help="Also run a PSA with this many samples (0: none; needs distributions)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the PSA.")] = 1,
    wtp_grid: WtpGridOpt = None,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Draw the figures (in the HTML/PDF, or next to a .md).")
    ] = True,
    verify: Annotated[
        bool, typer.Option("--verify", help="Also run the black-box verification tests (atmpcli verify).")
    ] = False,
    variant: VariantOpt = None,
    sets: SetsOpt = None,
    reference_case: ReferenceCaseOpt = None,
    workers: WorkersOpt = "1",
) -> None:
    """A CHEERS 2022 report: question, strategies, inputs with sources, settings, results, uncertainty.

    It holds every analysis the scenario supports: the base case with the CE plane, trace and payments;
    the budget impact; a PSA (with --psa-samples) with CEAC, CEAF and EVPI on a grid of thresholds
    (--wtp-grid, default 0 to about twice the largest of the scenario's thresholds and ICERs); the one-way
    analysis with its tornado; the named variants side by side; with --verify the black-box verification
    tests (item 17). A PDF is printed by headless Chromium.
    """
    import tempfile

    from atmpcli.analysis.memory_estimate import psa_chunk
    from atmpcli.report.cheers_report import write_report

    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise typer.BadParameter("the report is written as .html, .pdf or .md", param_hint="--output")
    grid = parse_grid(wtp_grid)
    processes = parse_workers(workers)
    try:
        with worker_pool(processes if psa_samples else 1) as pool:  # the workers share the PSA's chunks
            sc = load(scenario, variant, sets, reference_case)
            if psa_samples:  # sized before any work
                what = f"the report's PSA ({psa_samples:,} samples)"
                batch = min(psa_samples, psa_chunk(sc, memory())) * processes
                check_request(sc, what, samples=psa_samples, batch=batch)
            start_workers(pool, sc)
            variants = None if variant else (lambda v: load(scenario, v, sets, reference_case))
            contents = report_contents(sc, psa_samples, seed, grid, variants, workers=pool, verify=verify)
        if suffix == ".md":
            folder = output.with_name(output.stem + "_files")
            if figures:
                draw_report_figures(contents, folder)
            write_report(output, contents)
        else:
            with tempfile.TemporaryDirectory(prefix="atmpcli-report-") as tmp:
                if figures:
                    draw_report_figures(contents, Path(tmp) / "figures")
                write_report(output, contents, images=Path(tmp))
    except AtmpError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(AtmpError(f"{output}: cannot write: {exc.strerror}")) from None
    where = f" and figures in {output.stem}_files/" if contents.figures and suffix == ".md" else ""
    note(f"wrote {output}{where}")


def report_contents(
    sc: DecisionModel,
    psa_samples: int,
    seed: int,
    grid: list[float] | None = None,
    load_variant: Callable[[str | None], DecisionModel] | None = None,
    workers: int | LocalWorkers = 1,
    *,
    verify: bool = False,
) -> ReportContents:
    """The results a report shows: the comparison and inputs; a PSA when asked for; a one-way analysis of
    the first strategy that is not the comparator when the scenario has ranges or distributions; the
    named variants side by side when ``load_variant`` (a variant's name -> the scenario with it applied) is
    given; the budget impact when the scenario has one; the verification tests with ``verify``. ``workers``:
    processes for the PSA (psa --workers)."""
    from atmpcli.analysis import dsa as D
    from atmpcli.analysis.compare import compare
    from atmpcli.analysis.inputs import scenario_inputs
    from atmpcli.report.cheers_report import ReportContents

    cmp = compare(sc)
    contents = ReportContents(comparison=cmp, inputs=cmp.inputs or scenario_inputs(sc))
    if psa_samples:
        from atmpcli.analysis.psa import run_psa
        from atmpcli.analysis.psa_summary import summarise_psa

        thresholds = sorted(set(grid or default_grid(cmp)) | set(cmp.wtp))
        contents.psa = summarise_psa(
            run_psa(sc, psa_samples, seed, workers=workers), thresholds, population=sc.settings.population, model=sc
        )
    if (sc.ranges or sc.uncertain) and len(cmp.rows) > 1 and cmp.wtp:
        contents.one_way = D.one_way(
            sc,
            D.ranges(sc),
            outcome="inc_nmb",
            strategy=one_way_strategy(cmp),
            comparator=sc.comparator,
            wtp=None,  # the scenario's first threshold (cmp.wtp[0]), varied when it is a parameter
        )
    if load_variant is not None and sc.describe().variants:
        from atmpcli.analysis.variants import scenario_analysis

        contents.variants = scenario_analysis(lambda v: sc if v is None else load_variant(v))
    if sc.spec.budget_impact is not None:
        from atmpcli.api import budget_impact_of

        contents.budget = budget_impact_of(sc)
    if verify:
        from atmpcli.analysis.verification import verify as run_verify

        contents.verification = run_verify(sc)
    return contents


def one_way_strategy(cmp: Comparison) -> str:
    """The strategy the one-way analysis compares with the comparator: the one with the highest net benefit
    at the first threshold, else the first on the frontier, else the first that is not the comparator."""
    best = cmp.best_at(cmp.wtp[0])
    if best != cmp.comparator:
        return best
    others = [r for r in cmp.rows if r["strategy"] != cmp.comparator]
    return next((r["strategy"] for r in others if r["status"] == "ND"), others[0]["strategy"])


def default_grid(cmp: Comparison) -> list[float]:
    """0 to a round number above twice the largest of the scenario's thresholds and finite frontier ICERs,
    in GRID_POINTS steps: wide enough that the acceptability curves cross inside the figure."""
    icers = [r["icer"] for r in cmp.rows if r["status"] == "ND" and r["icer"] is not None and math.isfinite(r["icer"])]
    top = 2 * max([*cmp.wtp, *(x for x in icers if x > 0)], default=50_000.0)
    magnitude = 10 ** math.floor(math.log10(top))
    stop = next(m * magnitude for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * magnitude >= top)
    step = stop / GRID_POINTS
    return [i * step for i in range(GRID_POINTS + 1)]


def draw_report_figures(contents: ReportContents, folder: Path) -> None:
    """Every figure of the analyses run, in ``folder``; their paths (relative to its parent) in
    ``contents.figures``. Line figures are SVG (sharp in print), the PSA's scatter of samples PNG."""
    from atmpcli.report import figures as F

    folder.mkdir(parents=True, exist_ok=True)
    drawn = [("ce_plane", "svg", F.comparison_figure, contents.comparison)]
    if contents.psa is not None:
        drawn.append(("psa", "png", F.psa_figure, contents.psa))
    if contents.one_way is not None and contents.one_way.ranges:
        drawn.append(("tornado", "svg", F.tornado_figure, contents.one_way))
    if contents.budget is not None:
        drawn.append(("budget", "svg", F.budget_figure, contents.budget))
    for key, ext, draw, result in drawn:
        draw(result, folder / f"{key}.{ext}")
        contents.figures[key] = f"{folder.name}/{key}.{ext}"

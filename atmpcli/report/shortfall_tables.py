"""Rich tables for the shortfall command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.shortfall import Shortfall


def shortfall_tables(result: Shortfall) -> Table:
    """The summary, or with ``shortfall --by-age`` (the ``by_age`` table selected) the year-by-year QALYs."""
    return by_age_table(result) if result.main == "by_age" else shortfall_table(result)


def shortfall_table(result: Any) -> Table:
    disc = f"discounted at {result.discount * 100:g} %" if result.discount else "undiscounted"
    title = (
        f"General population like the patients\n[dim]age {result.start_age}, {result.female:.0%} women, {disc}[/dim]"
    )
    caption = f"Norms: {result.norms.name}. {result.norms.title}"
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left", show_header=False)
    table.add_column("", no_wrap=True)
    table.add_column("", justify="right")
    table.add_row("Life expectancy (years)", f"{result.life_expectancy:.2f}")
    table.add_row("QALYs without the condition (QALE)", f"{result.qale:.2f}")
    if result.qalys is not None:
        table.add_row("QALYs with the condition", f"{result.qalys:.2f}")
        table.add_row("Absolute QALY shortfall", f"{result.absolute_shortfall:.2f}")
        table.add_row("Proportional QALY shortfall", f"{result.proportional_shortfall:.2%}")
        table.add_row("NICE severity weight (PMG36)", f"x {result.severity_weight:g}")
    return table


def by_age_table(result: Any) -> Table:
    table = Table(title=f"General population from age {result.start_age}", title_justify="left")
    for name in ("Age", "Alive", "HRQoL", "Life-years", "QALYs", "Cumulative QALYs"):
        table.add_column(name, justify="right")
    for row in result.by_age.itertuples():
        table.add_row(
            str(row.age),
            f"{row.alive:.4f}",
            f"{row.hrqol:.3f}",
            f"{row.life_years:.4f}",
            f"{row.qalys:.4f}",
            f"{row.cumulative_qalys:.2f}",
        )
    return table

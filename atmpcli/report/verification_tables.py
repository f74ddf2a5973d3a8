"""The Rich table of ``atmpcli verify``: the result's ``summary``, one row per test with its expectation,
its worst case over the strategies (a failing one when there is one), what was expected and observed
there, and the result. Every strategy's row is in the CSV/JSON output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from atmpcli.report.number_formats import missing

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.verification import Verification

MARK = {"pass": "[green]pass[/green]", "fail": "[bold red]FAIL[/bold red]", "not applicable": "[dim]n/a[/dim]"}


def _figure(x: Any) -> str:
    return "" if missing(x) else f"{x:.6g}"


def verification_table(r: Verification) -> Group:
    frame = r.frame
    t = Table(caption="worst case over the strategies shown; every row in --format csv", caption_justify="left")
    t.add_column("Test", ratio=3)
    t.add_column("Strategy", ratio=1)
    t.add_column("Expected", justify="right", no_wrap=True)
    t.add_column("Observed", justify="right", no_wrap=True)
    t.add_column("Result", no_wrap=True)
    for row in r.summary.itertuples(index=False):
        applies = row.status != "not applicable"
        note = row.detail if row.status != "pass" else ""
        strategy = row.strategy if row.status == "fail" or row.rows == 1 else f"all {row.rows}"
        t.add_row(
            f"{row.check}\n[dim]{row.expectation}" + (f"\n{note}" if note else "") + "[/dim]",
            strategy,
            f"{row.relation} {_figure(row.expected)}" if applies and not missing(row.expected) else "",
            _figure(row.observed),
            MARK[row.status] + (f" {row.failed}/{row.rows}" if row.status == "fail" else ""),
        )
    n_fail = int((frame["status"] == "fail").sum())
    verdict = f"{n_fail} of {len(frame)} checks failed" if n_fail else f"all {len(frame)} checks passed or do not apply"
    return Group(f"{r.title}\n[dim]verification: TECH-VER black-box tests (docs/methods.md)[/dim]", t, verdict)

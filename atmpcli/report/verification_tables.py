"""The Rich table of ``atmpcli verify``: the result's ``summary``, one row per test with its expectation,
its worst case over the strategies (a failing one when there is one), what was expected and observed
there, and the result. Every strategy's row is in the CSV/JSON output. :func:`verification_markdown` is
the same table for the report (``atmpcli report --verify``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from atmpcli.report.number_formats import missing

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.verification import Verification

MARK = {"pass": "[green]pass[/green]", "fail": "[bold red]FAIL[/bold red]", "not applicable": "[dim]n/a[/dim]"}


def _figure(x: Any) -> str:
    return "" if missing(x) else f"{x + 0.0:.6g}"  # + 0.0: -0 (no change, in the expected direction) reads 0


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


def verification_markdown(r: Verification) -> list[str]:
    """The report's verification block (CHEERS item 17, approaches to validating the model), Markdown lines:
    one row per test as in :func:`verification_table`, with its expectation (and why it failed or does not
    apply), its worst case's strategy and figures and its result, then the verdict."""
    from atmpcli.report.markdown_html import escape, md_table

    rows = []
    for row in r.summary.itertuples(index=False):
        applies = row.status != "not applicable"
        note = f" — _{escape(row.detail)}_" if row.status != "pass" and row.detail else ""
        strategy = escape(row.strategy) if row.status == "fail" or row.rows == 1 else f"all {row.rows}"
        strategy = strategy or "—"  # a test of the whole scenario
        result = {"pass": "pass", "fail": f"**FAIL** ({row.failed} of {row.rows})", "not applicable": "n/a"}
        rows.append(
            [
                escape(row.check.replace("_", " ")),  # words, so that a narrow column breaks between them
                escape(row.expectation) + note,
                strategy if applies else "—",
                f"{escape(row.relation)} {_figure(row.expected)}" if applies and not missing(row.expected) else "—",
                _figure(row.observed) or "—",
                result[row.status],
            ]
        )
    frame = r.frame
    n_fail = int((frame["status"] == "fail").sum())
    verdict = (
        f"**{n_fail} of {len(frame)} checks failed**: see the tests marked FAIL."
        if n_fail
        else f"All {len(frame)} checks (tests × strategies) passed or do not apply."
    )
    head = ["Test", "Expectation", "Strategy", "Expected", "Observed", "Result"]
    return [
        "#### Model verification (TECH-VER black-box tests, `atmpcli verify`)",
        "",
        "The model was changed in the model layer and re-evaluated (Büyükkaramikli et al., "
        "PharmacoEconomics 2019;37:1391-1408); each test's worst case over the strategies is shown (a "
        "failing one when there is one), the tolerance 1e-9 relative unless the test says otherwise "
        '(atmpcli\'s docs/methods.md, "Verification").',
        "",
        md_table(head, rows, align="lllrrl"),  # ends with a blank line
        verdict,
    ]

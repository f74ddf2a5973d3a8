"""Markdown and HTML: tables of a result's main frame (``--output x.md|x.html``) and the small Markdown
subset the report uses, turned into one self-contained HTML page."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from atmpcli.analysis.result import Result
from atmpcli.report.csv_json import cell


def result_markdown(result: Result) -> str:
    """The main table under a heading (the result's sheet name), every number unrounded."""
    frame = result.frame
    rows = [[cell(v) for v in r.values()] for r in result.rows]
    return f"# {result.sheet}\n\n" + md_table([str(c) for c in frame.columns], rows)


def md_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "|".join("---" for _ in columns) + "|\n"
    return head + "".join("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |\n" for r in rows)


def markdown_to_html(text: str, title: str) -> str:
    """The small Markdown subset the report uses: headings, tables, lists, images, quotes and paragraphs."""
    body: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            i -= 1
            head, data = rows[0], [r for r in rows[2:]]
            body.append(
                "<table><thead><tr>"
                + "".join(f"<th>{html.escape(c)}</th>" for c in head)
                + "</tr></thead><tbody>"
                + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in data)
                + "</tbody></table>"
            )
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{html.escape(lines[i][2:])}</li>")
                i += 1
            i -= 1
            body.append("<ul>" + "".join(items) + "</ul>")
        elif line.startswith("!["):
            alt, src = line[2:].split("](", 1)
            body.append(f'<img alt="{html.escape(alt)}" src="{html.escape(src.rstrip(")"))}" style="max-width:100%">')
        elif line.startswith("> "):
            body.append(f"<blockquote>{html.escape(line[2:]).replace('**', '')}</blockquote>")
        elif line.strip():
            body.append(f"<p>{html.escape(line).replace('_', '')}</p>")
        i += 1
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}"
        "td:first-child,th:first-child{text-align:left}blockquote{background:#fff3cd;padding:.5em}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )

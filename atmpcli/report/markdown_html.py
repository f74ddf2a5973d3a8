"""Markdown and HTML: tables of a result's main frame (``--output x.md|x.html``), and Markdown turned into
one self-contained HTML page.

The Markdown is rendered by markdown-it-py (CommonMark with GFM tables; raw HTML in the text is escaped,
not passed through) into a Jinja2 page whose CSS is inline. Images are embedded as ``data:`` URIs, so the
HTML file can be mailed on its own; an image standing alone in a paragraph becomes a ``<figure>`` with its
alt text as the caption.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from atmpcli.analysis.result import Result
from atmpcli.report.csv_json import cell

# A cell that reads as a number (or "—" for none): right-aligned in tables, as are numbers in print.
_NUMBER = re.compile(r"^[−+-]?[\d,]*\.?\d+(e[−+-]?\d+)?\s*(%|M)?$|^—$|^$", re.IGNORECASE)
# Markdown's inline markup characters; "_" only where it could start or end emphasis (not inside names).
_MARKUP = re.compile(r"([\\`*\[\]<>|#~!])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def result_markdown(result: Result) -> str:
    """The main table under a heading (the result's sheet name), every number unrounded."""
    frame = result.frame
    rows = [[escape(str(cell(v))) for v in r.values()] for r in result.rows]
    return f"# {result.sheet}\n\n" + md_table([str(c) for c in frame.columns], rows)


def escape(text: str) -> str:
    """Data (names, sources, formulas) as literal Markdown text: markup characters backslash-escaped."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text).replace("\n", " ")


def code(text: str) -> str:
    """Inline code (a formula, a file name): in backticks, long enough not to clash with the text's own."""
    ticks = "`" * (max((len(t) for t in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A GFM table. ``align`` has one letter per column (``l`` or ``r``); by default a column whose cells all
    read as numbers is right-aligned and the others left-aligned. Cells are Markdown (escape data first)."""
    cells = [[str(c).replace("|", "\\|").replace("\n", " ") for c in r] for r in rows]
    if align is None:
        align = "".join(
            "r" if cells and all(_NUMBER.match(r[j].strip()) for r in cells) else "l" for j in range(len(columns))
        )
    rule = "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|\n"
    head = "| " + " | ".join(columns) + " |\n" + rule
    return head + "".join("| " + " | ".join(r) + " |\n" for r in cells)


def markdown_to_html(text: str, title: str, images: Path | None = None) -> str:
    """One self-contained HTML page of ``text``; image paths are read relative to ``images`` and embedded."""
    from markupsafe import Markup

    md = _markdown(images)
    body = md.render(text)
    return _template().render(title=title, body=Markup(body), css=Markup(_css()))


def _markdown(images: Path | None) -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    default_image = md.renderer.rules["image"]

    def image(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        if images is not None and not src.startswith("data:"):
            token.attrSet("src", data_uri(images / src))
        token.attrSet("loading", "eager")
        out = default_image(tokens, idx, options, env)
        return out + (f"<figcaption>{_escape_html(token.content)}</figcaption>" if env.get("figure") else "")

    def paragraph(tag: str) -> Callable[..., str]:
        def render(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
            if tokens[idx].hidden:  # a tight list's items have no <p>
                return ""
            inline = tokens[idx + 1] if tag == "open" else tokens[idx - 1]
            alone = inline.children is not None and [t.type for t in inline.children] == ["image"]
            env["figure"] = alone and tag == "open"
            if alone:
                return "<figure>" if tag == "open" else "</figure>\n"
            return "<p>" if tag == "open" else "</p>\n"

        return render

    def heading_open(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        token.attrSet("id", slug(tokens[idx + 1].content, env.setdefault("ids", set())))
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("image", image)
    md.add_render_rule("paragraph_open", paragraph("open"))
    md.add_render_rule("paragraph_close", paragraph("close"))
    md.add_render_rule("heading_open", heading_open)
    return md


def slug(text: str, taken: set[str]) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens; unique."""
    base = re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-") or "section"
    name, k = base, 1
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


def data_uri(path: Path) -> str:
    mime = MIME.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _escape_html(text: str) -> str:
    from markupsafe import escape as esc

    return str(esc(text))


@cache
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("atmpcli.report", "templates"), autoescape=select_autoescape())
    return env.get_template("page.html.j2")


@cache
def _css() -> str:
    from importlib.resources import files

    return (files("atmpcli.report") / "templates" / "page.css").read_text(encoding="utf-8")

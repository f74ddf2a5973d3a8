"""Tables that keep every number whole at any terminal width of 60 columns or more.

Rich fits a table that is wider than the terminal by cutting every column evenly and ellipsising what no
longer fits (``270,4…``). Here the widths are planned before Rich sees the table: a number column (one
aligned right) is never narrower than its widest value, and its heading wraps between words instead; a
text column (strategy names, labels, statuses) wraps; and a table that still does not fit is split into
several tables of the same rows, each repeating the first column (the row label), the later ones
titled "(continued)". :func:`fit` applies this to every table of a renderable, as :func:`print_table` does.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

MIN_TEXT = 10  # a text column may wrap down to this many characters (fewer when its content is shorter)
LONG_WORD = 20  # ... or to its longest word up to this many characters, so that words are not cut
_WIDE = 10_000  # measuring at this width gives each cell's width on one line


def fit(renderable: Any) -> Any:
    """``renderable`` with every table in it (also inside groups) fitted to the width it is printed at."""
    if isinstance(renderable, Table):
        return FitTable(renderable)
    if isinstance(renderable, Group):
        return Group(*(fit(r) for r in renderable.renderables), fit=renderable.fit)
    return renderable


class FitTable:
    """A Rich table printed as one or more tables whose numbers are all whole at the console's width."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from split_to_width(self.table, console, options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table)


def _extents(table: Table, column: Column, console: Console, options: ConsoleOptions) -> tuple[int, int]:
    """(need, natural): the narrowest content width that keeps the column's numbers whole, and its width
    with nothing wrapped."""
    wide = options.update(max_width=_WIDE)

    def measure(cell: Any) -> Measurement:
        return Measurement.get(console, wide, console.render_str(cell) if isinstance(cell, str) else cell)

    head = measure(column.header)
    cells = [measure(c) for c in column._cells] or [Measurement(0, 0)]
    widest = max(m.maximum for m in cells)
    natural = max(widest, head.maximum)
    if column.justify == "right":  # a number: whole on one line; its heading may wrap between words
        return max(widest, head.minimum), natural
    longest = max([head.minimum, *(m.minimum for m in cells)])
    return min(natural, max(MIN_TEXT, min(longest, LONG_WORD))), natural


def _plan(table: Table, columns: list[Column], extents: list[tuple[int, int]], width: int) -> list[int] | None:
    """Content widths of ``columns`` that fit in ``width`` (None if they cannot): each column's need, then
    the spare width to the row label (up to a third of the width), then shared out one character at a time
    to the columns still short of their natural width."""
    overhead = sum(table._get_padding_width(c._index) for c in columns)
    if table.box:
        overhead += len(columns) - 1 + (2 if table.show_edge else 0)
    widths = [need for need, _ in extents]
    spare = width - overhead - sum(widths)
    if spare < 0:
        return None
    label = min(extents[0][1], max(widths[0], width // 3)) - widths[0]
    widths[0] += min(spare, label)
    spare -= min(spare, label)
    growing = True
    while spare > 0 and growing:
        growing = False
        for i, (_, natural) in enumerate(extents):
            if spare > 0 and widths[i] < natural:
                widths[i] += 1
                spare -= 1
                growing = True
    return widths


def _sub_table(table: Table, columns: list[Column], widths: list[int], title: Any, caption: Any) -> Table:
    sub = copy.copy(table)
    sub.columns = [
        dataclasses.replace(c, _index=i, width=w, min_width=None, max_width=None, overflow="fold", no_wrap=False)
        for i, (c, w) in enumerate(zip(columns, widths, strict=True))
    ]
    sub.title, sub.caption = title, caption
    return sub


def _continued(title: Any, width: int) -> Text | None:
    """The title of a part after the first: the table's first title line when it fits, else "(continued)"."""
    if title is None:
        return None
    first = (title.plain if isinstance(title, Text) else Text.from_markup(str(title)).plain).split("\n")[0]
    return Text(f"{first} (continued)" if len(first) + 12 <= width else "(continued)")


def split_to_width(table: Table, console: Console, width: int) -> list[Table]:
    """``table`` as one table whose numbers are whole at ``width`` or, when it cannot be, as several tables
    of the same rows, each repeating the first column."""
    columns = list(table.columns)
    if not columns:
        return [table]
    options = console.options.update(max_width=width)
    extents = [_extents(table, c, console, options) for c in columns]
    widths = _plan(table, columns, extents, width)
    if widths is not None:
        return [_sub_table(table, columns, widths, table.title, table.caption)]
    # split: the row label keeps one width in every part, its natural one up to a third of the terminal
    need, natural = extents[0]
    label = min(natural, max(need, width // 3))
    extents[0] = (label, label)
    groups: list[list[int]] = []
    current: list[int] = []
    for i in range(1, len(columns)):
        trial = [0, *current, i]
        if current and _plan(table, [columns[j] for j in trial], [extents[j] for j in trial], width) is None:
            groups.append(current)
            current = []
        current.append(i)
    groups.append(current)
    parts = []
    for k, group in enumerate(groups):
        chosen = [0, *group]
        ext = [extents[j] for j in chosen]
        # a single number column wider than the terminal is left to Rich: nothing narrower can hold it
        plan = _plan(table, [columns[j] for j in chosen], ext, width) or [need for need, _ in ext]
        title = table.title if k == 0 else _continued(table.title, sum(plan) + 3 * len(plan) + 1)
        caption = table.caption if k == len(groups) - 1 else None
        parts.append(_sub_table(table, [columns[j] for j in chosen], plan, title, caption))
    return parts

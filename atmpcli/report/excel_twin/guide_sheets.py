"""The Index (what is where, with links) and Notes (the conventions the formulas follow) sheets."""

from __future__ import annotations

from typing import Any

from atmpcli import __version__
from atmpcli.model.decision_model import DecisionModel
from atmpcli.report.excel_twin.book import Book, quoted

_METHODS = {
    "beginning": "each cycle counts the cohort at its start: weights 1, 1, ..., 1, 0 over t = 0..n",
    "end": "each cycle counts the cohort at its end: weights 0, 1, ..., 1",
    "life-table": "the mean of start and end of each cycle (half-cycle correction): weights 1/2, 1, ..., 1, 1/2",
    "half-cycle": "the mean of start and end of each cycle: weights 1/2, 1, ..., 1, 1/2",
    "trapezoid": "the trapezoidal rule: weights 1/2, 1, ..., 1, 1/2",
    "none": "every time point, the start included: weights 1, 1, ..., 1",
    "simpson": "Simpson's 1/3 rule: weights 1/3, 4/3, 2/3, 4/3, ..., 1/3",
    "simpson-darth": "DARTH's Simpson weights: 1/3, 2/3, 4/3, 2/3, ..., 1/3",
}


def notes_lines(model: DecisionModel) -> list[tuple[str, str]]:
    s = model.settings
    per = "a year (multiplied by the cycle length)" if s.state_values_per == "year" else "a cycle"
    timing = {
        "time": "each time point t is discounted at (1 + r)^-(t x cycle length)",
        "year-start": "each time point t is discounted by the whole years before its model year began, "
        "(1 + r)^-(ceil(t x cycle length) - 1)",
    }.get(
        s.discount_timing,
        f"each cycle's value is discounted at the {s.discount_timing.replace('cycle-', '')} of the cycle",
    )
    return [
        ("Time", "The cohort is observed at time points t = 0 (the start) to t = n; cycle t runs from t-1 to t."),
        ("", "In transition probabilities, cycle = t, time = years at the start of cycle t, age = start age + time."),
        ("", "In state costs and utilities, cycle = t, time = years at t, age = start age + years at t."),
        ("", "In trees, start shares and prices: cycle 0, time 0, age = the start age."),
        ("Counting", f"{s.method}: {_METHODS.get(s.method, s.method)}."),
        ("Discounting", f"Costs at settings.discount_costs, effects at settings.discount_effects; {timing}."),
        ("", "The total of a reward is the sum over t of counting weight x discount factor x reward at t."),
        (
            "State values",
            f"State costs and utilities are amounts per {per}; life-years count the cycle length per cycle alive.",
        ),
        (
            "Transition rewards",
            "The share moving in cycle t, times the one-off amount, counts at time point t with its weights.",
        ),
        ("One-off payoffs", "Decision-tree and start payoffs are at time 0: neither corrected nor discounted."),
        ("Trees", "reach = the product of the probabilities on the path; expected value = sum of reach x payoff."),
        ("", "A leaf that enters a state puts its reach into that state at t = 0."),
        (
            "Tunnel states",
            "A tunnel state of L cycles is L columns [1]..[L+]; staying moves one column on, the last keeps it.",
        ),
        ("Names", "Each input is a named cell. A strategy's own values are names scoped to its sheets, so the same"),
        ("", "formula reads that strategy's value there and the base case elsewhere (Formulas > Name Manager)."),
        ("Incremental", "Dominance (1e-12 relative tolerance), then the frontier by lowest ICER: docs/methods.md."),
        (
            "Not formulas",
            "Probabilistic (PSA) and deterministic (DSA) analyses are not in this workbook: run atmpcli psa / dsa.",
        ),
        ("", "The probability checks of atmpcli (rows summing to 1, values in [0, 1]) are not repeated here;"),
        ("", "the 'sum (check: 1)' column of each cohort sheet shows that the cohort stays whole."),
        ("Fixed", "The number of cycles, the cycle length, tunnel lengths and payment times set the layout: to change"),
        ("", "them, change the scenario and write the workbook again."),
        ("LibreOffice", "LibreOffice does not recalculate files written by other programs on opening: press"),
        ("", "Ctrl+Shift+F9 (Data > Calculate > Recalculate Hard), or set Tools > Options > LibreOffice Calc >"),
        ("", "Formula > Recalculation on file load > Excel 2007 and newer: Always. Excel recalculates on opening."),
        ("Written by", f"atmpcli {__version__}; the Results sheet's check block compares with atmpcli's own numbers."),
    ]


def write_notes(book: Book, ws: Any, model: DecisionModel, values_written: list[str]) -> None:
    ws.write(0, 0, "Notes: the conventions the formulas follow", book.fmt("title"))
    ws.write_url(1, 0, "internal:'Index'!A1", book.fmt("link"), "Index")
    r = 3
    for topic, text in notes_lines(model):
        ws.write(r, 0, topic, book.fmt("bold"))
        ws.write(r, 1, text)
        r += 1
    r += 1
    ws.write(r, 0, "Values, not formulas", book.fmt("heading"))
    if not values_written:
        ws.write(r + 1, 1, "None: every number of the model is a formula of the inputs.")
    for k, line in enumerate(values_written):
        ws.write(r + 1 + k, 1, line)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 110)


def write_index(book: Book, ws: Any, model: DecisionModel, sheets: list[tuple[str, str]], source: str) -> None:
    ws.write(0, 0, model.title or model.name, book.fmt("title"))
    ws.write(
        1,
        0,
        f"A live workbook of scenario {model.name}, written by atmpcli {__version__}: {source}",
        book.fmt("subtitle"),
    )
    ws.write(
        2, 0, "The base case is computed by formulas: change an input on the Inputs sheet and every sheet follows."
    )
    ws.write(5, 0, "sheet", book.fmt("header"))
    ws.write(5, 1, "what it holds", book.fmt("header"))
    for k, (sheet, what) in enumerate(sheets):
        ws.write_url(6 + k, 0, f"internal:{quoted(sheet)}!A1", book.fmt("link"), sheet)
        ws.write(6 + k, 1, what)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 100)

"""The Results sheet (compare's columns, as formulas) and the Incremental sheet that works out dominance,
extended dominance and the ICERs by formulas (``atmpcli/analysis/dominance_and_icers.py``, docs/methods.md).

Strong dominance is a matrix "does j dominate i" with atmpcli's tolerance (costs or effects within 1e-12
of the larger are equal; of two identical strategies the later one is dominated). The frontier is built
step by step: from the cheapest strategy that is not dominated, the next is the one with the lowest ICER
among the more effective strategies not dominated (on a tie, the less effective, so that strategies on a
straight line stay on the frontier). This gives the same frontier as removing extendedly dominated
strategies one by one, as atmpcli does. Strategies neither dominated nor on the frontier are ED.
"""

from __future__ import annotations

from typing import Any

from atmpcli.model.decision_model import DecisionModel
from atmpcli.report.excel_twin.book import DECIMAL, MONEY, Book, cell, column_range, quoted, row_range
from atmpcli.report.excel_twin.strategy_sheet import StrategyCells

EFFECT_COLUMN = {"qalys": "qalys", "life_years": "life_years", "responders": "responder_fraction"}


def result_columns(model: DecisionModel, cells: list[StrategyCells]) -> list[str]:
    cols = ["strategy", "label", "comparator", "cost", *(f"cost_{c}" for c in model.cost_components)]
    cols += ["qalys"] if model.has_utilities else []
    cols += ["life_years", "cost_undiscounted", *(["qalys_undiscounted"] if model.has_utilities else [])]
    cols += ["life_years_undiscounted", *(["responder_fraction"] if model.has_response else [])]
    if any("cost_infused" in c.refs for c in cells):
        cols += ["infused_fraction", "cost_infused", *(["qalys_infused"] if model.has_utilities else [])]
        cols += ["life_years_infused", "payment_pv", "payment_nominal"]
    cols += ["effect", "status", "reference", "inc_cost", "inc_effect", "icer"]
    cols += ["inc_cost_vs_comparator", "inc_effect_vs_comparator", "icer_vs_comparator"]
    return cols


HEADER_ROW, FIRST = 4, 5


def write_results(
    book: Book, ws: Any, inc: Any, model: DecisionModel, cells: list[StrategyCells], thresholds: list[float]
) -> dict[str, int]:
    """Fill Results; return the 0-based column of each result."""
    cols = result_columns(model, cells)
    ws.write(0, 0, f"Results per person: {model.title or model.name}", book.fmt("title"))
    ws.write_url(1, 0, "internal:'Index'!A1", book.fmt("link"), "Index")
    ws.write_url(1, 1, "internal:'Incremental'!A1", book.fmt("link"), "Incremental analysis")
    ws.write(
        2,
        0,
        "Every number below is a formula of the Inputs; per person (x settings.cohort_size for the cohort).",
        book.fmt("note"),
    )
    col = {k: j for j, k in enumerate(cols)}
    n = len(cells)
    for j, k in enumerate(cols):
        ws.write(HEADER_ROW, j, k, book.fmt("header"))
    for k, w in enumerate(thresholds):
        for prefix, offset in (("nmb", 0), ("nhb", len(thresholds))):
            j = len(cols) + k + offset
            ws.write_formula(
                HEADER_ROW, j, f'="{prefix}_"&settings.wtp_{k + 1}', book.fmt("header"), f"{prefix}_{w:.15g}"
            )
            col[f"{prefix}_{k + 1}"] = j
    comparator = next(i for i, s in enumerate(model.strategies) if s.name == model.comparator)
    for i, (s, sc) in enumerate(zip(model.strategies, cells, strict=True)):
        _result_row(book, ws, FIRST + i, i, s, sc, col, model, comparator, inc, len(thresholds))
    for k in range(len(thresholds)):
        r = FIRST + n + 1
        ws.write(r, 0, "highest net monetary benefit", book.fmt("bold"))
        nmb = column_range(col[f"nmb_{k + 1}"], FIRST, FIRST + n - 1)
        names = column_range(0, FIRST, FIRST + n - 1)
        ws.write_formula(r, col[f"nmb_{k + 1}"], f"=INDEX({names},MATCH(MAX({nmb}),{nmb},0))", book.fmt("bold"))
    ws.freeze_panes(FIRST, 1)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 30)
    ws.set_column(2, len(cols) + 2 * len(thresholds), 13)
    ws.set_row(HEADER_ROW, 30)
    return col


def _result_row(
    book: Book,
    ws: Any,
    r: int,
    i: int,
    s: Any,
    sc: StrategyCells,
    col: dict[str, int],
    model: DecisionModel,
    comparator: int,
    inc: Any,
    n_wtp: int,
) -> None:
    ws.write_url(r, 0, f"internal:{quoted(sc.sheet)}!A1", book.fmt("link"), s.name)
    ws.write(r, 1, s.label)
    ws.write_boolean(r, 2, i == comparator)
    for key, j in col.items():
        if key in sc.refs:
            ws.write_formula(
                r, j, f"={sc.refs[key]}", book.fmt("text", MONEY if "cost" in key or "payment" in key else DECIMAL)
            )
    effect = cell(r, col[EFFECT_COLUMN[model.settings.effect]], absolute=False)
    ws.write_formula(r, col["effect"], f"={effect}", book.fmt("text", DECIMAL))
    row_inc = inc.first + i
    for key in ("status", "reference", "inc_cost", "inc_effect", "icer"):
        fmt = MONEY if key in ("inc_cost", "icer") else DECIMAL
        ws.write_formula(r, col[key], f"=Incremental!{cell(row_inc, inc.col[key])}", book.fmt("text", fmt))
    cost, eff = cell(r, col["cost"], absolute=False), effect
    c0, e0 = cell(FIRST + comparator, col["cost"]), cell(FIRST + comparator, col["effect"])
    if i != comparator:
        ws.write_formula(r, col["inc_cost_vs_comparator"], f"={cost}-{c0}", book.fmt("text", MONEY))
        ws.write_formula(r, col["inc_effect_vs_comparator"], f"={eff}-{e0}", book.fmt("text", DECIMAL))
        dc, de = (cell(r, col[k], absolute=False) for k in ("inc_cost_vs_comparator", "inc_effect_vs_comparator"))
        ws.write_formula(r, col["icer_vs_comparator"], f'=IF({de}=0,"",{dc}/{de})', book.fmt("text", MONEY))
    for k in range(n_wtp):
        w = f"settings.wtp_{k + 1}"
        ws.write_formula(r, col[f"nmb_{k + 1}"], f"={w}*{eff}-{cost}", book.fmt("text", MONEY))
        ws.write_formula(r, col[f"nhb_{k + 1}"], f"={eff}-{cost}/{w}", book.fmt("text", DECIMAL))


class Incremental:
    """The Incremental sheet's layout: the strategies table, the dominance matrix and the frontier steps."""

    KEYS = ["#", "strategy", "cost", "effect", "dominated", "cost if not dominated", "on frontier", "position"]
    KEYS += ["status", "reference #", "reference", "inc_cost", "inc_effect", "icer"]

    def __init__(self, n: int) -> None:
        self.n = n
        self.first = 5
        self.col = {k: j for j, k in enumerate(self.KEYS)}
        self.matrix = self.first + n + 3  # header row of "j dominates i"
        self.steps = self.matrix + n + 3  # header row of the frontier steps

    def rng(self, key: str) -> str:
        return column_range(self.col[key], self.first, self.first + self.n - 1)


def write_incremental(book: Book, ws: Any, model: DecisionModel, results_col: dict[str, int], inc: Incremental) -> None:
    n = len(model.strategies)
    ws.write(0, 0, "Incremental analysis by formulas", book.fmt("title"))
    ws.write_url(1, 0, "internal:'Results'!A1", book.fmt("link"), "Results")
    ws.write(
        2,
        0,
        "Dominance with atmpcli's tolerance (1e-12 relative), then the efficiency frontier step by step.",
        book.fmt("note"),
    )
    for j, k in enumerate(Incremental.KEYS):
        ws.write(inc.first - 1, j, k, book.fmt("header"))
    ws.set_row(inc.first - 1, 30)
    for i, s in enumerate(model.strategies):
        r = inc.first + i
        ws.write_number(r, 0, i + 1)
        ws.write(r, 1, s.name)
        ws.write_formula(r, 2, f"=Results!{cell(FIRST + i, results_col['cost'])}", book.fmt("text", MONEY))
        ws.write_formula(r, 3, f"=Results!{cell(FIRST + i, results_col['effect'])}", book.fmt("text", DECIMAL))
    _dominance(book, ws, inc)
    _frontier(book, ws, inc)
    _statuses(book, ws, inc)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2 + max(n, len(Incremental.KEYS)), 13)
    ws.freeze_panes(inc.first, 2)


def _same(a: str, b: str) -> str:
    return f"ABS({a}-{b})<=1E-12*MAX(ABS({a}),ABS({b}))"


def _dominance(book: Book, ws: Any, inc: Incremental) -> None:
    n, top = inc.n, inc.matrix
    ws.write(top - 1, 0, "Does strategy j (column) dominate strategy i (row)?", book.fmt("heading"))
    for j in range(n):
        ws.write_formula(top, 2 + j, f"={cell(inc.first + j, 1)}", book.fmt("header"))
    for i in range(n):
        ci, ei = cell(inc.first + i, 2), cell(inc.first + i, 3)
        ws.write_formula(top + 1 + i, 1, f"={cell(inc.first + i, 1)}", book.fmt("bold"))
        for j in range(n):
            if i == j:
                continue
            cj, ej = cell(inc.first + j, 2), cell(inc.first + j, 3)
            strictly = "TRUE" if j < i else f"NOT(AND({_same(cj, ci)},{_same(ej, ei)}))"
            test = f"AND(OR({cj}<{ci},{_same(cj, ci)}),OR({ej}>{ei},{_same(ej, ei)}),{strictly})"
            ws.write_formula(top + 1 + i, 2 + j, f"=IF({test},1,0)", book.fmt("center"))
        r = inc.first + i
        ws.write_formula(r, inc.col["dominated"], f"=IF(SUM({row_range(top + 1 + i, 2, 1 + n)})>0,1,0)")
        ws.write_formula(
            r,
            inc.col["cost if not dominated"],
            f'=IF({cell(r, inc.col["dominated"])}=0,{cell(r, 2)},"")',
            book.fmt("text", MONEY),
        )


def _frontier(book: Book, ws: Any, inc: Incremental) -> None:
    """Row per step: the frontier strategy, the ICER from it to each candidate, and the tie-break."""
    n, top = inc.n, inc.steps
    ws.write(top - 1, 0, "Efficiency frontier, step by step", book.fmt("heading"))
    ws.write(top, 0, "step", book.fmt("header"))
    ws.write(top, 1, "frontier #", book.fmt("header"))
    for j in range(n):
        ws.write_formula(top, 2 + j, f'="ICER to "&{cell(inc.first + j, 1)}', book.fmt("header"))
        ws.write_formula(top, 3 + n + j, f'="tie-break "&{cell(inc.first + j, 1)}', book.fmt("header"))
    costs, effects = inc.rng("cost"), inc.rng("effect")
    nd = inc.rng("cost if not dominated")
    for k in range(n):
        r = top + 1 + k
        ws.write_number(r, 0, k + 1)
        if k == 0:
            ws.write_formula(r, 1, f"=MATCH(MIN({nd}),{nd},0)")
        else:
            prev_icers, prev_ties = row_range(r - 1, 2, 1 + n), row_range(r - 1, 3 + n, 2 + 2 * n)
            prev = cell(r - 1, 1)
            ws.write_formula(
                r, 1, f'=IF({prev}="","",IF(COUNT({prev_icers})=0,"",MATCH(MIN({prev_ties}),{prev_ties},0)))'
            )
        f = cell(r, 1)
        for j in range(n):
            cj, ej, dj = (cell(inc.first + j, inc.col[k2]) for k2 in ("cost", "effect", "dominated"))
            c0, e0 = f"INDEX({costs},{f})", f"INDEX({effects},{f})"
            icer = f'=IF(OR({f}="",{dj}=1),"",IF({ej}>{e0},({cj}-{c0})/({ej}-{e0}),""))'
            ws.write_formula(r, 2 + j, icer, book.fmt("text", MONEY))
            here, row_icers = cell(r, 2 + j), row_range(r, 2, 1 + n)
            ws.write_formula(
                r, 3 + n + j, f'=IF(ISNUMBER({here}),IF({here}=MIN({row_icers}),{ej},""),"")', book.fmt("text", DECIMAL)
            )


def _statuses(book: Book, ws: Any, inc: Incremental) -> None:
    n = inc.n
    frontier = column_range(1, inc.steps + 1, inc.steps + n)
    names, costs, effects = inc.rng("strategy"), inc.rng("cost"), inc.rng("effect")
    for i in range(n):
        r = inc.first + i
        c = {k: cell(r, j) for k, j in inc.col.items()}
        ws.write_formula(r, inc.col["on frontier"], f"=IF(COUNTIF({frontier},{c['#']})>0,1,0)")
        ws.write_formula(r, inc.col["position"], f'=IF({c["on frontier"]}=1,MATCH({c["#"]},{frontier},0),"")')
        ws.write_formula(r, inc.col["status"], f'=IF({c["dominated"]}=1,"D",IF({c["on frontier"]}=1,"ND","ED"))')
        ref = f'=IF(AND({c["on frontier"]}=1,N({c["position"]})>1),INDEX({frontier},{c["position"]}-1),"")'
        ws.write_formula(r, inc.col["reference #"], ref)
        has_ref = f'{c["reference #"]}<>""'
        ws.write_formula(r, inc.col["reference"], f'=IF({has_ref},INDEX({names},{c["reference #"]}),"")')
        ws.write_formula(
            r,
            inc.col["inc_cost"],
            f'=IF({has_ref},{c["cost"]}-INDEX({costs},{c["reference #"]}),"")',
            book.fmt("text", MONEY),
        )
        ws.write_formula(
            r,
            inc.col["inc_effect"],
            f'=IF({has_ref},{c["effect"]}-INDEX({effects},{c["reference #"]}),"")',
            book.fmt("text", DECIMAL),
        )
        ws.write_formula(
            r, inc.col["icer"], f'=IF({has_ref},{c["inc_cost"]}/{c["inc_effect"]},"")', book.fmt("text", MONEY)
        )


CHECKED = ["cost", "qalys", "life_years", "icer"]


def write_check(book: Book, ws: Any, col: dict[str, int], engine: Any, n: int) -> None:
    """atmpcli's own numbers next to the formulas' relative difference from them."""
    top = FIRST + n + 3
    ws.write(top, 0, "Check against atmpcli", book.fmt("heading"))
    ws.write(
        top + 1,
        0,
        "atmpcli's numbers as values; the differences are 0 (to rounding) until an input is changed.",
        book.fmt("note"),
    )
    keys = [k for k in CHECKED if k in col]
    header = ["strategy"] + [h for k in keys for h in (f"{k} (atmpcli)", f"{k}: relative difference")]
    for j, h in enumerate(header):
        ws.write(top + 2, j, h, book.fmt("header"))
    ws.set_row(top + 2, 30)
    for i, row in enumerate(engine.rows):
        r = top + 3 + i
        ws.write(r, 0, row["strategy"])
        for k, key in enumerate(keys):
            value = row.get(key)
            fmt = book.fmt("value", MONEY if key in ("cost", "icer") else DECIMAL)
            if value is None or value != value:  # NaN: no ICER
                ws.write(r, 1 + 2 * k, "", fmt)
            else:
                ws.write_number(r, 1 + 2 * k, float(value), fmt)
            mine, theirs = cell(FIRST + i, col[key], absolute=False), cell(r, 1 + 2 * k, absolute=False)
            diff = f"=IF(AND(ISNUMBER({mine}),ISNUMBER({theirs})),ABS({mine}-{theirs})/MAX(ABS({theirs}),1E-300),IF(N({mine})=N({theirs}),0,1))"
            ws.write_formula(r, 2 + 2 * k, diff, book.fmt("text", "0.0E+00"))

"""The formulas of a cohort sheet (laid out by ``cohort_sheet.py``), block by block."""

from __future__ import annotations

from atmpcli.report.excel_twin.book import DECIMAL, MONEY, PROBABILITY, column_range, row_range
from atmpcli.report.excel_twin.cohort_partitions import partition_flow, write_curves, write_partition_trace
from atmpcli.report.excel_twin.cohort_sheet import CohortSheet, CohortTotals
from atmpcli.report.excel_twin.plan import CYCLE, POINT, SETTINGS

_CORRECTION = {
    "beginning": "IF({t}={n},0,1)",
    "end": "IF({t}=0,0,1)",
    "life-table": "IF(OR({t}=0,{t}={n}),1/2,1)",
    "half-cycle": "IF(OR({t}=0,{t}={n}),1/2,1)",
    "trapezoid": "IF(OR({t}=0,{t}={n}),1/2,1)",
    "none": "1",
    "simpson": "IF(OR({t}=0,{t}={n}),1/3,IF(MOD({t},2)=1,4/3,2/3))",
    "simpson-darth": "IF(OR({t}=0,{t}={n}),1/3,IF(MOD({t},2)=1,2/3,4/3))",
}


def write_cohort(c: CohortSheet, start: list[str]) -> CohortTotals:
    """Write the sheet; ``start`` holds the formula of each state's share at t = 0."""
    _headers(c)
    _clock(c)
    _timed_parameters(c)
    _transitions(c)
    if c.model.partitions:
        write_curves(c)
        write_partition_trace(c, start)
    else:
        _trace(c, start)
    _state_values(c)
    _rewards(c)
    _weights(c)
    totals = _totals(c)
    c.ws.freeze_panes(c.first, 2)
    return totals


def _header(c: CohortSheet, col: int, text: str, width: float = 11) -> None:
    c.ws.write(c.header, col, text, c.book.fmt("header"))
    c.ws.set_column(col, col, width)


def _group(c: CohortSheet, col: int, text: str) -> None:
    c.ws.write(c.header - 1, col, text, c.book.fmt("group"))


def _headers(c: CohortSheet) -> None:
    ws, book, m = c.ws, c.book, c.model
    ws.write(0, 0, c.title, book.fmt("title"))
    ws.write_url(1, 0, "internal:'Index'!A1", book.fmt("link"), "Index")
    ws.write_url(1, 1, "internal:'Results'!A1", book.fmt("link"), "Results")
    ws.write_url(1, 2, "internal:'Inputs'!A1", book.fmt("link"), "Inputs")
    ws.write(1, 3, "Every number is a formula; cycle t runs from time point t-1 to t.", book.fmt("note"))
    ck = c.clock
    for col, text, width in (
        (ck.t, "t", 5),
        (ck.years, "years at t", 8),
        (ck.age, "age at t", 8),
        (ck.cycle_years, "years at start of cycle t", 9),
        (ck.cycle_age, "age at start of cycle t", 9),
    ):
        if col is not None:
            _header(c, col, text, width)
    _group(c, c.trace, "Cohort trace at time point t")
    for k, (_, _, label) in enumerate(c.subs):
        _header(c, c.trace + k, label, max(9, len(label) + 1))
    _header(c, c.check, "sum (check: 1)", 9)
    if c.folded is not None:
        _group(c, c.folded, "Trace by state")
        for i, st in enumerate(m.states):
            _header(c, c.folded + i, st.name, max(9, len(st.name) + 1))
    for key, col in c.block_cols.items():
        _group(c, col, f"{_value_label(c, key)} at t")
        for k, (_, _, label) in enumerate(c.subs):
            _header(c, col + k, label, 10)
    _group(c, min(c.reward_cols.values()), "Rewards at time point t")
    for key, col in c.reward_cols.items():
        _header(c, col, key, 11)
    for j, col in c.flow_cols.items():
        r = m.transition_rewards[j]
        _header(c, col, f"flow of transition reward {j + 1} ({_names(c, r.sources)} to {_names(c, r.targets)})", 14)
    _group(c, min(c.weight_cols.values()), f"Weights: {m.settings.method}, discounting")
    for key, col in c.weight_cols.items():
        _header(c, col, key.replace("_", " "), 11)
    _group(c, min(c.disc_cols.values()), "Discounted")
    for key, col in c.disc_cols.items():
        _header(c, col, f"{key}, discounted", 12)
    if c.timed_cols:
        _group(c, min(c.timed_cols.values()), "Parameters varying with time")
    for (name, kind, d), col in c.timed_cols.items():
        at = "cycle t" if kind == CYCLE else "time point t"
        _header(c, col, f"{name} ({at}{'' if d is None else f', state_time {d}'})", max(12, len(name) + 4))
    if c.transition_cols:
        _group(c, min(c.transition_cols.values()), "Transition probabilities in cycle t (t-1 to t)")
    for (i, d, j), col in c.transition_cols.items():
        src = m.states[i].name + ("" if d is None else f" [{d}]")
        _header(c, col, f"{src} -> {m.states[j].name}", 11)
    c.ws.set_row(c.header, 45)


def _value_label(c: CohortSheet, key: str) -> str:
    per = "cycle" if c.model.settings.state_values_per == "cycle" else "year"
    return f"utility per {per}" if key == "utility" else f"cost {key} per {per}"


def _names(c: CohortSheet, states: frozenset[int]) -> str:
    if len(states) == len(c.model.states):
        return "any"
    return "/".join(c.model.states[i].name for i in sorted(states))


def _clock(c: CohortSheet) -> None:
    ws, ck = c.ws, c.clock
    length, age = SETTINGS["cycle_length"], SETTINGS["start_age"]
    for t in range(c.n + 1):
        r = c.first + t
        ws.write_number(r, ck.t, t)
        ws.write_formula(r, ck.years, f"={c.at(t, ck.t)}*{length}", c.book.fmt("text", "0.00"))
        if ck.age is not None:
            ws.write_formula(r, ck.age, f"={age}+{c.at(t, ck.years)}", c.book.fmt("text", "0.00"))
        if t > 0:
            ws.write_formula(r, ck.cycle_years, f"=({c.at(t, ck.t)}-1)*{length}", c.book.fmt("text", "0.00"))
            if ck.cycle_age is not None:
                ws.write_formula(r, ck.cycle_age, f"={age}+{c.at(t, ck.cycle_years)}", c.book.fmt("text", "0.00"))


def _timed_parameters(c: CohortSheet) -> None:
    for (name, kind, d), col in c.timed_cols.items():
        expr = c.plan.formulas[name]
        for t in range(1 if kind == CYCLE else 0, c.n + 1):
            c.writer.write(c.ws, c.first + t, col, expr, c.where(kind, t, d or 1), None)


def _transitions(c: CohortSheet) -> None:
    for i, row in enumerate(c.model.transitions):
        ds = list(range(1, c.model.states[i].tunnel + 1)) if c._row_state_time(i) else [None]
        for d in ds:
            for t in range(1, c.n + 1):
                others = []
                for j, e in row.probabilities.items():
                    col = c.transition_cols[(i, d, j)]
                    c.writer.write(c.ws, c.first + t, col, e, c.where(CYCLE, t, d or 1), PROBABILITY)
                    others.append(c.at(t, col))
                if row.rest is not None:
                    rest = "1-" + (f"({'+'.join(others)})" if len(others) > 1 else (others[0] if others else "0"))
                    col = c.transition_cols[(i, d, row.rest)]
                    fmt = c.book.fmt("text", PROBABILITY)
                    c.ws.write_formula(c.first + t, col, f"=MAX(0,MIN(1,{rest}))", fmt)


def _trace(c: CohortSheet, start: list[str]) -> None:
    ws, fmt = c.ws, c.book.fmt("text", DECIMAL)
    incoming: dict[int, list[tuple[int, int]]] = {u: [] for u in range(len(c.subs))}
    for k, (i, _, _) in enumerate(c.subs):
        row = c.model.transitions[i]
        for j in sorted({*row.probabilities, *([row.rest] if row.rest is not None else [])}):
            incoming[c.target(k, j)].append((k, c.p_col(k, j)))
    for k in range(len(c.subs)):
        ws.write_formula(c.first, c.trace + k, "=" + start[k], fmt)
        for t in range(1, c.n + 1):
            terms = sorted(incoming[k])
            text = "+".join(f"{c.at(t - 1, c.trace + v)}*{c.at(t, col)}" for v, col in terms) or "0"
            ws.write_formula(c.first + t, c.trace + k, "=" + text, fmt)
    last = c.trace + len(c.subs) - 1
    for t in range(c.n + 1):
        ws.write_formula(c.first + t, c.check, f"=SUM({c.at(t, c.trace)}:{c.at(t, last)})", fmt)
        if c.folded is None:
            continue
        for i, st in enumerate(c.model.states):
            a, b = c.trace + c.first_sub[i], c.trace + c.first_sub[i] + st.tunnel - 1
            ws.write_formula(c.first + t, c.folded + i, f"=SUM({c.at(t, a)}:{c.at(t, b)})", fmt)


def _state_values(c: CohortSheet) -> None:
    ws, book = c.ws, c.book
    for key in c.vectors:
        r = c.top_rows[key]
        ws.write(r, 0, _value_label(c, key), book.fmt("bold"))
        for k, (i, d, _) in enumerate(c.subs):
            e = c.values[key][i]
            if e is not None:
                c.writer.write(ws, r, c.trace + k, e, c.where(POINT, 0, d), MONEY if key != "utility" else DECIMAL)
    r = c.top_rows["alive"]
    ws.write(r, 0, "alive (counts towards life-years)", book.fmt("bold"))
    for k, (i, _, _) in enumerate(c.subs):
        ws.write_number(r, c.trace + k, 1 if c.model.states[i].alive else 0)
    for key, col in c.block_cols.items():
        for k, (i, d, _) in enumerate(c.subs):
            e = c.values[key][i]
            if e is None:
                continue
            for t in range(c.n + 1):
                c.writer.write(
                    ws, c.first + t, col + k, e, c.where(POINT, t, d), MONEY if key != "utility" else DECIMAL
                )


def _vector(c: CohortSheet, key: str, t: int) -> str:
    """The state values at time point t: the vector above the table, or the row of the time-varying block."""
    last = len(c.subs) - 1
    if key == "alive" or key in c.vectors:
        r = c.top_rows[key]
        return row_range(r, c.trace, c.trace + last)
    col = c.block_cols[key]
    return f"{c.at(t, col)}:{c.at(t, col + last)}"


def _flow(c: CohortSheet, j: int, t: int) -> str:
    if c.model.partitions:
        return partition_flow(c, j, t)
    r = c.model.transition_rewards[j]
    terms = []
    for k, (i, _, _) in enumerate(c.subs):
        row = c.model.transitions[i]
        for target in sorted(r.targets):
            if i in r.sources and target != i and (target in row.probabilities or target == row.rest):
                terms.append(f"{c.at(t - 1, c.trace + k)}*{c.at(t, c.p_col(k, target))}")
    return "+".join(terms) or "0"


def _reward(c: CohortSheet, t: int, key: str, one_off: str) -> str:
    """The reward at t: state values x occupancy (x cycle length), plus flows x one-off amounts."""
    trace = f"{c.at(t, c.trace)}:{c.at(t, c.trace + len(c.subs) - 1)}"
    scale = "" if c.model.settings.state_values_per == "cycle" else f"*{SETTINGS['cycle_length']}"
    value_key = {"qalys": "utility", "life_years": "alive"}.get(key, key)
    parts = []
    if value_key in c.values or value_key == "alive":
        parts.append(
            f"SUMPRODUCT({trace},{_vector(c, value_key, t)})"
            + (f"*{SETTINGS['cycle_length']}" if key == "life_years" else scale)
        )
    if t > 0:
        for j, r in enumerate(c.model.transition_rewards):
            e = r.payoff.costs.get(key) if one_off == "costs" else getattr(r.payoff, one_off)
            if e is not None:
                amount = c.writer.text(e, c.where(CYCLE, t, 1))
                parts.append(f"{c.at(t, c.flow_cols[j])}*({amount})")
    return "+".join(parts) or "0"


def _rewards(c: CohortSheet) -> None:
    ws = c.ws
    for t in range(c.n + 1):
        r = c.first + t
        for j, col in c.flow_cols.items():
            ws.write_formula(r, col, "=" + (_flow(c, j, t) if t > 0 else "0"), c.book.fmt("text", DECIMAL))
        for comp in c.comps:
            ws.write_formula(
                r, c.reward_cols[f"cost_{comp}"], "=" + _reward(c, t, comp, "costs"), c.book.fmt("text", MONEY)
            )
        if c.comps:
            first, last = c.reward_cols[f"cost_{c.comps[0]}"], c.reward_cols[f"cost_{c.comps[-1]}"]
            cost = f"=SUM({c.at(t, first)}:{c.at(t, last)})"
        else:
            cost = "=0"
        ws.write_formula(r, c.reward_cols["cost"], cost, c.book.fmt("text", MONEY))
        if c.utility:
            ws.write_formula(
                r, c.reward_cols["qalys"], "=" + _reward(c, t, "qalys", "qalys"), c.book.fmt("text", DECIMAL)
            )
        ly = "=" + _reward(c, t, "life_years", "life_years")
        ws.write_formula(r, c.reward_cols["life_years"], ly, c.book.fmt("text", DECIMAL))


def _weight_formula(c: CohortSheet, t: int, rate: str) -> str:
    """Counting weight x discount factor of time point t, for a discount rate's name."""
    s = c.model.settings
    tt, n, dt = c.at(t, c.clock.t), SETTINGS["n_cycles"], SETTINGS["cycle_length"]
    if s.discount_timing in ("time", "year-start"):
        return f"{c.at(t, c.weight_cols['correction'])}*{c.at(t, c.weight_cols['discount_' + rate])}"
    r = SETTINGS[f"discount_{rate}"]
    offset = 0 if s.discount_timing == "cycle-start" else 1
    later = f"POWER(1+{r},-({tt}+{offset})*{dt})"  # the cycle that starts at t (cycle t+1)
    earlier = f"POWER(1+{r},-({tt}-1+{offset})*{dt})"  # the cycle that ends at t (cycle t)
    if s.method == "beginning":
        return f"IF({tt}<{n},{later},0)"
    if s.method == "end":
        return f"IF({tt}>0,{earlier},0)"
    return f"IF({tt}<{n},{later}/2,0)+IF({tt}>0,{earlier}/2,0)"


def _discount_years(c: CohortSheet, t: int) -> str:
    """The years a time point is discounted by: its time, or under year-start the whole years before its model
    year began (time point t ends cycle t, in model year ceil(t x cycle length); 1e-9 keeps t = 12 of monthly
    cycles in the first year, as the engine does)."""
    years = c.at(t, c.clock.years)
    if c.model.settings.discount_timing == "year-start":
        return f"MAX(ROUNDUP({years}-1E-9,0)-1,0)"
    return years


def _weights(c: CohortSheet) -> None:
    ws, s = c.ws, c.model.settings
    fmt = c.book.fmt("text", "0.000000")
    for t in range(c.n + 1):
        r, tt = c.first + t, c.at(t, c.clock.t)
        correction = _CORRECTION[s.method].format(t=tt, n=SETTINGS["n_cycles"])
        ws.write_formula(r, c.weight_cols["correction"], "=" + correction, fmt)
        if s.discount_timing in ("time", "year-start"):
            for rate in ("costs", "effects"):
                years = _discount_years(c, t)
                ws.write_formula(
                    r, c.weight_cols[f"discount_{rate}"], f"=POWER(1+{SETTINGS['discount_' + rate]},-{years})", fmt
                )
        ws.write_formula(r, c.weight_cols["weight_costs"], "=" + _weight_formula(c, t, "costs"), fmt)
        ws.write_formula(r, c.weight_cols["weight_effects"], "=" + _weight_formula(c, t, "effects"), fmt)
        for key, col in c.disc_cols.items():
            w = c.weight_cols["weight_costs" if key == "cost" else "weight_effects"]
            fmt_v = c.book.fmt("text", MONEY if key == "cost" else DECIMAL)
            ws.write_formula(r, col, f"={c.at(t, c.reward_cols[key])}*{c.at(t, w)}", fmt_v)


def _totals(c: CohortSheet) -> CohortTotals:
    ws, book = c.ws, c.book
    first, last = c.first, c.first + c.n
    rd, ru = c.top_rows["total"], c.top_rows["total_u"]
    ws.write(rd, 0, "Total, discounted (per person)", book.fmt("total"))
    ws.write(ru, 0, "Total, undiscounted (per person)", book.fmt("total"))
    out = CohortTotals(c.name)
    w_none = column_range(c.weight_cols["correction"], first, last)
    for key, col in c.reward_cols.items():
        w = column_range(c.weight_cols["weight_costs" if key.startswith("cost") else "weight_effects"], first, last)
        values = column_range(col, first, last)
        fmt = book.fmt("total", MONEY if key.startswith("cost") else DECIMAL)
        ws.write_formula(rd, col, f"=SUMPRODUCT({values},{w})", fmt)
        ws.write_formula(ru, col, f"=SUMPRODUCT({values},{w_none})", fmt)
        if key.startswith("cost_"):
            out.costs[key[5:]] = c.ref(rd, col)
            out.costs_undiscounted[key[5:]] = c.ref(ru, col)
        elif key in ("qalys", "life_years"):
            setattr(out, key, c.ref(rd, col))
            setattr(out, f"{key}_undiscounted", c.ref(ru, col))
    for key, col in c.disc_cols.items():
        fmt = book.fmt("total", MONEY if key == "cost" else DECIMAL)
        ws.write_formula(rd, col, f"=SUM({column_range(col, first, last)})", fmt)
    for t in range(c.n + 1):
        for i, st in enumerate(c.model.states):
            a = c.trace + c.first_sub[i]
            out.occupancy[(t, i)] = "+".join(c.ref(first + t, a + d) for d in range(st.tunnel))
    return out

"""The cohort trace of a partitioned survival model in a cohort sheet: occupancy read off the curves.

Mirrors ``atmpcli/model/partitioned_survival.py``: the first state of a partition holds min(PFS, OS), the
second OS - min(PFS, OS), the last (dead) 1 - OS, each times the share of the cohort that entered the
partition at t = 0 (a decision tree in front sends its leaves there); one-off payoffs on flows into a dead
state are paid on the increase of its share. The curves themselves are the engine's values: the families
(generalised gamma, splines, cure, floors, waning) have no Excel 2016 formulas, so each curve column holds
numbers and is listed on the Notes sheet.
"""

from __future__ import annotations

import numpy as np

from atmpcli.report.excel_twin.book import DECIMAL, cell
from atmpcli.report.excel_twin.cohort_sheet import CohortSheet
from atmpcli.report.excel_twin.plan import engine_parameters


def write_curves(c: CohortSheet) -> None:
    """S(t) of each curve at the time points, as the engine computes it (values, listed on Notes)."""
    surv = c.model.survival
    params = engine_parameters(c.model, c.plan.strategy)
    fmt = c.book.fmt("value", DECIMAL)
    for (p, role), (name, col) in c.curve_cols.items():
        c.ws.write(c.header - 1, col, "Survival curves (atmpcli's values)", c.book.fmt("group"))
        c.ws.write(c.header, col, f"{role.upper()}: {name}", c.book.fmt("header"))
        c.ws.set_column(col, col, max(11, len(name) + 6))
        survival = np.exp(-np.asarray(surv.grid(name, params.base, c.n))[0])
        for t in range(c.n + 1):
            c.ws.write_number(c.first + t, col, float(survival[t]), fmt)
        first, last = cell(c.first, col, False), cell(c.first + c.n, col, False)
        c.writer.values_written.append(
            f"{c.name}!{first}:{last}: survival curve {name} ({role.upper()} of partition "
            f"{c.model.partitions[p].name}), atmpcli's values: curve families have no Excel formula here"
        )


def write_partition_trace(c: CohortSheet, start: list[str]) -> None:
    """The trace from the curves: t = 0 is the start; later rows are entry share x the curves' partition."""
    ws, fmt = c.ws, c.book.fmt("text", DECIMAL)
    for k in range(len(c.subs)):
        ws.write_formula(c.first, c.trace + k, "=" + start[k], fmt)
    # each state's share as a template over the curves' cells at t ({os0}, {pfs0}, ...)
    terms: dict[int, list[str]] = {i: [] for i in range(len(c.model.states))}
    for p, part in enumerate(c.model.partitions):
        entry = cell(c.first, c.trace + c.first_sub[part.entry])  # the share that entered, absolute
        os_ = f"{{os{p}}}"
        if (p, "pfs") in c.curve_cols:
            free = f"MIN({{pfs{p}}},{os_})"
            terms[part.states[0]].append(f"{entry}*{free}")
            terms[part.states[1]].append(f"{entry}*({os_}-{free})")
        else:
            terms[part.entry].append(f"{entry}*{os_}")
        terms[part.states[-1]].append(f"{entry}*(1-{os_})")
    for t in range(1, c.n + 1):
        cells = {}
        for (p, role), (_, col) in c.curve_cols.items():
            cells[f"{role}{p}"] = c.at(t, col)
        for i, st in enumerate(c.model.states):
            k = c.trace + c.first_sub[i]
            parts = [x.format(**cells) for x in terms[i]]
            if not st.alive:  # the dead who started dead stay dead
                parts.insert(0, cell(c.first, k))
            ws.write_formula(c.first + t, k, "=" + ("+".join(parts) or "0"), fmt)
    last = c.trace + len(c.subs) - 1
    for t in range(c.n + 1):
        ws.write_formula(c.first + t, c.check, f"=SUM({c.at(t, c.trace)}:{c.at(t, last)})", fmt)


def partition_flow(c: CohortSheet, j: int, t: int) -> str:
    """The flow of transition reward j in cycle t: the increase of its (dead) target states' shares."""
    r = c.model.transition_rewards[j]
    used = {i for p in c.model.partitions for i in p.states} | {i for i, s in enumerate(c.model.states) if not s.alive}
    cols = [c.trace + c.first_sub[i] for i in sorted(r.targets) if i in used]
    return "+".join(f"({c.at(t, k)}-{c.at(t - 1, k)})" for k in cols) or "0"

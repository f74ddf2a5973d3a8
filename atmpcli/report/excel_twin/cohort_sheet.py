"""A strategy's cohort sheet: one row per time point t = 0..n, every number a formula.

Columns, left to right: the clock (t, years, age; cycle t runs from t-1 to t), the cohort trace (one column
per state, tunnel states expanded as the engine does), state values that vary with time, the reward at each
time point (costs by component, QALYs, life-years), flows of transition rewards, the counting weights and
discount factors, the discounted rewards, the parameters that vary with time and, last, the transition
probabilities of each cycle. Above the table: state value vectors (values that do not vary with time) and
the totals. Mirrors ``atmpcli/model/evaluate.py``: m_t = m_(t-1) P_t, reward_t = m_t . v_t x cycle length
(+ flows x one-off amounts), total = sum_t w_t d_t reward_t.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atmpcli.model.decision_model import DecisionModel, State
from atmpcli.model.expressions import STATE_TIME
from atmpcli.report.excel_twin.book import Book, cell, quoted
from atmpcli.report.excel_twin.cells import ExpressionWriter
from atmpcli.report.excel_twin.plan import CYCLE, POINT, StrategyPlan, TimeColumns, Where

Key = tuple[str, str, int | None]
TOP = 3  # 0-based row of the first value vector


def sub_state_labels(states: list[State]) -> list[tuple[int, int, str]]:
    """(state index, cycles in state, label) of each column of the trace, tunnels expanded."""
    out = []
    for i, st in enumerate(states):
        for d in range(1, st.tunnel + 1):
            label = st.name if st.tunnel == 1 else f"{st.name} [{d}{'+' if d == st.tunnel else ''}]"
            out.append((i, d, label))
    return out


@dataclass
class CohortTotals:
    """Where a cohort sheet's totals are, as references from another sheet."""

    sheet: str
    costs: dict[str, str] = field(default_factory=dict)  # component -> discounted total
    costs_undiscounted: dict[str, str] = field(default_factory=dict)
    qalys: str | None = None
    qalys_undiscounted: str | None = None
    life_years: str = "0"
    life_years_undiscounted: str = "0"
    occupancy: dict[tuple[int, int], str] = field(default_factory=dict)  # (t, state) -> formula of the share


class CohortSheet:
    def __init__(self, book: Book, plan: StrategyPlan, writer: ExpressionWriter, title: str, wanted: str) -> None:
        self.book, self.plan, self.writer, self.title = book, plan, writer, title
        self.model: DecisionModel = plan.model
        self.ws, self.name = book.sheet(wanted)
        self.n = self.model.n_cycles
        self.subs = sub_state_labels(self.model.states)
        self.first_sub: dict[int, int] = {}  # state -> its first trace column
        for k, (i, _, _) in enumerate(self.subs):
            self.first_sub.setdefault(i, k)
        self._rows_and_columns()

    # layout ---------------------------------------------------------------------------------------------
    def _rows_and_columns(self) -> None:
        m, plan = self.model, self.plan
        self.comps = [c for c in m.cost_components if any(st.costs.get(c) for st in m.states)]
        self.comps += [
            c for r in m.transition_rewards for c in r.payoff.costs if c not in self.comps and c in m.cost_components
        ]
        self.utility = m.has_utilities
        state_costs = {c: [st.costs.get(c) for st in m.states] for c in self.comps}
        if any(st.utility is not None for st in m.states):
            state_costs["utility"] = [st.utility for st in m.states]
        self.values = {k: v for k, v in state_costs.items() if any(e is not None for e in v)}
        self.vectors = [k for k, v in self.values.items() if not any(plan.varies(e) for e in v)]
        self.blocks = [k for k in self.values if k not in self.vectors]
        self.top_rows = {k: TOP + j for j, k in enumerate([*self.vectors, "alive", "total", "total_u"])}
        self.header = TOP + len(self.top_rows) + 1
        self.first = self.header + 1
        col = 0
        has_age = m.settings.start_age is not None
        clock = TimeColumns(0, 1, 2 if has_age else None, 3 if has_age else 2, 4 if has_age else None)
        col = 5 if has_age else 3
        self.plan.clocks[self.name] = clock
        self.clock = clock
        self.trace = col
        col += len(self.subs)
        self.check = col
        col += 1
        self.folded = col if len(self.subs) > len(m.states) else None
        col += len(m.states) if self.folded is not None else 0
        self.block_cols = {}
        for k in self.blocks:
            self.block_cols[k] = col
            col += len(self.subs)
        self.reward_cols = {}
        for k in [*(f"cost_{c}" for c in self.comps), "cost", *(["qalys"] if self.utility else []), "life_years"]:
            self.reward_cols[k] = col
            col += 1
        self.flow_cols = {}
        for j in range(len(m.transition_rewards)):
            self.flow_cols[j] = col
            col += 1
        by_point = m.settings.discount_timing in ("time", "year-start")  # a discount factor per time point
        weights = ["correction", "discount_costs", "discount_effects"] if by_point else []
        self.weight_cols = {}
        for k in [*(weights or ["correction"]), "weight_costs", "weight_effects"]:
            self.weight_cols[k] = col
            col += 1
        self.disc_cols = {}
        for k in ["cost", *(["qalys"] if self.utility else []), "life_years"]:
            self.disc_cols[k] = col
            col += 1
        self.timed_cols: dict[Key, int] = {}
        for key in sorted(self._timed_needs(), key=lambda k: (k[1], k[0], k[2] or 0)):
            self.timed_cols[key] = col
            col += 1
        self.plan.columns[self.name] = self.timed_cols
        self.curve_cols: dict[tuple[int, str], tuple[str, int]] = {}  # (partition, role) -> (curve, column)
        for p, part in enumerate(m.partitions):
            for role, curves in (("pfs", part.pfs), ("os", part.os)):
                if curves:
                    self.curve_cols[(p, role)] = (curves[plan.strategy.name], col)
                    col += 1
        self.transition_cols = self._transition_columns(col)

    def _row_state_time(self, i: int) -> bool:
        row = self.model.transitions[i]
        return any(e.formula.names & (self.plan.with_state_time | {STATE_TIME}) for e in row.probabilities.values())

    def _timed_needs(self) -> set[Key]:
        plan, out = self.plan, set()
        for i, row in enumerate(self.model.transitions):
            ds = range(1, self.model.states[i].tunnel + 1) if self._row_state_time(i) else [1]
            for e in row.probabilities.values():
                for d in ds:
                    plan.needs(e, CYCLE, d, out)
        for exprs in self.values.values():
            for i, e in enumerate(exprs):
                for d in range(1, self.model.states[i].tunnel + 1):
                    if e is not None:
                        plan.needs(e, POINT, d, out)
        for r in self.model.transition_rewards:
            for e in [*r.payoff.costs.values(), r.payoff.qalys, r.payoff.life_years]:
                if e is not None:
                    plan.needs(e, CYCLE, 1, out)
        return out

    def _transition_columns(self, col: int) -> dict[tuple[int, int | None, int], int]:
        out = {}
        for i, row in enumerate(self.model.transitions):
            targets = sorted({*row.probabilities, *([row.rest] if row.rest is not None else [])})
            ds = list(range(1, self.model.states[i].tunnel + 1)) if self._row_state_time(i) else [None]
            for d in ds:
                for j in targets:
                    out[(i, d, j)] = col
                    col += 1
        return out

    def target(self, k: int, j: int) -> int:
        """The trace column (0-based in the trace) that sub-state k moves to when its state's row sends it to j."""
        i, d, _ = self.subs[k]
        if j != i:
            return self.first_sub[j]
        return self.first_sub[i] + min(d, self.model.states[i].tunnel - 1)

    def p_col(self, k: int, j: int) -> int:
        i, d, _ = self.subs[k]
        return self.transition_cols[(i, d if self._row_state_time(i) else None, j)]

    def at(self, t: int, col: int) -> str:
        return cell(self.first + t, col, absolute=False)

    def where(self, kind: str, t: int, d: int = 1) -> Where:
        return Where(self.name, kind, self.first + t, d, t)

    def ref(self, row: int, col: int) -> str:
        return f"{quoted(self.name)}!{cell(row, col)}"

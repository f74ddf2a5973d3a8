"""State and transition rewards accumulated while the cohort runs (model/cohort.py), with no stored trace.

A reward that does not change over time (most state costs and utilities, life-years) needs only the
state's occupancy summed over time points with the counting convention's and the discount's weight
(one weight vector per discount rate, shared by every quantity discounted at that rate): one
multiply-add per time point for all ordinary states together, and one product per state at the end.
Rewards that change over time, and every cost when the cost at each time point is asked for (budget
impact), are multiplied by the occupancy at each time point instead. One-off payoffs on transitions
work the same way on the flows the kernel hands over. The trace itself is kept only on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from atmpcli.model.cohort import Occupancy, Pair
from atmpcli.model.cycle_correction_and_discounting import cycle_value_weights, weights_by_rate
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.expressions import Expression
from atmpcli.model.outputs import Outputs, Totals
from atmpcli.model.parameters import Parameters


class Value:
    """A state's value (a sum of formulas times ``scale``) at each time point: (S',) or (S', reach).

    ``kind`` "cycle": given per cycle k = 1..n instead (settings.state_value_timing: cycle, as heemod).
    """

    def __init__(
        self, exprs: list[Expression], params: Parameters, tunnel: int, scale: float, kind: str = "point"
    ) -> None:
        self.exprs, self.params, self.tunnel, self.scale, self.kind = exprs, params, tunnel, scale, kind
        clock = residence = False
        for e in exprs:
            c, r = params.varies(e)
            clock, residence = clock or c, residence or r
        self.per_point = tunnel > 1 and clock and residence  # evaluated at each time point, never as a whole
        self.array: np.ndarray | None = None
        if not self.per_point:
            env = params.context(kind, tunnel)
            self.array = sum((params.value(e, env) for e in exprs), np.zeros((1, 1, 1))) * scale

    @property
    def in_time(self) -> bool:
        return self.per_point or self.array.shape[1] > 1  # type: ignore[union-attr]

    @property
    def by_sub_state(self) -> bool:
        return self.per_point or self.array.shape[2] > 1  # type: ignore[union-attr]

    def at(self, k: int, reach: int) -> np.ndarray:
        """The value at time point ``k`` (0..n), or in cycle ``k`` (1..n) for values per cycle."""
        if self.per_point:
            env = self.params.at_cycle(k, self.tunnel, reach, point=self.kind == "point")
            a = sum((self.params.value(e, env) for e in self.exprs), np.zeros((1, 1, 1))) * self.scale
        else:
            i = k - 1 if self.kind == "cycle" else k
            a = self.array[:, i if self.array.shape[1] > 1 else 0]  # type: ignore[index]
            return a[:, 0] if a.shape[1] == 1 else a[:, :reach]
        return a[:, 0, 0] if a.shape[2] == 1 else a[:, 0, :]


@dataclass
class Term:
    """One quantity ("cost:<component>", "qalys" or "life_years") of a state, or of a transition reward."""

    quantity: str
    value: Value | np.ndarray  # a state's Value, or a transition payoff per cycle 1..n as (S', 1 or n)
    state: int = -1
    reward: int = -1
    per_point: bool = False  # multiplied by the occupancy (flow) at each time point
    per_cycle: bool = False  # a value per cycle that varies in time (state_value_timing: cycle)
    rates: dict[bool, float | str] = field(default_factory=dict)  # undiscounted? -> key of its weights


class Rewards:
    """Accumulates rewards at time points 0..n into ``totals``; the trace and cost per time point on request."""

    def __init__(self, model: DecisionModel, params: Parameters, totals: Totals, pairs: dict[int, list[Pair]]) -> None:
        s, n = model.settings, model.n_cycles
        self.totals, self.pairs, self.states = totals, pairs, len(model.states)
        out = totals.outputs
        self.terms = _state_terms(model, params, totals) + _flow_terms(model, params, totals)
        rates = {"costs": params.discount_rate("costs"), "effects": params.discount_rate("effects"), "none": 0.0}
        keys, self.weights = weights_by_rate(s.method, n, s.cycle_length, s.discount_timing, rates)
        for t in self.terms:
            cost = t.quantity.startswith("cost:")
            t.rates = {False: keys["costs" if cost else "effects"]} | ({True: keys["none"]} if out.undiscounted else {})
            t.per_point = t.per_point or _kind(t) in self._point_kinds(out)
        self.none = self.weights[keys["none"]]
        # values per cycle: the occupancy at t counts with own[t] c[t] + next[t] c[t + 1] (heemod's convention)
        rate_of = {keys[name]: r for name, r in rates.items()}
        self.cycle_weights = {
            key: cycle_value_weights(s.method, n, rate_of[key], s.cycle_length, s.discount_timing)
            for t in self.terms
            if t.per_cycle
            for key in [*t.rates.values(), keys["none"]]
        }
        self.n = n
        self.weighted: dict[tuple, np.ndarray] = {}  # occupancy (or flow) summed with weights, per (where, rate)
        # undiscounted amounts per time point, by kind (cost, qalys, life_years), as requested
        self.points = {kind: np.zeros((n + 1, totals.samples)) for kind in self._point_kinds(out)}
        self.trace = np.zeros((n + 1, self.states, totals.samples)) if out.trace else None

    def observe(self, k: int, occ: Occupancy, flows: dict[Pair, np.ndarray] | None = None) -> None:
        """Time point ``k``: the occupancy then, and the flows of cycle k (None at k = 0)."""
        if self.trace is not None:
            for i in range(self.states):
                self.trace[k, i] = occ.state(i)
        seen: set[tuple] = set()
        for t in self.terms:
            if t.reward >= 0 and flows is None:
                continue  # nothing moves before the first cycle
            if t.per_cycle:
                self._observe_per_cycle(t, k, occ)
                continue
            if t.per_point:
                x = self._amount(t, k, occ, flows)
                for undiscounted, rate in t.rates.items():
                    self.totals.add(t.quantity, self.weights[rate][k] * x, undiscounted)
                if _kind(t) in self.points:
                    self.points[_kind(t)][k] += x
                continue
            for rate in t.rates.values():
                key = self._key(t, occ, rate)
                if key not in seen:
                    seen.add(key)
                    self._weigh(key, self.weights[rate][k], t, occ, flows)

    def _observe_per_cycle(self, t: Term, k: int, occ: Occupancy) -> None:
        """Time point ``k`` of a value per cycle: the end of cycle k and the start of cycle k + 1."""
        own = self._amount(t, k, occ, None) if k >= 1 else 0.0
        nxt = self._amount(t, k + 1, occ, None) if k < self.n else 0.0
        for undiscounted, rate in t.rates.items():
            w_own, w_next = self.cycle_weights[rate]
            self.totals.add(t.quantity, w_own[k] * own + w_next[k] * nxt, undiscounted)
        if _kind(t) in self.points and self.none[k] > 0:  # undiscounted, before the counting weight
            w_own, w_next = self.cycle_weights[0.0]  # keys['none']: rate 0 is keyed 0.0
            self.points[_kind(t)][k] += (w_own[k] * own + w_next[k] * nxt) / self.none[k]

    def _key(self, t: Term, occ: Occupancy, rate: float) -> tuple:
        if t.reward >= 0:
            return ("flow", t.reward, rate)
        if t.state in occ.row:
            return ("ordinary", rate)
        return ("sub" if t.value.by_sub_state else "state", t.state, rate)  # type: ignore[union-attr]

    def _weigh(
        self, key: tuple, w: float | np.ndarray, t: Term, occ: Occupancy, flows: dict[Pair, np.ndarray] | None
    ) -> None:
        """Add the weighted occupancy (or flow) of one time point to its running sum."""
        kind = key[0]
        if kind == "flow":
            x = self._flow(t.reward, flows)  # type: ignore[arg-type]
        else:
            x = occ.m if kind == "ordinary" else occ.sub(t.state) if kind == "sub" else occ.state(t.state)
        if key not in self.weighted:
            shape = (occ.m.shape[0],) if kind == "ordinary" else ()
            width = (occ.sizes[t.state],) if kind == "sub" else ()
            self.weighted[key] = np.zeros((*shape, self.totals.samples, *width), order="F" if width else "C")
        acc = self.weighted[key]
        if kind == "sub":  # (S, cycles in state); a weight per sample (S,) goes down the sample axis
            acc[:, : x.shape[1]] += (w[:, None] if np.ndim(w) else w) * x
        else:
            acc += w * x

    def _amount(self, t: Term, k: int, occ: Occupancy, flows: dict[Pair, np.ndarray] | None) -> np.ndarray:
        """A per-point term's amount at time point ``k`` (before weights)."""
        if t.reward >= 0:
            payoff = t.value  # type: ignore[assignment]
            return self._flow(t.reward, flows) * payoff[:, k - 1 if payoff.shape[1] > 1 else 0]  # type: ignore
        tunnel = t.state not in occ.row
        v = t.value.at(k, occ.reach(t.state) if tunnel else 1)  # type: ignore[union-attr]
        if v.ndim == 2:
            return np.einsum("sr,sr->s", occ.sub(t.state), v)
        return occ.state(t.state) * v

    def _flow(self, reward: int, flows: dict[Pair, np.ndarray]) -> np.ndarray:
        """Everyone moving along one transition reward's (source, target) pairs this cycle."""
        found = [flows[pair] for pair in self.pairs[reward] if pair in flows]
        total = found[0] if found else np.zeros(1)
        for x in found[1:]:
            total = total + x
        return total

    @staticmethod
    def _point_kinds(out: Outputs) -> set[str]:
        return ({"cost"} if out.cost_points else set()) | ({"qalys", "life_years"} if out.effect_points else set())

    def finish(self, occ: Occupancy) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Add the time-invariant rewards to the totals; returns the trace (S, n + 1, states), None unless
        requested, and the requested amounts per time point (S, n + 1) by kind, corrected and undiscounted."""
        for t in self.terms:
            if not t.per_point:
                for undiscounted, rate in t.rates.items():
                    self.totals.add(t.quantity, self._weighted_total(t, rate, occ), undiscounted)
        trace = self.trace.transpose(2, 0, 1) if self.trace is not None else None
        points = {kind: (x * self.none[:, None]).T for kind, x in self.points.items()}
        return trace, points

    def _weighted_total(self, t: Term, rate: float, occ: Occupancy) -> np.ndarray:
        key = self._key(t, occ, rate)
        if key not in self.weighted:  # a transition reward with no flow in any cycle
            return np.zeros(1)
        acc = self.weighted[key]
        if key[0] == "flow":
            return acc * t.value[:, 0]  # type: ignore[index]
        v = t.value.array[:, 0]  # type: ignore[union-attr]  (S', L')
        if key[0] == "ordinary":
            return acc[occ.row[t.state]] * v[:, 0]
        if key[0] == "sub":
            return np.einsum("sl,sl->s", acc, v)
        return acc * v[:, 0]


def _kind(t: Term) -> str:
    """cost, qalys or life_years: what a term adds to."""
    return "cost" if t.quantity.startswith("cost:") else t.quantity


def _state_terms(model: DecisionModel, params: Parameters, totals: Totals) -> list[Term]:
    """Costs (by component, or their sum), utilities and life-years of every state that has them."""
    dt = model.settings.cycle_length
    scale = dt if model.settings.state_values_per == "year" else 1.0
    kind = "cycle" if model.settings.state_value_timing == "cycle" else "point"
    out = []
    for i, st in enumerate(model.states):
        costs = {c: e for c, e in st.costs.items() if not _zero(e)}
        groups = {f"cost:{c}": [e] for c, e in costs.items()} if totals.outputs.by_component else {}
        if not totals.outputs.by_component and costs:
            groups["cost:"] = list(costs.values())
        if totals.wants("qalys") and st.utility is not None and not _zero(st.utility):
            groups["qalys"] = [st.utility]
        for quantity, exprs in groups.items():
            out.append(Term(quantity, Value(exprs, params, st.tunnel, scale, kind), state=i))
        if totals.wants("life_years") and st.alive:
            out.append(Term("life_years", _Constant(dt), state=i))
    for t in out:
        t.per_point = t.value.in_time  # type: ignore[union-attr]
        t.per_cycle = t.per_point and kind == "cycle"
    return out


def _flow_terms(model: DecisionModel, params: Parameters, totals: Totals) -> list[Term]:
    """One-off payoffs on transitions, per cycle 1..n as (S', 1 or n)."""
    out = []
    env = params.context("cycle") if model.transition_rewards else {}
    for r, reward in enumerate(model.transition_rewards):
        pay = reward.payoff
        items = [(f"cost:{c}" if totals.outputs.by_component else "cost:", e) for c, e in pay.costs.items()]
        items += [("qalys", pay.qalys)] if totals.wants("qalys") and pay.qalys is not None else []
        items += [("life_years", pay.life_years)] if totals.wants("life_years") and pay.life_years is not None else []
        for quantity, e in items:
            value = params.value(e, env)[:, :, 0]
            out.append(Term(quantity, value, reward=r, per_point=value.shape[1] > 1))
    return out


def _zero(e: Expression) -> bool:
    """A value written as the number 0 (a dead state's utility) adds nothing."""
    return e.formula.is_constant and not e.formula.names and float(np.asarray(e.formula.evaluate({})).sum()) == 0.0


class _Constant(Value):
    """A value that is the same number everywhere (life-years: the cycle length)."""

    def __init__(self, value: float) -> None:
        self.per_point, self.kind = False, "point"
        self.array = np.full((1, 1, 1), value)

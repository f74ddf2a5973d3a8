"""Compiling the cohort model: states, transition rows, transition rewards, start distributions, and the
settings that run it (cycles, counting method, discounting)."""

from __future__ import annotations

import dataclasses

from atmpcli.errors import ModelError
from atmpcli.model.cycle_correction_and_discounting import CYCLE_VALUE_METHODS
from atmpcli.model.decision_model import (
    DecisionModel,
    Discount,
    Settings,
    Severity,
    StartDistribution,
    State,
    Strategy,
    TransitionReward,
    TransitionRow,
    Tree,
)
from atmpcli.model.expressions import Expression
from atmpcli.model.parameters import Parameters
from atmpcli.scenario import schema as S
from atmpcli.scenario.compiled import VALID_NAME
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.yamlfile import Loc


def compile_states(c: Compiler) -> list[State]:
    out = []
    for name, st in c.spec.states.items():
        loc = ("states", name)
        if not VALID_NAME.match(name):
            c.fail(loc, f"'{name}' is not a valid state name (letters, digits and _)", key=True)
        out.append(
            State(
                name=name,
                label=st.label or name,
                costs=c.costs(st.costs, (*loc, "costs")),
                utility=c.optional(st.utility, (*loc, "utility")),
                alive=st.alive,
                tunnel=st.tunnel_cycles or 1,
            )
        )
    return out


def compile_transitions(c: Compiler) -> list[TransitionRow]:
    """One row per state, in state order (a row that cannot be compiled is empty)."""
    spec = c.spec
    rows = [TransitionRow(i, {}, None, ("transitions", name)) for i, name in enumerate(spec.states)]
    if spec.partitioned_survival:  # occupancy is read off curves (compile_partitions.py)
        return rows
    for src, row in spec.transitions.items():
        i = c.state_ref(src, ("transitions", src))
        if i is None:
            continue
        rests = [dst for dst, v in row.items() if _is_rest(v)]
        if len(rests) > 1:
            c.fail(("transitions", src), f"more than one '{S.REST}' in the row ({', '.join(rests)})")
        for dst, value in row.items():
            j = c.state_ref(dst, ("transitions", src, dst))
            if j is None:
                continue
            if _is_rest(value):
                rows[i].rest = j
            else:
                e = c.expr(value, ("transitions", src, dst))
                if e is not None:
                    rows[i].probabilities[j] = e
    for name in c.state_index:
        if name not in spec.transitions:
            c.fail(
                ("transitions",),
                f"no row for state '{name}' (an absorbing state needs '{name}: {{{name}: 1}}')",
                key=True,
            )
    if spec.transitions and not spec.states:
        c.fail(("transitions",), "transitions are given but no states are defined")
    return rows


def _is_rest(value: float | str) -> bool:
    return isinstance(value, str) and value.strip() == S.REST


def compile_transition_reward(c: Compiler, r: S.TransitionRewardSpec, loc: Loc) -> TransitionReward:
    def refs(value: str | list[str] | None, key: str) -> frozenset[int]:
        if value is None:
            return frozenset(range(len(c.state_index)))
        names = [value] if isinstance(value, str) else value
        idx = [c.state_ref(n, (*loc, key)) for n in names]
        return frozenset(i for i in idx if i is not None)

    return TransitionReward(refs(r.from_, "from"), refs(r.to, "to"), c.payoff(r, loc), loc)


def compile_initial(c: Compiler, spec: dict[str, float | str] | None, loc: Loc) -> StartDistribution | None:
    if spec is None:
        return None
    shares: dict[int, Expression] = {}
    for name, value in spec.items():
        i = c.state_ref(name, (*loc, name))
        e = c.expr(value, (*loc, name))
        if i is not None and e is not None:
            shares[i] = e
    return StartDistribution(shares, loc)


def compile_settings(c: Compiler, tree: Tree | None, strategies: list[Strategy]) -> Settings:
    """The model's settings, with the checks that need the rest of the scenario."""
    st = c.spec.settings
    n = st.n_cycles
    if c.spec.states and n is None:
        c.fail(("settings",), "the scenario has states, so settings needs cycles or horizon")
    if not c.spec.states:
        for s in strategies:
            if (s.tree or tree) is None:
                c.fail(s.origin, "nothing to evaluate: the scenario has no states and this strategy no tree")
    if st.discount_timing in ("cycle-start", "cycle-end") and st.method not in ("beginning", "end", "life-table"):
        c.fail(
            ("settings", "discount_timing"),
            f"'{st.discount_timing}' discounts whole cycles and needs "
            f"method beginning, end or life-table, not '{st.method}'",
        )
    if st.state_value_timing == "cycle" and st.method not in CYCLE_VALUE_METHODS:
        c.fail(
            ("settings", "state_value_timing"),
            f"values per cycle are counted on the start and end of each cycle and need method beginning, end or "
            f"life-table, not '{st.method}'",
        )
    if st.method == "simpson" and n is not None and n % 2:
        c.fail(("settings", "method"), f"textbook Simpson needs an even number of cycles, got {n}")
    return Settings(
        n_cycles=n or 0,
        cycle_length=st.cycle_length,
        method=st.method,
        discount=_discount(c),
        discount_timing=st.discount_timing,
        state_values_per=st.state_values_per,
        state_value_timing=st.state_value_timing,
        start_age=st.start_age,
        effect=st.effect,
        wtp=[k if isinstance(k, float) else 0.0 for k in st.wtp],  # formulas: base values in base_settings
        wtp_formulas=tuple(
            c.expr(k, ("settings", "wtp", i)) if isinstance(k, str) else None for i, k in enumerate(st.wtp)
        ),
        cohort_size=st.cohort_size,
        population=st.population,
        reference_case=st.reference_case,
        severity=_severity(c),
        decision_rules=_decision_rules(st.reference_case),
    )


def _discount(c: Compiler) -> Discount:
    """settings.discount: numbers, or formulas (parameters DSA and PSA can vary) whose base-case values
    are filled in once the parameters are compiled (compile.base_discount)."""
    d = c.spec.settings.discount
    rates: dict[str, float] = {}
    formulas: dict[str, Expression | None] = {}
    for which in ("costs", "effects"):
        raw = getattr(d, which)
        rates[which] = raw if isinstance(raw, float) else 0.0
        formulas[which] = c.expr(raw, ("settings", "discount", which)) if isinstance(raw, str) else None
    return Discount(rates["costs"], rates["effects"], formulas["costs"], formulas["effects"])


def base_settings(c: Compiler, model: DecisionModel) -> None:
    """Fill in the base-case values of discount rates and thresholds written as formulas (parameters that
    DSA and PSA can vary); they must not vary in time."""
    st = model.settings
    d = st.discount
    if not d.formulas and not any(st.wtp_formulas):
        return
    try:
        params = Parameters(model, None, None, 1)
        rates = {}
        for which, e in (("costs", d.costs_formula), ("effects", d.effects_formula)):
            if e is not None and _timeless(c, params, e, "a discount rate is one yearly rate"):
                rates[which] = float(params.discount_rate(which))
        wtp = list(st.wtp)
        for i, e in enumerate(st.wtp_formulas):
            if e is not None and _timeless(c, params, e, "a threshold is one amount"):
                wtp[i] = float(params.at_start(e)[0])
                if not wtp[i] > 0:
                    c.fail(e.origin, f"the threshold is {wtp[i]:g} in the base case; it must be positive")
    except ModelError as error:
        raise model.located(error) from None
    model.settings = dataclasses.replace(st, discount=dataclasses.replace(d, **rates), wtp=wtp)


def _timeless(c: Compiler, params: Parameters, e: Expression, what: str) -> bool:
    if any(params.varies(e)):
        c.fail(e.origin, f"{what} for the whole horizon: it cannot vary with cycle, time, age or state_time")
        return False
    return True


def _decision_rules(reference_case: str | None) -> tuple[str, ...]:
    from atmpcli.scenario.reference_cases import REFERENCE_CASES

    case = REFERENCE_CASES.get(reference_case or "")
    return case.rules if case is not None else ()


def _severity(c: Compiler) -> Severity | None:
    """settings.severity: bundled norms by name, a CSV beside the scenario; a whole start age."""
    st = c.spec.settings
    sev = st.severity
    if sev is None:
        return None
    from atmpcli.analysis.norms import BUNDLED

    norms = sev.norms
    if norms.lower().endswith(".csv"):  # inside the scenario's folder (scenario/paths.py, --allow-path)
        found = c.data_file(norms, ("settings", "severity", "norms"), "norms file")
        norms = str(found) if found is not None else norms
    elif norms not in BUNDLED:
        c.fail(("settings", "severity", "norms"), f"unknown norms '{norms}'; choose one of {', '.join(BUNDLED)}")
    age = sev.start_age if sev.start_age is not None else st.start_age
    where = ("settings", "severity") if sev.start_age is None else ("settings", "severity", "start_age")
    if age is None:
        c.fail(where, "the QALY shortfall needs the patients' start age: give severity.start_age or start_age")
    elif age != int(age):
        c.fail(where, f"the norms are by whole year of age: give severity.start_age (start_age is {age:g})")
    return Severity(female=sev.female, norms=norms, start_age=age)

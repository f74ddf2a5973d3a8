"""A scenario's inputs as a result: what `show` lists, what a workbook's Settings and Parameters sheets hold,
and what a report describes (strategies, states, subgroups, settings, sources)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from atmpcli.analysis.result import Result, Rows, provenance_of, result_type, settings_of, units_of
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.parameters import base_values

if TYPE_CHECKING:
    import pandas as pd

PARAMETER_COLUMNS = ["parameter", "value", "formula", "distribution", "low", "high", "source", "set_by_strategy"]


def parameter_rows(sc: DecisionModel) -> list[dict[str, Any]]:
    base = base_values(sc)
    rows = []
    for name, expr in sc.parameters.items():
        info = sc.parameter_info[name]
        rows.append(
            {
                "parameter": name,
                "value": base.get(name),
                "formula": "" if expr.formula.is_constant else expr.formula.text,
                "distribution": info.distribution,
                "low": info.low,
                "high": info.high,
                "source": info.source,
                "set_by_strategy": ";".join(s.name for s in sc.strategies if name in s.overrides),
            }
        )
    return rows


def settings_rows(sc: DecisionModel) -> list[dict[str, Any]]:
    """The settings an assessor checks first, as (setting, value) rows."""
    st = sc.settings
    about = sc.describe()
    items = {
        "scenario": sc.name,
        "title": sc.title,
        "file": about.file,
        "scenario_sha256": about.sha256,
        "illustrative": about.illustrative,
        "currency": sc.currency,
        "price_year": sc.price_year,
        "reference_case": st.reference_case,
        "effect": st.effect,
        "discount_costs": st.discount.costs,
        "discount_effects": st.discount.effects,
        "method": st.method,
        "discount_timing": st.discount_timing,
        "cycle_length_years": st.cycle_length,
        "cycles": sc.n_cycles if sc.has_markov else None,
        "start_age": st.start_age,
        "cohort_size": st.cohort_size,
        "wtp": ", ".join(f"{w:g}" for w in st.wtp),
        "comparator": sc.comparator,
        "overrides": str(dict(about.overrides)),
        "sources": " | ".join(about.sources),
    }
    return [{"setting": k, "value": v} for k, v in items.items()]


@result_type
class ScenarioInputs(Result):
    """The parameters (main table), settings, strategies, states and subgroups of a scenario."""

    sheet: ClassVar[str] = "Show"
    parameters: pd.DataFrame  # PARAMETER_COLUMNS
    settings_table: pd.DataFrame  # setting, value
    strategies: pd.DataFrame  # strategy, label, comparator
    states: pd.DataFrame  # state, label, utility, costs (formulas as written)
    subgroups: pd.DataFrame  # subgroup, prevalence (test-and-treat populations)
    description: str = ""
    perspective: str = ""
    variants: tuple[str, ...] = ()
    cost_components: tuple[str, ...] = ()
    uncertain: int = 0  # parameters with a distribution
    ranged: int = 0  # parameters with a one-way range
    has_cohort: bool = False
    has_tree: bool = False  # a decision tree in front of the cohort
    has_response: bool = False

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "parameters": self.parameters,
            "settings": self.settings_table,
            "strategies": self.strategies,
            "states": self.states,
            "subgroups": self.subgroups,
        }

    def body(self) -> dict[str, Any]:
        return {"scenario": self.provenance.scenario, "parameters": self.records_of("parameters")}


def scenario_inputs(sc: DecisionModel) -> ScenarioInputs:
    about = sc.describe()
    st = sc.settings
    states = [
        {
            "state": s.name,
            "label": s.label,
            "utility": s.utility.formula.text if s.utility else "0",
            "costs": ", ".join(f"{k}: {e.formula.text}" for k, e in s.costs.items()),
        }
        for s in sc.states
    ]
    trees = [t for t in [sc.tree] + [s.tree for s in sc.strategies] if t is not None]
    return ScenarioInputs(
        title=sc.title,
        units=units_of(sc),
        provenance=provenance_of(sc),
        parameters=Rows(parameter_rows(sc), PARAMETER_COLUMNS),  # frames once read (analysis/result.py)
        settings_table=Rows(settings_rows(sc), ["setting", "value"]),
        strategies=Rows(
            [{"strategy": s.name, "label": s.label, "comparator": s.name == sc.comparator} for s in sc.strategies],
            ["strategy", "label", "comparator"],
        ),
        states=Rows(states, ["state", "label", "utility", "costs"]),
        subgroups=Rows(list(about.subgroups), ["subgroup", "prevalence"]),
        description=about.description,
        perspective=about.perspective,
        variants=tuple(about.variants),
        cost_components=tuple(sc.cost_components),
        uncertain=len(sc.uncertain),
        ranged=len(sc.ranges),
        has_cohort=sc.has_markov,
        has_tree=bool(trees),
        has_response=sc.has_response,
        settings={
            "cycles": sc.n_cycles if sc.has_markov else None,
            "cycle_length": st.cycle_length,
            "method": st.method,
            "state_values_per": st.state_values_per,
            "discount_costs": st.discount.costs,
            "discount_effects": st.discount.effects,
            "discount_timing": st.discount_timing,
            "effect": st.effect,
            "start_age": st.start_age,
            "cohort_size": st.cohort_size,
            "reference_case": st.reference_case,
            "comparator": sc.comparator,
        },
    )


def context(
    model: DecisionModel, *, per: str = "person", wtp: list[float] | None = None, seed: int | None = None
) -> dict[str, Any]:
    """What every result computed from ``model`` starts with: its title, units, provenance, settings and the
    scenario's inputs (for workbooks), as keyword arguments of the result."""
    return {
        "title": model.title,
        "units": units_of(model, per),
        "provenance": provenance_of(model, seed),
        "settings": settings_of(model, per, list(model.settings.wtp) if wtp is None else list(wtp)),
        "inputs": scenario_inputs(model),
    }

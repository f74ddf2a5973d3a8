"""Distributional cost-effectiveness analysis of a scenario (``atmpcli equity``): the aggregate DCEA of
Love-Koh et al. (Value Health 2019;22(5):518-526) and the York Health Equity Impact Calculator.

For each strategy against the scenario's comparator, with ΔC and ΔQ its discounted incremental cost and
QALYs per patient from the base case, and the `equity:` block's subgroups g (docs/decision-rules.md):

- recipients r_g = patients x patient share_g x uptake_g;
- health benefit B_g = r_g ΔQ effect_g; cost C = sum_g r_g ΔC cost_g;
- opportunity cost O_g = oc share_g x C / k (k the opportunity-cost threshold: the cost of a QALY
  forgone elsewhere in the health system); net health benefit NHB_g = B_g - O_g;
- QALE after h_g + NHB_g / N_g (N_g = population share_g x population), then per index (Atkinson,
  Kolm) the EDE before and after, the equity-weighted NHB N ΔEDE, the equity impact N ΔEDE - sum NHB
  and the equity-weighted NMB k N ΔEDE.

``summary`` has one row per strategy and index; ``subgroups`` one row per strategy and subgroup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from atmpcli.analysis.equity import INDICES, Distribution, distribution, inequality_index, opportunity_cost_shares
from atmpcli.analysis.equity import ede as ede_of
from atmpcli.analysis.inputs import context
from atmpcli.analysis.result import Result, records, result_type
from atmpcli.errors import AtmpError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate

SUMMARY_COLUMNS = [
    "strategy",
    "comparator",
    "index",
    "aversion",
    "recipients",
    "inc_cost",
    "inc_qalys",
    "total_cost",
    "health_benefit",
    "opportunity_cost",
    "net_health_benefit",
    "mean_qale",
    "ede_before",
    "ede_after",
    "ede_change",
    "equity_weighted_nhb",
    "equity_impact",
    "inequality_before",
    "inequality_after",
    "nmb",
    "equity_weighted_nmb",
    "quadrant",
]
SUBGROUP_COLUMNS = [
    "strategy",
    "subgroup",
    "label",
    "population_share",
    "population",
    "qale",
    "patient_share",
    "uptake",
    "recipients",
    "health_benefit",
    "opportunity_cost_share",
    "opportunity_cost",
    "net_health_benefit",
    "qale_after",
    "weight_atkinson",
    "weight_kolm",
]
# where a strategy falls on the equity-efficiency impact plane (x: net health benefit, y: equity impact)
QUADRANTS = {
    (True, True): "more health, less inequality",
    (True, False): "more health, more inequality",
    (False, True): "less health, less inequality",
    (False, False): "less health, more inequality",
}


@dataclass(frozen=True)
class Subgroup:
    """One subgroup of the whole population (the scenario's `equity.subgroups`, schema_equity.py)."""

    name: str
    label: str
    population_share: float
    qale: float
    patients: float  # a share or a count: normalised over the subgroups
    uptake: float = 1.0
    effect: float = 1.0
    cost: float = 1.0
    opportunity_cost_share: float | None = None


@dataclass(frozen=True)
class EquityInputs:
    """What a DCEA needs besides the model: the scenario's `equity:` block with its defaults resolved."""

    population: float
    patients: float
    threshold: float  # opportunity-cost threshold, per QALY forgone
    rule: str  # "per_capita" or "subgroups"
    subgroups: tuple[Subgroup, ...]
    atkinson: float | None = None  # None: England's (equity.ATKINSON_EPSILON_ENGLAND)
    kolm: float | None = None
    sources: tuple[str, ...] = ()


@result_type
class DistributionalCEA(Result):
    """The DCEA of a scenario's strategies against its comparator (the module docstring)."""

    sheet: ClassVar[str] = "Distributional CEA"
    summary: pd.DataFrame  # SUMMARY_COLUMNS
    subgroups: pd.DataFrame  # SUBGROUP_COLUMNS
    comparator: str
    population: float
    patients: float
    threshold: float  # the opportunity-cost threshold, in the scenario's currency per QALY
    opportunity_costs: str  # "per_capita" or "subgroups"
    aversion: dict[str, float]
    strategies: list[str]
    sources: list[str]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"summary": self.summary, "subgroups": self.subgroups}

    def body(self) -> dict[str, Any]:
        return self.scenario_header() | {
            "equity": {
                "comparator": self.comparator,
                "population": self.population,
                "patients": self.patients,
                "opportunity_cost_threshold": self.threshold,
                "opportunity_costs": self.opportunity_costs,
                "aversion": dict(self.aversion),
                "sources": list(self.sources),
            },
            "summary": records(self.summary),
            "subgroups": records(self.subgroups),
        }


def aversion_of(inputs: EquityInputs, atkinson: float | None = None, kolm: float | None = None) -> dict[str, float]:
    """The aversion per index: the arguments (--atkinson/--kolm), else the scenario's, else England's."""
    from atmpcli.analysis.equity import ATKINSON_EPSILON_ENGLAND, KOLM_ALPHA_ENGLAND

    given = {"atkinson": atkinson, "kolm": kolm}
    scenario = {"atkinson": inputs.atkinson, "kolm": inputs.kolm}
    default = {"atkinson": ATKINSON_EPSILON_ENGLAND, "kolm": KOLM_ALPHA_ENGLAND}
    out = {}
    for k in INDICES:
        value = given[k] if given[k] is not None else scenario[k]
        out[k] = float(default[k] if value is None else value)
        if out[k] < 0 or not np.isfinite(out[k]):
            raise AtmpError(f"--{k}: inequality aversion must be a finite number >= 0, not {out[k]:g}")
    return out


def dcea(
    model: DecisionModel, inputs: EquityInputs, atkinson: float | None = None, kolm: float | None = None
) -> DistributionalCEA:
    """The distributional CEA of every strategy against the comparator; ``atkinson``/``kolm`` override the
    aversion of ``inputs``."""
    if not model.has_utilities or model.settings.effect != "qalys":
        raise AtmpError("a distributional CEA weighs QALYs: the scenario's effect must be qalys, with utilities")
    aversion = aversion_of(inputs, atkinson, kolm)
    k = inputs.threshold
    outcomes = {o.strategy: o for o in evaluate(model)}
    comp = outcomes[model.comparator]
    summary, groups = [], []
    for name in [s.name for s in model.strategies if s.name != model.comparator]:
        o = outcomes[name]
        assert o.qalys is not None and comp.qalys is not None  # has_utilities
        inc_cost, inc_qalys = float(o.cost[0] - comp.cost[0]), float(o.qalys[0] - comp.qalys[0])
        try:  # e.g. a subgroup's QALE driven below 0, which the Atkinson EDE cannot take
            d, recipients, oc_share = _distribution(inputs, inc_cost, inc_qalys)
            extra = {"recipients": float(recipients.sum()), "total_cost": float(np.sum(d.opportunity_cost)) * k}
            for index in INDICES:
                row = _summary_row(name, model.comparator, index, aversion[index], d, k, inc_cost, inc_qalys)
                summary.append(row | extra)
            groups += _subgroup_rows(name, inputs, d, recipients, oc_share, aversion)
        except ValueError as exc:
            raise AtmpError(f"equity: {name}: {exc}") from None
    return DistributionalCEA(
        **context(model, per="population"),
        summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS),
        subgroups=pd.DataFrame(groups, columns=SUBGROUP_COLUMNS),
        comparator=model.comparator,
        population=inputs.population,
        patients=inputs.patients,
        threshold=k,
        opportunity_costs=inputs.rule,
        aversion=aversion,
        strategies=[s.name for s in model.strategies],
        sources=list(inputs.sources),
    )


def _distribution(
    inputs: EquityInputs, inc_cost: float, inc_qalys: float
) -> tuple[Distribution, np.ndarray, np.ndarray]:
    """The distribution after the decision, the recipients and the opportunity-cost shares per subgroup."""
    g = inputs.subgroups
    share = np.array([x.patients for x in g]) / sum(x.patients for x in g)
    recipients = inputs.patients * share * np.array([x.uptake for x in g])
    benefit = recipients * inc_qalys * np.array([x.effect for x in g])
    total_cost = float(np.sum(recipients * inc_cost * np.array([x.cost for x in g])))
    population = inputs.population * np.array([x.population_share for x in g])
    rule = [x.opportunity_cost_share or 0.0 for x in g] if inputs.rule == "subgroups" else None
    oc = opportunity_cost_shares(population / population.sum(), inputs.rule, rule)
    d = distribution([x.qale for x in g], population, benefit, total_cost, inputs.threshold, oc)
    return d, recipients, oc


def _summary_row(
    name: str, comparator: str, index: str, aversion: float, d: Distribution, k: float, dc: float, dq: float
) -> dict[str, Any]:
    nhb, weighted = d.total_net_health_benefit, d.equity_weighted_net_health_benefit(index, aversion)
    before = ede_of(d.baseline, d.shares, index, aversion)
    impact = weighted - nhb
    return {
        "strategy": name,
        "comparator": comparator,
        "index": index,
        "aversion": aversion,
        "inc_cost": dc,
        "inc_qalys": dq,
        "health_benefit": float(d.health_benefit.sum()),
        "opportunity_cost": float(d.opportunity_cost.sum()),
        "net_health_benefit": nhb,
        "mean_qale": float(np.sum(d.shares * d.baseline)),
        "ede_before": before,
        "ede_after": before + d.ede_change(index, aversion),
        "ede_change": d.ede_change(index, aversion),
        "equity_weighted_nhb": weighted,
        "equity_impact": impact,
        "inequality_before": inequality_index(d.baseline, d.shares, index, aversion),
        "inequality_after": inequality_index(d.after, d.shares, index, aversion),
        "nmb": k * nhb,
        "equity_weighted_nmb": k * weighted,
        "quadrant": QUADRANTS[(nhb >= 0, impact >= 0)],
    }


def _subgroup_rows(
    name: str,
    inputs: EquityInputs,
    d: Distribution,
    recipients: np.ndarray,
    oc_share: np.ndarray,
    aversion: dict[str, float],
) -> list[dict[str, Any]]:
    total_patients = sum(x.patients for x in inputs.subgroups)
    wa, wk = d.weights("atkinson", aversion["atkinson"]), d.weights("kolm", aversion["kolm"])
    return [
        {
            "strategy": name,
            "subgroup": g.name,
            "label": g.label,
            "population_share": g.population_share,
            "population": float(d.population[i]),
            "qale": g.qale,
            "patient_share": g.patients / total_patients,
            "uptake": g.uptake,
            "recipients": float(recipients[i]),
            "health_benefit": float(d.health_benefit[i]),
            "opportunity_cost_share": float(oc_share[i]),
            "opportunity_cost": float(d.opportunity_cost[i]),
            "net_health_benefit": float(d.net_health_benefit[i]),
            "qale_after": float(d.after[i]),
            "weight_atkinson": float(wa[i]),
            "weight_kolm": float(wk[i]),
        }
        for i, g in enumerate(inputs.subgroups)
    ]

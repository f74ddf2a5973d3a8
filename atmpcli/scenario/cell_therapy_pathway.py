"""A cell or gene therapy's pathway before infusion, compiled into tree branches (atmp-economics.md 2.4-2.5).

    pathway (apheresis, for everyone who starts) -> manufacturing failure -> fallback treatment or a state
                                                 -> drop-out while waiting (progression or death)
                                                 -> infused (conditioning, bridging, adverse events) -> response

The product price is paid on infusion (and, with ``charge_if_not_infused``, also for those not infused),
unless a payment plan schedules it (``compile_strategies.py``, ``atmpcli/model/payment_schedules.py``).
"""

from __future__ import annotations

from typing import Any, Protocol

from atmpcli.model.decision_model import Branch, Payoff
from atmpcli.model.expressions import Expression
from atmpcli.scenario import schema as S
from atmpcli.scenario.compiler import Compiler, formula_text
from atmpcli.scenario.yamlfile import Loc

DAYS_PER_MONTH = 30.4375  # 365.25 / 12


class TreatmentBuilder(Protocol):
    """What the pathway needs from the test-and-treat tree builder."""

    c: Compiler
    spec: S.ScenarioSpec
    infused_only: bool  # build only the branch of people infused

    def expr(self, text: str, loc: Loc) -> Expression | None: ...

    def treatment(self, name: str, subgroup: str, tags: dict[str, Any]) -> Branch | None: ...


def pathway_branches(
    b: TreatmentBuilder, name: str, subgroup: str, tags: dict[str, Any], outcome: list[Branch]
) -> list[Branch]:
    """Enrolment -> manufacturing failure / drop-out while waiting / infused (then ``outcome``)."""
    pw = b.spec.treatments[name].pathway
    assert pw is not None
    loc: Loc = ("treatments", name, "pathway")
    price = b.c.costs({"product": pw.price}, loc) if not pw.payment.scheduled else {}
    charged = {"charged": b.expr("1", loc)}
    bridging = {
        comp: f"{formula_text(pw.bridging_probability)} * {formula_text(v)}" for comp, v in pw.bridging_costs.items()
    }
    infused = _infused(b, pw, loc, tags, outcome, price, charged, bridging)
    apheresis = b.c.costs(pw.apheresis_costs, (*loc, "apheresis_costs"))
    if b.infused_only:
        branches = [infused]
    else:
        not_infused_cost = price if pw.charge_if_not_infused else {}
        not_infused_metrics = charged if pw.charge_if_not_infused else {}
        failure = _manufacturing_failure(b, name, subgroup, tags, not_infused_cost, not_infused_metrics)
        dropout = _dropout(b, pw, loc, tags, bridging, not_infused_cost, not_infused_metrics)
        branches = [failure, dropout, infused]
    return [
        Branch("pathway", "pathway", b.expr("1", loc), Payoff(costs=apheresis), False, None, branches, loc, tags=tags)
    ]


def _infused(
    b: TreatmentBuilder,
    pw: S.PathwaySpec,
    loc: Loc,
    tags: dict[str, Any],
    outcome: list[Branch],
    price: dict[str, Expression],
    charged: dict[str, Expression | None],
    bridging: dict[str, str],
) -> Branch:
    """Those infused: conditioning, bridging and adverse events (costs and one-off QALYs), then the response."""
    # Apheresis is paid for everyone who starts; the rest depends on how far they get.
    infused_costs = {**pw.conditioning_costs, **bridging}
    ae_qalys = []
    for ae in pw.adverse_events:
        for comp, v in ae.costs.items():
            term = f"{formula_text(ae.probability)} * {formula_text(v)}"
            infused_costs[comp] = f"{formula_text(infused_costs[comp])} + {term}" if comp in infused_costs else term
        if ae.qalys is not None:
            ae_qalys.append(f"{formula_text(ae.probability)} * {formula_text(ae.qalys)}")
    payoff = Payoff(
        costs={**b.c.costs(infused_costs, loc), **price},
        qalys=b.expr(" + ".join(ae_qalys), (*loc, "adverse_events")) if ae_qalys else None,
    )
    p = b.expr("1", loc) if b.infused_only else None
    branch = Branch("infused", "infused", p, payoff, False, None, outcome, loc, tags={**tags, "pathway": "infused"})
    branch.metrics = {"infused": b.expr("1", loc), **charged}
    return branch


def _manufacturing_failure(
    b: TreatmentBuilder,
    name: str,
    subgroup: str,
    tags: dict[str, Any],
    not_infused_cost: dict[str, Expression],
    not_infused_metrics: dict[str, Expression | None],
) -> Branch:
    """The product cannot be made: the patient gets the fallback treatment or enters the failure state."""
    pw = b.spec.treatments[name].pathway
    assert pw is not None
    loc: Loc = ("treatments", name, "pathway")
    children: list[Branch] = []
    state = None
    if pw.failure_treatment is not None:
        if pw.failure_treatment not in b.spec.treatments or pw.failure_treatment == name:
            others = [k for k in b.spec.treatments if k != name]
            b.c.unknown((*loc, "failure_treatment"), pw.failure_treatment, others, "treatment")
        else:
            fallback = b.treatment(pw.failure_treatment, subgroup, {**tags, "pathway": "manufacturing_failure"})
            if fallback is not None:
                fallback.metrics.pop("treated", None)  # already counted as treated when they started the pathway
            children = [fallback] if fallback else []
    elif pw.failure_state is not None:
        state = b.c.state_ref(pw.failure_state, (*loc, "failure_state"))
    elif b.spec.states and not (isinstance(pw.manufacturing_failure, float) and pw.manufacturing_failure == 0):
        b.c.fail(loc, "give failure_treatment or failure_state for manufacturing failures")
    p = b.expr(formula_text(pw.manufacturing_failure), (*loc, "manufacturing_failure"))
    payoff = Payoff(costs=dict(not_infused_cost))
    branch_tags = {**tags, "pathway": "manufacturing_failure"}
    branch = Branch(
        "manufacturing_failure", "manufacturing failure", p, payoff, False, state, children, loc, branch_tags
    )
    branch.metrics = dict(not_infused_metrics)
    return branch


def _dropout(
    b: TreatmentBuilder,
    pw: S.PathwaySpec,
    loc: Loc,
    tags: dict[str, Any],
    bridging: dict[str, str],
    not_infused_cost: dict[str, Expression],
    not_infused_metrics: dict[str, Expression | None],
) -> Branch:
    """Lost while waiting for the product (constant hazard over the vein-to-vein time)."""
    drop_text = (
        f"(1 - {formula_text(pw.manufacturing_failure)}) * (1 - exp(-{formula_text(pw.dropout_hazard_per_month)} * "
        f"{formula_text(pw.vein_to_vein_days)} / {DAYS_PER_MONTH}))"
    )
    state = b.c.state_ref(pw.dropout_state, (*loc, "dropout_state")) if pw.dropout_state else None
    if (
        b.spec.states
        and pw.dropout_state is None
        and not (isinstance(pw.dropout_hazard_per_month, float) and pw.dropout_hazard_per_month == 0)
    ):
        b.c.fail(loc, "give dropout_state for people lost while waiting")
    p = b.expr(drop_text, (*loc, "dropout_hazard_per_month"))
    payoff = Payoff(costs={**b.c.costs(bridging, loc), **not_infused_cost})
    label = "not infused (progression or death while waiting)"
    branch = Branch("dropout", label, p, payoff, False, state, [], loc, tags={**tags, "pathway": "dropout"})
    branch.metrics = dict(not_infused_metrics)
    return branch

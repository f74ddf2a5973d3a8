"""Payment schedules of a cell/gene therapy by formulas (``atmpcli/model/payment_schedules.py``).

Amounts are per person charged: upfront, equal instalments (an annuity at the financing rate), or shares
of the price paid at given times if the outcome condition holds then among those infused (read off their
cohort trace), with an optional rebate. Their present value at the cost discount rate, times the share of
the strategy charged, replaces the price in the product cost.
"""

from __future__ import annotations

import math
from typing import Any

from atmpcli.errors import AtmpError
from atmpcli.model.decision_model import PaymentPlan, Strategy
from atmpcli.report.excel_twin.book import DECIMAL, MONEY, cell
from atmpcli.report.excel_twin.cells import ExpressionWriter
from atmpcli.report.excel_twin.cohort_sheet import CohortTotals
from atmpcli.report.excel_twin.plan import SETTINGS, START, Where

HEADER = ["payment", "time (years)", "share of price", "condition holds", "amount per person charged", "present value"]


def write_payments(
    ws: Any, sheet: str, row: int, writer: ExpressionWriter, strategy: Strategy, infused: CohortTotals | None
) -> tuple[int, str, str]:
    """Write each payment plan of ``strategy``; return the next free row and the cells of the present value
    and the nominal sum per person charged (all plans together)."""
    pv_cells, nominal_cells = [], []
    for plan in strategy.payments:
        row, pv, nominal = _plan(ws, sheet, row, writer, plan, infused)
        pv_cells.append(pv)
        nominal_cells.append(nominal)
    return row, f"({'+'.join(pv_cells)})", f"({'+'.join(nominal_cells)})"


def _plan(
    ws: Any, sheet: str, row: int, writer: ExpressionWriter, plan: PaymentPlan, infused: CohortTotals | None
) -> tuple[int, str, str]:
    book, model = writer.plan.book, writer.plan.model
    terms = plan.terms
    ws.write(row, 0, f"Payments for {plan.treatment} ({terms.type.replace('_', ' ')})", book.fmt("heading"))
    ws.write(row + 1, 0, "price")
    writer.write(ws, row + 1, 1, plan.price, Where(sheet, START), MONEY)
    price = cell(row + 1, 1)
    states = plan.states if plan.states is not None else [i for i, st in enumerate(model.states) if st.alive]
    ws.write(row + 2, 0, "condition: in " + ", ".join(model.states[i].name for i in states) + " (those infused)")
    for j, h in enumerate(HEADER):
        ws.write(row + 3, j, h, book.fmt("header"))
    ws.set_row(row + 3, 30)
    lines = _lines(plan, book.names)
    first = row + 4
    for k, (label, t, share, condition_sign) in enumerate(lines):
        r = first + k
        ws.write(r, 0, label)
        ws.write_number(r, 1, t)
        ws.write_formula(r, 2, f"={share}", book.fmt("text", DECIMAL))
        if condition_sign is not None:
            held = _condition(model, infused, states, t)
            cond = held if condition_sign > 0 else f"(1-({held}))"
            ws.write_formula(r, 3, f"={cond}", book.fmt("text", DECIMAL))
            ws.write_formula(r, 4, f"={price}*{cell(r, 2)}*{cell(r, 3)}", book.fmt("text", MONEY))
        else:
            ws.write_formula(r, 4, f"={price}*{cell(r, 2)}", book.fmt("text", MONEY))
        ws.write_formula(
            r, 5, f"={cell(r, 4)}*POWER(1+{SETTINGS['discount_costs']},-{cell(r, 1)})", book.fmt("text", MONEY)
        )
    last = first + len(lines) - 1
    total = last + 1
    ws.write(total, 0, "per person charged", book.fmt("total"))
    ws.write_formula(total, 4, f"=SUM({cell(first, 4)}:{cell(last, 4)})", book.fmt("total", MONEY))
    ws.write_formula(total, 5, f"=SUM({cell(first, 5)}:{cell(last, 5)})", book.fmt("total", MONEY))
    return total + 2, cell(total, 5), cell(total, 4)


def _lines(plan: PaymentPlan, names: Any) -> list[tuple[str, float, str, int | None]]:
    """(label, time, share of the price as a formula, +1/-1 for a condition that must hold/fail, None)."""
    terms, key = plan.terms, plan.treatment
    out: list[tuple[str, float, str, int | None]] = []
    if terms.type == "upfront":
        out.append(("at infusion", 0.0, "1", None))
    elif terms.type == "instalments":
        rate = names[f"payment.{key}.financing_rate"]
        factor = "+".join(f"POWER(1+{rate},-{k})" for k in range(terms.instalments))
        out += [(f"instalment {k + 1}", float(k), f"1/({factor})", None) for k in range(terms.instalments)]
    else:
        out += [
            (f"payment {k + 1}", float(t), names[f"payment.{key}.fraction_{k + 1}"], 1)
            for k, t in enumerate(terms.times)
        ]
    if terms.rebate_fraction:
        assert terms.rebate_time is not None
        out.append(
            (
                "rebate if the condition fails",
                float(terms.rebate_time),
                f"-{names[f'payment.{key}.rebate_fraction']}",
                -1,
            )
        )
    return out


def _condition(model: Any, infused: CohortTotals | None, states: list[int], t: float) -> str:
    """The share of those infused in ``states`` at the last time point at or before ``t`` years."""
    if infused is None:  # the compiler refuses outcome-based payments and rebates without a cohort model
        raise AtmpError("outcome-based payments need a cohort model")
    k = int(math.floor(t / model.settings.cycle_length + 1e-9))
    return "+".join(infused.occupancy[(k, i)] for i in states)

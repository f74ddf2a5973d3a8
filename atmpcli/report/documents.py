"""The JSON document shapes (documented in docs/output-format.md)."""

from __future__ import annotations

from typing import Any

from atmpcli import __version__
from atmpcli.analysis.compare import Comparison


def scenario_header(cmp: Comparison) -> dict[str, Any]:
    sc = cmp.scenario
    st = sc.settings
    return {
        "atmpcli_version": __version__,
        "scenario": {
            "name": sc.name,
            "title": sc.spec.title,
            "file": str(sc.path),
            "illustrative": sc.spec.illustrative,
            "currency": sc.spec.currency,
            "price_year": sc.spec.price_year,
            "sources": list(sc.spec.sources),
        },
        "settings": {
            "effect": st.effect,
            "per": cmp.per,
            "cohort_size": st.cohort_size,
            "discount_costs": st.discount.costs,
            "discount_effects": st.discount.effects,
            "method": st.method,
            "discount_timing": st.discount_timing,
            "cycle_length": st.cycle_length,
            "cycles": sc.n_cycles if sc.has_markov else None,
            "wtp": list(cmp.wtp),
        },
    }


def comparison_document(cmp: Comparison) -> dict[str, Any]:
    doc = scenario_header(cmp)
    doc["comparator"] = cmp.scenario.comparator
    doc["frontier"] = list(cmp.incremental.frontier)
    doc["columns"] = list(cmp.columns)
    doc["strategies"] = [{c: row.get(c) for c in cmp.columns} for row in cmp.rows]
    return doc

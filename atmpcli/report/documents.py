"""The JSON document shapes (documented in docs/output-format.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from atmpcli import __version__
from atmpcli.analysis.compare import Comparison, payment_rows
from atmpcli.analysis.psa_summary import PSASummary


def scenario_header(cmp: Comparison) -> dict[str, Any]:
    return header(cmp.scenario, cmp.per, cmp.wtp)


def provenance(sc: Any, seed: int | None = None) -> dict[str, Any]:
    """What produced this output: version, the scenario file's hash, the changes applied, seed and time."""
    return {
        "atmpcli_version": __version__,
        "scenario_file": str(sc.path),
        "scenario_sha256": sc.doc.sha256,
        "overrides": sc.overrides,
        "seed": seed,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def header(sc: Any, per: str, wtp: list[float], seed: int | None = None) -> dict[str, Any]:
    st = sc.settings
    return {
        "atmpcli_version": __version__,
        "provenance": provenance(sc, seed),
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
            "per": per,
            "cohort_size": st.cohort_size,
            "discount_costs": st.discount.costs,
            "discount_effects": st.discount.effects,
            "method": st.method,
            "discount_timing": st.discount_timing,
            "cycle_length": st.cycle_length,
            "cycles": sc.n_cycles if sc.has_markov else None,
            "wtp": list(wtp),
        },
    }


def comparison_document(cmp: Comparison) -> dict[str, Any]:
    doc = scenario_header(cmp)
    doc["comparator"] = cmp.scenario.comparator
    doc["frontier"] = list(cmp.incremental.frontier)
    doc["columns"] = list(cmp.columns)
    doc["strategies"] = [{c: row.get(c) for c in cmp.columns} for row in cmp.rows]
    doc["payments"] = payment_rows(cmp)
    if cmp.survival:
        doc["survival"] = cmp.survival  # docs/output-format.md: survival checks
    doc["warnings"] = list(cmp.warnings)
    return doc


def psa_document(summary: PSASummary, header: dict[str, Any]) -> dict[str, Any]:
    r = summary.result
    doc = dict(header)
    doc["psa"] = {"samples": r.samples, "seed": r.seed, "source": r.source, "population": summary.population}
    doc["comparator"] = r.strategies[r.comparator]
    doc["wtp"] = list(summary.wtp)
    doc["strategies"] = [
        {
            "strategy": s,
            "cost": _summary(summary.cost, k),
            "effect": _summary(summary.effect, k),
            "inc_cost": _summary(summary.inc_cost, k) if k != r.comparator else None,
            "inc_effect": _summary(summary.inc_effect, k) if k != r.comparator else None,
            "status": summary.incremental.status[k],
            "icer_of_means": float(summary.incremental.icer[k]),
            "prob_cost_effective": [float(x) for x in summary.ceac[:, k]],
            "expected_nmb": [float(x) for x in summary.expected_nmb[:, k]],
        }
        for k, s in enumerate(r.strategies)
    ]
    doc["ceaf"] = [
        {"wtp": w, "strategy": r.strategies[int(b)], "probability": float(summary.ceac[i, int(b)])}
        for i, (w, b) in enumerate(zip(summary.wtp, summary.optimal, strict=True))
    ]
    doc["evpi"] = [float(x) for x in summary.evpi]
    doc["evppi"] = [
        {
            "parameters": e.parameters,
            "evppi": [float(x) for x in e.evppi],
            "se": [float(x) for x in e.se],
            "method": e.method,
            "samples": e.samples,
            "basis_size": e.basis_size,
            "r2_cost": [float(x) for x in e.r2_cost],
            "r2_effect": [float(x) for x in e.r2_effect],
        }
        for e in summary.evppi
    ]
    return doc


def _summary(s: Any, k: int) -> dict[str, float]:
    return {"mean": float(s.mean[k]), "low": float(s.low[k]), "high": float(s.high[k])}

"""HTA reference cases by jurisdiction (atmp-economics.md section 3; sources in docs/reference-cases.md).

A preset sets the discount rates and, where the jurisdiction has them, willingness-to-pay thresholds.
Explicit settings in the scenario (or --set) win over the preset. Thresholds are in the preset's
currency: they are applied only to scenarios in that currency, never converted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReferenceCase:
    name: str
    label: str
    costs: float
    effects: float
    currency: str
    wtp: tuple[float, ...]
    perspective: str
    source: str
    note: str = ""
    # the decision rules `compare --severity` / `--benchmarks` apply (analysis/weighted_decisions.py)
    rules: tuple[str, ...] = ()


REFERENCE_CASES = {
    case.name: case
    for case in (
        ReferenceCase(
            "be_kce",
            "Belgium (KCE)",
            0.03,
            0.015,
            "EUR",
            (),
            "health-care payer (government and patient co-payments)",
            "Cleemput et al., KCE Report 183C (2012)",
            "no explicit threshold",
        ),
        ReferenceCase(
            "nl_zin_2024",
            "Netherlands (Zorginstituut, 2024 guideline)",
            0.03,
            0.015,
            "EUR",
            (20000.0, 50000.0, 80000.0),
            "societal, including unrelated medical costs in life-years gained",
            "Zorginstituut Nederland, Richtlijn economische evaluaties (2024)",
            "reference values by severity (proportional shortfall)",
            ("zin_reference_value",),
        ),
        ReferenceCase(
            "uk_nice_2026",
            "England (NICE)",
            0.035,
            0.035,
            "GBP",
            (25000.0, 35000.0),
            "NHS and personal social services",
            "NICE manual PMG36; thresholds from April 2026",
            "1.5 % for both may be used for curative therapies (uk_nice_1_5)",
            ("nice_severity", "nice_hst"),
        ),
        ReferenceCase(
            "uk_nice_1_5",
            "England (NICE, non-reference 1.5 %)",
            0.015,
            0.015,
            "GBP",
            (25000.0, 35000.0),
            "NHS and personal social services",
            "NICE manual PMG36, section 4.5.3",
            "only when the criteria for curative therapies are met",
            ("nice_severity", "nice_hst"),
        ),
        ReferenceCase(
            "us_icer",
            "United States (ICER)",
            0.03,
            0.03,
            "USD",
            (100000.0, 150000.0),
            "health-care sector",
            "ICER Value Assessment Framework (2023)",
            "health-benefit price benchmarks at $100k-$150k per QALY",
            ("evlyg", "price_benchmarks"),
        ),
        ReferenceCase(
            "de_iqwig",
            "Germany (IQWiG)",
            0.03,
            0.03,
            "EUR",
            (),
            "statutory health insurance",
            "IQWiG General Methods (rates not confirmed against the primary text)",
            "no threshold: efficiency frontier",
        ),
        ReferenceCase(
            "fr_has",
            "France (HAS)",
            0.025,
            0.025,
            "EUR",
            (),
            "collective (all funders)",
            "HAS methodological guide (2020; rate not confirmed against the primary text)",
            "2.5 % falling to 1.5 % beyond 30 years; atmpcli applies 2.5 % throughout",
        ),
    )
}

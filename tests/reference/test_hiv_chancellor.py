"""HIV/AIDS model: Chancellor et al., PharmacoEconomics 1997;12:54-66, as worked in Briggs, Claxton &
Sculpher, Decision Modelling for Health Economic Evaluation (2006), exercise 2.5. Full-precision targets
from shared/reference/validation-public.md (case 1)."""

from numpy.testing import assert_allclose

from atmpcli.analysis.compare import compare
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled, load_variant


def test_costs_and_life_years_match_published():
    mono, combo = evaluate(load_scenario(bundled("hiv_chancellor")))
    assert_allclose(mono.cost[0], 44663.4535637, rtol=1e-11)
    assert_allclose(combo.cost[0], 50601.6513312, rtol=1e-11)
    assert_allclose(mono.life_years[0], 7.99120664584, rtol=1e-11)
    assert_allclose(combo.life_years[0], 8.93738889164, rtol=1e-11)


def test_icer_matches_published():
    result = compare(load_scenario(bundled("hiv_chancellor")))
    combo = next(r for r in result.rows if r["strategy"] == "combination")
    assert_allclose(combo["icer"], 6275.95560, rtol=1e-9)  # published: GBP 6,276 per life-year
    assert combo["status"] == "ND" and combo["reference"] == "monotherapy"


def test_monotherapy_trace():
    mono = evaluate(load_scenario(bundled("hiv_chancellor")))[0]
    assert_allclose(
        mono.trace[0, 1], [0.72145328719723, 0.20184544405998, 0.0668973471742, 0.00980392156863], rtol=1e-11
    )
    assert_allclose(
        mono.trace[0, 20], [0.00145936635999, 0.00207076752307, 0.0282334223646, 0.96823644375229], rtol=1e-10
    )


def test_half_cycle_life_years():
    mono, combo = evaluate(load_variant("hiv_chancellor", {"method": "half-cycle"}))
    assert_allclose(mono.life_years[0], 8.47532486771703, rtol=1e-12)
    assert_allclose(combo.life_years[0], 9.416785238416615, rtol=1e-12)

"""One-way, two-way and threshold analyses against hand calculations."""

import numpy as np
import pytest

from atmpcli.analysis.compare import compare
from atmpcli.analysis.dsa import Range, inputs, one_way, ranges, two_way
from atmpcli.analysis.threshold import threshold
from atmpcli.errors import ScenarioError
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled


def base_rows(name, **sets):
    return {r["strategy"]: r for r in compare(load_scenario(bundled(name), sets=sets)).rows}


def test_one_way_equals_separate_runs():
    sc = load_scenario(bundled("hiv_chancellor"))
    rngs = [Range("c_zidovudine", 2278, 2000, 3000, "given"), Range("rr_combination", 0.509, 0.4, 0.6, "given")]
    ow = one_way(sc, rngs, outcome="icer", strategy="combination", comparator="monotherapy", wtp=20000)
    for i, r in enumerate(rngs):
        for value, got in ((r.low, ow.low_values[i]), (r.high, ow.high_values[i])):
            expected = base_rows("hiv_chancellor", **{r.parameter: value})["combination"]["icer"]
            assert got == pytest.approx(expected, rel=1e-12)
    assert ow.base_value == pytest.approx(6275.9556, rel=1e-8)
    assert [rngs[i].parameter for i in ow.order()] == ["rr_combination", "c_zidovudine"]  # bigger swing first


def test_ranges_from_distribution_percentiles_and_percent():
    sc = load_scenario(bundled("sick_sicker"))
    r = {x.parameter: x for x in ranges(sc)}
    # gamma(shape 30, rate 200): 2.5th and 97.5th percentiles
    from scipy.stats import gamma

    assert r["r_HS1"].low == pytest.approx(gamma(30, scale=1 / 200).ppf(0.025))
    assert r["r_HS1"].source == "distribution"
    assert "p_HS1" not in r and "use_A" not in r  # derived parameters and switches without a range stay out
    hiv = {x.parameter: x for x in ranges(load_scenario(bundled("hiv_chancellor")), percent=20)}
    assert hiv["c_zidovudine"].low == pytest.approx(2278 * 0.8)
    with pytest.raises(ScenarioError, match="computed from other parameters"):
        ranges(sc, ["p_HS1"])


def test_varying_a_probability_keeps_the_row_valid():
    # transitions.A has `A: rest`; raising p_AD by 50 % must simply lower the stay-in-A probability
    sc = load_scenario(bundled("hiv_chancellor"))
    assert "p_AD" in inputs(sc)
    ow = one_way(
        sc,
        [Range("p_AD", 17 / 1734, 1.5 * 17 / 1734, 1.5 * 17 / 1734, "given")],
        outcome="inc_cost",
        strategy="combination",
        comparator="monotherapy",
        wtp=1,
    )
    expected = base_rows("hiv_chancellor", p_AD=1.5 * 17 / 1734)
    assert ow.low_values[0] == pytest.approx(expected["combination"]["cost"] - expected["monotherapy"]["cost"])


def test_two_way_grid_corners():
    sc = load_scenario(bundled("sick_sicker"))
    a, b = Range("c_trtB", 13000, 10000, 16000, "given"), Range("u_S1", 0.75, 0.7, 0.8, "given")
    tw = two_way(sc, a, b, 3, outcome="inc_nmb", strategy="B", comparator="SoC", wtp=100000)
    corner = base_rows("sick_sicker", c_trtB=16000, u_S1=0.8)
    assert tw.values[2, 2] == pytest.approx(
        100000 * (corner["B"]["qalys"] - corner["SoC"]["qalys"]) - (corner["B"]["cost"] - corner["SoC"]["cost"])
    )
    assert tw.optimal[2][2] == max(corner, key=lambda k: 100000 * corner[k]["qalys"] - corner[k]["cost"])
    assert np.shape(tw.values) == (3, 3)


def test_threshold_price_by_hand():
    # CAR-T cost is linear in the price with slope = infused share 79/97, so the maximum price at
    # wtp is price + incremental NMB / (79/97).
    import yaml

    data = yaml.safe_load(bundled("cart_pediatric_all").read_text())
    del data["strategies"]["cart_paid_on_result"]  # upfront payment only: the price enters linearly
    sc = load_scenario(bundled("cart_pediatric_all"), text=yaml.safe_dump(data, sort_keys=False))
    rows = {r["strategy"]: r for r in compare(sc).rows}
    res = threshold(sc, "c_tisagenlecleucel", "cart", [100000, 150000])
    for point in res.points:
        inc_nmb = point.wtp * (rows["cart"]["qalys"] - rows["salvage"]["qalys"]) - (
            rows["cart"]["cost"] - rows["salvage"]["cost"]
        )
        assert point.value == pytest.approx(475000 + inc_nmb / (79 / 97), rel=1e-9)
        assert point.cost_effective_below is True and point.crossings == 1


def test_threshold_reports_when_no_value_works():
    sc = load_scenario(bundled("egfr_test_and_treat"))
    res = threshold(sc, "c_test", "test_and_treat", [20000])
    assert res.points[0].value is None
    assert "not cost-effective for any value in [0, 3000]" in res.points[0].note


def test_threshold_among_several_strategies_uses_the_best_alternative():
    # Sick-Sicker at 100,000: B is optimal; B stays optimal while its price is below the point where
    # NMB(B) meets max(NMB(SoC), NMB(AB)); check that the gap is zero there.
    sc = load_scenario(bundled("sick_sicker"))
    res = threshold(sc, "c_trtB", "B", [100000], low=5000, high=30000)
    v = res.points[0].value
    rows = base_rows("sick_sicker", c_trtB=v)
    nmb = {k: 100000 * r["qalys"] - r["cost"] for k, r in rows.items()}
    assert nmb["B"] == pytest.approx(max(nmb["SoC"], nmb["A"], nmb["AB"]), abs=1e-3)

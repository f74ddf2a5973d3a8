"""compare --severity / --benchmarks on tests/data/rules_toy.yaml, every number worked out by hand.

The toy: two annual cycles counted at the end of each cycle, undiscounted. Standard care (soc) starts
everyone in Sick (utility 0.5, USD 400,000 a year, 50 % die each year); the therapy (gt, price 300,000)
starts everyone in Well (utility 0.9, USD 1,000 a year, 10 % die each year).
  soc alive at the end of years 1, 2: 0.5, 0.25 -> QALYs 0.5 x 0.75 = 0.375, costs 400,000 x 0.75 = 300,000
  gt  alive: 0.9, 0.81 -> QALYs 0.9 x 1.71 = 1.539, costs 300,000 + 1,000 x 1.71 = 301,710
  dQ = 1.164, dC = 1,710; life-years gained 1.71 - 0.75 = 0.96.
"""

import math

import pytest

from atmpcli.analysis.shortfall import shortfall
from atmpcli.analysis.weighted_decisions import DECISION_COLUMNS, SEVERITY_COLUMNS, weighted_decisions
from atmpcli.errors import AtmpError
from atmpcli.scenario.compile import load_scenario
from tests.conftest import DATA

TOY = DATA / "rules_toy.yaml"
DQ, DC = 1.539 - 0.375, 301_710 - 300_000
# evLY: the years both arms live (0.5, 0.25) at gt's utility 0.9, the added (0.4, 0.56) at 0.851
EVLY = 0.9 * 0.75 + 0.851 * 0.96
EVLYG = EVLY - 0.375
# offsets: soc's costs minus gt's costs other than the price, per year: 200,000 - 900, 100,000 - 810
OFFSETS = (199_100.0, 99_190.0)


def toy(**sets):
    return load_scenario(TOY, sets=sets)


def by_rule(result, rule):
    (row,) = [r for r in result.rows if r["rule"] == rule]
    return row


def test_weighted_decisions_by_hand():
    r = weighted_decisions(toy(), price="price")
    assert list(r.frame.columns) == DECISION_COLUMNS
    assert [x["rule"] for x in r.rows] == ["none", "nice_severity", "nice_hst", "zin_reference_value", "evlyg"]
    none = by_rule(r, "none")
    assert none["inc_cost"] == pytest.approx(DC) and none["inc_qalys"] == pytest.approx(DQ)
    assert none["icer"] == pytest.approx(DC / DQ)
    assert none["inc_nmb"] == pytest.approx(100_000 * DQ - DC)
    # the price at which the NMB is 0: the product cost is the price (everyone infused, paid upfront)
    assert none["max_price"] == pytest.approx(300_000 + 100_000 * DQ - DC)
    sev = by_rule(r, "nice_severity")  # shortfall 34.9 - 0.375 QALYs: weight 1.7
    assert sev["weight"] == 1.7 and sev["weighted_threshold"] == pytest.approx(170_000)
    assert sev["weighted_icer"] == pytest.approx(DC / (1.7 * DQ))
    assert sev["inc_nmb"] == pytest.approx(100_000 * 1.7 * DQ - DC)
    assert sev["max_price"] == pytest.approx(300_000 + 170_000 * DQ - DC)
    hst = by_rule(r, "nice_hst")  # 1.164 undiscounted incremental QALYs: below 10, weight 1
    assert hst["weight"] == 1.0 and hst["threshold"] == 100_000  # a USD scenario keeps its own threshold
    zin = by_rule(r, "zin_reference_value")  # proportional shortfall 0.99: EUR 80,000
    assert zin["threshold"] == 80_000 and zin["inc_nmb"] == pytest.approx(80_000 * DQ - DC)
    ev = by_rule(r, "evlyg")
    assert ev["weighted_inc_qalys"] == pytest.approx(EVLYG)
    assert ev["weighted_icer"] == pytest.approx(DC / EVLYG)


def test_severity_is_the_shortfall_of_the_comparators_own_qalys():
    r = weighted_decisions(toy())
    assert list(r.severity.columns) == SEVERITY_COLUMNS
    (row,) = r.severity.to_dict("records")
    same = shortfall(40, 0.5, 0.0, "england-dsu-2014", 0.375)  # the scenario's effect rate: 0
    assert row["strategy"] == "soc" and row["qalys"] == pytest.approx(0.375)
    assert row["qale"] == same.qale and row["proportional_shortfall"] == same.proportional_shortfall
    assert row["severity_weight"] == 1.7 and row["zin_reference_value"] == 80_000


def test_severity_discounts_the_qale_as_the_comparators_qalys():
    r = weighted_decisions(toy(**{"settings.discount": 0.035}))
    (row,) = r.severity.to_dict("records")
    qalys = 0.5 * (0.5 / 1.035 + 0.25 / 1.035**2)
    assert row["qalys"] == pytest.approx(qalys)
    assert row["qale"] == pytest.approx(shortfall(40, 0.5, 0.035).qale)


def test_evlyg_by_hand():
    (row,) = weighted_decisions(toy()).evlyg.to_dict("records")
    assert row["life_years_gained"] == pytest.approx(0.96)
    assert row["evlys"] == pytest.approx(EVLY) and row["comparator_evlys"] == pytest.approx(0.375)
    assert row["evlyg"] == pytest.approx(EVLYG)


def test_price_benchmarks_by_hand():
    rows = weighted_decisions(toy(), price="price").benchmarks
    got = {(r.offsets, r.measure, r.threshold): r.benchmark_price for r in rows.itertuples()}
    full = sum(OFFSETS)
    shared = sum(OFFSETS) / 2  # every year is a saving: half of it
    capped = 150_000 + OFFSETS[1]  # year 1's 199,100 is capped at 150,000
    for offsets, credited in (("full", full), ("shared", shared), ("capped", capped)):
        for t in (100_000, 150_000):
            assert got[(offsets, "qaly", t)] == pytest.approx(t * DQ + credited)
            assert got[(offsets, "evlyg", t)] == pytest.approx(t * EVLYG + credited)
    assert len(got) == 12


def test_price_benchmarks_discounted_by_hand():
    rows = weighted_decisions(toy(**{"settings.discount": 0.5}), price="price").benchmarks
    d = (1 / 1.5, 1 / 2.25)
    full = OFFSETS[0] * d[0] + OFFSETS[1] * d[1]
    capped = 150_000 * d[0] + OFFSETS[1] * d[1]
    dq = 0.9 * (0.9 * d[0] + 0.81 * d[1]) - 0.5 * (0.5 * d[0] + 0.25 * d[1])
    got = {(r.offsets, r.measure, r.threshold): r for r in rows.itertuples()}
    assert got[("full", "qaly", 100_000)].benchmark_price == pytest.approx(100_000 * dq + full)
    assert got[("capped", "qaly", 100_000)].credited_offsets == pytest.approx(capped)
    assert got[("shared", "qaly", 100_000)].credited_offsets == pytest.approx(full / 2)


def test_without_a_price_parameter_the_benchmark_is_the_product_cost():
    rows = weighted_decisions(toy()).benchmarks
    assert rows["price"].isna().all() and rows["benchmark_price"].isna().all()
    first = rows.iloc[0]
    assert first.benchmark_product_cost == pytest.approx(100_000 * DQ + sum(OFFSETS))


def test_reference_cases_carry_their_rules():
    def rules(case):
        return {r["rule"] for r in weighted_decisions(toy(**{"settings.reference_case": case})).rows}

    assert rules("us_icer") == {"none", "evlyg"}
    assert rules("nl_zin_2024") == {"none", "zin_reference_value"}
    assert rules("uk_nice_2026") == {"none", "nice_severity", "nice_hst"}
    assert rules("be_kce") == {"none", "nice_severity", "nice_hst", "zin_reference_value", "evlyg"}
    asked = weighted_decisions(toy(**{"settings.reference_case": "us_icer"}), rules=["nice_severity"])
    assert {r["rule"] for r in asked.rows} == {"none", "nice_severity", "evlyg"}


def test_nice_hst_uses_the_hst_threshold_in_pounds():
    text = TOY.read_text().replace("currency: USD", "currency: GBP").replace("[100000]", "[25000, 35000]")
    r = weighted_decisions(load_scenario(TOY, text=text))
    assert [x["threshold"] for x in r.rows if x["rule"] == "nice_hst"] == [100_000]


def test_without_severity_settings_it_says_so():
    data = TOY.read_text().replace("  severity: {female: 0.5}\n", "")
    model = load_scenario(TOY, text=data)
    r = weighted_decisions(model)
    assert r.severity.empty and "no settings.severity" in r.warnings[0]
    assert {x["rule"] for x in r.rows} == {"none", "nice_hst", "evlyg"}


@pytest.mark.parametrize(
    ("price", "message"),
    [("nope", "'nope' is not a parameter"), ("c_sick", None)],
)
def test_price_parameter_checked(price, message):
    if message is None:  # a parameter that is not the price: still a number, so allowed
        assert not math.isnan(weighted_decisions(toy(), price=price).rows[0]["max_price"])
        return
    with pytest.raises(AtmpError, match=message):
        weighted_decisions(toy(), price=price)


PSM_TOY = DATA / "rules_psm_toy.yaml"


def test_evlyg_of_a_partitioned_survival_model_by_hand():
    """The PSM twin (OS with S(1), S(2) = 0.5, 0.25 and 0.9, 0.81): the same evLYG as the Markov toy."""
    r = weighted_decisions(load_scenario(PSM_TOY), price="price")
    (row,) = r.evlyg.to_dict("records")
    assert row["life_years_gained"] == pytest.approx(0.96)
    assert row["evlys"] == pytest.approx(EVLY) and row["comparator_evlys"] == pytest.approx(0.375)
    assert row["evlyg"] == pytest.approx(EVLYG)
    assert not any("evLYG" in w for w in r.warnings)
    got = {(b.offsets, b.measure, b.threshold): b.benchmark_price for b in r.benchmarks.itertuples()}
    assert got[("capped", "evlyg", 150_000)] == pytest.approx(150_000 * EVLYG + 150_000 + OFFSETS[1])


def test_evlyg_of_a_partitioned_survival_model_where_the_curves_cross():
    """The therapy's OS drops below standard care's in year 2 (S = 0.9, 0.2 against 0.5, 0.25): year 1's
    added 0.4 life-years at 0.851 and shared 0.5 at 0.9; year 2 adds none and shares 0.2 at 0.9."""
    # a Weibull through S(1) = 0.9 and S(2) = 0.2: (t / scale)^shape = -ln S(t) at t = 1, 2
    shape = math.log2(math.log(0.2) / math.log(0.9))
    scale = (-math.log(0.9)) ** (-1 / shape)
    text = PSM_TOY.read_text().replace(
        "{family: exp, time_unit: years, parameters: {rate: 0.10536051565782628}}",
        f"{{family: weibull, time_unit: years, parameters: {{shape: {shape!r}, scale: {scale!r}}}}}",
    )
    (row,) = weighted_decisions(load_scenario(PSM_TOY, text=text)).evlyg.to_dict("records")
    assert row["evlys"] == pytest.approx(0.9 * 0.5 + 0.851 * 0.4 + 0.9 * 0.2)
    assert row["evlyg"] == pytest.approx(0.9 * 0.5 + 0.851 * 0.4 + 0.9 * 0.2 - 0.375)

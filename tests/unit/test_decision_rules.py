"""Decision rules, pinned by hand calculations and published figures (sources: docs/decision-rules.md)."""

import numpy as np
import pytest

from atmpcli.analysis.decision_rules import (
    credited_offsets,
    evlyg,
    nice_hst_weight,
    nice_severity_weight,
    price_at_threshold,
    price_benchmarks,
    zin_reference_value,
)


@pytest.mark.parametrize(
    "absolute,proportional,weight",
    [
        (11.99, 0.8499, 1.0),
        (12.0, 0.10, 1.2),  # absolute 12 is enough
        (5.0, 0.85, 1.2),  # proportional 0.85 is enough
        (17.99, 0.9499, 1.2),
        (18.0, 0.10, 1.7),
        (2.0, 0.95, 1.7),
        (0.0, 0.0, 1.0),
    ],
)
def test_nice_severity_weight_at_the_edges_of_pmg36_table(absolute, proportional, weight):
    assert nice_severity_weight(absolute, proportional) == weight


def test_severity_weight_is_vectorised_for_psa():
    w = nice_severity_weight(np.array([1.0, 13.0, 20.0]), np.array([0.1, 0.1, 0.1]))
    assert w.tolist() == [1.0, 1.2, 1.7]


@pytest.mark.parametrize("dq,weight", [(0, 1), (10, 1), (11, 1.1), (15, 1.5), (20, 2), (29, 2.9), (30, 3), (45, 3)])
def test_nice_hst_weight_rises_in_equal_steps_from_10_to_30_qalys(dq, weight):
    assert nice_hst_weight(dq) == pytest.approx(weight)


@pytest.mark.parametrize(
    "ps,value",
    [
        (0.05, np.nan),
        (0.10, 20_000),
        (0.40, 20_000),
        (0.404, 20_000),
        (0.41, 50_000),
        (0.70, 50_000),
        (0.71, 80_000),
        (1.0, 80_000),
    ],
)
def test_zin_reference_values_by_proportional_shortfall(ps, value):
    got = zin_reference_value(ps)
    assert (np.isnan(got) and np.isnan(value)) or got == value


def test_evlyg_by_hand():
    """Three cycles, no discounting. Comparator alive 1, .5, 0 at utility .5; the therapy alive 1, 1, .5 at
    utility .4. Shared life-years 1 + .5 + 0 valued at .4 = .6; gained 0 + .5 + .5 valued at .851 = .851.
    QALYs would be .4 * 2.5 = 1.0; the comparator's QALYs are .5 * 1.5 = .75."""
    strategy, comparator = evlyg([1, 1, 0.5], [0.4] * 3, [1, 0.5, 0], [0.5] * 3)
    assert strategy == pytest.approx(0.6 + 0.851)
    assert comparator == pytest.approx(0.75)


def test_evlyg_equals_qalys_when_survival_is_the_same():
    s = np.array([1.0, 0.8, 0.5])
    strategy, comparator = evlyg(s, [0.9, 0.9, 0.9], s, [0.6, 0.6, 0.6], discount_factors=[1, 0.97, 0.94])
    assert strategy == pytest.approx(np.sum(s * 0.9 * [1, 0.97, 0.94]))
    assert comparator == pytest.approx(np.sum(s * 0.6 * [1, 0.97, 0.94]))


def test_evlyg_over_psa_samples_and_cycle_length():
    alive = np.array([[1, 1, 0.5], [1, 0.5, 0.5]])
    strategy, comparator = evlyg(alive, 0.4, [1, 0.5, 0], 0.5, cycle_length=0.5)
    assert strategy == pytest.approx([0.5 * (0.6 + 0.851), 0.5 * (0.6 + 0.851 * 0.5)])
    assert comparator == pytest.approx(0.375)  # one comparator curve for both samples


def test_shared_savings_and_cap_reproduce_wang_et_al_2024():
    """Wang S et al., Value Health 2024 ("Will ICER's shared savings approach decrease value-based prices
    most for the most severe diseases?"): a hypothetical cure of haemophilia A loses $367,670 a year under
    the 50/50 method and $585,340 under the $150,000 cap, i.e. an annual burden of $735,340; acute hepatic
    porphyria $333,948 and $517,896 (burden $667,896)."""
    for burden, lost_shared, lost_cap in ((735_340, 367_670, 585_340), (667_896, 333_948, 517_896)):
        assert burden - credited_offsets([burden], rule="shared") == pytest.approx(lost_shared)
        assert burden - credited_offsets([burden], rule="capped") == pytest.approx(lost_cap)
        assert credited_offsets([burden]) == burden


def test_offsets_are_discounted_after_sharing_and_capping_and_extra_costs_count_in_full():
    offsets = [-50_000, 200_000, 100_000]
    d = [1.0, 1 / 1.03, 1 / 1.03**2]
    assert credited_offsets(offsets, d, "capped") == pytest.approx(-50_000 + 150_000 / 1.03 + 100_000 / 1.03**2)
    assert credited_offsets(offsets, d, "shared") == pytest.approx(-50_000 + 100_000 / 1.03 + 50_000 / 1.03**2)
    # half-year cycles: the cap is $75,000 per cycle
    assert credited_offsets([100_000], rule="capped", cycle_length=0.5) == 75_000
    with pytest.raises(ValueError, match="unknown rule"):
        credited_offsets(offsets, rule="half")


def test_price_at_threshold_by_hand():
    """5 QALYs gained at $100,000 = $500,000 of value; $300,000 of offsets; $50,000 of other costs:
    the therapy may cost $750,000; if only 90 % are infused and pay, $833,333 per infusion."""
    assert price_at_threshold(100_000, 5, 300_000, 50_000) == pytest.approx(750_000)
    assert price_at_threshold(100_000, 5, 300_000, 50_000, units=0.9) == pytest.approx(750_000 / 0.9)
    # the ICER at that price is the threshold
    price = price_at_threshold(150_000, 5, 300_000, 50_000)
    assert (price + 50_000 - 300_000) / 5 == pytest.approx(150_000)


def test_price_benchmarks_per_qaly_and_evlyg():
    rows = price_benchmarks(incremental_qalys=4.0, incremental_evlyg=5.0, offsets=1_000_000)
    assert [(r["measure"], r["threshold"]) for r in rows] == [
        ("qaly", 100_000),
        ("qaly", 150_000),
        ("evlyg", 100_000),
        ("evlyg", 150_000),
    ]
    assert [r["price"] for r in rows] == pytest.approx([1_400_000, 1_600_000, 1_500_000, 1_750_000])

"""The IPASS test-and-treat worked example (shared/reference/atmp-economics.md section 1.2, own hand
calculation with IPASS response rates; costs are the example's placeholders)."""

import pytest

from atmpcli.analysis.compare import compare
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled


@pytest.fixture(scope="module")
def rows():
    return {r["strategy"]: r for r in compare(load_scenario(bundled("ipass_worked_example"))).rows}


def test_responders_per_thousand(rows):
    # 1000 [p r_T(+) + (1-p) r_T(-)] etc.; test-and-treat TP r_T(+) + FP r_T(-) + FN r_S(+) + TN r_S(-)
    assert rows["treat_all_tki"]["responders_per_1000"] == pytest.approx(116.15)
    assert rows["treat_all_chemo"]["responders_per_1000"] == pytest.approx(270.7)
    assert rows["test_egfr_tki_else_chemo"]["responders_per_1000"] == pytest.approx(302.8535)
    assert [
        round(rows[s]["responders_per_1000"]) for s in ("treat_all_tki", "treat_all_chemo", "test_egfr_tki_else_chemo")
    ] == [116, 271, 303]


def test_cost_per_responder_and_spend_on_non_responders(rows):
    # published: 258,287 / 36,941 / 43,982; TKI spend on non-responders 26.5 M / - / 1.5 M per 1,000
    assert round(rows["treat_all_tki"]["cost_per_responder"]) == 258287
    assert round(rows["treat_all_chemo"]["cost_per_responder"]) == 36941
    assert round(rows["test_egfr_tki_else_chemo"]["cost_per_responder"]) == 43982
    assert rows["treat_all_tki"]["nonresponder_spend_tki_per_1000"] == pytest.approx(1000 * 30000 * (1 - 0.11615))
    tnt_tki = 1000 * 30000 * (0.15 * 0.95 * (1 - 0.712) + 0.85 * 0.01 * (1 - 0.011))
    assert rows["test_egfr_tki_else_chemo"]["nonresponder_spend_tki_per_1000"] == pytest.approx(tnt_tki)
    assert round(tnt_tki / 1e5) / 10 == 1.5


def test_numbers_needed_and_test_accuracy(rows):
    tnt = rows["test_egfr_tki_else_chemo"]
    # "1 extra responder per ~31 patients tested" vs chemotherapy for all
    assert tnt["nntest_vs_comparator"] == pytest.approx(1 / (0.3028535 - 0.2707))
    assert round(tnt["nntest_vs_comparator"]) == 31
    tp, fp, tn, fn = 0.15 * 0.95, 0.85 * 0.01, 0.85 * 0.99, 0.15 * 0.05
    assert tnt["ppv"] == pytest.approx(tp / (tp + fp))
    assert tnt["npv"] == pytest.approx(tn / (tn + fn))
    assert tnt["cost_per_true_positive"] == pytest.approx(300 / tp)
    assert tnt["responders_missed_per_1000"] == pytest.approx(1000 * fn * 0.712)
    assert rows["treat_all_tki"]["status"] == "D"  # the targeted drug without the test is dominated

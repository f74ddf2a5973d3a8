"""heemod's introductory two-state example (vignette "a_introduction"; Filipovic-Pierucci et al.,
arXiv:1702.03252). Targets from shared/reference/validation-public.md, case 3: totals for 1,000 people."""

from numpy.testing import assert_allclose

from atmpcli.analysis.compare import compare
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled


def test_cohort_totals():
    row = compare(load_scenario(bundled("heemod_intro")), per="cohort").rows[0]
    assert_allclose(row["cost"], 19796855.6588, rtol=1e-11)
    assert_allclose(row["qalys"], 7654.5515126, rtol=1e-11)


def test_life_table_counts_in_A():
    (outcome,) = evaluate(load_scenario(bundled("heemod_intro")))
    a = outcome.trace[0, :, 0] * 1000
    counted = (a[:-1] + a[1:]) / 2  # life-table counting: cycle k counts (m[k-1] + m[k]) / 2
    assert_allclose(counted[:6], [950, 865, 805.5, 763.85, 734.695, 714.2865], rtol=1e-12)

"""Guyot reconstruction: the round trip from known patient data, and what real digitised curves get wrong."""

import numpy as np
import pandas as pd
import pytest

from atmpcli.analysis.survival.guyot import CurveProblem, reconstruct
from atmpcli.analysis.survival.km import kaplan_meier, km_median, km_rmst


def _trial_arm(n, scale, seed):
    rng = np.random.default_rng(seed)
    latent = rng.weibull(1.3, n) * scale
    censor = rng.uniform(0, 30, n)
    return np.minimum(latent, censor), (latent <= censor).astype(int)


def _digitise(t, e, step=3.0):
    """The KM figure as a digitiser reads it: both corners of every step, and the at-risk table below it."""
    km = kaplan_meier(t, e)
    xs, ys, level = [0.0], [1.0], 1.0
    for _, r in km[km["events"] > 0].iterrows():
        xs += [r["time"], r["time"]]
        ys += [level, r["survival"]]
        level = r["survival"]
    xs.append(float(t.max()))
    ys.append(level)
    grid = np.arange(0.0, t.max(), step)
    return np.array(xs), np.array(ys), grid, np.array([int(np.sum(t >= g)) for g in grid])


def test_round_trip_recovers_median_rmst_and_hazard_ratio():
    lifelines = pytest.importorskip("lifelines")
    arms = {"control": _trial_arm(300, 10.0, 1), "treated": _trial_arm(300, 16.0, 2)}
    original, rebuilt = [], []
    for i, (name, (t, e)) in enumerate(arms.items()):
        xs, ys, grid, n = _digitise(t, e)
        rec = reconstruct(xs, ys, grid, n, total_events=int(e.sum()))
        km0, km1 = kaplan_meier(t, e), kaplan_meier(rec.ipd["time"].to_numpy(), rec.ipd["event"].to_numpy())
        assert km_median(km1) == pytest.approx(km_median(km0), rel=0.02), name
        assert km_rmst(km1, 25.0) == pytest.approx(km_rmst(km0, 25.0), rel=0.02), name
        assert len(rec.ipd) == len(t)
        np.testing.assert_array_equal(rec.intervals["at_risk_reconstructed"], n)
        original.append(pd.DataFrame({"T": t, "E": e, "arm": i}))
        rebuilt.append(rec.ipd.rename(columns={"time": "T", "event": "E"}).assign(arm=i))
    hr = lifelines.CoxPHFitter().fit(pd.concat(original), "T", "E").hazard_ratios_["arm"]
    hr_rec = lifelines.CoxPHFitter().fit(pd.concat(rebuilt), "T", "E").hazard_ratios_["arm"]
    assert hr_rec == pytest.approx(hr, rel=0.02)


def test_total_events_are_matched():
    t, e = _trial_arm(200, 8.0, 3)
    xs, ys, grid, n = _digitise(t, e, step=5.0)
    rec = reconstruct(xs, ys, grid, n, total_events=int(e.sum()))
    assert abs(int(rec.ipd["event"].sum()) - int(e.sum())) <= 2


def test_noisy_digitisation_is_cleaned_and_reported():
    t, e = _trial_arm(200, 8.0, 4)
    xs, ys, grid, n = _digitise(t, e)
    rng = np.random.default_rng(0)
    noisy = np.clip(ys + rng.uniform(-0.004, 0.004, ys.size), 0, 1)
    order = rng.permutation(xs.size)  # points saved out of order
    rec = reconstruct(xs[order], noisy[order], grid, n)
    assert any("digitising noise" in w for w in rec.warnings)
    assert any("out of time order" in w for w in rec.warnings)
    km0 = kaplan_meier(t, e)
    km1 = kaplan_meier(rec.ipd["time"].to_numpy(), rec.ipd["event"].to_numpy())
    assert km_rmst(km1, 25.0) == pytest.approx(km_rmst(km0, 25.0), rel=0.03)


def test_interval_without_coordinates_is_flat():
    xs = np.array([0.0, 1.0, 1.0, 2.0, 2.0, 9.0])
    ys = np.array([1.0, 1.0, 0.9, 0.9, 0.8, 0.8])
    rec = reconstruct(xs, ys, np.array([0.0, 3.0, 6.0]), np.array([50, 35, 20]))
    assert any("flat" in w for w in rec.warnings)
    assert rec.intervals["events"].tolist()[1:] == [0, 0]
    assert rec.intervals["at_risk_reconstructed"].tolist() == [50, 35, 20]


def test_a_real_rise_is_an_error_naming_the_row():
    xs = np.array([0.0, 1.0, 2.0, 3.0])
    ys = np.array([1.0, 0.8, 0.9, 0.7])
    with pytest.raises(CurveProblem) as err:
        reconstruct(xs, ys, np.array([0.0]), np.array([40]))
    assert (err.value.table, err.value.row, err.value.field) == ("curve", 2, "survival")


def test_survival_in_percent_is_an_error():
    with pytest.raises(CurveProblem, match=r"outside \[0, 1\]"):
        reconstruct(np.array([0.0, 1.0]), np.array([100.0, 80.0]), np.array([0.0]), np.array([40]))


def test_at_risk_table_contradicting_the_curve_is_an_error():
    xs = np.array([0.0, 1.0, 1.0, 5.0])
    ys = np.array([1.0, 1.0, 0.5, 0.5])  # half of 100 die at t = 1 ...
    with pytest.raises(CurveProblem, match="contradicts the curve") as err:
        reconstruct(xs, ys, np.array([0.0, 2.0]), np.array([100, 90]))  # ... yet 90 are at risk at t = 2
    assert (err.value.table, err.value.row) == ("at_risk", 1)


def test_at_risk_must_start_at_zero_and_not_rise():
    xs, ys = np.array([0.0, 2.0]), np.array([1.0, 0.5])
    with pytest.raises(CurveProblem, match="start at time 0"):
        reconstruct(xs, ys, np.array([1.0]), np.array([10]))
    with pytest.raises(CurveProblem, match="more than"):
        reconstruct(xs, ys, np.array([0.0, 1.0]), np.array([10, 12]))

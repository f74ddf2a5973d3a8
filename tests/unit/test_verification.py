"""atmpcli verify: the TECH-VER black-box battery passes on every bundled scenario, pins hand-calculated
expectations on a two-state model, and fails, naming the test, on deliberately broken models."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from atmpcli.analysis.verification import VERIFY_COLUMNS, verify
from atmpcli.analysis.verification_checks import mass_conservation
from atmpcli.model.evaluate import evaluate
from atmpcli.model.variations import identical_strategies, with_unit_utilities, without_mortality
from atmpcli.scenario.compile import load_scenario
from tests.conftest import SCENARIOS, bundled

TWO_STATE = """
title: two states
currency: EUR
settings: {cycle_length: 1, cycles: 10, method: end, discount: 0, wtp: [20000]}
parameters:
  c_drug_s: 0
  du_s: 0
  p_die: {value: 0.1, distribution: {type: beta, mean: 0.1, se: 0.02}}
  c_care: {value: 100, distribution: {type: gamma, mean: 100, se: 10}}
  c_drug: 500
  u_alive: {value: 0.8, distribution: {type: beta, mean: 0.8, se: 0.05}}
  du_drug: 0.05
  hr: 1
states:
  alive: {costs: {care: c_care, drug: c_drug_s}, utility: "u_alive - du_s"}
  dead: {alive: false}
transitions:
  alive: {alive: rest, dead: "p_die * hr"}
  dead: {dead: 1}
strategies:
  none: {parameters: {c_drug_s: 0, du_s: 0}}
  drug: {parameters: {c_drug_s: c_drug, du_s: du_drug, hr: 0.5}}
comparator: none
"""


def _load(text: str, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(text)
    return load_scenario(path)


def _edited(name: str, edit) -> object:
    data = yaml.safe_load(bundled(name).read_text())
    edit(data)
    return load_scenario(bundled(name), text=yaml.safe_dump(data, sort_keys=False))


def _failed(result) -> set[str]:
    return {c.check for c in result.failed}


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_every_bundled_scenario_passes(name):
    result = verify(load_scenario(bundled(name)))
    assert list(result.frame.columns) == VERIFY_COLUMNS
    assert result.passed, result.frame[result.frame.status == "fail"].to_string()


def test_two_state_model_hand_calculations(tmp_path):
    model = _load(TWO_STATE, tmp_path)
    rows = verify(model).frame.set_index(["check", "strategy"])
    # no deaths, 10 annual cycles counted at their ends: 10 life-years
    assert rows.loc[("zero_mortality", "none"), "expected"] == pytest.approx(10.0, abs=1e-12)
    assert rows.loc[("zero_mortality", "none"), "observed"] == pytest.approx(10.0, abs=1e-12)
    # utility 1: QALYs = life-years = sum_{t=1..10} 0.9^t = 0.9 (1 - 0.9^10) / 0.1 (no discounting)
    ly_none = 0.9 * (1 - 0.9**10) / 0.1
    assert rows.loc[("unit_utilities", "none"), "observed"] == pytest.approx(ly_none, rel=1e-12)
    ly_drug = 0.95 * (1 - 0.95**10) / 0.05  # hr 0.5: p_die 0.05
    assert rows.loc[("unit_utilities", "drug"), "observed"] == pytest.approx(ly_drug, rel=1e-12)
    # the drug's disutility is raised and lowers QALYs as it should: not a failure
    assert rows.loc[("utility_monotone", "drug"), "status"] == "pass"
    # the model is not linear in p_die (survival is 0.9^t), so the PSA mean test does not apply
    assert rows.loc[("psa_mean", ""), "status"] == "not applicable"
    assert "p_die" in rows.loc[("psa_mean", ""), "detail"]


def test_variations_change_only_what_they_say(tmp_path):
    model = _load(TWO_STATE, tmp_path)
    trace = evaluate(without_mortality(model))[1].trace
    assert np.allclose(trace[0, :, 0], 1.0) and np.allclose(trace[0, :, 1], 0.0)
    unit = evaluate(with_unit_utilities(model))
    assert all(np.allclose(o.qalys, o.life_years) for o in unit)
    same = evaluate(identical_strategies(model))
    assert same[1].cost[0] == same[0].cost[0] and same[1].strategy == "drug"
    assert evaluate(model)[1].cost[0] != evaluate(model)[0].cost[0]  # the original is left as it was


def test_a_cost_with_the_wrong_sign_fails_cost_monotonicity():
    def wrong_sign(d):
        d["states"]["S1"]["costs"]["state"] = "-c_S1"

    result = verify(_edited("sick_sicker", wrong_sign))
    assert _failed(result) == {"cost_monotone"}
    assert "raising c_S1 lowers total cost" in result.failed[0].detail
    summary = result.tables()["summary"].set_index("check")  # one row per test, its worst case
    assert list(summary.index) == list(dict.fromkeys(result.frame["check"]))
    assert summary.loc["cost_monotone", ["rows", "failed", "status"]].tolist() == [4, 4, "fail"]
    assert summary.loc["zero_mortality", ["rows", "failed", "status"]].tolist() == [4, 0, "pass"]


def test_a_utility_above_one_fails_and_qalys_exceed_life_years():
    def too_high(d):
        d["parameters"]["u_H"] = 1.5
        d["settings"]["utility_range"] = [-1, 2]  # past the loader's sanity check (scenario/sanity.py)

    result = verify(_edited("sick_sicker", too_high))
    assert _failed(result) == {"utilities_at_most_1", "qalys_within_life_years"}


def test_a_leaking_trace_fails_mass_conservation():
    model = load_scenario(bundled("sick_sicker"))
    base = evaluate(model)
    leaky = base[1].trace.copy()
    leaky[:, 10:, :] *= 0.999  # 0.1 % of the cohort lost in cycle 10
    base[1] = dataclasses.replace(base[1], trace=leaky)
    rows = mass_conservation(model, base)
    assert [r.status for r in rows] == ["pass", "fail", "pass", "pass"]
    assert rows[1].observed == pytest.approx(0.999) and "cycle 10" in rows[1].detail


def test_a_rate_that_breaks_at_its_extremes_is_named():
    def unbounded(d):  # a normal on a rate: its 0.1 % quantile is negative, so is the probability
        d["parameters"]["r_HS1"] = {"value": 0.15, "distribution": {"type": "normal", "mean": 0.15, "sd": 0.1}}

    result = verify(_edited("sick_sicker", unbounded))
    assert _failed(result) == {"extreme_values"}
    assert result.failed[0].detail.startswith("r_HS1 at 0.1%")


def test_psa_mean_matches_a_linear_tree():
    result = verify(load_scenario(bundled("sma_gene_therapy")))
    psa = result.frame[result.frame.check == "psa_mean"]
    assert list(psa.status) == ["pass"] * 3
    assert all(abs(psa.observed - psa.expected) <= psa.tolerance)


def test_tree_leaves_that_leave_the_cohort_are_not_a_leak(tmp_path):
    tree = "tree:\n  branches:\n    - {name: died_early, p: 0.1}\n    - {name: survived, p: rest, state: alive}\n"
    model = _load(TWO_STATE + tree, tmp_path)
    result = verify(model)
    assert result.passed, result.frame[result.frame.status == "fail"].to_string()
    rows = result.frame.set_index(["check", "strategy"])
    assert rows.loc[("mass_conservation", "none"), "expected"] == pytest.approx(0.9, abs=1e-12)
    # 0.9 of the cohort enters the model and, without deaths, lives 10 years (counted at cycle ends)
    assert rows.loc[("zero_mortality", "none"), "observed"] == pytest.approx(9.0, abs=1e-12)
    assert rows.loc[("tree_probabilities", "none"), "observed"] == pytest.approx(1.0, abs=1e-12)


def test_raising_a_death_probability_lowers_life_years_by_the_hand_calculated_amount(tmp_path):
    rows = verify(_load(TWO_STATE, tmp_path)).frame.set_index(["check", "strategy"])

    def life_years(p):  # 10 annual cycles counted at their ends: sum_{t=1..10} (1 - p)^t
        return (1 - p) * (1 - (1 - p) ** 10) / p

    # p_die and hr reach only the row out of alive (into dead, and its complement): both mortality inputs;
    # the worst case shown is the smaller drop in life-years of raising each by 10 %
    none = rows.loc[("mortality_monotone", "none")]
    assert none["status"] == "pass" and none["detail"].startswith("2 inputs")
    assert none["observed"] == pytest.approx(life_years(0.1) - life_years(0.11), rel=1e-9)
    drug = rows.loc[("mortality_monotone", "drug")]  # the drug sets hr to 0.5: raising hr's base value moves nothing
    assert drug["status"] == "pass" and drug["observed"] == 0 and "raising hr" in drug["detail"]


def test_life_years_credited_on_dying_fail_mortality_monotonicity(tmp_path):
    # a mistake: life-years paid once on every death (say life-years lost entered as a gain)
    text = TWO_STATE + "transition_rewards:\n  - {to: dead, life_years: 20}\n"
    result = verify(_load(text, tmp_path))
    assert "mortality_monotone" in _failed(result)
    assert "raises life-years" in next(c for c in result.failed if c.check == "mortality_monotone").detail


def test_a_survival_probability_counts_the_other_way(tmp_path):
    text = TWO_STATE.replace("p_die: {value: 0.1", "p_surv: {value: 0.9").replace("mean: 0.1, se", "mean: 0.9, se")
    text = text.replace('dead: "p_die * hr"', 'dead: "(1 - p_surv) * hr"')
    rows = verify(_load(text, tmp_path)).frame.set_index(["check", "strategy"])
    row = rows.loc[("mortality_monotone", "none")]  # raising p_surv 10 %: 0.99, p_die 0.01, more life-years
    assert row["status"] == "pass" and row["observed"] > 0


def test_dirichlet_shares_are_moved_to_their_marginal_quantiles():
    from atmpcli.analysis.verification_uncertainty import EXTREMES, _dirichlet_extremes

    names, alpha = ["p_AA", "p_AB", "p_AC", "p_AD"], np.array([1251.0, 350, 116, 17])  # hiv_chancellor, row A
    cases = [(n, q) for n in names for q in EXTREMES]
    settings = {n: np.full(len(cases), np.nan) for n in names}
    _dirichlet_extremes(names, alpha, cases, settings)
    shares = np.array([settings[n] for n in names])
    assert np.allclose(shares.sum(axis=0), 1.0, atol=1e-12)  # every case is still a probability row
    # an independent check: each component's quantiles from 400,000 Dirichlet draws (marginal Beta(a_i, a_0 - a_i))
    draws = np.random.default_rng(3).dirichlet(alpha, 400_000)
    for i, (n, q) in enumerate(cases):
        k = names.index(n)
        assert shares[k, i] == pytest.approx(np.quantile(draws[:, k], q), rel=0.03)
        others = [j for j in range(4) if j != k]  # the others in their mean proportions
        assert np.allclose(shares[others, i] / shares[others, i].sum(), alpha[others] / alpha[others].sum())


def test_a_dirichlet_share_that_breaks_at_its_extremes_is_named():
    def too_steep(d):  # row A: 4.3 p_AB + p_AC + p_AD is 0.945 at the base case, above 1 when p_AB is at 99.9 %
        d["transitions"]["A"]["B"] = "p_AB * 4.3 * rr"

    result = verify(_edited("hiv_chancellor", too_steep))
    assert _failed(result) >= {"extreme_values"}
    row = next(c for c in result.failed if c.check == "extreme_values")
    # p_AB at its 99.9 % quantile, or p_AA at its 0.1 % (the others then rescaled up): each in both strategies
    assert row.observed == 4 and row.detail.startswith("p_AA at 0.1%") and "sums to 1.0" in row.detail
    assert "p_AB at 99.9%" in row.detail


def test_no_deaths_in_a_partitioned_survival_model_is_overall_survival_one():
    model = load_scenario(bundled("cll8_fcr_psm"))
    changed = without_mortality(model)
    for o in evaluate(changed):
        dead = [i for i, st in enumerate(model.states) if not st.alive]
        assert np.allclose(o.trace[0][:, dead], 0.0)  # nobody dies at any time
    assert evaluate(model)[0].trace[0][-1, -1] > 0.5  # the model itself: most have died by 40 years
    frame = verify(model).frame
    rows = frame[frame.check.isin(["zero_mortality", "mortality_monotone"])].set_index(["check", "strategy"])
    # a 40-year horizon in monthly cycles, half-cycle corrected: 40 life-years, as a Markov model without deaths
    assert rows.loc[("zero_mortality", "fcr"), "observed"] == pytest.approx(40.0, rel=1e-12)
    assert rows.loc[("zero_mortality", "fcr"), "status"] == "pass"
    assert rows.loc[("mortality_monotone", ""), "status"] == "not applicable"

"""Probabilistic analysis: reproducibility, convergence, CEAC/EVPI/EVPPI against hand or analytic values."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from atmpcli.analysis import ceac, voi
from atmpcli.analysis.compare import compare
from atmpcli.analysis.psa import run_psa
from atmpcli.analysis.psa_summary import summarise_psa
from atmpcli.analysis.sampling import BLOCK, sampler
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled, load_variant

TWO_ARM = """
title: two arms with a normal incremental benefit
currency: EUR
settings: {wtp: [1]}
parameters:
  theta: {value: 100, distribution: {type: normal, sd: 300}}
  noise: {value: 0, distribution: {type: normal, sd: 1}}
tree:
  branches:
    - {name: outcome, p: 1, costs: {all: "-(theta * new) + 0 * noise"}, qalys: 0}
parameters_note: null
strategies:
  old: {parameters: {}, label: old}
  new: {parameters: {}, label: new}
""".replace("parameters_note: null\n", "")


def two_arm(write_scenario):
    text = TWO_ARM.replace("  noise:", "  new: 0\n  noise:").replace(
        "  new: {parameters: {}, label: new}", "  new: {parameters: {new: 1}, label: new}"
    )
    return load_scenario(write_scenario(text))


def test_same_seed_same_draws_whatever_the_chunking():
    sc = load_scenario(bundled("sick_sicker"))
    a = run_psa(sc, 3 * BLOCK + 17, seed=5, chunk=BLOCK)
    b = run_psa(sc, 3 * BLOCK + 17, seed=5, chunk=4 * BLOCK)
    # identical draws; batched BLAS may differ in the last bit between batch sizes
    assert_allclose(a.costs, b.costs, rtol=1e-13)
    assert_allclose(a.effects, b.effects, rtol=1e-13)
    again = run_psa(sc, 3 * BLOCK + 17, seed=5, chunk=BLOCK)
    assert_array_equal(a.costs, again.costs)
    c = run_psa(sc, 100, seed=6)
    assert not np.array_equal(a.costs[:100], c.costs)
    part = sampler(sc).draw(5, 1000, 50)  # any range on its own gives the same draws
    full = sampler(sc).draw(5, 0, 1050)
    assert_array_equal(part["c_S2"], full["c_S2"][1000:])


def test_psa_means_converge_for_a_model_linear_in_its_parameters():
    # The HIV model is linear in its costs: E[cost] at the parameters' means equals the deterministic cost.
    params = {
        "c_zidovudine": {"value": 2278, "distribution": {"type": "gamma", "se": 300}},
    }
    import yaml

    data = yaml.safe_load(bundled("hiv_chancellor").read_text())
    for p in data["parameters"].values():  # only the drug cost is uncertain here
        if isinstance(p, dict):
            p.pop("distribution", None)
    data["dirichlet"] = []
    data["parameters"].update(params)
    sc = load_scenario(bundled("hiv_chancellor"), text=yaml.safe_dump(data, sort_keys=False))
    det = [r["cost"] for r in compare(sc).rows]
    res = run_psa(sc, 20000, seed=2)
    se = res.costs.std(axis=0) / math.sqrt(res.samples)
    assert np.all(np.abs(res.costs.mean(axis=0) - det) < 4 * se)
    assert np.allclose(res.effects, res.effects[0])  # life-years do not depend on drug costs


def test_ceac_sums_to_one_and_evpi_is_not_negative():
    res = run_psa(load_scenario(bundled("sick_sicker")), 2000, seed=1)
    wtp = [0, 50000, 100000, 150000, 1e6]
    assert np.allclose(ceac.ceac(res.costs, res.effects, wtp).sum(axis=1), 1.0)
    assert np.all(voi.evpi(res.costs, res.effects, wtp) >= 0)


def test_evpi_by_hand():
    # two strategies, four samples, wtp 1: NMB(A) = 10, 0, 5, 5; NMB(B) = 0, 20, 5, 0
    effects = np.array([[10, 0], [0, 20], [5, 5], [5, 0]], dtype=float)
    costs = np.zeros_like(effects)
    # E[max] = (10 + 20 + 5 + 5) / 4 = 10; max of means = max(5, 6.25) = 6.25 -> EVPI 3.75
    assert voi.evpi(costs, effects, [1.0])[0] == pytest.approx(3.75)
    assert ceac.ceac(costs, effects, [1.0])[0] == pytest.approx([0.75, 0.25])  # ties go to the first strategy
    assert ceac.optimal(costs, effects, [1.0])[0] == 1


def test_evpi_and_evppi_match_the_normal_formula(write_scenario):
    # Incremental NMB of `new` is theta ~ N(100, 300): EVPI = s*phi(m/s) + m*Phi(m/s) - max(0, m)
    sc = two_arm(write_scenario)
    res = run_psa(sc, 200_000, seed=4, keep_draws=True)
    m, s = 100.0, 300.0
    phi = math.exp(-((m / s) ** 2) / 2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * (1 + math.erf(m / s / math.sqrt(2)))
    expected = s * phi + m * Phi - m
    summary = summarise_psa(res, [1.0], evppi_groups=[["theta"], ["noise"]])
    assert summary.evpi[0] == pytest.approx(expected, rel=0.02)
    assert summary.evppi[0].evppi[0] == pytest.approx(summary.evpi[0], rel=0.01)  # all the uncertainty
    assert summary.evppi[1].evppi[0] < 0.02 * summary.evpi[0]  # none of it


def test_sick_sicker_psa_reproduces_the_published_finding():
    # Alarid-Escudero et al. MDM 2023 (validation-public.md case 5): SoC optimal below $80,000/QALY,
    # B from $80,000 to $120,000, AB above; A strongly dominated.
    res = run_psa(load_scenario(bundled("sick_sicker")), 10_000, seed=1)
    best = [
        res.strategies[i] for i in ceac.optimal(res.costs, res.effects, [50000, 75000, 85000, 115000, 125000, 200000])
    ]
    assert best == ["SoC", "SoC", "B", "B", "AB", "AB"]
    s = summarise_psa(res, [100000])
    assert s.incremental.status[res.strategies.index("A")] == "D"
    # the tutorial's PSA means with its own draws; ours must lie within Monte-Carlo error of them
    published = {
        "SoC": (151375.5, 20.5696),
        "A": (283829.5, 21.3926),
        "B": (258821.7, 21.9796),
        "AB": (377979.1, 22.9747),
    }
    for k, name in enumerate(res.strategies):
        cost, qalys = published[name]
        se_c = res.costs[:, k].std() * math.sqrt(1 / res.samples + 1 / 1000)  # their 1,000 draws, our 10,000
        se_e = res.effects[:, k].std() * math.sqrt(1 / res.samples + 1 / 1000)
        assert abs(res.costs[:, k].mean() - cost) < 4 * se_c, name
        assert abs(res.effects[:, k].mean() - qalys) < 4 * se_e, name


def test_dirichlet_and_correlation(write_scenario):
    text = """
title: joint
currency: EUR
parameters:
  a: 0.2
  b: 0.3
  c: 0.5
  x: {value: 10, distribution: {type: gamma, se: 2}}
  y: {value: 5, distribution: {type: lognormal, se: 1}}
dirichlet:
  - {parameters: [a, b, c], alpha: [20, 30, 50]}
correlation:
  - {parameters: [x, y], matrix: [[1, 0.7], [0.7, 1]]}
tree: {branches: [{name: o, p: 1, costs: {all: "a + b + c + x + y"}, qalys: 1}]}
strategies:
  only: {label: x}
"""
    sc = load_scenario(write_scenario(text))
    d = sampler(sc).draw(1, 0, 50_000)
    assert np.allclose(d["a"] + d["b"] + d["c"], 1.0)
    assert d["b"].mean() == pytest.approx(0.3, abs=0.002)
    # a Gaussian copula keeps the normal-scores correlation
    from scipy.stats import spearmanr

    rho = spearmanr(d["x"], d["y"]).statistic
    assert rho == pytest.approx(6 / math.pi * math.asin(0.7 / 2), abs=0.01)
    assert d["x"].mean() == pytest.approx(10, rel=0.01) and d["y"].std() == pytest.approx(1, rel=0.03)


def test_evppi_basis_and_fit_on_a_known_curve():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 5000)
    y = np.sin(x)
    from atmpcli.analysis.evppi import design_matrix

    basis = design_matrix(x[:, None])
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    assert np.sqrt(np.mean((basis @ coef - y) ** 2)) < 0.02  # a natural spline with 4 df follows sin closely


def test_variant_without_distributions_is_a_clear_error():
    from atmpcli.errors import ScenarioError

    with pytest.raises(ScenarioError, match="no parameter has a distribution"):
        run_psa(load_variant("heemod_intro"), 10, seed=1)


def test_a_summary_without_thresholds_has_means_and_intervals_only():
    # a scenario without settings.wtp and no --wtp: no CEAC, no EVPI, but the means and intervals
    # (psa used to fail reshaping the empty array of expected NMB)
    result = run_psa(load_scenario(bundled("sick_sicker")), 300, seed=1)
    summary = summarise_psa(result, [])
    assert summary.expected_nmb.shape == (0, 4) and summary.ceac.shape == (0, 4) and summary.evpi.shape == (0,)
    assert_allclose(summary.cost.mean, result.costs.mean(axis=0))
    measures = set(summary.tables()["summary"]["measure"])
    spreads = {f"{m}_{s}" for m in ("cost", "effect", "inc_cost", "inc_effect") for s in ("mean", "low", "high")}
    assert spreads <= measures and not measures & {"prob_cost_effective", "expected_nmb", "evpi"}

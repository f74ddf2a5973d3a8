"""State-residence Sick-Sicker: Alarid-Escudero F, Krijkamp E, Enns EA, et al. "A Tutorial on Time-Dependent
Cohort State-Transition Models in R Using a Cost-Effectiveness Analysis Example", Medical Decision Making
2023;43(1):21-41; code DARTH-git/cohort-modeling-tutorial-timedep, analysis/cSTM_time_dep_state_residence.R
and R/Functions_cSTM_time_dep_state_residence.R (generate_psa_params).

The paper prints results only for its simulation-time-dependent model (Table 3); with a constant S1 -> S2
rate (variant ``constant_progression``) the tunnel model is that model, so Table 3 is pinned as printed.
The state-residence base case itself is pinned against ``tutorial_model`` below, an independent numpy
re-implementation of the R code: dense 78 x 78 transition arrays, the transition-dynamics array
A[t] = diag(m[t-1]) P[t] and reward matrices by destination state with the transition rewards added,
exactly as ``calculate_ce_out`` does.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.analysis.compare import compare
from atmpcli.analysis.psa import run_on_draws
from atmpcli.analysis.sampling import sampler
from atmpcli.scenario.compile import load_scenario
from tests.conftest import SCENARIOS, bundled

NAME = "sick_sicker_state_residence"
STRATEGIES = {"SoC": (0, 0), "A": (1, 0), "B": (0, 1), "AB": (1, 1)}  # (treatment A, treatment B)
BASE = {
    "r_HS1": 0.15,
    "r_S1H": 0.5,
    "hr_S1": 3.0,
    "hr_S2": 10.0,
    "r_S1S2_scale": 0.08,
    "r_S1S2_shape": 1.1,
    "hr_S1S2_trtB": 0.6,
    "c_H": 2000.0,
    "c_S1": 4000.0,
    "c_S2": 15000.0,
    "c_trtA": 12000.0,
    "c_trtB": 13000.0,
    "u_H": 1.0,
    "u_S1": 0.75,
    "u_S2": 0.5,
    "u_trtA": 0.95,
    "du_HS1": 0.01,
    "ic_HS1": 1000.0,
    "ic_D": 2000.0,
}

# Paper, Table 3 (simulation-time-dependent model), as printed: cost, QALYs, inc. cost, inc. QALYs, ICER
TABLE_3 = {
    "SoC": (116374, 18.879, None, None, None, "ND"),
    "B": (202536, 20.199, 86162, 1.320, 65288, "ND"),
    "AB": (296300, 21.097, 93764, 0.898, 104461, "ND"),
    "A": (218789, 19.636, None, None, None, "D"),
}


def tutorial_model(p: dict[str, float], use_a: int, use_b: int) -> tuple[float, float]:
    """Discounted cost and QALYs of one strategy, computed the way the tutorial's R code does."""
    n_cycles = 75
    n = n_cycles + 3  # H, S1_1Yr .. S1_75Yr, S2, D
    h, s2, d = 0, n - 2, n - 1
    sick = np.arange(1, n_cycles + 1)
    lt = np.genfromtxt(SCENARIOS / "lifetable_usa_2015.csv", delimiter=",", names=True)
    r_hd = lt["Total"][(lt["Age"] >= 25) & (lt["Age"] < 100)]
    tau = np.arange(1, n_cycles + 1)
    r_s1s2 = (tau * p["r_S1S2_scale"]) ** p["r_S1S2_shape"] - ((tau - 1) * p["r_S1S2_scale"]) ** p["r_S1S2_shape"]
    p_s1s2 = 1 - np.exp(-r_s1s2 * (p["hr_S1S2_trtB"] if use_b else 1))
    p_hs1, p_s1h = 1 - np.exp(-p["r_HS1"]), 1 - np.exp(-p["r_S1H"])
    v_wcc = np.where(np.arange(1, n_cycles + 2) % 2 == 0, 2 / 3, 4 / 3)  # gen_wcc(method = "Simpson1/3")
    v_wcc[0] = v_wcc[-1] = 1 / 3
    v_dw = 1 / 1.03 ** np.arange(n_cycles + 1)
    trt = use_a * p["c_trtA"] + use_b * p["c_trtB"]
    v_c = np.r_[p["c_H"], np.full(n_cycles, p["c_S1"] + trt), p["c_S2"] + trt, 0.0]
    v_u = np.r_[p["u_H"], np.full(n_cycles, p["u_trtA"] if use_a else p["u_S1"]), p["u_S2"], 0.0]
    r_c, r_u = np.tile(v_c, (n, 1)), np.tile(v_u, (n, 1))  # matrix(v, byrow = TRUE)
    r_u[h, sick[0]] -= p["du_HS1"]
    r_c[h, sick[0]] += p["ic_HS1"]
    r_c[:d, d] += p["ic_D"]
    m = np.zeros(n)
    m[h] = 1.0
    a_t = np.diag(m)
    cost, qaly = [(a_t * r_c).sum()], [(a_t * r_u).sum()]
    for t in range(n_cycles):
        p_hd = 1 - np.exp(-r_hd[t])
        p_s1d, p_s2d = 1 - np.exp(-r_hd[t] * p["hr_S1"]), 1 - np.exp(-r_hd[t] * p["hr_S2"])
        P = np.zeros((n, n))
        P[h, h], P[h, sick[0]], P[h, d] = (1 - p_hd) * (1 - p_hs1), (1 - p_hd) * p_hs1, p_hd
        P[sick, h] = (1 - p_s1d) * p_s1h
        P[sick, s2] = (1 - p_s1d) * p_s1s2
        P[sick, d] = p_s1d
        nxt = np.r_[sick[1:], sick[-1]]  # the last tunnel state keeps its stayers
        P[sick, nxt] = (1 - p_s1d) * (1 - (p_s1h + p_s1s2))
        P[s2, s2], P[s2, d], P[d, d] = 1 - p_s2d, p_s2d, 1.0
        assert_allclose(P.sum(1), 1, rtol=0, atol=1e-15)
        a_t = m[:, None] * P  # diag(m) %*% P
        m = m @ P
        cost.append((a_t * r_c).sum())
        qaly.append((a_t * r_u).sum())
    return float(np.dot(cost, v_dw * v_wcc)), float(np.dot(qaly, v_dw * v_wcc))


@pytest.fixture(scope="module")
def rows():
    return {r["strategy"]: r for r in compare(load_scenario(bundled(NAME))).rows}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_base_case_matches_the_tutorial_code(rows, strategy):
    cost, qalys = tutorial_model(BASE, *STRATEGIES[strategy])
    assert_allclose(rows[strategy]["cost"], cost, rtol=1e-9)
    assert_allclose(rows[strategy]["qalys"], qalys, rtol=1e-9)


def test_base_case_frontier_and_icers(rows):
    assert {s: r["status"] for s, r in rows.items()} == {"SoC": "ND", "A": "D", "B": "ND", "AB": "ND"}
    out = {s: tutorial_model(BASE, *STRATEGIES[s]) for s in STRATEGIES}
    icer_b = (out["B"][0] - out["SoC"][0]) / (out["B"][1] - out["SoC"][1])
    icer_ab = (out["AB"][0] - out["B"][0]) / (out["AB"][1] - out["B"][1])
    assert_allclose([rows["B"]["icer"], rows["AB"]["icer"]], [icer_b, icer_ab], rtol=1e-9)
    # the figures quoted in the scenario's description
    assert [round(rows[s]["cost"]) for s in ("SoC", "A", "B", "AB")] == [103112, 198058, 186262, 274408]
    assert [round(rows["B"]["icer"]), round(rows["AB"]["icer"])] == [75678, 88668]


@pytest.mark.parametrize("strategy", TABLE_3)
def test_constant_progression_reproduces_table_3(strategy):
    rows = {r["strategy"]: r for r in compare(load_scenario(bundled(NAME), variant="constant_progression")).rows}
    cost, qalys, inc_cost, inc_qalys, icer, status = TABLE_3[strategy]
    row = rows[strategy]
    assert row["cost"] == pytest.approx(cost, abs=0.5)
    assert row["qalys"] == pytest.approx(qalys, abs=0.0005)
    assert row["status"] == status
    if icer is not None:
        assert row["inc_cost"] == pytest.approx(inc_cost, abs=0.5)
        assert row["inc_effect"] == pytest.approx(inc_qalys, abs=0.0005)
        assert row["icer"] == pytest.approx(icer, abs=0.5)


def test_weibull_parameters_are_drawn_as_mvlognormal():
    """MethylCapSig::mvlognormal(Mu = c(0.08, 1.1), Sigma = c(0.02, 0.05)^2, R = cor(log X) = 0.5)."""
    n = 200_000
    d = sampler(load_scenario(bundled(NAME))).draw(seed=7, start=0, size=n)
    x = np.stack([d["r_S1S2_scale"], d["r_S1S2_shape"]])
    sd = np.array([0.02, 0.05])
    assert np.all(np.abs(x.mean(1) - [0.08, 1.1]) < 4 * sd / np.sqrt(n))
    assert_allclose(x.std(1), sd, rtol=0.01)
    assert np.corrcoef(np.log(x))[0, 1] == pytest.approx(0.5, abs=0.01)


def _mean(kind: str, a: float, b: float) -> float:
    if kind == "gamma_rate":
        return a / b
    if kind == "gamma_scale":
        return a * b
    if kind == "beta":
        return a / (a + b)
    return float(np.exp(np.log(a) + b**2 / 2))  # lnorm(meanlog = log(a), sdlog = b)


# generate_psa_params(): R's rgamma(shape, rate | scale), rbeta(shape1, shape2), rlnorm(meanlog, sdlog)
TUTORIAL_PSA = {
    "r_HS1": ("gamma_rate", 30, 170 + 30),
    "r_S1H": ("gamma_rate", 60, 60 + 60),
    "hr_S1": ("lnorm", 3, 0.01),
    "hr_S2": ("lnorm", 10, 0.02),
    "hr_S1S2_trtB": ("lnorm", 0.6, 0.02),
    "c_H": ("gamma_scale", 100, 20),
    "c_S1": ("gamma_scale", 177.8, 22.5),
    "c_S2": ("gamma_scale", 225, 66.7),
    "c_trtA": ("gamma_scale", 73.5, 163.3),
    "c_trtB": ("gamma_scale", 86.2, 150.8),
    "u_H": ("beta", 200, 3),
    "u_S1": ("beta", 130, 45),
    "u_S2": ("beta", 230, 230),
    "u_trtA": ("beta", 300, 15),
    "du_HS1": ("beta", 11, 1088),
    "ic_HS1": ("gamma_scale", 25, 40),
    "ic_D": ("gamma_scale", 100, 20),
}


def test_other_distributions_are_the_tutorials():
    s = sampler(load_scenario(bundled(NAME)))
    assert set(s.names) == set(TUTORIAL_PSA) | {"r_S1S2_scale", "r_S1S2_shape"}
    d = s.draw(seed=3, start=0, size=100_000)
    for name, (kind, a, b) in TUTORIAL_PSA.items():
        x = d[name]
        assert x.mean() == pytest.approx(_mean(kind, a, b), abs=4 * x.std() / np.sqrt(x.size)), name


def test_psa_samples_match_the_tutorial_code():
    """A few PSA parameter sets through atmpcli's sample path vs the re-implementation, set by set."""
    sc = load_scenario(bundled(NAME))
    draws = sampler(sc).draw(seed=11, start=0, size=4)
    result = run_on_draws(sc, draws)
    for i in range(4):
        p = {k: float(v[i]) for k, v in draws.items()}
        for j, strategy in enumerate(result.strategies):
            cost, qalys = tutorial_model(p, *STRATEGIES[strategy])
            assert_allclose([result.costs[i, j], result.effects[i, j]], [cost, qalys], rtol=1e-9)

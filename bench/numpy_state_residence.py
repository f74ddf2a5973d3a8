"""Hand-vectorised numpy PSA of the state-residence Sick-Sicker model: the lower bound for atmpcli.

The model of atmpcli/scenarios/sick_sicker_state_residence.yaml (DARTH time-dependent tutorial):
H, a 75-cycle tunnel for Sick, Sicker, Dead; age-dependent mortality, Weibull progression by time
in Sick, transition rewards, Simpson (DARTH) weights, 3 % discounting; the tutorial's PSA
distributions. It exploits the tunnel structure instead of building 78 x 78 matrices: the Sick
tunnel is a (75, samples) array that shifts down one row per cycle, and after t cycles only its first
t rows can be occupied, so each cycle touches O(t x samples) numbers. Every strategy has its own
trace (no sharing between strategies with the same transitions, as a general engine would do).
Prints the mean cost and QALYs per strategy (SoC, A, B, AB).
Usage: python bench/numpy_state_residence.py SAMPLES [SEED]
"""

import sys
from pathlib import Path

import numpy as np

T = 75  # cycles, and the length of the Sick tunnel
CHUNK = 10_000
TABLE = Path(__file__).resolve().parent.parent / "atmpcli" / "scenarios" / "lifetable_usa_2015.csv"


def mortality_rates() -> np.ndarray:
    """Death rate (Total column) at ages 25..99, one per cycle."""
    lt = np.genfromtxt(TABLE, delimiter=",", names=True)
    return lt["Total"][(lt["Age"] >= 25) & (lt["Age"] < 25 + T)]


def weights() -> np.ndarray:
    w = np.ones(T + 1)
    w[1:T:2], w[2:T:2], w[0], w[T] = 2 / 3, 4 / 3, 1 / 3, 1 / 3
    return w / 1.03 ** np.arange(T + 1)


def draw(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The tutorial's generate_psa_params(): Weibull scale and shape multivariate lognormal."""
    mean, sd = np.array([0.08, 1.1]), np.array([0.02, 0.05])
    sdlog = np.sqrt(np.log1p((sd / mean) ** 2))
    cov = np.array([[1, 0.5], [0.5, 1]]) * np.outer(sdlog, sdlog)
    scale, shape = np.exp(rng.multivariate_normal(np.log(mean) - sdlog**2 / 2, cov, n)).T
    return {
        "scale": scale,
        "shape": shape,
        "r_HS1": rng.gamma(30, 1 / 200, n),
        "r_S1H": rng.gamma(60, 1 / 120, n),
        "hr_S1": rng.lognormal(np.log(3), 0.01, n),
        "hr_S2": rng.lognormal(np.log(10), 0.02, n),
        "hr_B": rng.lognormal(np.log(0.6), 0.02, n),
        "c_H": rng.gamma(100, 20, n),
        "c_S1": rng.gamma(177.8, 22.5, n),
        "c_S2": rng.gamma(225, 66.7, n),
        "c_A": rng.gamma(73.5, 163.3, n),
        "c_B": rng.gamma(86.2, 150.8, n),
        "u_H": rng.beta(200, 3, n),
        "u_S1": rng.beta(130, 45, n),
        "u_S2": rng.beta(230, 230, n),
        "u_A": rng.beta(300, 15, n),
        "du_HS1": rng.beta(11, 1088, n),
        "ic_HS1": rng.gamma(25, 40, n),
        "ic_D": rng.gamma(100, 20, n),
    }


def strategy(d: dict[str, np.ndarray], mx: np.ndarray, w: np.ndarray, use_a: int, use_b: int):
    """Discounted cost and QALYs per sample of one strategy."""
    n = d["scale"].shape[0]
    tau = np.arange(1, T + 1)[:, None]
    rate = (tau * d["scale"]) ** d["shape"] - ((tau - 1) * d["scale"]) ** d["shape"]  # (T, n)
    p12 = -np.expm1(-rate * (d["hr_B"] if use_b else 1.0))
    p_hs1, p_s1h = -np.expm1(-d["r_HS1"]), -np.expm1(-d["r_S1H"])
    stay = 1.0 - p_s1h - p12  # remain in Sick (conditional on surviving), by time in Sick
    trt = use_a * d["c_A"] + use_b * d["c_B"]
    c_h, c_s1, c_s2 = d["c_H"], d["c_S1"] + trt, d["c_S2"] + trt
    u_h, u_s1, u_s2 = d["u_H"], d["u_A"] if use_a else d["u_S1"], d["u_S2"]
    h, s2 = np.ones(n), np.zeros(n)
    s1 = np.zeros((T, n))
    cost, qaly = w[0] * c_h, w[0] * u_h
    for t in range(T):  # cycle t + 1; Sick rows 0..t-1 are the only occupied ones
        p_hd = -np.expm1(-mx[t])
        p_s1d, p_s2d = -np.expm1(-mx[t] * d["hr_S1"]), -np.expm1(-mx[t] * d["hr_S2"])
        k = t  # the horizon equals the tunnel length, so nobody reaches the tunnel's end
        alive1 = s1[:k] * (1.0 - p_s1d)
        s1_total = s1[:k].sum(0)
        to_h = alive1.sum(0) * p_s1h
        to_s2 = (alive1 * p12[:k]).sum(0)
        onset = h * (1.0 - p_hd) * p_hs1
        deaths = h * p_hd + s1_total * p_s1d + s2 * p_s2d
        s1[1 : k + 1] = alive1 * stay[:k]
        s1[0] = onset
        h = h * (1.0 - p_hd) * (1.0 - p_hs1) + to_h
        s2 = s2 * (1.0 - p_s2d) + to_s2
        sick = s1[: k + 1].sum(0)
        cost += w[t + 1] * (h * c_h + sick * c_s1 + s2 * c_s2 + onset * d["ic_HS1"] + deaths * d["ic_D"])
        qaly += w[t + 1] * (h * u_h + sick * u_s1 + s2 * u_s2 - onset * d["du_HS1"])
    return cost, qaly


def main() -> None:
    n_total = int(sys.argv[1])
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    mx, w = mortality_rates(), weights()
    totals = np.zeros((4, 2))
    for start in range(0, n_total, CHUNK):
        d = draw(rng, min(CHUNK, n_total - start))
        for k, (a, b) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
            c, q = strategy(d, mx, w, a, b)
            totals[k] += [c.sum(), q.sum()]
    print(totals / n_total)


if __name__ == "__main__":
    main()

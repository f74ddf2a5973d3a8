"""Hand-vectorised numpy PSA of the Sick-Sicker model: the lower bound for atmpcli's engine.

Same distributions (validation-public.md case 5), 4 strategies, 75 annual cycles, 3 % discounting and
DARTH's Simpson weights, processed in chunks; prints the mean cost and QALYs per strategy.
The default kernel (the lower bound issue 12's targets refer to) multiplies a (samples, 4) trace by
(samples, 4, 4) matrices with einsum. ``--soa`` uses a structure-of-arrays kernel instead: one
contiguous vector per state and per transition, multiply-adds only; same draws, same results.
Usage: python bench/numpy_sick_sicker.py SAMPLES [SEED] [--soa]
"""

import sys

import numpy as np

T = 75
CHUNK = 16384


def weights() -> np.ndarray:
    t = np.arange(T + 1)
    w = np.ones(T + 1)
    w[1:T:2], w[2:T:2], w[0], w[T] = 2 / 3, 4 / 3, 1 / 3, 1 / 3
    return w / 1.03**t


def draw(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    d = {
        "r_HD": rng.gamma(20, 1 / 10000, n),
        "r_HS1": rng.gamma(30, 1 / 200, n),
        "r_S1H": rng.gamma(60, 1 / 120, n),
        "r_S1S2": rng.gamma(84, 1 / 800, n),
        "hr_S1": rng.lognormal(np.log(3), 0.01, n),
        "hr_S2": rng.lognormal(np.log(10), 0.02, n),
        "hr_B": rng.lognormal(np.log(0.6), 0.02, n),
    }
    d["c_H"], d["c_S1"], d["c_S2"] = rng.gamma(100, 20, n), rng.gamma(177.8, 22.5, n), rng.gamma(225, 66.7, n)
    d["c_A"], d["c_B"] = rng.gamma(73.5, 163.3, n), rng.gamma(86.2, 150.8, n)
    d["u_H"], d["u_S1"], d["u_S2"] = rng.beta(200, 3, n), rng.beta(130, 45, n), rng.beta(230, 230, n)
    d["u_A"] = rng.beta(300, 15, n)
    return d


def rows(d: dict[str, np.ndarray], use_b: int) -> dict[str, np.ndarray]:
    """The non-zero transition probabilities, one vector over samples each."""
    p_HD, p_HS1, p_S1H = 1 - np.exp(-d["r_HD"]), 1 - np.exp(-d["r_HS1"]), 1 - np.exp(-d["r_S1H"])
    p_S1D, p_S2D = 1 - np.exp(-d["r_HD"] * d["hr_S1"]), 1 - np.exp(-d["r_HD"] * d["hr_S2"])
    p_S1S2 = 1 - np.exp(-d["r_S1S2"] * (d["hr_B"] if use_b else 1))
    return {
        "HH": (1 - p_HD) * (1 - p_HS1),
        "HS1": (1 - p_HD) * p_HS1,
        "HD": p_HD,
        "S1H": (1 - p_S1D) * p_S1H,
        "S1S1": (1 - p_S1D) * (1 - (p_S1H + p_S1S2)),
        "S1S2": (1 - p_S1D) * p_S1S2,
        "S1D": p_S1D,
        "S2S2": 1 - p_S2D,
        "S2D": p_S2D,
    }


def rewards(d: dict[str, np.ndarray], use_a: int, use_b: int) -> tuple[np.ndarray, np.ndarray]:
    """(samples, 4) state costs and utilities."""
    n = d["c_H"].shape[0]
    trt = use_a * d["c_A"] + use_b * d["c_B"]
    cost = np.stack([d["c_H"], d["c_S1"] + trt, d["c_S2"] + trt, np.zeros(n)], axis=1)
    util = np.stack([d["u_H"], d["u_A"] if use_a else d["u_S1"], d["u_S2"], np.zeros(n)], axis=1)
    return cost, util


def einsum_kernel(p: dict[str, np.ndarray], cost: np.ndarray, util: np.ndarray, w: np.ndarray):
    n = cost.shape[0]
    P = np.zeros((n, 4, 4))
    P[:, 0, 0], P[:, 0, 1], P[:, 0, 3] = p["HH"], p["HS1"], p["HD"]
    P[:, 1, 0], P[:, 1, 1], P[:, 1, 2], P[:, 1, 3] = p["S1H"], p["S1S1"], p["S1S2"], p["S1D"]
    P[:, 2, 2], P[:, 2, 3], P[:, 3, 3] = p["S2S2"], p["S2D"], 1
    m = np.zeros((n, 4))
    m[:, 0] = 1
    c_tot, q_tot = (m * cost).sum(1) * w[0], (m * util).sum(1) * w[0]
    for step in range(1, T + 1):
        m = np.einsum("si,sij->sj", m, P)
        c_tot += (m * cost).sum(1) * w[step]
        q_tot += (m * util).sum(1) * w[step]
    return c_tot, q_tot


def soa_kernel(p: dict[str, np.ndarray], cost: np.ndarray, util: np.ndarray, w: np.ndarray):
    (c_h, c_1, c_2), (u_h, u_1, u_2) = cost.T[:3].copy(), util.T[:3].copy()  # Dead is worth 0
    h, s1, s2 = np.ones(cost.shape[0]), np.zeros(cost.shape[0]), np.zeros(cost.shape[0])
    c_tot, q_tot = w[0] * c_h, w[0] * u_h
    for step in range(1, T + 1):
        h, s1, s2 = h * p["HH"] + s1 * p["S1H"], h * p["HS1"] + s1 * p["S1S1"], s1 * p["S1S2"] + s2 * p["S2S2"]
        c_tot += w[step] * (h * c_h + s1 * c_1 + s2 * c_2)
        q_tot += w[step] * (h * u_h + s1 * u_1 + s2 * u_2)
    return c_tot, q_tot


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--soa"]
    kernel = soa_kernel if "--soa" in sys.argv else einsum_kernel
    n_total = int(args[0])
    rng = np.random.default_rng(int(args[1]) if len(args) > 1 else 1)
    w = weights()
    totals = np.zeros((4, 2))
    for start in range(0, n_total, CHUNK):
        d = draw(rng, min(CHUNK, n_total - start))
        for k, (use_a, use_b) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
            c, q = kernel(rows(d, use_b), *rewards(d, use_a, use_b), w)
            totals[k] += [c.sum(), q.sum()]
    print(totals / n_total)


if __name__ == "__main__":
    main()

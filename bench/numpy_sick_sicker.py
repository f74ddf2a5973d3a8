"""Hand-vectorised numpy PSA of the Sick-Sicker model: the lower bound for atmpcli's engine.

Same distributions (validation-public.md case 5), 4 strategies, 75 annual cycles, 3 % discounting and
DARTH's Simpson weights, processed in chunks; prints the mean cost and QALYs per strategy.
Usage: python bench/numpy_sick_sicker.py SAMPLES [SEED]
"""

import sys

import numpy as np

N = int(sys.argv[1])
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
T = 75
t = np.arange(T + 1)
w = np.ones(T + 1)
w[1:T:2], w[2:T:2], w[0], w[T] = 2 / 3, 4 / 3, 1 / 3, 1 / 3
disc = w / 1.03**t
CHUNK = 16384
totals = np.zeros((4, 2))
for start in range(0, N, CHUNK):
    n = min(CHUNK, N - start)
    r_HD = rng.gamma(20, 1 / 10000, n)
    r_HS1 = rng.gamma(30, 1 / 200, n)
    r_S1H = rng.gamma(60, 1 / 120, n)
    r_S1S2 = rng.gamma(84, 1 / 800, n)
    hr_S1 = rng.lognormal(np.log(3), 0.01, n)
    hr_S2 = rng.lognormal(np.log(10), 0.02, n)
    hr_B = rng.lognormal(np.log(0.6), 0.02, n)
    c_H, c_S1, c_S2 = rng.gamma(100, 20, n), rng.gamma(177.8, 22.5, n), rng.gamma(225, 66.7, n)
    c_A, c_B = rng.gamma(73.5, 163.3, n), rng.gamma(86.2, 150.8, n)
    u_H, u_S1, u_S2, u_A = rng.beta(200, 3, n), rng.beta(130, 45, n), rng.beta(230, 230, n), rng.beta(300, 15, n)
    p_HD, p_HS1, p_S1H = 1 - np.exp(-r_HD), 1 - np.exp(-r_HS1), 1 - np.exp(-r_S1H)
    p_S1D, p_S2D = 1 - np.exp(-r_HD * hr_S1), 1 - np.exp(-r_HD * hr_S2)
    for k, (use_a, use_b) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
        p_S1S2 = 1 - np.exp(-r_S1S2 * (hr_B if use_b else 1))
        P = np.zeros((n, 4, 4))
        P[:, 0, 0], P[:, 0, 1], P[:, 0, 3] = (1 - p_HD) * (1 - p_HS1), (1 - p_HD) * p_HS1, p_HD
        P[:, 1, 0], P[:, 1, 1] = (1 - p_S1D) * p_S1H, (1 - p_S1D) * (1 - (p_S1H + p_S1S2))
        P[:, 1, 2], P[:, 1, 3] = (1 - p_S1D) * p_S1S2, p_S1D
        P[:, 2, 2], P[:, 2, 3], P[:, 3, 3] = 1 - p_S2D, p_S2D, 1
        trt = use_a * c_A + use_b * c_B
        cost = np.stack([c_H, c_S1 + trt, c_S2 + trt, np.zeros(n)], axis=1)
        util = np.stack([u_H, u_A if use_a else u_S1, u_S2, np.zeros(n)], axis=1)
        m = np.zeros((n, 4))
        m[:, 0] = 1
        c_tot = (m * cost).sum(1) * disc[0]
        q_tot = (m * util).sum(1) * disc[0]
        for step in range(1, T + 1):
            m = np.einsum("si,sij->sj", m, P)
            c_tot += (m * cost).sum(1) * disc[step]
            q_tot += (m * util).sum(1) * disc[step]
        totals[k] += [c_tot.sum(), q_tot.sum()]
print(totals / N)

"""Hand-vectorised numpy PSA of the HIV/AIDS model (Chancellor 1997): the lower bound for atmpcli.

Same distributions as scenarios/hiv_chancellor.yaml, 2 strategies, 20 cycles, end-of-cycle counting,
costs at 6 %; processed in chunks so memory stays flat. Usage: python bench/numpy_hiv.py SAMPLES [SEED]
"""

import sys

import numpy as np

N = int(sys.argv[1])
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
T = 20
disc = 1 / 1.06 ** np.arange(1, T + 1)
CHUNK = 65536
totals = np.zeros((2, 2))
for start in range(0, N, CHUNK):
    n = min(CHUNK, N - start)
    a = rng.dirichlet([1251, 350, 116, 17], n)
    b = rng.dirichlet([731, 512, 15], n)
    p_cd = rng.beta(437, 1312, n)
    sdlog = 0.173
    rr = rng.lognormal(np.log(0.509) - sdlog**2 / 2, sdlog, n)
    med = [rng.gamma(m, 1.0, n) for m in (1701, 1774, 6948)]  # gamma with variance = mean: shape m, scale 1
    com = [rng.gamma(m, 1.0, n) for m in (1055, 1278, 2059)]
    state_cost = np.stack([med[0] + com[0], med[1] + com[1], med[2] + com[2], np.zeros(n)], axis=1)
    for k, combo in enumerate((False, True)):
        m = np.zeros((n, 4))
        m[:, 0] = 1
        cost = np.zeros(n)
        ly = np.zeros(n)
        for cycle in range(1, T + 1):
            r = rr if (combo and cycle <= 2) else np.ones(n)
            P = np.zeros((n, 4, 4))
            P[:, 0, 1], P[:, 0, 2], P[:, 0, 3] = a[:, 1] * r, a[:, 2] * r, a[:, 3] * r
            P[:, 0, 0] = 1 - P[:, 0, 1:].sum(1)
            P[:, 1, 2], P[:, 1, 3] = b[:, 1] * r, b[:, 2] * r
            P[:, 1, 1] = 1 - P[:, 1, 2:].sum(1)
            P[:, 2, 3] = p_cd * r
            P[:, 2, 2] = 1 - P[:, 2, 3]
            P[:, 3, 3] = 1
            m = np.einsum("si,sij->sj", m, P)
            drug = 2278 + (2086.5 if (combo and cycle <= 2) else 0)
            alive = m[:, :3].sum(1)
            cost += ((m * state_cost).sum(1) + alive * drug) * disc[cycle - 1]
            ly += alive
        totals[k] += [cost.sum(), ly.sum()]
print(totals / N)

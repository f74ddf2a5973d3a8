"""Hand-vectorised numpy PSA of bench/scenarios/tunnel_stress.yaml: the lower bound for atmpcli.

A heemod-#361-sized model: five living states, each a tunnel over the whole 174-cycle monthly
horizon (871 states with Dead), hazards by time in state (Weibull), Gompertz background mortality,
a terminal-care cost on death, half-cycle correction, 3.5 % discounting, two strategies. Each tunnel
is a (cycles, samples) array that shifts down one row per cycle; after t cycles only its first t + 1
rows can be occupied, so a cycle touches O(t x samples) numbers and nothing of size states^2 exists.
Prints the mean cost and QALYs per strategy (soc, new).
Usage: python bench/numpy_tunnel_stress.py SAMPLES [SEED] [CYCLES]
"""

import sys

import numpy as np

CL = 1 / 12  # years per cycle
AGE0 = 60
CHUNK = 1000
# Weibull (shape, scale in years) of each time-in-state hazard, as in the scenario
HAZARDS = {
    "prog_on": (1.3, 1.6),
    "disc": (0.7, 8.0),
    "prog_off": (1.1, 1.5),
    "death_2l": (1.1, 4.0),
    "prog_2l": (1.2, 1.2),
    "death_3l": (1.0, 1.5),
    "bsc_3l": (1.2, 1.0),
    "death_bsc": (0.9, 0.5),
}
# gamma (mean, se) and beta (mean, se), as in the scenario
COSTS = {
    "c_drug_new": (96000, 4800),
    "c_drug_soc": (30000, 1500),
    "c_admin": (6000, 600),
    "c_monitor": (4800, 480),
    "c_2l": (36000, 3600),
    "c_3l": (24000, 2400),
    "c_bsc": (18000, 1800),
    "c_terminal": (8000, 800),
}
UTILITIES = {
    "u_pf": (0.75, 0.02),
    "du_start": (0.05, 0.01),
    "u_pf_off": (0.78, 0.02),
    "u_2l": (0.65, 0.03),
    "u_3l": (0.55, 0.03),
    "u_bsc": (0.40, 0.04),
}


def base_case() -> dict[str, np.ndarray]:
    d = {f"shape_{k}": np.array([s]) for k, (s, _) in HAZARDS.items()}
    d |= {f"scale_{k}": np.array([c]) for k, (_, c) in HAZARDS.items()}
    d |= {k: np.array([float(m)]) for k, (m, _) in (COSTS | UTILITIES).items()}
    d["hr_new"] = np.array([0.65])
    return d


def draw(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Lognormal shapes/scales (mean = value, sdlog 0.05/0.1), gamma costs and beta utilities by moments."""
    d: dict[str, np.ndarray] = {}
    for k, (shape, scale) in HAZARDS.items():
        for name, mean, sdlog in ((f"shape_{k}", shape, 0.05), (f"scale_{k}", scale, 0.1)):
            d[name] = rng.lognormal(np.log(mean) - sdlog**2 / 2, sdlog, n)
    d["hr_new"] = rng.lognormal(np.log(0.65) - 0.1**2 / 2, 0.1, n)
    for k, (mean, se) in COSTS.items():
        d[k] = rng.gamma(mean**2 / se**2, se**2 / mean, n)
    for k, (mean, se) in UTILITIES.items():
        a = mean * (mean * (1 - mean) / se**2 - 1)
        d[k] = rng.beta(a, a * (1 - mean) / mean, n)
    return d


def event_probability(d: dict[str, np.ndarray], key: str, cycles: int, hr: np.ndarray | float = 1.0) -> np.ndarray:
    """(cycles, n): probability of the event in each cycle of residence, from the Weibull increment."""
    tau = np.arange(1, cycles + 1)[:, None] * CL
    shape, scale = d[f"shape_{key}"], d[f"scale_{key}"]
    increment = (tau / scale) ** shape - ((tau - CL) / scale) ** shape
    return -np.expm1(-hr * increment)


def strategy(d: dict[str, np.ndarray], new: bool, cycles: int = 174) -> tuple[np.ndarray, np.ndarray]:
    """Discounted cost and QALYs per sample of one strategy."""
    n = d["u_pf"].shape[0]
    T = cycles
    t_points = np.arange(T + 1)
    w = np.ones(T + 1)
    w[0] = w[T] = 0.5
    w = w / 1.035 ** (t_points * CL)
    age = AGE0 + np.arange(T) * CL
    p_bg = -np.expm1(-3e-5 * np.exp(0.095 * age) * CL)  # (T,) per cycle
    p = {k: event_probability(d, k, T, d["hr_new"] if (new and k == "prog_on") else 1.0) for k in HAZARDS}
    drug = d["c_drug_new"] if new else d["c_drug_soc"]
    # annual values by row of residence (state_time = row + 1), times the cycle length
    first3 = (np.arange(T) < 3)[:, None]
    first2 = (np.arange(T) < 2)[:, None]
    c_on = (drug + d["c_monitor"] + first3 * d["c_admin"]) * CL  # (T, n)
    u_on = (d["u_pf"] - first2 * d["du_start"]) * CL
    flat_c = [d["c_monitor"] * CL, d["c_2l"] * CL, d["c_3l"] * CL, d["c_bsc"] * CL]
    flat_u = [d["u_pf_off"] * CL, d["u_2l"] * CL, d["u_3l"] * CL, d["u_bsc"] * CL]
    on, off, l2, l3, bsc = (np.zeros((T, n)) for _ in range(5))
    on[0] = 1.0

    def rewards(rows: int) -> tuple[np.ndarray, np.ndarray]:
        r = slice(0, rows)
        occ = [off[r].sum(0), l2[r].sum(0), l3[r].sum(0), bsc[r].sum(0)]
        cost = (on[r] * c_on[r]).sum(0) + sum(o * c for o, c in zip(occ, flat_c, strict=True))
        qaly = (on[r] * u_on[r]).sum(0) + sum(o * u for o, u in zip(occ, flat_u, strict=True))
        return cost, qaly

    c0, q0 = rewards(1)
    cost, qaly = w[0] * c0, w[0] * q0
    for t in range(T):  # cycle t + 1: rows 0..t may be occupied
        r = slice(0, t + 1)
        bg = p_bg[t]
        alive_on = on[r] * (1 - bg)
        prog_on = alive_on * p["prog_on"][r]
        disc = (alive_on - prog_on) * p["disc"][r]
        stay_on = alive_on - prog_on - disc
        alive_off = off[r] * (1 - bg)
        prog_off = alive_off * p["prog_off"][r]
        d2 = 1 - (1 - bg) * (1 - p["death_2l"][r])
        alive_2 = l2[r] * (1 - d2)
        prog_2 = alive_2 * p["prog_2l"][r]
        d3 = 1 - (1 - bg) * (1 - p["death_3l"][r])
        alive_3 = l3[r] * (1 - d3)
        to_bsc = alive_3 * p["bsc_3l"][r]
        db = 1 - (1 - bg) * (1 - p["death_bsc"][r])
        alive_b = bsc[r] * (1 - db)
        deaths = (on[r] + off[r]).sum(0) * bg + (l2[r] * d2).sum(0) + (l3[r] * d3).sum(0) + (bsc[r] * db).sum(0)
        entries = (disc.sum(0), prog_on.sum(0) + prog_off.sum(0), prog_2.sum(0), to_bsc.sum(0))
        stays = (stay_on, alive_off - prog_off, alive_2 - prog_2, alive_3 - to_bsc, alive_b)
        for tunnel, stay in zip((on, off, l2, l3, bsc), stays, strict=True):
            if t + 1 < T:
                tunnel[1 : t + 2] = stay
            else:  # the tunnel's last row keeps its stayers
                tunnel[1:T] = stay[: T - 1]
                tunnel[T - 1] += stay[T - 1]
        on[0] = 0.0
        for tunnel, entering in zip((off, l2, l3, bsc), entries, strict=True):
            tunnel[0] = entering
        c, q = rewards(min(t + 2, T))
        cost += w[t + 1] * (c + deaths * d["c_terminal"])
        qaly += w[t + 1] * q
    return cost, qaly


def main() -> None:
    n_total = int(sys.argv[1])
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    cycles = int(sys.argv[3]) if len(sys.argv) > 3 else 174
    totals = np.zeros((2, 2))
    for start in range(0, n_total, CHUNK):
        d = draw(rng, min(CHUNK, n_total - start))
        for k, new in enumerate((False, True)):
            c, q = strategy(d, new, cycles)
            totals[k] += [c.sum(), q.sum()]
    print(totals / n_total)


if __name__ == "__main__":
    main()

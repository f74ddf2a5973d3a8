"""Numpy PSA of a 3-state partitioned survival model: the lower bound for atmpcli's PSM (issue 8).

Two strategies, each with its own progression-free (PFS) and overall survival (OS) curve fitted
separately (flexsurv parameterisations, evaluated by atmpcli.model.survival.Curve): standard care
with a Weibull PFS and a log-logistic OS, the new treatment with a generalised gamma PFS and a
lognormal OS. Each draw samples every curve's parameters from a multivariate normal on flexsurv's
estimation scale (log for positive parameters), as flexsurv's normboot does. Monthly time points
over 60 years (721), progression-free = min(PFS, OS), progressed = OS - progression-free,
half-cycle weights, 3.5 % discounting, annual costs and utilities with gamma and beta draws.
Prints the mean cost and QALYs per strategy (soc, new).
atmpcli runs the same model from bench/scenarios/psm.yaml (bench/run.py's "PSA partitioned survival" row).
Usage: python bench/numpy_psm.py SAMPLES [SEED]
"""

import sys

import numpy as np

from atmpcli.model.survival import Curve, to_natural

YEARS, PER_YEAR = 60, 12
CHUNK = 2500
# family, parameter names, estimates on the estimation scale (flexsurv res.t) and their covariance
CURVES = {
    ("soc", "pfs"): ("weibull", ("shape", "scale"), (0.22, -0.11), ((0.004, -0.001), (-0.001, 0.006))),
    ("soc", "os"): ("llogis", ("shape", "scale"), (0.47, 0.79), ((0.005, -0.0008), (-0.0008, 0.007))),
    ("new", "pfs"): (
        "gengamma",
        ("mu", "sigma", "Q"),
        (0.35, -0.22, 0.45),
        ((0.010, 0.002, -0.004), (0.002, 0.004, 0.001), (-0.004, 0.001, 0.030)),
    ),
    ("new", "os"): ("lnorm", ("meanlog", "sdlog"), (1.25, 0.1), ((0.008, 0.001), (0.001, 0.004))),
}
TRANSFORM = {"shape": "log", "scale": "log", "sigma": "log", "sdlog": "log", "mu": "identity"}
TRANSFORM |= {"Q": "identity", "meanlog": "identity"}
# annual costs: gamma (mean, se); utilities: beta (mean, se)
COSTS = {"c_drug_soc": (30000, 1500), "c_drug_new": (96000, 4800), "c_pf": (4800, 480), "c_pd": (30000, 3000)}
UTILITIES = {"u_pf": (0.78, 0.02), "u_pd": (0.60, 0.03)}


def draw_curves(rng: np.random.Generator, n: int) -> dict[tuple[str, str], Curve]:
    out = {}
    for key, (family, names, mean, cov) in CURVES.items():
        x = rng.multivariate_normal(mean, cov, n)
        params = {name: to_natural(TRANSFORM[name], x[:, j]) for j, name in enumerate(names)}
        out[key] = Curve(family, params)
    return out


def draw_values(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    d = {k: rng.gamma(m**2 / se**2, se**2 / m, n) for k, (m, se) in COSTS.items()}
    for k, (m, se) in UTILITIES.items():
        a = m * (m * (1 - m) / se**2 - 1)
        d[k] = rng.beta(a, a * (1 - m) / m, n)
    return d


def main() -> None:
    n_total = int(sys.argv[1])
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    t = np.arange(YEARS * PER_YEAR + 1) / PER_YEAR
    w = np.ones(t.size)
    w[0] = w[-1] = 0.5
    w = w / 1.035**t / PER_YEAR  # half-cycle weight x discount x cycle length (annual values)
    totals = np.zeros((2, 2))
    for start in range(0, n_total, CHUNK):
        n = min(CHUNK, n_total - start)
        curves, v = draw_curves(rng, n), draw_values(rng, n)
        for k, arm in enumerate(("soc", "new")):
            os_ = curves[arm, "os"].survival(t)
            pf = np.minimum(curves[arm, "pfs"].survival(t), os_)
            pf_years, pd_years = pf @ w, (os_ - pf) @ w  # discounted, corrected years in each state
            cost = pf_years * (v[f"c_drug_{arm}"] + v["c_pf"]) + pd_years * v["c_pd"]
            qaly = pf_years * v["u_pf"] + pd_years * v["u_pd"]
            totals[k] += [cost.sum(), qaly.sum()]
    print(totals / n_total)


if __name__ == "__main__":
    main()

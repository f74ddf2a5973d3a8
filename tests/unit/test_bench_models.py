"""The numpy lower bounds in bench/ compute the same models as atmpcli, so their ratios compare like with like."""

import importlib.util
from pathlib import Path

from numpy.testing import assert_allclose

from atmpcli.analysis.compare import compare
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT, bundled

BENCH = ROOT / "bench"


def bench_module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def results(path: Path, variant: str | None = None) -> dict[str, tuple[float, float]]:
    rows = compare(load_scenario(path, variant=variant)).rows
    return {r["strategy"]: (r["cost"], r["qalys"]) for r in rows}


def test_state_residence_bound_is_the_bundled_scenario():
    m = bench_module("numpy_state_residence")
    expected = results(bundled("sick_sicker_state_residence"))
    base = {
        "scale": 0.08, "shape": 1.1, "r_HS1": 0.15, "r_S1H": 0.5, "hr_S1": 3, "hr_S2": 10, "hr_B": 0.6,
        "c_H": 2000, "c_S1": 4000, "c_S2": 15000, "c_A": 12000, "c_B": 13000, "u_H": 1, "u_S1": 0.75,
        "u_S2": 0.5, "u_A": 0.95, "du_HS1": 0.01, "ic_HS1": 1000, "ic_D": 2000,
    }  # fmt: skip
    d = {k: m.np.array([float(v)]) for k, v in base.items()}
    for name, (a, b) in {"SoC": (0, 0), "A": (1, 0), "B": (0, 1), "AB": (1, 1)}.items():
        cost, qalys = m.strategy(d, m.mortality_rates(), m.weights(), a, b)
        assert_allclose([cost[0], qalys[0]], expected[name], rtol=1e-12)


def test_tunnel_stress_bound_is_its_scenario():
    """On the 12-cycle variant (the full 871-state model needs about 2 GB in atmpcli today)."""
    m = bench_module("numpy_tunnel_stress")
    expected = results(BENCH / "scenarios" / "tunnel_stress.yaml", "short")
    for name, new in {"soc": False, "new": True}.items():
        cost, qalys = m.strategy(m.base_case(), new, 12)
        assert_allclose([cost[0], qalys[0]], expected[name], rtol=1e-12)

"""The structure-of-arrays cohort kernel (model/cohort.py, model/cohort_rewards.py) against the dense engine
it replaced (tests/dense_reference.py: full (S, T, N, N) matrices, a stored trace, masked copies for flows).

Two independent implementations of the same model: they must agree on every total, the trace and the
cost per time point, for the base case and for probabilistic draws, on every bundled cohort scenario
and the two tunnel benchmark models.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.analysis.sampling import resolve, sampler
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.outputs import Outputs
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT, SCENARIOS
from tests.dense_reference import dense_outcome

COHORT = sorted(
    p.stem for p in SCENARIOS.glob("*.yaml") if load_scenario(p).has_markov and not load_scenario(p).partitions
)
STRESS = ROOT / "bench" / "scenarios" / "tunnel_stress.yaml"
RTOL, ATOL = 1e-11, 1e-9  # sums in another order: relative 1e-11 on totals of 1e5..1e7


def _paid(outcome) -> tuple[np.ndarray, np.ndarray]:
    """What payment plans added to the product cost (present value, nominal): the dense engine has no plans."""
    pv = sum((p.present_value for p in outcome.payments), np.zeros(1))
    nominal = sum((p.flow.nominal for p in outcome.payments), np.zeros(1))
    return pv, nominal


def _agree(model, strategy, draws=None, samples=1) -> None:
    ours = evaluate_strategy(model, strategy, draws, samples)
    dense = dense_outcome(model, strategy, draws, samples)
    pv, nominal = _paid(ours)
    for comp, v in ours.costs.items():
        expected = dense.get(f"cost:{comp}", 0.0) + (pv if comp == "product" else 0.0)
        assert_allclose(v, np.broadcast_to(expected, v.shape), rtol=RTOL, atol=ATOL, err_msg=comp)
    undiscounted = sum((dense[k] for k in dense if k.startswith("cost:") and k.endswith(":u")), np.zeros(1))
    assert_allclose(ours.cost_undiscounted, undiscounted + nominal, rtol=RTOL, atol=ATOL)
    if ours.qalys is not None:
        assert_allclose(ours.qalys, dense["qalys"], rtol=RTOL, atol=ATOL)
        assert_allclose(ours.qalys_undiscounted, dense["qalys:u"], rtol=RTOL, atol=ATOL)
    assert_allclose(ours.life_years, dense["life_years"], rtol=RTOL, atol=ATOL)
    assert_allclose(ours.life_years_undiscounted, dense["life_years:u"], rtol=RTOL, atol=ATOL)
    assert_allclose(ours.trace, dense["trace"], rtol=1e-12, atol=1e-14)
    if not ours.payments:  # plans' cash flows are not on the cycle grid
        assert_allclose(ours.cost_points, dense["cost_points"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", COHORT)
def test_base_case_equals_the_dense_engine(name):
    model = load_scenario(SCENARIOS / f"{name}.yaml")
    for strategy in model.strategies:
        _agree(model, strategy)


@pytest.mark.parametrize("name", COHORT)
def test_probabilistic_draws_equal_the_dense_engine(name):
    model = load_scenario(SCENARIOS / f"{name}.yaml")
    if not resolve(model) and not model.dirichlet:
        pytest.skip("no distributions")
    draws = sampler(model).draw(2024, 0, 6)
    for strategy in model.strategies:
        _agree(model, strategy, draws, 6)


def test_tunnel_models_equal_the_dense_engine():
    """Tunnel states whose rows and values depend on the cycle and on the time in the state, with
    transition rewards out of the tunnels: the kernel's per-cycle evaluation against the full matrices.
    The stress model is cut to 30 cycles with 12-cycle tunnels (the dense engine would need 2 GB), so
    that the cohort also reaches the last sub-state of each tunnel, which keeps it."""
    model = load_scenario(ROOT / "bench" / "tunnel78.yaml")
    for strategy in model.strategies:
        _agree(model, strategy, sampler(model).draw(7, 0, 3), 3)
    text = STRESS.read_text().replace("tunnel_cycles: 174", "tunnel_cycles: 12").replace("cycles: 174", "cycles: 30")
    stress = load_scenario(STRESS, text=text)
    assert stress.n_cycles == 30 and {st.tunnel for st in stress.states} == {1, 12}
    for strategy in stress.strategies:
        _agree(stress, strategy, sampler(stress).draw(5, 0, 2), 2)


def test_a_sample_does_not_depend_on_the_samples_beside_it():
    """Chunks of any size give each sample the same bits (what --workers and --memory rely on)."""
    model = load_scenario(SCENARIOS / "sick_sicker_state_residence.yaml")
    draws = sampler(model).draw(11, 0, 10)
    decision = Outputs.decision(model.settings.effect)
    for strategy in model.strategies:
        whole = evaluate_strategy(model, strategy, draws, 10, decision)
        head = evaluate_strategy(model, strategy, {k: v[:3] for k, v in draws.items()}, 3, decision)
        tail = evaluate_strategy(model, strategy, {k: v[3:] for k, v in draws.items()}, 7, decision)
        assert np.array_equal(whole.cost, np.concatenate([head.cost, tail.cost]))
        assert np.array_equal(whole.qalys, np.concatenate([head.qalys, tail.qalys]))


def test_a_decision_computes_only_the_cost_and_the_effect():
    model = load_scenario(SCENARIOS / "sick_sicker.yaml")
    draws = sampler(model).draw(3, 0, 5)
    for strategy in model.strategies:
        everything = evaluate_strategy(model, strategy, draws, 5)
        decision = evaluate_strategy(model, strategy, draws, 5, Outputs.decision("qalys"))
        assert decision.trace is None and decision.cost_points is None and decision.costs == {}
        assert decision.cost_undiscounted is None and decision.qalys_undiscounted is None
        assert decision.life_years is None
        assert_allclose(decision.cost, everything.cost, rtol=1e-13)
        assert_allclose(decision.qalys, everything.qalys, rtol=1e-13)


def _short_stress(tunnel: int = 12, cycles: int = 30):
    text = STRESS.read_text().replace("tunnel_cycles: 174", f"tunnel_cycles: {tunnel}")
    return load_scenario(STRESS, text=text.replace("cycles: 174", f"cycles: {cycles}"))


def test_parts_of_state_time_alone_evaluated_once_give_the_same_bits(monkeypatch):
    """The stress model's death probabilities depend on the cycle (background mortality) and on the time
    in the state (a Weibull hazard): the hazard is evaluated once for every sub-state, not once per
    cycle (model/parameters.py), and the results are those of evaluating the formulas as written."""
    from atmpcli.model.parameters import Parameters

    model = _short_stress()
    draws = sampler(model).draw(5, 0, 4)
    factored = [evaluate_strategy(model, s, draws, 4) for s in model.strategies]
    monkeypatch.setattr(Parameters, "_factor", lambda self, expr: expr.formula)
    as_written = [evaluate_strategy(model, s, draws, 4) for s in model.strategies]
    for a, b in zip(factored, as_written, strict=True):
        assert np.array_equal(a.cost, b.cost) and np.array_equal(a.qalys, b.qalys)
        assert np.array_equal(a.trace, b.trace)


def test_a_part_that_fails_where_the_cohort_never_gets_is_evaluated_as_written():
    """1 / (20 - state_time) has no value at 20 cycles in the state, which 12 cycles never reach: the
    part cannot be evaluated for all 30 sub-states at once, so the formula is evaluated cycle by cycle
    as written, and the results equal those of the same model with 12-cycle tunnels."""
    hazard = 'p_prog_2l: "1 - exp(-((t1 / scale_prog_2l) ^ shape_prog_2l - (t0 / scale_prog_2l) ^ shape_prog_2l))"'
    risky = 'p_prog_2l: "min(1, 0.01 / (20 - state_time) + 0 * age)"'
    models = []
    for tunnel in (30, 12):
        text = STRESS.read_text().replace("tunnel_cycles: 174", f"tunnel_cycles: {tunnel}")
        assert hazard in text
        models.append(load_scenario(STRESS, text=text.replace("cycles: 174", "cycles: 12").replace(hazard, risky)))
    wide, narrow = ([evaluate_strategy(m, s) for s in m.strategies] for m in models)
    for a, b in zip(wide, narrow, strict=True):
        assert_allclose(a.cost, b.cost, rtol=1e-14)
        assert_allclose(a.qalys, b.qalys, rtol=1e-14)

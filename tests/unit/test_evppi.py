"""EVPPI metamodels against independent implementations (R's mgcv and voi) and closed forms.

dampack's ``example_psa`` (the data behind dampack's published EVPPI) ships under GPL-3, so it is not
bundled; the agreement with dampack on it is recorded in docs/methods.md. Here the references are
mgcv 1.8-41 and voi's Gaussian-process code (R 4.2.2) run on a synthetic PSA that both sides can
rebuild exactly: parameters and noise are Weyl sequences frac(i * sqrt(prime)), no random numbers.
"""

import math

import numpy as np
import pytest

from atmpcli.analysis.evppi import REPLICATES, choose_method, evppi, fit_metamodels
from atmpcli.analysis.gam import Design, cr_basis, fit_gam, tensor_design

WTP = [2000, 4000, 6000]


def synthetic(n: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Costs and effects of three strategies (the first all zero) and the parameters x1, x2, x3.

    The same in R: i <- 1:n; fr <- function(a) (i * a) %% 1; x1 <- fr(sqrt(2)); ...
    """
    i = np.arange(1, n + 1)

    def fr(a: float) -> np.ndarray:
        return (i * a) % 1

    x1, x2, x3 = fr(math.sqrt(2)), fr(math.sqrt(3)), fr(math.sqrt(11))

    def u(a: float) -> np.ndarray:
        return fr(a) - 0.5

    e = np.column_stack(
        [
            np.zeros(n),
            0.5 + 0.8 * x1 - 0.6 * x2**2 + 0.3 * x1 * x2 + 0.4 * u(math.sqrt(5)),
            0.2 + 1.2 * x1**2 + 0.1 * x3 + 0.4 * u(math.sqrt(13)),
        ]
    )
    c = np.column_stack(
        [
            np.zeros(n),
            1000 + 2000 * x2 + 500 * np.sin(3 * x1) + 600 * u(math.sqrt(7)),
            1500 * x1 + 800 * x2 + 600 * u(math.sqrt(17)),
        ]
    )
    return c, e, np.column_stack([x1, x2, x3])


def test_cr_basis_is_mgcvs():
    # mgcv 1.8-41: x <- (1:50)^1.5 / 50^1.5; sm <- smoothCon(s(x, bs = "cr", k = 5), data.frame(x = x),
    # absorb.cons = FALSE, scale.penalty = FALSE)[[1]]; PredictMat(sm, data.frame(x = c(0.3, 0.71))); sm$S[[1]]
    x = np.arange(1, 51) ** 1.5 / 50**1.5
    _, penalty = cr_basis(x, 5)
    knots = np.quantile(np.unique(x), np.linspace(0, 1, 5))
    at, _ = cr_basis(np.array([0.3, 0.71]), 5, knots)
    mgcv = [
        [-0.1033152938183224, 0.3787317400313653, 0.789196919585481, -0.07484516653913, 0.0102318007406062],
        [-0.0173279331306738, 0.0597544390829441, -0.151107674403326, 1.02268150874371, 0.0859996597073492],
    ]
    assert at == pytest.approx(np.array(mgcv), abs=1e-12)
    s_mgcv = [501.773980844629, -865.132042483882, 429.562840909936, -76.6885870897298, 10.4838078190461]
    assert penalty[0] == pytest.approx(s_mgcv, rel=1e-12)
    # coefficients are the function's values at the knots, and straight lines carry no penalty
    assert np.allclose(cr_basis(knots, 5, knots)[0], np.eye(5), atol=1e-12)
    assert np.allclose(penalty @ knots, 0, atol=1e-9) and np.allclose(penalty @ np.ones(5), 0, atol=1e-9)


@pytest.mark.parametrize(
    ("smoothing", "expected", "edf", "se"),
    [
        # mgcv 1.8-41, gam(y ~ te(x1, x2, bs = "cr"), method = "REML" / "GCV.Cp") on each incremental
        # effect and cost; EVPPI as voi computes it; se from 2,000 draws of the coefficients (voi's way)
        ("reml", [90.63455768, 89.30142521, 297.5493569], [8.957, 9.619, 9.647, 4.020], [3.939, 7.604, 13.95]),
        ("gcv", [90.78534795, 89.6845933, 297.3397278], [7.890, 9.035, 8.648, 4.000], [4.078, 7.476, 13.87]),
    ],
)
def test_tensor_product_gam_matches_mgcv(smoothing, expected, edf, se):
    c, e, x = synthetic()
    r = evppi(c, e, WTP, x[:, :2], ["x1", "x2"], method="gam", smoothing=smoothing)
    assert r.evppi == pytest.approx(expected, rel=2e-4)
    fits, size = fit_metamodels("gam", x[:, :2], np.column_stack([e[:, 1:], c[:, 1:]]), smoothing)
    assert [f.edf for f in fits] == pytest.approx(edf, abs=0.02)
    assert size == 25  # intercept + 5 x 5 - 1 (the sum-to-zero constraint)
    assert r.se == pytest.approx(se, rel=0.1)  # Monte Carlo error of 500 and 2,000 draws


def test_single_parameter_gam_matches_mgcv():
    # mgcv: gam(y ~ te(x1, bs = "cr", k = 10), method = "REML"); the third is 0.0265 in mgcv
    c, e, x = synthetic()
    r = evppi(c, e, WTP, x[:, 0], ["x1"], method="gam")
    assert r.evppi[0] == pytest.approx(42.27796772, rel=1e-3)
    assert r.evppi[1] == 0  # the decision does not depend on x1 at 4,000
    assert r.evppi[2] == pytest.approx(0.0265, abs=0.01)


def test_gaussian_process_matches_voi():
    # voi 1.0.3's gp() (SAVI's code), hyperparameters from the first 60 samples, fitted on 1,000:
    # EVPPI 91.22583863 84.14827221 292.1422927; se 5.22 10.49 19.65 from 500 draws of the fitted values
    c, e, x = synthetic(1000)
    r = evppi(c, e, WTP, x[:, :2], ["x1", "x2"], method="gp")
    assert r.evppi == pytest.approx([91.22583863, 84.14827221, 292.1422927], rel=1e-4)
    assert r.se == pytest.approx([5.22, 10.49, 19.65], rel=0.15)
    assert r.samples == r.basis_size == 1000


def test_methods_agree_with_the_closed_form_of_a_linear_gaussian_model():
    # incremental net benefit a*t1 + b*t2 with t ~ N(0, 1): E[INB | t1] = m + a*t1 is N(m, a^2), so
    # EVPPI(t1) = a*phi(m/a) + m*Phi(m/a) - m for m > 0 (the expected loss of the normal distribution)
    rng = np.random.default_rng(3)
    n, m, a, b = 4000, 0.3, 1.0, 1.5
    t = rng.standard_normal((n, 2))
    effects = np.column_stack([np.zeros(n), m + a * t[:, 0] + b * t[:, 1]])
    costs = np.zeros_like(effects)
    z = m / a
    exact = a * math.exp(-(z**2) / 2) / math.sqrt(2 * math.pi) + m * 0.5 * (1 + math.erf(z / math.sqrt(2))) - m
    # the sample's own error: EVPPI is a mean of max(0, g) over the sample
    g = m + a * t[:, 0]
    sampling = np.maximum(g, 0).std() / math.sqrt(n) + abs(g.mean() - m)
    for method in ("gam", "gp", "splines"):
        r = evppi(costs, effects, [1.0], t[:, :1], ["t1"], method=method)
        assert abs(r.evppi[0] - exact) < 4 * math.hypot(r.se[0], sampling), method


def test_auto_picks_gam_up_to_four_parameters_and_gp_beyond():
    assert choose_method("auto", 4) == "gam" and choose_method("auto", 5) == "gp"
    with pytest.raises(ValueError, match="up to 5 parameters"):
        choose_method("gam", 6)
    with pytest.raises(ValueError, match="unknown EVPPI method"):
        choose_method("bart", 1)


def test_unpenalised_design_is_least_squares():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3))
    y = x @ [1.0, -2.0, 0.5] + rng.standard_normal(200)
    design = Design(np.column_stack([np.ones(200), x]), [])
    fit = fit_gam(design, y)[0]
    coef, *_ = np.linalg.lstsq(design.X, y, rcond=None)
    assert np.allclose(fit.coef, coef)
    assert fit.edf == pytest.approx(4)


def test_a_parameter_with_few_values_gets_fewer_knots():
    x = np.repeat([0.0, 1.0, 2.0, 3.0], 50)
    design = tensor_design(x[:, None], 10)
    assert design.size == 4  # intercept + 4 knots - 1
    y = x**2
    assert np.allclose(fit_gam(design, y)[0].fitted, y, atol=1e-6)


def test_one_strategy_has_no_value_of_information():
    x = np.linspace(0, 1, 50)
    r = evppi(x[:, None], x[:, None], [1.0, 2.0], x, ["x"])
    assert list(r.evppi) == [0.0, 0.0] and np.isnan(r.se).all()


def test_gaussian_processes_hold_one_matrix_at_a_time():
    """Four responses (three strategies against the first) need no more memory than one: each process is
    fitted and drawn from, then released, and the estimate the engine refuses by (analysis/memory_estimate.py)
    covers what is held."""
    import tracemalloc

    from atmpcli.analysis.gp import MAX_SAMPLES
    from atmpcli.analysis.memory_estimate import GP_MAX_SAMPLES, GP_REPLICATES, _evppi_bytes

    assert (GP_MAX_SAMPLES, GP_REPLICATES) == (MAX_SAMPLES, REPLICATES["gp"])
    n = 3000
    c, e, x = synthetic(n)
    peaks = []
    for strategies in (2, 3):
        tracemalloc.start()
        evppi(c[:, :strategies], e[:, :strategies], WTP, x[:, :2], ["x1", "x2"], method="gp")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    matrix = 8 * n**2
    draws = 8 * GP_REPLICATES * (3 * n + 3)  # one response's posterior draws and normal deviates
    assert 2 * draws < matrix / 2
    assert peaks[1] - peaks[0] < 2.2 * draws  # two more responses: their draws, not their matrices
    assert peaks[1] < 1.6 * matrix + 4.4 * draws
    assert peaks[1] < _evppi_bytes(n, 3, 2, "gp")

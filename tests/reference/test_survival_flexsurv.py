"""Published flexsurv outputs on the ovarian data (flexsurv tests/testthat/test_flexsurvreg.R).

Data: ``ovarian`` from R's survival package (Edmonson JH et al. Cancer Treat Rep 1979;63:241-7): 26
women, futime (days) and fustat (1 = death). Values typed from the survival package's data set.
"""

import numpy as np
import pytest

from atmpcli.analysis.survival.likelihood import ModelSpec, log_likelihood, with_natural
from atmpcli.analysis.survival.mle import fit_mle

FUTIME = np.array(
    [
        59,
        115,
        156,
        421,
        431,
        448,
        464,
        475,
        477,
        563,
        638,
        744,
        769,
        770,
        803,
        855,
        1040,
        1106,
        1129,
        1206,
        1227,
        268,
        329,
        353,
        365,
        377,
    ],
    dtype=float,
)
FUSTAT = np.array([1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0])


def ll(spec, natural):
    return log_likelihood(spec, with_natural(spec, natural), FUTIME, FUSTAT)[0]


def test_lognormal_maximum_likelihood():
    # flexsurvreg(Surv(futime, fustat) ~ 1, data = ovarian, dist = "lnorm")$loglik
    fit = fit_mle(ModelSpec("lnorm"), FUTIME, FUSTAT)
    assert fit.converged
    assert fit.loglik == pytest.approx(-97.12174204265681, rel=1e-6)


def test_gompertz_at_flexsurv_initial_values():
    # flexsurvreg(..., dist = "gompertz", fixedpars = TRUE): the inits are shape 0.001, rate 1 / mean(t)
    spec = ModelSpec("gompertz")
    assert ll(spec, {"shape": 0.001, "rate": 1 / FUTIME.mean()}) == pytest.approx(-112.8294446076947, rel=1e-6)


def test_reductions_of_the_generalised_gamma():
    # flexsurv: Weibull = GG with Q = 1 (shape 1/sigma, scale e^mu); lognormal = GG with Q = 0
    gg = ModelSpec("gengamma")
    assert ll(gg, {"mu": 6, "sigma": 0.8, "Q": 1}) == pytest.approx(
        ll(ModelSpec("weibull"), {"shape": 1 / 0.8, "scale": np.exp(6)}), rel=1e-12
    )
    assert ll(gg, {"mu": 6, "sigma": 0.8, "Q": 0}) == pytest.approx(
        ll(ModelSpec("lnorm"), {"meanlog": 6, "sdlog": 0.8}), rel=1e-12
    )


def test_exponential_closed_form():
    fit = fit_mle(ModelSpec("exp"), FUTIME, FUSTAT)
    rate = FUSTAT.sum() / FUTIME.sum()
    assert np.exp(fit.est[0]) == pytest.approx(rate, rel=1e-9)
    assert fit.loglik == pytest.approx(FUSTAT.sum() * np.log(rate) - rate * FUTIME.sum(), rel=1e-12)
    assert np.sqrt(fit.cov[0, 0]) == pytest.approx(1 / np.sqrt(FUSTAT.sum()), rel=1e-5)  # SE of log rate

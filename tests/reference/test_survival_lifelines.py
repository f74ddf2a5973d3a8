"""Log-likelihoods against lifelines' fitters (an independent implementation; a dev dependency).

For each family: atmpcli's log-likelihood at lifelines' estimates equals lifelines' log_likelihood_
(to 1e-6 relative; in practice 1e-15), and atmpcli's own maximum is at least as high and agrees to 1e-6.
Data: lifelines' bundled Walton et al. fruit-fly data (load_waltons, MIT licence), and a simulated data
set with a cure fraction for the mixture cure model (lifelines' MixtureCureFitter).
"""

import warnings

import numpy as np
import pytest

lifelines = pytest.importorskip("lifelines")

from atmpcli.analysis.survival.likelihood import ModelSpec, log_likelihood, spline_knots, with_natural  # noqa: E402
from atmpcli.analysis.survival.mle import fit_mle  # noqa: E402


@pytest.fixture(scope="module")
def waltons():
    from lifelines.datasets import load_waltons

    df = load_waltons()
    return df["T"].to_numpy(float), df["E"].to_numpy(int)


def _spline(k):
    def make(t, e):
        knots = spline_knots(t, e, k)
        fitter = lifelines.SplineFitter(np.exp(knots))
        return (
            ModelSpec("spline", knots=knots),
            fitter,
            lambda f: {f"gamma{i}": getattr(f, f"phi_{i}_") for i in range(k + 2)},
        )

    return make


def _plain(family, fitter_cls, natural):
    def make(t, e):
        return ModelSpec(family), fitter_cls(), natural

    return make


CASES = {
    "exp": _plain("exp", lambda: lifelines.ExponentialFitter(), lambda f: {"rate": 1 / f.lambda_}),
    "weibull": _plain("weibull", lambda: lifelines.WeibullFitter(), lambda f: {"shape": f.rho_, "scale": f.lambda_}),
    "lnorm": _plain("lnorm", lambda: lifelines.LogNormalFitter(), lambda f: {"meanlog": f.mu_, "sdlog": f.sigma_}),
    "llogis": _plain("llogis", lambda: lifelines.LogLogisticFitter(), lambda f: {"shape": f.beta_, "scale": f.alpha_}),
    # lifelines' GeneralizedGammaFitter is Prentice's with lambda_ = Q and ln_sigma_ = log(sigma)
    "gengamma": _plain(
        "gengamma",
        lambda: lifelines.GeneralizedGammaFitter(),
        lambda f: {"mu": f.mu_, "sigma": np.exp(f.ln_sigma_), "Q": f.lambda_},
    ),
    # lifelines' SplineFitter is Royston-Parmar on log H with knots given in time (boundaries included)
    "spline1": _spline(1),
    "spline2": _spline(2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_log_likelihood_matches_lifelines(name, waltons):
    t, e = waltons
    spec, fitter, natural = CASES[name](t, e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(t, e)
    theirs = fitter.log_likelihood_
    at_theirs = log_likelihood(spec, with_natural(spec, natural(fitter)), t, e)[0]
    assert at_theirs == pytest.approx(theirs, rel=1e-6)
    ours = fit_mle(spec, t, e)
    assert ours.converged, ours.problem
    assert ours.loglik >= theirs - 1e-9 * abs(theirs)
    assert ours.loglik == pytest.approx(theirs, rel=1e-6)


def test_mixture_cure_matches_lifelines():
    rng = np.random.default_rng(20120201)
    n = 400
    cured = rng.random(n) < 0.35
    latent = np.where(cured, np.inf, rng.weibull(1.6, n) * 10.0)
    censor = rng.uniform(20, 60, n)
    t, e = np.minimum(latent, censor), (latent <= censor).astype(int)
    fitter = lifelines.MixtureCureFitter(lifelines.WeibullFitter())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(t, e)
    spec = ModelSpec("weibull", cure=True)
    natural = {"theta": fitter.cured_fraction_, "shape": fitter.rho_, "scale": fitter.lambda_}
    theirs = fitter.log_likelihood_
    assert log_likelihood(spec, with_natural(spec, natural), t, e)[0] == pytest.approx(theirs, rel=1e-6)
    ours = fit_mle(spec, t, e)
    assert ours.converged, ours.problem
    assert ours.loglik == pytest.approx(theirs, rel=1e-6)
    assert ours.loglik >= theirs - 1e-9 * abs(theirs)

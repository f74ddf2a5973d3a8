"""The tests of ``atmpcli verify`` on distributions and survival curves: extreme values, the PSA mean of a
model linear in its parameters, survival curves that never rise, PFS within OS."""

from __future__ import annotations

import numpy as np

from atmpcli.analysis.sampling import resolve, sampler
from atmpcli.analysis.verification_checks import EXACT, FAIL, NOT_APPLICABLE, PASS, Check, skipped, verdict
from atmpcli.errors import AtmpError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.distributions import Distribution
from atmpcli.model.evaluate import evaluate_strategy
from atmpcli.model.outcomes import StrategyOutcome
from atmpcli.model.parameters import Parameters, base_values

EXTREMES = (0.001, 0.999)  # the quantiles every distribution is evaluated at
PSA_SAMPLES = 4000
PSA_SEED = 1
PSA_SE = 4.0  # the PSA mean may stray this many Monte Carlo standard errors from the deterministic result
LINEAR = 1e-7  # relative tolerance of the linearity test (the slope below and above the base value agree)


def _totals(o: StrategyOutcome) -> list[np.ndarray]:
    return [o.cost] + [a for a in (o.qalys, o.life_years, o.responders) if a is not None]


def extreme_values(model: DecisionModel) -> list[Check]:
    what = "every distribution at its 0.1 % and 99.9 % quantile: totals finite"
    try:
        dists = resolve(model)
    except AtmpError as error:
        return [Check("extreme_values", "", what, status=FAIL, detail=str(error))]
    names = [n for n, d in dists.items() if d.kind != "fixed"]
    grouped = [n for g in model.dirichlet for n in g.parameters]
    if not names and not grouped:
        return [skipped("extreme_values", what, "no parameter has a distribution")]
    base = base_values(model)
    cases = [(n, q) for n in names + grouped for q in EXTREMES]
    settings = {n: np.full(len(cases), base[n]) for n in names + grouped}
    for i, (n, q) in enumerate(cases):
        if n in dists and dists[n].kind != "fixed":
            settings[n][i] = float(dists[n].quantile(np.array([q]))[0])
    for g in model.dirichlet:
        _dirichlet_extremes(g.parameters, np.asarray(g.alpha, dtype=float), cases, settings)
    failures: list[str] = []
    for s in model.strategies:
        try:
            o = evaluate_strategy(model, s.name, settings, len(cases))
            bad = ~np.all([np.isfinite(a) for a in _totals(o)], axis=0)
            failures += [
                f"{cases[i][0]} at {cases[i][1]:.1%} gives a non-finite total ({s.name})" for i in np.flatnonzero(bad)
            ]
        except AtmpError:
            failures += _one_at_a_time(model, s.name, settings, cases)
    c = Check("extreme_values", "", what, 0.0, "=", float(len(failures)), 0.0, verdict(not failures))
    n_groups = len(model.dirichlet)
    groups = f" (of them {len(grouped)} in {n_groups} Dirichlet group{'s' * (n_groups > 1)})" if grouped else ""
    c.detail = (
        "; ".join(failures[:3])
        if failures
        else f"{len(names) + len(grouped)} distributions{groups} x 2 quantiles x {len(model.strategies)} strategies"
    )
    return [c]


def _dirichlet_extremes(names: list[str], alpha: np.ndarray, cases: list, settings: dict) -> None:
    """Each share of a Dirichlet group at its marginal's quantile (Beta(a_i, a_0 - a_i)), the others at
    their expectation given it, E[x_j | x_i] = (1 - x_i) a_j / (a_0 - a_i): the group still sums to 1."""
    from scipy.stats import beta

    total = float(alpha.sum())
    for i, (n, q) in enumerate(cases):
        if n not in names:
            continue
        k = names.index(n)
        x = float(beta.ppf(q, alpha[k], total - alpha[k]))
        for j, other in enumerate(names):
            settings[other][i] = x if j == k else (1 - x) * alpha[j] / (total - alpha[k])


def _one_at_a_time(model: DecisionModel, strategy: str, settings: dict, cases: list) -> list[str]:
    """The cases that fail, each evaluated on its own to name the parameter and the error."""
    out = []
    for i, (n, q) in enumerate(cases):
        try:
            evaluate_strategy(model, strategy, {k: v[i : i + 1] for k, v in settings.items()}, 1)
        except AtmpError as error:
            out.append(f"{n} at {q:.1%}: {error}")
    return out


def _linear_in(model: DecisionModel, dists: dict[str, Distribution]) -> str | None:
    """None when every total is linear in each parameter over its central 95 % (slopes below and above its
    mean agree, the others at their means), else the first parameter it is not linear in."""
    base = {n: d.mean for n, d in dists.items()}
    names = list(dists)
    settings = {n: np.full(2 * len(names) + 1, base[n]) for n in names}
    for i, n in enumerate(names):
        lo, hi = dists[n].quantile(np.array([0.025, 0.975]))
        settings[n][2 * i], settings[n][2 * i + 1] = lo, hi
    for s in model.strategies:
        o = evaluate_strategy(model, s.name, settings, 2 * len(names) + 1)
        for total in _totals(o):
            for i, n in enumerate(names):
                lo, hi, at = settings[n][2 * i], settings[n][2 * i + 1], base[n]
                if not lo < at < hi:
                    return n
                below = (total[-1] - total[2 * i]) / (at - lo)
                above = (total[2 * i + 1] - total[-1]) / (hi - at)
                if abs(above - below) > LINEAR * max(abs(above), abs(below), abs(total[-1]) / (hi - lo)):
                    return n
    return None


def psa_mean(model: DecisionModel) -> list[Check]:
    what = f"linear model: PSA mean = the result at the means (+/- {PSA_SE:g} MC SE)"
    try:
        dists = {n: d for n, d in resolve(model).items() if d.kind != "fixed"}
    except AtmpError as error:
        return [Check("psa_mean", "", what, status=FAIL, detail=str(error))]
    why = _not_applicable(model, dists)
    if why is None:
        try:
            why = _linear_in(model, dists)
            why = None if why is None else f"not linear in {why} (a PSA mean may then differ from the base case)"
        except AtmpError as error:
            why = f"the linearity test failed to evaluate: {error}"
    if why is not None:
        return [Check("psa_mean", "", what, status=NOT_APPLICABLE, detail=why)]
    draws = sampler(model).draw(PSA_SEED, 0, PSA_SAMPLES)
    means = {n: np.array([d.mean]) for n, d in dists.items()}
    out = []
    for s in model.strategies:
        b = evaluate_strategy(model, s.name, means, 1)
        o = evaluate_strategy(model, s.name, draws, PSA_SAMPLES)
        worst: tuple[float, float, float, float] | None = None  # (z, expected, observed, tolerance)
        for det, psa in zip(_totals(b), _totals(o), strict=True):
            se = float(np.std(psa, ddof=1)) / np.sqrt(PSA_SAMPLES)
            tol = PSA_SE * se + EXACT * max(1.0, abs(float(det[0])))
            z = abs(float(psa.mean()) - float(det[0])) / tol
            if worst is None or z > worst[0]:
                worst = (z, float(det[0]), float(psa.mean()), tol)
        assert worst is not None
        z, expected, observed, tol = worst
        detail = f"linear in {', '.join(dists)}; the total furthest from its deterministic value shown"
        out.append(Check("psa_mean", b.strategy, what, expected, "=", observed, tol, verdict(z <= 1), detail))
    return out


def _not_applicable(model: DecisionModel, dists: dict[str, Distribution]) -> str | None:
    if not dists:
        return "no parameter has a distribution"
    if model.correlation or model.dirichlet:
        return "correlated or Dirichlet parameters (the mean of a product is not the product of means)"
    return None


def survival_curves(model: DecisionModel) -> list[Check]:
    what = "every survival curve: S(0) = 1 and S(t) never rises"
    surv = model.survival
    if surv is None or not surv.curves:
        return [skipped("survival_curves", what, "no survival curves")]
    points = np.arange(model.n_cycles + 1, dtype=float) * surv.step
    out = []
    for s in model.strategies:
        try:
            env = Parameters(model, s, None, 1).base
            for name in surv.curves:
                S = surv.survival(name, env, points)[0]
                rise = float(np.max(np.diff(S), initial=0.0))
                ok = abs(S[0] - 1.0) <= EXACT and rise <= EXACT and S.min() >= 0
                detail = f"curve {name}: S(0) = {S[0]:.10g}, largest rise {rise:.3g}"
                out.append(Check("survival_curves", s.name, what, 0.0, "=", max(rise, 0.0), EXACT, verdict(ok), detail))
        except AtmpError as error:
            out.append(Check("survival_curves", s.name, what, status=FAIL, detail=str(error)))
    return out


def pfs_within_os(model: DecisionModel) -> list[Check]:
    what = "PFS never above OS (before the engine caps it)"
    parts = [p for p in model.partitions if p.pfs]
    if not parts or model.survival is None:
        return [skipped("pfs_within_os", what, "no partitioned survival model with PFS")]
    surv = model.survival
    points = np.arange(model.n_cycles + 1, dtype=float) * surv.step
    out = []
    for s in model.strategies:
        env = Parameters(model, s, None, 1).base
        for p in parts:
            gap = surv.survival(p.pfs[s.name], env, points)[0] - surv.survival(p.os[s.name], env, points)[0]
            k = int(np.argmax(gap))
            detail = f"{p.pfs[s.name]} - {p.os[s.name]}, largest at {points[k]:g} years"
            out.append(
                Check("pfs_within_os", s.name, what, 0.0, "<=", float(gap[k]), EXACT, verdict(gap[k] <= EXACT), detail)
            )
    return out


__all__ = ["NOT_APPLICABLE", "PASS", "extreme_values", "pfs_within_os", "psa_mean", "survival_curves"]

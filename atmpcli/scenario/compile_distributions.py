"""Compiling parameter uncertainty: distributions, one-way ranges, Dirichlet groups and correlations.

Distributions stay as written (a type and the formulas of its fields); the analyses evaluate them in the
base case and convert them to canonical forms (``atmpcli/model/distributions.py``).
"""

from __future__ import annotations

import numpy as np

from atmpcli.model.decision_model import CorrelationGroup, DirichletGroup, ParameterInfo, Uncertain
from atmpcli.model.expressions import Expression
from atmpcli.scenario import schema as S
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.yamlfile import Loc


def compile_uncertainty(
    c: Compiler,
) -> tuple[dict[str, Uncertain], dict[str, tuple[Expression | None, Expression | None]]]:
    uncertain: dict[str, Uncertain] = {}
    ranges: dict[str, tuple[Expression | None, Expression | None]] = {}
    for name, p in c.spec.parameters.items():
        parameter_uncertainty(c, name, p, ("parameters", name), uncertain, ranges)
    return uncertain, ranges


def parameter_uncertainty(
    c: Compiler,
    name: str,
    p: S.ParameterSpec,
    loc: Loc,
    uncertain: dict[str, Uncertain],
    ranges: dict[str, tuple[Expression | None, Expression | None]],
) -> None:
    """Add a parameter's distribution and one-way range (as written at ``loc``) to ``uncertain`` and ``ranges``."""
    if p.distribution is not None:
        d = p.distribution
        given = {}
        for key in type(d).model_fields:
            raw = getattr(d, key)
            if key != "type" and raw is not None:
                e = c.expr(raw, (*loc, "distribution", key))
                if e is not None:
                    given[key] = e
        uncertain[name] = Uncertain(name, d.type, given, (*loc, "distribution"))
    if p.low is not None or p.high is not None:
        if p.low is None or p.high is None:
            c.fail(loc, "give both low and high for a one-way sensitivity range")
        else:
            ranges[name] = (c.expr(p.low, (*loc, "low")), c.expr(p.high, (*loc, "high")))


def compile_joint(c: Compiler, uncertain: dict[str, Uncertain]) -> tuple[list[DirichletGroup], list[CorrelationGroup]]:
    seen: dict[str, str] = {}
    dirichlet = []
    for i, g in enumerate(c.spec.dirichlet):
        loc: Loc = ("dirichlet", i)
        for name in g.parameters:
            if name not in c.spec.parameters:
                c.unknown((*loc, "parameters"), name, list(c.spec.parameters), "parameter")
            elif name in uncertain:
                c.fail((*loc, "parameters"), f"'{name}' has its own distribution; remove it or the group")
            elif name in seen:
                c.fail((*loc, "parameters"), f"'{name}' is already in {seen[name]}")
            seen[name] = f"dirichlet[{i}]"
        dirichlet.append(DirichletGroup(list(g.parameters), list(g.alpha), loc))
    correlation = []
    for i, corr in enumerate(c.spec.correlation):
        loc = ("correlation", i)
        k = len(corr.parameters)
        for name in corr.parameters:
            if name not in uncertain or uncertain[name].kind == "fixed":
                c.fail((*loc, "parameters"), f"'{name}' needs a (non-fixed) distribution to be correlated")
            elif name in seen:
                c.fail((*loc, "parameters"), f"'{name}' is already in {seen[name]}")
            seen[name] = f"correlation[{i}]"
        m = np.asarray(corr.matrix, dtype=float) if all(len(r) == k for r in corr.matrix) else None
        if m is None or m.shape != (k, k):
            c.fail((*loc, "matrix"), f"expected a {k} x {k} matrix, one row per parameter")
            continue
        if not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1) or np.any(np.abs(m) > 1):
            c.fail(
                (*loc, "matrix"),
                "a correlation matrix must be symmetric, with 1 on the diagonal and entries within [-1, 1]",
            )
            continue
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            c.fail((*loc, "matrix"), "the correlation matrix is not positive definite")
            continue
        correlation.append(CorrelationGroup(list(corr.parameters), chol, loc))
    return dirichlet, correlation


def parameter_info(c: Compiler) -> dict[str, ParameterInfo]:
    """Each parameter's source, distribution and one-way range as written (for listings)."""
    return {name: info_of(p) for name, p in c.spec.parameters.items()}


def info_of(p: S.ParameterSpec, source: str = "", distribution: str = "") -> ParameterInfo:
    """A parameter's source, distribution (or ``distribution`` when it has none) and range as written."""
    dist = distribution
    if p.distribution is not None:
        fields = {k: v for k, v in p.distribution.model_dump().items() if v is not None and k != "type"}
        dist = f"{p.distribution.type}(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"
    return ParameterInfo(p.source or p.description or source, dist, p.low, p.high)

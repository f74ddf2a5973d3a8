"""Compiling parameter uncertainty: distributions, one-way ranges, Dirichlet groups and correlations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atmpcli.scenario.compiled import CorrelationGroup, DirichletGroup, Expression, Uncertain
from atmpcli.scenario.yamlfile import Loc

if TYPE_CHECKING:
    from atmpcli.scenario.compile import _Compiler


def compile_uncertainty(
    c: _Compiler,
) -> tuple[dict[str, Uncertain], dict[str, tuple[Expression | None, Expression | None]]]:
    uncertain: dict[str, Uncertain] = {}
    ranges: dict[str, tuple[Expression | None, Expression | None]] = {}
    for name, p in c.spec.parameters.items():
        loc = ("parameters", name)
        if p.distribution is not None:
            d = p.distribution
            given = {}
            for key in type(d).model_fields:
                raw = getattr(d, key)
                if key != "type" and raw is not None:
                    e = c._expr(raw, (*loc, "distribution", key))
                    if e is not None:
                        given[key] = e
            uncertain[name] = Uncertain(name, d.type, given, (*loc, "distribution"))
        if p.low is not None or p.high is not None:
            if p.low is None or p.high is None:
                c.fail(loc, "give both low and high for a one-way sensitivity range")
            else:
                ranges[name] = (c._expr(p.low, (*loc, "low")), c._expr(p.high, (*loc, "high")))
    return uncertain, ranges


def compile_joint(c: _Compiler, uncertain: dict[str, Uncertain]) -> tuple[list[DirichletGroup], list[CorrelationGroup]]:
    import numpy as np

    seen: dict[str, str] = {}
    dirichlet = []
    for i, g in enumerate(c.spec.dirichlet):
        loc: Loc = ("dirichlet", i)
        for name in g.parameters:
            if name not in c.spec.parameters:
                c._unknown((*loc, "parameters"), name, list(c.spec.parameters), "parameter")
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

"""Drawing parameter sets for probabilistic analyses, reproducibly.

Samples are generated in fixed blocks of ``BLOCK`` draws; block b uses the random stream
``SeedSequence(seed, spawn_key=(b,))``. Any range of samples can therefore be drawn on its own (a
chunk, a worker) and the draws are the same however the run is split: results depend on the seed and
the number of samples only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atmpcli.errors import FormulaError, ModelError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.distributions import Distribution, canonical, correlated_uniforms
from atmpcli.model.parameters import base_values

BLOCK = 8192


@dataclass
class Sampler:
    model: DecisionModel
    distributions: dict[str, Distribution]  # independent parameters, in scenario order
    correlated: list[tuple[list[str], list[Distribution], np.ndarray]]
    dirichlet: list[tuple[list[str], np.ndarray]]

    @property
    def names(self) -> list[str]:
        out = [n for names, _, _ in self.correlated for n in names]
        out += list(self.distributions)
        out += [n for names, _ in self.dirichlet for n in names]
        return out

    def draw(self, seed: int, start: int, size: int) -> dict[str, np.ndarray]:
        """Samples ``start .. start + size - 1`` of the stream for ``seed``."""
        parts: dict[str, list[np.ndarray]] = {n: [] for n in self.names}
        first, last = start // BLOCK, (start + size - 1) // BLOCK
        for b in range(first, last + 1):
            block = self._block(seed, b)
            lo = max(start - b * BLOCK, 0)
            hi = min(start + size - b * BLOCK, BLOCK)
            for n in self.names:
                parts[n].append(block[n][lo:hi])
        return {n: np.concatenate(v) for n, v in parts.items()}

    def _block(self, seed: int, b: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
        out: dict[str, np.ndarray] = {}
        for names, dists, chol in self.correlated:
            u = correlated_uniforms(rng, chol, BLOCK)
            for j, (n, d) in enumerate(zip(names, dists, strict=True)):
                out[n] = d.quantile(u[:, j])
        for n, d in self.distributions.items():
            out[n] = d.sample(rng, BLOCK)
        for names, alpha in self.dirichlet:
            x = rng.dirichlet(alpha, BLOCK)
            for j, n in enumerate(names):
                out[n] = x[:, j]
        return out


def resolve(sc: DecisionModel) -> dict[str, Distribution]:
    """Every distribution of the model in canonical form (formulas evaluated in the base case)."""
    base = base_values(sc)
    out: dict[str, Distribution] = {}
    for name, u in sc.uncertain.items():
        if name not in base:
            raise sc.located(ModelError(f"'{name}' varies with time, so it cannot have a distribution", u.origin))
        given = {}
        for key, expr in u.given.items():
            try:
                given[key] = float(np.asarray(expr.formula.evaluate(base)).reshape(-1)[0])
            except FormulaError as exc:
                raise sc.located(ModelError(str(exc), expr.origin)) from None
            except KeyError as exc:
                message = f"uses {exc.args[0]}, which varies with time; a distribution needs fixed numbers"
                raise sc.located(ModelError(message, expr.origin)) from None
        try:
            out[name] = canonical(u.kind, given, base[name])
        except ValueError as exc:
            raise sc.located(ModelError(str(exc), u.origin)) from None
    return out


def sampler(sc: DecisionModel) -> Sampler:
    """A sampler for the model's distributions; raises if the model has none."""
    dists = resolve(sc)
    if not dists and not sc.dirichlet:
        message = (
            "no parameter has a distribution, so there is nothing to sample (add `distribution:` to some parameters)"
        )
        raise sc.located(ModelError(message, ("parameters",)))
    correlated = []
    in_groups: set[str] = set()
    for g in sc.correlation:
        correlated.append((g.parameters, [dists[n] for n in g.parameters], g.cholesky))
        in_groups.update(g.parameters)
    independent = {n: d for n, d in dists.items() if n not in in_groups}
    dirichlet = [(g.parameters, np.asarray(g.alpha, dtype=float)) for g in sc.dirichlet]
    return Sampler(sc, independent, correlated, dirichlet)

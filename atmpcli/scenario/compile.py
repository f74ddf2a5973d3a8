"""Turn a YAML file into a validated, compiled :class:`Scenario` (or a list of located problems).

text -> YAML with positions (yamlfile.py) -> extends, reference case, variant, --set (overrides.py)
     -> shape checked (schema.py, schema_survival.py, messages.py) -> compiled into a decision model
        (this module, with compiler.py, compile_survival.py, compile_cohort.py, compile_strategies.py,
        test_and_treat.py, cell_therapy_pathway.py, compile_partitions.py, compile_distributions.py)
     -> whole-scenario checks (consistency.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from atmpcli.errors import ScenarioError
from atmpcli.limits import InputLimits
from atmpcli.scenario import schema as S
from atmpcli.scenario.compile_cohort import (
    base_settings,
    compile_initial,
    compile_settings,
    compile_states,
    compile_transition_reward,
    compile_transitions,
)
from atmpcli.scenario.compile_distributions import compile_joint, compile_uncertainty, parameter_info
from atmpcli.scenario.compile_partitions import compile_partitions
from atmpcli.scenario.compile_strategies import all_strategy_specs, compile_strategy, compile_tree
from atmpcli.scenario.compile_survival import compile_curves
from atmpcli.scenario.compiled import Scenario
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.consistency import check_effects, check_graph
from atmpcli.scenario.lookup_tables import LookupTable, read_table
from atmpcli.scenario.messages import pydantic_problems
from atmpcli.scenario.overrides import apply_reference_case, apply_set, apply_variant, resolve_extends
from atmpcli.scenario.sanity import check_sanity
from atmpcli.scenario.yamlfile import YamlDocument, load_yaml

__all__ = ["Scenario", "ScenarioSource", "load_scenario"]


def load_scenario(
    path: str | Path,
    text: str | None = None,
    *,
    variant: str | None = None,
    sets: dict[str, Any] | None = None,
    reference_case: str | None = None,
    limits: InputLimits | None = None,
    strict: bool = False,
) -> Scenario:
    """Load, validate and compile a scenario file; raise :class:`ScenarioError` listing every problem.

    ``variant`` applies one of the scenario's named variants; ``sets`` replaces parameter values
    (``{"c_drug": 1200}``) or settings (``{"settings.discount.costs": 0.035}``), as ``--set`` does.
    ``limits`` bound what is read and where from (docs/trust.md); sanity warnings (scenario/sanity.py)
    are kept in ``warnings``, or raised as errors when ``strict``.
    """
    path = Path(path)
    doc = load_yaml(path, text, (limits or InputLimits()).for_scenario(path))
    if not isinstance(doc.data, dict):
        raise ScenarioError([doc.problem((), "expected a mapping of scenario keys (title, states, ...)")])
    resolve_extends(doc)
    apply_reference_case(doc, reference_case)
    if variant is not None:
        apply_variant(doc, variant)
    for key, value in (sets or {}).items():
        apply_set(doc, key, value)
    try:
        spec = S.ScenarioSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(pydantic_problems(exc, doc)) from None
    scenario = compile_scenario(path, doc, spec)
    scenario.overrides = {"variant": variant, "set": dict(sets or {}), "reference_case": reference_case}
    scenario.warnings = check_sanity(scenario, strict=strict)
    scenario.rebuild = ScenarioSource(
        str(path), doc.text, variant, tuple((sets or {}).items()), reference_case, doc.limits
    )
    return scenario


@dataclass(frozen=True)
class ScenarioSource:
    """How to load a scenario again in another process: the text that was loaded and the overrides applied.

    Picklable and hashable, so that Dask workers can load (and cache) exactly the scenario of a local run.
    """

    path: str
    text: str
    variant: str | None = None
    sets: tuple[tuple[str, Any], ...] = ()
    reference_case: str | None = None
    limits: InputLimits | None = None  # the local load's (a worker reads the same files, no others)

    def __call__(self) -> Scenario:
        return load_scenario(
            Path(self.path),
            self.text,
            variant=self.variant,
            sets=dict(self.sets),
            reference_case=self.reference_case,
            limits=self.limits,
        )


def compile_scenario(path: Path, doc: YamlDocument, spec: S.ScenarioSpec) -> Scenario:
    """The decision model of a validated spec; raises :class:`ScenarioError` with every problem found."""
    c = Compiler(path, doc, spec)
    tables = _tables(c)
    c.check_names(spec.parameters, ("parameters",), what="parameter")
    survival = compile_curves(c)  # first: the other formulas may use the curves
    params = {n: c.expr(p.value, ("parameters", n)) for n, p in spec.parameters.items()}
    params.update(survival.parameters)
    states = compile_states(c)
    transitions = compile_transitions(c)
    rewards = [
        compile_transition_reward(c, r, ("transition_rewards", i)) for i, r in enumerate(spec.transition_rewards)
    ]
    initial = compile_initial(c, spec.initial, ("initial",))
    start = c.payoff(spec.start, ("start",)) if spec.start else None
    tree = compile_tree(c, spec.tree, ("tree",)) if spec.tree else None
    specs = all_strategy_specs(c)
    strategies = [compile_strategy(c, n, s) for n, s in specs.items()]
    if spec.comparator is not None and spec.comparator not in specs:
        c.unknown(("comparator",), spec.comparator, list(specs), "strategy")
    partitions = compile_partitions(c, strategies, tree, rewards)
    settings = compile_settings(c, tree, strategies)
    if partitions and settings.state_value_timing == "cycle":  # the partitioned model counts time points only
        c.fail(("settings", "state_value_timing"), "values per cycle are for state-transition models, not partitions")
    uncertain, ranges = compile_uncertainty(c)
    dirichlet, correlation = compile_joint(c, uncertain)
    uncertain.update(survival.uncertain)
    ranges.update(survival.ranges)
    correlation += survival.correlation
    if c.problems:
        raise ScenarioError(c.problems)
    sc = Scenario(
        path=path,
        doc=doc,
        spec=spec,
        name=spec.name or path.stem,
        title=spec.title,
        currency=spec.currency,
        price_year=spec.price_year,
        settings=settings,
        parameters={k: v for k, v in params.items() if v is not None},
        tables=tables,
        states=states,
        transitions=transitions,
        transition_rewards=rewards,
        initial=initial,
        start=start,
        tree=tree,
        strategies=strategies,
        comparator=spec.comparator or next(iter(specs)),
        cost_components=c.components,
        uncertain=uncertain,
        ranges=ranges,
        dirichlet=dirichlet,
        correlation=correlation,
        parameter_info=parameter_info(c) | survival.info,
        survival=survival.model,
        partitions=partitions,
    )
    check_effects(c, sc)
    check_graph(c, sc)
    if c.problems:
        raise ScenarioError(c.problems)
    base_settings(c, sc)
    if c.problems:
        raise ScenarioError(c.problems)
    return sc


def _tables(c: Compiler) -> dict[str, LookupTable]:
    out = {}
    c.check_names(c.spec.tables, ("tables",), what="table")
    for name, t in c.spec.tables.items():
        path = c.data_file(t.file, ("tables", name, "file"), "look-up file")
        if path is None:
            continue
        try:
            out[name] = read_table(name, path, t.key, t.value, t.interpolation, c.doc.limits.max_file_bytes)
        except ValueError as exc:
            c.fail(("tables", name, "file"), str(exc))
    return out

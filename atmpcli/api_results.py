"""The analyses of a scenario as result objects (``Model.results``), and the scenario-level runs the
commands share with the API (the comparison with its warnings, budget impact, distributional CEA)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from atmpcli.scenario.compiled import Scenario

if TYPE_CHECKING:
    from atmpcli.analysis.budget import BudgetImpact
    from atmpcli.analysis.compare import Comparison
    from atmpcli.analysis.dcea import DistributionalCEA
    from atmpcli.analysis.dsa import OneWay, TwoWay
    from atmpcli.analysis.evsi import EVSIResult
    from atmpcli.analysis.inputs import ScenarioInputs
    from atmpcli.analysis.psa_summary import PSASummary
    from atmpcli.analysis.threshold import ThresholdResult
    from atmpcli.analysis.trace import CohortTrace
    from atmpcli.analysis.variants import ScenarioAnalysis
    from atmpcli.analysis.verification import Verification
    from atmpcli.analysis.weighted_decisions import WeightedDecisions


class Results:
    """A scenario's analyses as result objects (what the CLI renders in every format)."""

    def __init__(self, scenario: Scenario, memory: int | None = None) -> None:
        from atmpcli.analysis.memory_estimate import DEFAULT_MEMORY

        self.scenario = scenario
        self.memory = memory or DEFAULT_MEMORY  # bytes an analysis may use (--memory); docs/trust.md

    def _sampled(
        self,
        samples: int,
        seed: int,
        keep_draws: bool,
        thresholds: int,
        evppi: Sequence[int] = (),
        workers: int = 1,
        evppi_method: str = "auto",
    ) -> Any:
        """The PSA samples, refused up front (ScenarioError) when the estimate exceeds the memory budget."""
        from atmpcli.analysis.memory_estimate import Request, check_memory, psa_chunk
        from atmpcli.analysis.psa import run_psa
        from atmpcli.errors import ModelError, Problem, ScenarioError

        sc = self.scenario
        chunk = psa_chunk(sc, self.memory)
        request = Request(
            samples, min(samples, chunk), thresholds, evppi_groups=tuple(evppi), evppi_method=evppi_method
        )
        try:
            check_memory(sc, request, self.memory, f"this PSA ({samples:,} samples, {thresholds:,} thresholds)")
        except ModelError as exc:
            raise ScenarioError([Problem(exc.message, file=str(sc.path))]) from None
        return run_psa(sc, samples, seed, chunk=chunk, keep_draws=keep_draws, workers=workers)

    def compare(self, wtp: Sequence[float] | None = None, per: str = "person") -> Comparison:
        """The comparison; the reviewer's survival warnings (the CLI's stderr) are raised as Python warnings."""
        return _compared(self.scenario, wtp, per, stacklevel=2)

    def trace(self, strategies: Sequence[str] | None = None) -> CohortTrace:
        from atmpcli.analysis.trace import cohort_trace

        return cohort_trace(self.scenario, strategies)

    def inputs(self) -> ScenarioInputs:
        from atmpcli.analysis.inputs import scenario_inputs

        return scenario_inputs(self.scenario)

    def psa(
        self,
        samples: int = 1000,
        seed: int = 1,
        wtp: Sequence[float] | None = None,
        evppi: Sequence[Sequence[str]] = (),
        population: float | None = None,
        keep_draws: bool = False,
        evppi_method: str = "auto",
        workers: int = 1,
        severity: bool = False,
    ) -> PSASummary:
        from atmpcli.analysis.psa_summary import summarise_psa

        sc = self.scenario
        wtps = list(wtp) if wtp is not None else list(sc.settings.wtp)
        if severity:  # as psa --severity: the severity-weighted thresholds beside the given ones
            from atmpcli.analysis.weighted_decisions import severity_weighted_thresholds

            wtps = severity_weighted_thresholds(sc, wtps)[1]
        samples_run = self._sampled(
            samples,
            seed,
            keep_draws or bool(evppi),
            len(wtps),
            [len(g) for g in evppi],
            workers=workers,
            evppi_method=evppi_method,
        )
        return summarise_psa(
            samples_run,
            wtps,
            evppi_groups=[list(g) for g in evppi],
            evppi_method=evppi_method,
            population=population if population is not None else sc.settings.population,
            model=sc,
        )

    def evsi(
        self,
        study: str,
        sizes: Sequence[int],
        wtp: Sequence[float] | None = None,
        *,
        samples: int = 5000,
        seed: int = 1,
        followups: Sequence[float] | None = None,
        sd: float | None = None,
        cv: float = 1.0,
        after: float = 0.0,
        population: float | None = None,
        study_costs: tuple[float, float, float] | None = None,
    ) -> EVSIResult:
        from atmpcli.analysis.evsi import StudyCosts, run_evsi
        from atmpcli.analysis.studies import Study

        sc = self.scenario
        kind, _, params = study.partition(":")
        the_study = Study(kind, tuple(p.strip() for p in params.split(",") if p.strip()), sd=sd, cv=cv, after=after)
        people = population if population is not None else sc.settings.population
        return run_evsi(
            self._sampled(samples, seed, True, 0),
            the_study,
            list(sizes),
            list(wtp) if wtp is not None else list(sc.settings.wtp),
            followups=followups,
            population=people,
            costs=StudyCosts(*study_costs) if study_costs and people is not None else None,
            seed=seed,
            model=sc,
        )

    def dsa(
        self,
        strategy: str | None = None,
        wtp: float | None = None,
        outcome: str = "inc_nmb",
        parameters: Sequence[str] | None = None,
        percent: float | None = None,
        two_way: Sequence[str] | None = None,
        steps: int = 5,
    ) -> OneWay | TwoWay:
        from atmpcli.analysis.dsa import sensitivity

        return sensitivity(
            self.scenario,
            parameters=parameters,
            percent=percent,
            outcome=outcome,
            strategy=strategy,
            wtp=wtp,
            two_way_parameters=two_way,
            steps=steps,
        )

    def threshold(
        self,
        parameter: str,
        strategy: str | None = None,
        wtp: Sequence[float] | None = None,
        low: float | None = None,
        high: float | None = None,
        severity: bool = False,
    ) -> ThresholdResult:
        from atmpcli.analysis.threshold import priced_strategy, threshold

        sc = self.scenario
        thresholds = list(wtp) if wtp is not None else list(sc.settings.wtp)
        if strategy is None and thresholds:  # as the CLI: the strategy whose results the parameter changes
            strategy = priced_strategy(sc, parameter, thresholds[0])[0]
        weight = 1.0
        if severity:  # as threshold --severity: QALYs weighted by the base case's NICE severity weight
            from atmpcli.analysis.weighted_decisions import severity_weight

            weight = severity_weight(sc)
        return threshold(sc, parameter, strategy or sc.strategies[0].name, thresholds, low, high, weight=weight)

    def decision_rules(
        self, wtp: Sequence[float] | None = None, price: str | None = None, rules: Sequence[str] = ()
    ) -> WeightedDecisions:
        """``compare --severity`` (and, selecting ``benchmarks``, ``compare --benchmarks``)."""
        from atmpcli.analysis.weighted_decisions import weighted_decisions

        return weighted_decisions(self.scenario, wtp, price, rules)

    def variants(self, variants: Sequence[str] | None = None, wtp: Sequence[float] | None = None) -> ScenarioAnalysis:
        import dataclasses

        from atmpcli.analysis.variants import scenario_analysis

        source = self.scenario.rebuild  # a scenario.compile.ScenarioSource: the text and overrides loaded

        def load_variant(name: str | None) -> Scenario:
            if name is None and self.scenario.overrides.get("variant") is None:
                return self.scenario
            return dataclasses.replace(source, variant=name)()

        return scenario_analysis(load_variant, variants, wtp)

    def budget_impact(self, years: int | None = None, discount: float | None = None) -> BudgetImpact:
        return budget_impact_of(self.scenario, years, discount)

    def verify(self) -> Verification:
        from atmpcli.analysis.verification import verify

        return verify(self.scenario)

    def equity(self, atkinson: float | None = None, kolm: float | None = None) -> DistributionalCEA:
        """``atmpcli equity``: the distributional CEA of the scenario's `equity:` block."""
        return equity_of(self.scenario, atkinson, kolm)


def _compared(scenario: Scenario, wtp: Sequence[float] | None, per: str, stacklevel: int) -> Comparison:
    """The comparison, its survival warnings raised as Python warnings at the caller's ``stacklevel``."""
    import warnings

    from atmpcli.analysis.compare import compare

    result = compare(scenario, wtp=wtp, per=per)
    for w in result.warnings:
        warnings.warn(w, stacklevel=stacklevel + 1)
    return result


def equity_of(sc: Scenario, atkinson: float | None = None, kolm: float | None = None) -> DistributionalCEA:
    """The distributional CEA of a scenario's `equity:` block (ScenarioError without one)."""
    from atmpcli.analysis.dcea import EquityInputs, Subgroup, dcea
    from atmpcli.errors import ScenarioError

    spec = sc.spec.equity
    if spec is None:
        raise ScenarioError([sc.doc.problem((), "the scenario has no equity section (docs/decision-rules.md)")])
    patients = spec.patients if spec.patients is not None else sc.settings.population
    if patients is None:
        raise ScenarioError([sc.doc.problem(("equity",), "give patients (or settings.population)", key=True)])
    groups = tuple(
        Subgroup(name, **(g.model_dump() | {"label": g.label or name})) for name, g in spec.subgroups.items()
    )
    a = spec.aversion
    inputs = EquityInputs(spec.population, patients, spec.opportunity_cost_threshold, spec.rule, groups, a.atkinson,
                          a.kolm, tuple(spec.sources))  # fmt: skip
    return dcea(sc, inputs, atkinson, kolm)


def budget_impact_of(sc: Scenario, years: int | None = None, discount: float | None = None) -> BudgetImpact:
    """The scenario's budget impact section run on its base case; an error naming the file if it has none."""
    from atmpcli.analysis.budget import budget_impact
    from atmpcli.errors import Problem, ScenarioError
    from atmpcli.model.evaluate import evaluate

    if sc.spec.budget_impact is None:
        raise ScenarioError([sc.doc.problem((), "the scenario has no budget_impact section")])
    try:
        return budget_impact(sc.spec.budget_impact, evaluate(sc), sc.settings.cycle_length, years, discount, model=sc)
    except ValueError as exc:
        raise ScenarioError([Problem(str(exc), "budget_impact", str(sc.path))]) from None

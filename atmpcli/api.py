"""The Python API: the same analyses as the command line, returning exactly what it writes as CSV.

>>> import atmpcli
>>> model = atmpcli.load("sick_sicker")                 # a file path or a bundled/user scenario name
>>> model                                                # what the scenario is: title, strategies, settings
>>> model.compare()                                      # one row per strategy (docs/output-format.md)
>>> model.psa(samples=1000, seed=1, wtp=[50_000, 100_000])
>>> model.dsa(strategy="B", wtp=100_000)
>>> model.evsi("normal:u_S1", sizes=[50, 100], wtp=[120_000], sd=0.2)
>>> model.verify()                                       # TECH-VER black-box tests (atmpcli verify)
>>> model.workbook("sick_sicker.xlsx")                   # the live Excel twin (docs/excel.md)
>>> model.results.compare()                              # the result object: every table, units, provenance
>>> atmpcli.fit_survival("ipd.csv", dist="weibull,lnorm")  # a SurvivalFits result (not tied to a scenario)

Every ``Model`` method returns the main table of the analysis' result (a pandas DataFrame with the columns
of ``atmpcli COMMAND --format csv``); ``Model.results`` has the same methods returning the result objects
(atmpcli.analysis.result.Result: ``frame``, ``tables()``, ``units``, ``provenance``, ``document()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atmpcli.scenario.compiled import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from atmpcli.analysis.budget import BudgetImpact
    from atmpcli.analysis.compare import Comparison
    from atmpcli.analysis.dcea import DistributionalCEA
    from atmpcli.analysis.dominance_and_icers import IncrementalTable
    from atmpcli.analysis.dsa import OneWay, TwoWay
    from atmpcli.analysis.evsi import EVSIResult
    from atmpcli.analysis.inputs import ScenarioInputs
    from atmpcli.analysis.psa_summary import PSASummary
    from atmpcli.analysis.shortfall import Shortfall
    from atmpcli.analysis.survival.result import Reconstruction, SurvivalFits
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


class Model:
    """A loaded scenario; every method returns a pandas DataFrame with the CLI's CSV columns."""

    def __init__(self, scenario: Scenario, memory: int | None = None) -> None:
        from atmpcli.analysis.memory_estimate import check_model
        from atmpcli.errors import ModelError

        self.scenario = scenario
        self.results = Results(scenario, memory)
        try:
            check_model(scenario, self.results.memory)
        except ModelError as exc:
            raise scenario.located(exc) from None

    @property
    def strategies(self) -> list[str]:
        return [s.name for s in self.scenario.strategies]

    @property
    def warnings(self) -> list[str]:
        """Sanity warnings (an unreachable state, an unused parameter), as ``FILE:LINE:COL: FIELD: message``."""
        return [str(w) for w in self.scenario.warnings]

    def __repr__(self) -> str:
        sc = self.scenario
        st = sc.settings
        names = ", ".join(n + (" (comparator)" if n == sc.comparator else "") for n in self.strategies)
        horizon = f"{sc.n_cycles} cycles of {st.cycle_length:g} y" if sc.has_markov else "decision tree"
        overrides = {k: v for k, v in sc.overrides.items() if v}
        return (
            f"<atmpcli Model '{sc.name}': {sc.title}\n"
            f"  strategies: {names}\n"
            f"  {sc.currency}{f' {sc.price_year}' if sc.price_year else ''}; effect {st.effect}; {horizon}; "
            f"discount {st.discount.costs:g}/{st.discount.effects:g}; wtp {', '.join(f'{w:g}' for w in st.wtp)}"
            + (f"\n  overrides: {overrides}" if overrides else "")
            + ">"
        )

    def compare(self, wtp: Sequence[float] | None = None, per: str = "person", long: bool = False) -> pd.DataFrame:
        """``atmpcli compare`` (with ``long``: ``compare --long``, one row per strategy and measure); the
        reviewer's survival warnings (the CLI's stderr) are raised as Python warnings."""
        result = _compared(self.scenario, wtp, per, stacklevel=2)
        return result.long if long else result.frame

    def survival_checks(self) -> pd.DataFrame:
        """Survival at 5/10/20 years against the general population, per strategy and curve (compare's JSON
        ``survival``; empty without survival curves)."""
        from atmpcli.analysis.compare import compare

        return compare(self.scenario).survival

    def workbook(self, path: str | Path, wtp: Sequence[float] | None = None) -> Any:
        """Write the live Excel workbook (docs/excel.md), as ``atmpcli workbook`` does; returns its summary."""
        from atmpcli.report.excel_twin import write_live_workbook

        return write_live_workbook(self.scenario, Path(path), wtp=list(wtp) if wtp is not None else None)

    def trace(self, strategies: Sequence[str] | str | None = None) -> pd.DataFrame:
        """``atmpcli trace``: the cohort trace in long format (strategy, cycle, years, state, proportion, count)."""
        return self.results.trace([strategies] if isinstance(strategies, str) else strategies).frame

    def show(self) -> pd.DataFrame:
        """``atmpcli show``: the parameters with their base-case values, formulas, distributions and sources."""
        return self.results.inputs().frame

    def psa(
        self,
        samples: int = 1000,
        seed: int = 1,
        wtp: Sequence[float] | None = None,
        evppi: Sequence[Sequence[str]] = (),
        per_sample: bool = False,
        evppi_method: str = "auto",
        population: float | None = None,
        workers: int = 1,
        severity: bool = False,
    ) -> pd.DataFrame:
        """``atmpcli psa``: the tidy summary (measure, strategy, wtp, parameters, value), or with ``per_sample``
        what ``psa --per-sample`` writes (sample, cost_<strategy>..., effect_<strategy>..., the draws).
        ``evppi_method``: auto, gam, gp or splines (docs/methods.md); ``workers``: processes (the same
        numbers whatever their number; ``psa --workers``); ``severity``: ``psa --severity``."""
        result = self.results.psa(
            samples,
            seed,
            wtp,
            evppi,
            population,
            keep_draws=per_sample,
            evppi_method=evppi_method,
            workers=workers,
            severity=severity,
        )
        return result.psa.frame if per_sample else result.frame

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
    ) -> pd.DataFrame:
        """``atmpcli evsi``: EVSI of a study ``"KIND:PARAM[,PARAM]"`` (measure, size, followup, wtp, value);
        ``study_costs`` = (fixed, per patient, per patient-year) gives the ENBS."""
        return self.results.evsi(
            study,
            sizes,
            wtp,
            samples=samples,
            seed=seed,
            followups=followups,
            sd=sd,
            cv=cv,
            after=after,
            population=population,
            study_costs=study_costs,
        ).frame

    def dsa(
        self,
        strategy: str | None = None,
        wtp: float | None = None,
        outcome: str = "inc_nmb",
        parameters: Sequence[str] | None = None,
        percent: float | None = None,
        two_way: Sequence[str] | None = None,
        steps: int = 5,
    ) -> pd.DataFrame:
        """``atmpcli dsa``: tornado rows from the largest swing down, or the two-way grid with ``two_way``."""
        return self.results.dsa(strategy, wtp, outcome, parameters, percent, two_way, steps).frame

    def threshold(
        self,
        parameter: str,
        strategy: str | None = None,
        wtp: Sequence[float] | None = None,
        low: float | None = None,
        high: float | None = None,
        severity: bool = False,
    ) -> pd.DataFrame:
        """``atmpcli threshold``: per willingness to pay, the value of ``parameter`` where ``strategy`` turns optimal;
        with ``severity`` (``threshold --severity``) at the severity-weighted threshold."""
        return self.results.threshold(parameter, strategy, wtp, low, high, severity).frame

    def decision_rules(
        self, wtp: Sequence[float] | None = None, price: str | None = None, benchmarks: bool = False
    ) -> pd.DataFrame:
        """``atmpcli compare --severity`` (weighted decisions) or, with ``benchmarks``, ``compare --benchmarks``."""
        rules = ("evlyg", "price_benchmarks") if benchmarks else ("nice_severity",)
        result = self.results.decision_rules(wtp, price, rules)
        return result.benchmarks if benchmarks else result.frame

    def variants(self, variants: Sequence[str] | None = None, wtp: Sequence[float] | None = None) -> pd.DataFrame:
        """``atmpcli variants``: the base case and the named variants side by side."""
        return self.results.variants(variants, wtp).frame

    def budget_impact(self, years: int | None = None, discount: float | None = None) -> pd.DataFrame:
        """``atmpcli budget-impact``: the payer's spending by year, with and without the new strategies."""
        return self.results.budget_impact(years, discount).frame

    def verify(self) -> pd.DataFrame:
        """``atmpcli verify``: the TECH-VER black-box tests, one row per test and strategy (``status`` fail/pass)."""
        return self.results.verify().frame

    def equity(
        self, atkinson: float | None = None, kolm: float | None = None, by_subgroup: bool = False
    ) -> pd.DataFrame:
        """``atmpcli equity``: the distributional CEA, one row per strategy and inequality index (with
        ``by_subgroup``: ``equity --by-subgroup``, one row per strategy and subgroup)."""
        result = self.results.equity(atkinson, kolm)
        return result.subgroups if by_subgroup else result.frame


def _compared(scenario: Scenario, wtp: Sequence[float] | None, per: str, stacklevel: int) -> Comparison:
    """The comparison, its survival warnings raised as Python warnings at the caller's ``stacklevel``."""
    import warnings

    from atmpcli.analysis.compare import compare

    result = compare(scenario, wtp=wtp, per=per)
    for w in result.warnings:
        warnings.warn(w, stacklevel=stacklevel + 1)
    return result


def load(
    path: str | Path,
    *,
    variant: str | None = None,
    sets: dict[str, Any] | None = None,
    reference_case: str | None = None,
    allow_paths: Sequence[str | Path] = (),
    max_file_size: int | None = None,
    memory: int | None = None,
    strict: bool = False,
) -> Model:
    """Load a scenario file (or a bundled/user scenario by name); raises ScenarioError on bad input.

    ``allow_paths`` are folders the scenario's look-up files and ``extends`` may reach besides its own
    (``--allow-path``), ``max_file_size`` is ``--max-file-size`` and ``memory`` ``--memory``, in bytes;
    ``strict`` makes sanity warnings errors (docs/trust.md).
    """
    from atmpcli.limits import DEFAULT_MAX_FILE_BYTES, InputLimits
    from atmpcli.scenario.catalog import resolve
    from atmpcli.scenario.compile import load_scenario

    limits = InputLimits(
        max_file_bytes=max_file_size or DEFAULT_MAX_FILE_BYTES,
        allow_paths=tuple(Path(p).resolve() for p in allow_paths),
    )
    sc = load_scenario(
        resolve(str(path)), variant=variant, sets=sets, reference_case=reference_case, limits=limits, strict=strict
    )
    return Model(sc, memory)


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


def icers(strategies: Sequence[str], costs: Sequence[float], effects: Sequence[float]) -> IncrementalTable:
    """``atmpcli icers``: dominance, extended dominance and ICERs of any strategies (``.frame`` is the CSV)."""
    from atmpcli.analysis.dominance_and_icers import icers as run

    return run(strategies, costs, effects)


def fit_survival(data: str | Path, **options: Any) -> SurvivalFits:
    """``atmpcli survival fit``: options as analysis.survival.from_files.fit_from_file (``.frame`` is the CSV)."""
    from atmpcli.analysis.survival.from_files import fit_from_file

    return fit_from_file(data, **options)


def reconstruct_survival(curve: str | Path, at_risk: str | Path, **options: Any) -> Reconstruction:
    """``atmpcli survival reconstruct``: patient-level data from a digitised KM curve (``.frame`` is the CSV)."""
    from atmpcli.analysis.survival.from_files import reconstruct_from_files

    return reconstruct_from_files(curve, at_risk, **options)


def shortfall(
    start_age: int, female: float, discount: float, norms: str = "england-dsu-2014", qalys: float | None = None
) -> Shortfall:
    """``atmpcli shortfall``: general-population QALE and, with ``qalys``, the QALY shortfall and NICE weight."""
    from atmpcli.analysis.shortfall import shortfall as run

    return run(start_age, female, discount, norms, qalys)

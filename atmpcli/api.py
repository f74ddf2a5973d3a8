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

from atmpcli.api_results import Results, _compared, budget_impact_of, equity_of
from atmpcli.scenario.compiled import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from atmpcli.analysis.dominance_and_icers import IncrementalTable
    from atmpcli.analysis.shortfall import Shortfall
    from atmpcli.analysis.survival.result import Reconstruction, SurvivalFits

__all__ = ["Model", "Results", "budget_impact_of", "equity_of", "fit_survival", "icers", "load"]
__all__ += ["reconstruct_survival", "shortfall"]


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

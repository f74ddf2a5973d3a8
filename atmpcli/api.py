"""The Python API: the same analyses as the command line, as pandas DataFrames.

>>> import atmpcli
>>> model = atmpcli.load("sick_sicker")                 # a file path or a bundled/user scenario name
>>> model.compare()                                      # one row per strategy (docs/output-format.md)
>>> model.psa(samples=1000, seed=1, wtp=[50_000, 100_000])
>>> model.dsa(strategy="B", wtp=100_000)
>>> model.evsi("normal:u_S1", sizes=[50, 100], wtp=[120_000], sd=0.2)
>>> model.workbook("sick_sicker.xlsx")                   # the live Excel twin (docs/excel.md)
>>> atmpcli.load("hiv_chancellor", sets={"c_zidovudine": 2000}).compare()
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from atmpcli.scenario.compiled import Scenario


class Model:
    """A loaded scenario; every method returns a pandas DataFrame with the CLI's CSV columns."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    @property
    def strategies(self) -> list[str]:
        return [s.name for s in self.scenario.strategies]

    def compare(self, wtp: Sequence[float] | None = None, per: str = "person") -> Any:
        """The comparison's rows; the reviewer's survival warnings (as on the CLI's stderr) as Python warnings."""
        import warnings

        from atmpcli.analysis.compare import compare

        result = compare(self.scenario, wtp=wtp, per=per)
        for w in result.warnings:
            warnings.warn(w, stacklevel=2)
        return result.to_frame()

    def survival_checks(self) -> Any:
        """Survival at 5/10/20 years against the general population, per strategy and curve (compare's JSON)."""
        import pandas as pd

        from atmpcli.analysis.compare import compare
        from atmpcli.analysis.survival_checks import SURVIVAL_CHECK_COLUMNS

        return pd.DataFrame(compare(self.scenario).survival, columns=SURVIVAL_CHECK_COLUMNS)

    def workbook(self, path: str | Path, wtp: Sequence[float] | None = None) -> Any:
        """Write the live Excel workbook (docs/excel.md), as ``atmpcli workbook`` does; returns its summary."""
        from atmpcli.report.excel_twin import write_live_workbook

        return write_live_workbook(self.scenario, Path(path), wtp=list(wtp) if wtp is not None else None)

    def psa(
        self,
        samples: int = 1000,
        seed: int = 1,
        wtp: Sequence[float] | None = None,
        evppi: Sequence[Sequence[str]] = (),
        per_sample: bool = False,
        evppi_method: str = "auto",
    ) -> Any:
        """The PSA summary (long form: measure, strategy, wtp, parameters, value), or with ``per_sample`` each
        sample's cost and effect per strategy and its parameter draws. ``evppi_method``: auto, gam, gp or
        splines (docs/methods.md)."""
        import pandas as pd

        from atmpcli.analysis.psa import run_psa
        from atmpcli.analysis.psa_summary import summarise_psa

        result = run_psa(self.scenario, samples, seed, keep_draws=per_sample or bool(evppi))
        if per_sample:
            frame = {f"cost_{s}": result.costs[:, k] for k, s in enumerate(result.strategies)}
            frame.update({f"effect_{s}": result.effects[:, k] for k, s in enumerate(result.strategies)})
            frame.update(result.draws)
            return pd.DataFrame(frame)
        thresholds = list(wtp) if wtp is not None else list(self.scenario.settings.wtp)
        summary = summarise_psa(
            result,
            thresholds,
            evppi_groups=[list(g) for g in evppi],
            evppi_method=evppi_method,
            population=self.scenario.settings.population,
        )
        return pd.DataFrame(summary.rows())

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
    ) -> Any:
        """EVSI of a study ``"KIND:PARAM[,PARAM]"`` as ``atmpcli evsi`` writes it (measure, size, followup,
        wtp, value); ``study_costs`` = (fixed, per patient, per patient-year) gives the ENBS."""
        import pandas as pd

        from atmpcli.analysis.evsi import StudyCosts, run_evsi
        from atmpcli.analysis.psa import run_psa
        from atmpcli.analysis.studies import Study

        kind, _, params = study.partition(":")
        the_study = Study(kind, tuple(p.strip() for p in params.split(",") if p.strip()), sd=sd, cv=cv, after=after)
        result = run_psa(self.scenario, samples, seed, keep_draws=True)
        people = population if population is not None else self.scenario.settings.population
        r = run_evsi(
            result,
            the_study,
            list(sizes),
            list(wtp) if wtp is not None else list(self.scenario.settings.wtp),
            followups=followups,
            population=people,
            costs=StudyCosts(*study_costs) if study_costs and people is not None else None,
            seed=seed,
        )
        return pd.DataFrame(r.rows())

    def dsa(
        self,
        strategy: str | None = None,
        wtp: float | None = None,
        outcome: str = "inc_nmb",
        parameters: Sequence[str] | None = None,
        percent: float | None = None,
    ) -> Any:
        import pandas as pd

        from atmpcli.analysis import dsa as D

        strategy = strategy or next(s for s in self.strategies if s != self.scenario.comparator)
        w = wtp if wtp is not None else self.scenario.settings.wtp[0]
        ow = D.one_way(
            self.scenario,
            D.ranges(self.scenario, parameters, percent),
            outcome=outcome,
            strategy=strategy,
            comparator=self.scenario.comparator,
            wtp=w,
        )
        return pd.DataFrame(
            [
                {
                    "parameter": ow.ranges[i].parameter,
                    "low": ow.ranges[i].low,
                    "high": ow.ranges[i].high,
                    "value_low": ow.low_values[i],
                    "value_high": ow.high_values[i],
                    "swing": ow.swing[i],
                    "optimal_low": ow.optimal_low[i],
                    "optimal_high": ow.optimal_high[i],
                }
                for i in ow.order()
            ]
        )

    def threshold(
        self, parameter: str, strategy: str, wtp: Sequence[float], low: float | None = None, high: float | None = None
    ) -> Any:
        import pandas as pd

        from atmpcli.analysis.threshold import threshold

        res = threshold(self.scenario, parameter, strategy, wtp, low, high)
        return pd.DataFrame(
            [
                {"wtp": p.wtp, "threshold": p.value, "cost_effective_below": p.cost_effective_below, "note": p.note}
                for p in res.points
            ]
        )

    def budget_impact(self, years: int | None = None, discount: float | None = None) -> Any:
        import pandas as pd

        from atmpcli.analysis.budget import budget_impact
        from atmpcli.model.evaluate import evaluate

        if self.scenario.spec.budget_impact is None:
            raise ValueError("the scenario has no budget_impact section")
        res = budget_impact(
            self.scenario.spec.budget_impact,
            evaluate(self.scenario),
            self.scenario.settings.cycle_length,
            years,
            discount,
        )
        return pd.DataFrame(res.rows())


def load(
    path: str | Path,
    *,
    variant: str | None = None,
    sets: dict[str, Any] | None = None,
    reference_case: str | None = None,
) -> Model:
    """Load a scenario file (or a bundled/user scenario by name); raises ScenarioError on bad input."""
    from atmpcli.scenario.catalog import resolve
    from atmpcli.scenario.compile import load_scenario

    return Model(load_scenario(resolve(str(path)), variant=variant, sets=sets, reference_case=reference_case))

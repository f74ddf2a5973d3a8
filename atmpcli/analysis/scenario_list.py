"""The scenarios atmpcli can find (``atmpcli list-scenarios``) as a result."""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from atmpcli.analysis.result import Result, records, result_type

LIST_COLUMNS = ["name", "title", "strategies", "illustrative", "currency", "sources", "origin", "path"]


@result_type
class ScenarioList(Result):
    """One row per scenario found; ``strategies`` are ``;``-separated and ``sources`` `` | ``-separated."""

    sheet: ClassVar[str] = "Scenarios"
    scenarios: pd.DataFrame  # LIST_COLUMNS

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"scenarios": self.scenarios}

    def body(self) -> dict[str, Any]:
        split = [
            r | {"strategies": r["strategies"].split(";"), "sources": r["sources"].split(" | ") if r["sources"] else []}
            for r in records(self.scenarios)
        ]
        return {"scenarios": split}


def scenario_list(rows: list[dict[str, Any]]) -> ScenarioList:
    return ScenarioList(title="Scenarios", scenarios=pd.DataFrame(rows, columns=LIST_COLUMNS))

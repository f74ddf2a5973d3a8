"""The live workbook (atmpcli workbook) recalculated in LibreOffice equals atmpcli, scenario by scenario.

Every workbook of this module is written first and recalculated in one LibreOffice run (its start-up is
most of the time); the comparisons then read the recalculated copies. Independent implementation: the
workbook's formulas are evaluated by LibreOffice's engine, not by atmpcli's numpy code.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.analysis.compare import compare
from atmpcli.cli import app
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.expressions import Expression
from atmpcli.report.excel_twin import write_live_workbook
from atmpcli.report.excel_twin.recalc import differences, recalculate, results_table, soffice
from atmpcli.scenario.catalog import resolve
from atmpcli.scenario.compile import load_scenario
from tests.conftest import DATA, SCENARIOS

TOLERANCE = 1e-9
ALL_BUNDLED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
# survival curves have no workbook formulas yet: those scenarios are refused (test below)
WITH_CURVES = [n for n in ALL_BUNDLED if load_scenario(resolve(n)).survival is not None]
BUNDLED = [n for n in ALL_BUNDLED if n not in WITH_CURVES]
NEEDS_SOFFICE = pytest.mark.skipif(
    soffice() is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui to recalculate workbooks",
)


class OpaqueFormula:
    """A formula from outside atmpcli's language: the workbook must hold its value, with a note."""

    def __init__(self, inner):
        self.inner = inner
        self.text, self.names, self.is_constant = inner.text, inner.names, False

    def evaluate(self, env):
        return self.inner.evaluate(env)


def _opaque_model():
    sc = load_scenario(resolve("sick_sicker"))
    states = list(sc.states)
    s1 = states[1]
    states[1] = dataclasses.replace(s1, utility=Expression(OpaqueFormula(s1.utility.formula), s1.utility.origin))
    fields = {f.name: getattr(sc, f.name) for f in dataclasses.fields(DecisionModel)}
    return DecisionModel(**{**fields, "states": states})


def _load(path: str, variant=None, sets=None):
    return load_scenario(resolve(path), variant=variant, sets=sets)


# (case, how to load the scenario the workbook is written from)
CASES = {name: (name, None, None) for name in BUNDLED}
CASES.update(
    {
        "cart_pediatric_all:instalments": ("cart_pediatric_all", "instalments", None),
        "scd_gene_therapy:refund": ("scd_gene_therapy", "refund", None),
        "sma_gene_therapy:refund_17": ("sma_gene_therapy", "refund_17", None),
        "sma_gene_therapy:pay_over_time": ("sma_gene_therapy", "pay_over_time", None),
        "twin_features": (str(DATA / "twin_features.yaml"), None, None),
        "twin_features:end": (str(DATA / "twin_features.yaml"), None, {"settings.method": "end"}),
        "twin_trees": (str(DATA / "twin_trees.yaml"), None, None),
        "twin_tree_instalments": (str(DATA / "twin_tree_instalments.yaml"), None, None),
        "twin_trees:beginning": (
            str(DATA / "twin_trees.yaml"),
            None,
            {"settings.method": "beginning", "settings.discount_timing": "cycle-end"},
        ),
    }
)
# (case, workbook name to edit, value, the same change for atmpcli --set)
EDITS = {
    "edit:sick_sicker:r_HS1": ("sick_sicker", "r_HS1", 0.2, {"r_HS1": 0.2}),
    "edit:sick_sicker:discount": ("sick_sicker", "settings.discount_costs", 0.05, {"settings.discount.costs": 0.05}),
    "edit:cart_pediatric_all:price": (
        "cart_pediatric_all",
        "c_tisagenlecleucel",
        400000,
        {"c_tisagenlecleucel": 400000},
    ),
    "edit:egfr_test_and_treat:inline utility": (
        "egfr_test_and_treat",
        "u_Responding",
        0.7,
        {"states.Responding.utility": 0.7},
    ),
    "edit:sma_gene_therapy:strategy value": (
        "sma_gene_therapy",
        "gene_therapy!hr_progression",
        0.5,
        {"strategies.gene_therapy.parameters.hr_progression": 0.5},
    ),
}


def _edit(path: Path, name: str, value: float) -> None:
    """Set the cell a workbook name points to (``sheet!name`` for a name scoped to a sheet)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    if "!" in name:
        sheet, local = name.split("!")
        defined = wb[sheet].defined_names[local]
    else:
        defined = wb.defined_names[name]
    (target_sheet, ref), *_ = defined.destinations
    wb[target_sheet][ref.replace("$", "")].value = value
    wb.save(path)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, Path]:
    """Every case's workbook, written, edited where asked, and recalculated in one LibreOffice run."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("twins")
    written: dict[str, Path] = {}
    for k, (case, (path, variant, sets)) in enumerate(CASES.items()):
        written[case] = folder / f"case{k}.xlsx"
        write_live_workbook(_load(path, variant, sets), written[case])
    written["opaque"] = folder / "opaque.xlsx"
    write_live_workbook(_opaque_model(), written["opaque"])
    for k, (case, (scenario, name, value, _)) in enumerate(EDITS.items()):
        written[case] = folder / f"edit{k}.xlsx"
        write_live_workbook(_load(scenario), written[case])
        _edit(written[case], name, value)
    out = recalculate(list(written.values()), folder / "recalculated")
    return dict(zip(written, out, strict=True))


@NEEDS_SOFFICE
@pytest.mark.parametrize("case", list(CASES))
def test_workbook_recalculated_in_libreoffice_equals_atmpcli(recalculated, case):
    path, variant, sets = CASES[case]
    worst, problems = differences(compare(_load(path, variant, sets)).rows, results_table(recalculated[case]))
    assert problems == []
    assert worst < TOLERANCE


@NEEDS_SOFFICE
@pytest.mark.parametrize("case", list(EDITS))
def test_an_input_changed_in_the_workbook_equals_the_same_set(recalculated, case):
    scenario, _, _, sets = EDITS[case]
    before = compare(_load(scenario)).rows
    after = compare(_load(scenario, sets=sets)).rows
    got = results_table(recalculated[case])
    worst, problems = differences(after, got)
    assert problems == [] and worst < TOLERANCE
    assert differences(before, got)[0] > 1e-6  # the edit moved the results


@NEEDS_SOFFICE
def test_a_formula_the_workbook_cannot_write_is_its_value(recalculated, tmp_path):
    model = _opaque_model()
    summary = write_live_workbook(model, tmp_path / "opaque.xlsx")
    assert len(summary.values_written) == 4  # S1's utility (one cell: it does not vary with time), per strategy
    assert "not an atmpcli formula" in summary.values_written[0]
    worst, problems = differences(compare(model).rows, results_table(recalculated["opaque"]))
    assert problems == [] and worst < TOLERANCE


@NEEDS_SOFFICE
def test_workbook_check_option_recalculates(tmp_path):
    path = tmp_path / "heemod.xlsx"
    result = CliRunner().invoke(app, ["workbook", "heemod_intro", "-o", str(path), "--check"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "checked in LibreOffice" in result.stderr


@pytest.mark.parametrize("name", WITH_CURVES)
def test_a_model_with_survival_curves_is_refused_in_one_line(tmp_path, name):
    out = tmp_path / "twin.xlsx"
    result = CliRunner().invoke(app, ["workbook", name, "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: survival curves and partitioned survival models are not in the live")
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_year_start_discounting_is_refused_in_one_line(tmp_path):
    out = tmp_path / "twin.xlsx"
    args = ["workbook", "heemod_intro", "--set", "settings.discount_timing=year-start", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: discount_timing year-start is not in the live workbook yet")
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists()

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
BUNDLED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
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
        "twin_psm": (str(DATA / "twin_psm.yaml"), None, None),
        "twin_psm:year-start": (str(DATA / "twin_psm.yaml"), None, {"settings.discount_timing": "year-start"}),
        "twin_psm:end": (str(DATA / "twin_psm.yaml"), None, {"settings.method": "end"}),
        "heemod_intro:year-start": ("heemod_intro", None, {"settings.discount_timing": "year-start"}),
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
    "edit:twin_psm:price": (str(DATA / "twin_psm.yaml"), "price", 250000, {"price": 250000}),
    "edit:twin_psm:utility": (str(DATA / "twin_psm.yaml"), "u_efs", 0.7, {"u_efs": 0.7}),
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


def test_survival_curves_are_the_engines_values_listed_on_notes(tmp_path):
    """The curve families have no Excel formulas: each curve column holds atmpcli's values and says so; the
    partition of the trace (min(PFS, OS), OS - min(PFS, OS), 1 - OS) and everything after it are formulas."""
    summary = write_live_workbook(_load(str(DATA / "twin_psm.yaml")), tmp_path / "psm.xlsx")
    curves = [v for v in summary.values_written if "survival curve" in v]
    # 4 curves (PFS/OS of two partitions) on the cohort sheets of salvage, CAR-T and CAR-T's infused cohort
    assert len(curves) == 12 and len(summary.values_written) == 12
    assert curves[0].startswith("salvage cohort!W11:W51: survival curve efs_cart (PFS of partition cart), atmpcli's")
    assert any("survival curve os_sc (OS of partition salvage)" in v for v in curves)

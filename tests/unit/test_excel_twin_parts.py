"""The parts of the live workbook that need no LibreOffice: formula translation, names, inline inputs,
and the workbook's structure read back with openpyxl."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.model.evaluate import evaluate
from atmpcli.report.excel_twin import write_live_workbook
from atmpcli.report.excel_twin.book import Names
from atmpcli.report.excel_twin.formulas import Table, Untranslatable, to_excel
from atmpcli.scenario.catalog import resolve
from atmpcli.scenario.compile import load_scenario
from atmpcli.scenario.formula import parse
from atmpcli.scenario.inline_inputs import with_named_inputs

openpyxl = pytest.importorskip("openpyxl")


def excel(text: str, tables: dict[str, Table] | None = None) -> str:
    names = {"cycle": "$A7", "age": "$C7", "state_time": "3"}
    return to_excel(parse(text, frozenset(tables or {})), lambda n: names.get(n, n), tables)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("-2^2", "-POWER(2,2)"),  # atmpcli (and R): -4; Excel's -2^2 would be 4
        ("(-2)^2", "POWER(-2,2)"),
        ("a - (b + c)", "a-(b+c)"),
        ("a / b * c", "(a/b)*c"),
        ("7 % 3", "MOD(7,3)"),
        ("7 // 2", "INT(7/2)"),
        ("c_drug * (cycle <= 2)", "c_drug*IF($A7<=2,1,0)"),  # a comparison as a number, never TRUE
        ("1 < age < 3", "IF(AND(1<$C7,$C7<3),1,0)"),
        ("ifelse(use_A and not use_B, u_trtA, u_S1)", "IF(AND(use_A,NOT(use_B)),u_trtA,u_S1)"),
        ("x if y != 0 else 0", "IF(y<>0,x,0)"),
        ("rate_to_prob(r)", "1-EXP(-r)"),
        ("rate_to_prob(r, 0.5)", "1-EXP(-r*0.5)"),
        ("prob_to_rate(p, t)", "-LN(1-p)/t"),
        ("rescale_prob(p, 1/12)", "1-POWER(1-p,1/12)"),
        ("log(x)", "LN(x)"),
        ("log(x, 10)", "LN(x)/LN(10)"),
        ("floor(x) + ceil(y)", "INT(x)+(-INT(-y))"),
        ("min(a, b, 1) + max(a, 0)", "MIN(a,b,1)+MAX(a,0)"),
        ("waning(time, 5, 10)", "IF(time<=5,1,IF(10>0,MAX(0,MIN(1,1-(time-5)/10)),0))"),
        ("1e-05 * state_time", "1E-05*3"),
        ("0.1 + true", "0.1+1"),
    ],
)
def test_translation(formula, expected):
    assert excel(formula) == expected


def test_look_up_tables_by_step_and_by_linear_interpolation():
    step = {"qx": Table("qx.key", "qx.value", "step")}
    assert excel("qx(age)", step) == "INDEX(qx.value,MATCH($C7,qx.key,1))"
    linear = excel("qx(age)", {"qx": Table("k", "v", "linear")})
    assert linear.startswith("IF($C7>=INDEX(k,ROWS(k)),INDEX(v,ROWS(v)),")  # the last row beyond the last key


def test_a_formula_outside_the_language_is_untranslatable():
    class Opaque:
        text = "surv(t)"

    with pytest.raises(Untranslatable):
        to_excel(Opaque(), str)


def test_names_are_valid_excel_names_unique_regardless_of_case():
    names = Names()
    assert names.add("p_HS1") == "p_HS1"
    assert names.add("p1") == "_p1"  # P1 is a cell
    assert names.add("R2C3") == "_R2C3" and names.add("c") == "_c"  # R1C1 references
    assert names.add("P_hs1") == "P_hs1_2"  # Excel ignores case
    assert names.add("settings.wtp_1") == "settings.wtp_1"


def test_inline_numbers_become_parameters_named_where_they_were_typed():
    sc = load_scenario(resolve("heemod_intro"))
    named, typed_at = with_named_inputs(sc)
    assert typed_at == {
        "c_A_state": "states.A.costs.state",
        "u_A": "states.A.utility",
        "c_B_state": "states.B.costs.state",
        "u_B": "states.B.utility",
        "p_A_A": "transitions.A.A",
        "p_A_B": "transitions.A.B",
        "p_B_A": "transitions.B.A",
        "p_B_B": "transitions.B.B",
    }
    assert named.states[0].utility.formula.text == "u_A"
    assert float(named.parameters["u_A"].formula.evaluate({})) == 0.85
    assert evaluate(named)[0].cost[0] == evaluate(sc)[0].cost[0]


def test_zeros_and_sure_probabilities_stay_literal():
    sc = load_scenario(resolve("scd_gene_therapy"))  # standard care: response 0; single subgroup: prevalence 1
    _, typed_at = with_named_inputs(sc)
    assert typed_at == {}
    _, typed_at = with_named_inputs(load_scenario(resolve("cyp2c19_stroke")))
    assert typed_at["poc_sensitivity"] == "tests.poc.sensitivity"
    assert "lab_failure_rate" not in typed_at  # not typed: the default 0


@pytest.fixture(scope="module")
def sick_sicker_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("twin") / "ss.xlsx"
    result = CliRunner().invoke(app, ["workbook", "sick_sicker", "-o", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"wrote {path} (13 sheets, every number a formula)\n"
    return openpyxl.load_workbook(path)


def test_workbook_sheets_and_named_inputs(sick_sicker_book):
    wb = sick_sicker_book
    assert wb.sheetnames == [
        "Index", "Notes", "Inputs", "Results", "Incremental",
        "SoC", "SoC cohort", "A", "A cohort", "B", "B cohort", "AB", "AB cohort",
    ]  # fmt: skip
    (sheet, ref), *_ = wb.defined_names["c_trtB"].destinations
    assert (sheet, wb[sheet][ref.replace("$", "")].value) == ("Inputs", 13000)
    assert wb[sheet][ref.replace("$", "")].font.color.rgb == "FF0000FF"  # styled as an input
    (_, ref), *_ = wb.defined_names["p_HS1"].destinations
    assert wb["Inputs"][ref.replace("$", "")].value == "=1-EXP(-r_HS1)"
    (sheet, ref), *_ = wb["B"].defined_names["use_B"].destinations  # B's own value, scoped to B's sheets
    assert wb[sheet][ref.replace("$", "")].value == 1
    assert "use_B" in wb["B cohort"].defined_names and "use_B" not in wb["A cohort"].defined_names


def test_cohort_sheet_formulas(sick_sicker_book):
    ws = sick_sicker_book["SoC cohort"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "t")
    columns = {v: j for j, v in enumerate(rows[head]) if v}
    assert ws.freeze_panes == f"C{head + 2}"
    t1 = rows[head + 2]  # t = 1
    h = columns["H"]
    assert t1[0] == 1
    assert t1[h].startswith("=") and "*" in t1[h]  # m_1[H] = sum of m_0 x P_1
    assert rows[head + 1][h] == "=1"  # everyone starts healthy
    weights = t1[columns["correction"]]
    assert weights.startswith("=IF(OR(A") and "MOD(" in weights  # simpson-darth
    assert t1[columns["H -> S1"]] == "=(1-p_HD)*p_HS1"


def test_results_header_is_compares(sick_sicker_book):
    header = [c.value for c in sick_sicker_book["Results"][5]]
    assert header[:12] == [
        "strategy", "label", "comparator", "cost", "cost_state", "cost_treatment",
        "qalys", "life_years", "cost_undiscounted", "qalys_undiscounted", "life_years_undiscounted", "effect",
    ]  # fmt: skip
    assert header[12:15] == ["status", "reference", "inc_cost"]
    assert header[-6] == '="nmb_"&settings.wtp_1'


@pytest.mark.parametrize(
    ("cycles", "message"),
    [
        (9000, "error: the model has 9003 expanded states: more columns than a worksheet has (16384)\n"),
        (1000, "error: the live workbook would need about 1,839,808 cells (4 strategies x 76 time points x 1003 "),
    ],
)
def test_a_model_too_large_for_a_worksheet_is_one_clear_error(tmp_path, write_scenario, cycles, message):
    text = resolve("sick_sicker").read_text()
    path = write_scenario(text.replace("    label: Sick\n", f"    label: Sick\n    tunnel_cycles: {cycles}\n"))
    result = CliRunner().invoke(app, ["workbook", str(path), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "x.xlsx").exists()


def test_workbook_needs_an_xlsx_output(tmp_path):
    result = CliRunner().invoke(app, ["workbook", "sick_sicker", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["workbook", "no_such_scenario", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and result.stderr.startswith("error: ")


def test_wtp_option_sets_the_thresholds(tmp_path):
    path = tmp_path / "ss.xlsx"
    summary = write_live_workbook(load_scenario(resolve("sick_sicker")), path, wtp=[30000])
    assert "Inputs" in summary.sheets
    wb = openpyxl.load_workbook(path)
    (_, ref), *_ = wb.defined_names["settings.wtp_1"].destinations
    assert wb["Inputs"][ref.replace("$", "")].value == 30000
    assert "settings.wtp_2" not in wb.defined_names


def test_a_formula_longer_than_excel_allows_is_one_clear_error(tmp_path, write_scenario):
    # 1,000 tunnel cycles all flowing into D: the sum of 1,002 products is longer than 8,192 characters
    text = resolve("sick_sicker").read_text().replace("  cycles: 75", "  cycles: 3")
    path = write_scenario(text.replace("    label: Sick\n", "    label: Sick\n    tunnel_cycles: 1000\n"))
    result = CliRunner().invoke(app, ["workbook", str(path), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: a formula of ")
    assert "more than Excel's 8,192" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "x.xlsx").exists()


def test_python_api_writes_the_same_workbook(tmp_path):
    import atmpcli.api

    summary = atmpcli.api.load("heemod_intro").workbook(tmp_path / "h.xlsx", wtp=[20000])
    assert summary.sheets == ["Notes", "Inputs", "Results", "Incremental", "base", "base cohort"]
    assert summary.values_written == []
    assert summary.typed_inline["u_A"] == "states.A.utility"


def test_check_without_libreoffice_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("atmpcli.report.excel_twin.recalc.soffice", lambda: None)
    path = tmp_path / "h.xlsx"
    result = CliRunner().invoke(app, ["workbook", "heemod_intro", "-o", str(path), "--check"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "error: LibreOffice (soffice) is not installed: it is needed to recalculate the workbook\n"
    )
    assert path.exists()  # the workbook itself was written

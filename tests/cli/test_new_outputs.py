"""The outputs issue 9 added: the cohort trace, compare --long, PSA standard deviations and the ICER of the
means, --reference-case on show and report, and the shared output options."""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()


def ok(*args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def csv(*args: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(ok(*args, "-f", "csv")))


def test_trace_is_long_and_matches_the_published_hiv_trace():
    trace = csv("trace", "hiv_chancellor")
    assert list(trace.columns) == ["strategy", "cycle", "years", "state", "proportion", "count"]
    assert list(dict.fromkeys(trace["strategy"])) == ["monotherapy", "combination"]
    assert trace.groupby(["strategy", "cycle"])["proportion"].sum().round(12).eq(1).all()
    mono = trace[(trace.strategy == "monotherapy") & (trace.cycle == 1)].set_index("state")["proportion"]
    # Briggs, Claxton & Sculpher (2006) exercise 2.5, monotherapy after cycle 1 (tests/reference/test_hiv_chancellor.py)
    assert mono.tolist() == pytest.approx([0.72145328719723, 0.20184544405998, 0.0668973471742, 0.00980392156863])
    assert trace.cycle.max() == 20 and len(trace) == 2 * 21 * 4


def test_trace_strategy_option_count_and_json():
    one = csv("trace", "heemod_intro", "--strategy", "base")
    assert set(one.strategy) == {"base"}
    assert one["count"].tolist() == pytest.approx((one["proportion"] * 1000).tolist())  # a cohort of 1,000
    # heemod's introductory model (A: 0.9 stay, B: 0.2 back to A): A after two cycles is 0.9 x 0.9 + 0.1 x 0.2
    assert one[one.state == "A"]["proportion"].tolist()[:3] == pytest.approx([1.0, 0.9, 0.83])
    doc = json.loads(ok("trace", "sick_sicker", "--strategy", "B", "-f", "json"))
    assert doc["strategies"] == ["B"] and doc["states"] == ["H", "S1", "S2", "D"]
    assert doc["rows"][0] == {"strategy": "B", "cycle": 0, "years": 0.0, "state": "H", "proportion": 1.0, "count": 1.0}
    assert doc["provenance"]["scenario_file"].endswith("sick_sicker.yaml")


def test_trace_errors():
    tree_only = runner.invoke(app, ["trace", "icer_herc_six"])
    assert tree_only.exit_code == 1 and "has no cohort model (states), so it has no trace" in tree_only.stderr
    unknown = runner.invoke(app, ["trace", "sick_sicker", "--strategy", "C"])
    assert unknown.exit_code == 1 and "unknown strategy 'C' (strategies: SoC, A, B, AB)" in unknown.stderr


def test_compare_long_pivots_back_to_the_wide_table():
    wide = csv("compare", "cart_pediatric_all").set_index("strategy")
    long = csv("compare", "cart_pediatric_all", "--long")
    assert list(long.columns) == ["strategy", "label", "comparator", "status", "measure", "wtp", "value"]
    plain = long[long.wtp.isna()].pivot(index="strategy", columns="measure", values="value").loc[wide.index]
    for measure in ("cost", "cost_product", "qalys", "icer_vs_comparator", "payment_pv", "responders_per_1000"):
        pd.testing.assert_series_equal(plain[measure], wide[measure], check_names=False)
    nmb = long[(long.measure == "nmb") & (long.wtp == 100000)].set_index("strategy")["value"]
    pd.testing.assert_series_equal(nmb, wide["nmb_100000"], check_names=False)
    assert set(long.groupby("strategy").size()) == {len(long) // 3}  # every strategy has every measure


def test_psa_standard_deviations_and_icer_of_means_from_the_samples(tmp_path):
    samples = tmp_path / "s.csv"
    summary = csv("psa", "sick_sicker", "-n", "400", "--seed", "3", "--wtp", "100000", "--per-sample", str(samples))
    per = pd.read_csv(samples)
    got = summary.set_index(["measure", "strategy"])["value"]
    for s in ("SoC", "A", "B", "AB"):
        assert got["cost_sd", s] == pytest.approx(per[f"cost_{s}"].std(), rel=1e-12)  # pandas: n - 1
        assert got["effect_sd", s] == pytest.approx(per[f"effect_{s}"].std(), rel=1e-12)
    inc = per["cost_B"] - per["cost_SoC"]
    assert got["inc_cost_sd", "B"] == pytest.approx(inc.std(), rel=1e-12)
    means = {s: (per[f"cost_{s}"].mean(), per[f"effect_{s}"].mean()) for s in ("SoC", "A", "B", "AB")}
    # A is dominated on the means; the frontier of the means is SoC -> B -> AB
    icer_b = (means["B"][0] - means["SoC"][0]) / (means["B"][1] - means["SoC"][1])
    icer_ab = (means["AB"][0] - means["B"][0]) / (means["AB"][1] - means["B"][1])
    assert got["icer_of_means", "B"] == pytest.approx(icer_b, rel=1e-12)
    assert got["icer_of_means", "AB"] == pytest.approx(icer_ab, rel=1e-12)
    assert pd.isna(got["icer_of_means", "SoC"]) and pd.isna(got["icer_of_means", "A"])
    doc = json.loads(ok("psa", "sick_sicker", "-n", "400", "--seed", "3", "--wtp", "100000", "-f", "json"))
    b = next(x for x in doc["strategies"] if x["strategy"] == "B")
    assert b["cost"]["sd"] == pytest.approx(got["cost_sd", "B"]) and b["reference"] == "SoC"
    assert b["icer_of_means"] == pytest.approx(icer_b)
    table = ok("psa", "sick_sicker", "-n", "400", "--seed", "3", "--wtp", "100000")
    assert "ICER of means" in table and f"{icer_b:,.0f}" in table


def test_show_and_report_take_the_reference_case(tmp_path):
    doc = json.loads(ok("show", "sick_sicker", "--reference-case", "uk_nice_2026", "-f", "json"))
    assert doc["provenance"]["overrides"]["reference_case"] == "uk_nice_2026"
    book = tmp_path / "show.xlsx"
    ok("show", "sick_sicker", "--reference-case", "uk_nice_2026", "-o", str(book))
    openpyxl = pytest.importorskip("openpyxl")
    settings = {r[0].value: r[1].value for r in openpyxl.load_workbook(book)["Settings"].iter_rows(min_row=2)}
    assert settings["discount_costs"] == 0.035 and settings["reference_case"] == "uk_nice_2026"
    report = tmp_path / "r.md"
    ok("report", "sick_sicker", "--reference-case", "uk_nice_2026", "-o", str(report), "--no-figures")
    text = report.read_text()
    assert "Reference case: `uk_nice_2026`" in text and "Costs are discounted at 3.5% and effects at 3.5%" in text
    assert "Perspective: NHS and personal social services." in text


def test_bad_output_options_fail_before_the_analysis(tmp_path):
    for args, hint in (
        (["-o", str(tmp_path / "x.pdf")], "--output"),
        (["--plot", str(tmp_path / "x.gif")], "--plot"),
        (["-f", "csv", "--sep", ";", "--decimal", ";"], "--sep"),
    ):
        result = runner.invoke(app, ["psa", "sick_sicker", "-n", "50", *args])
        assert result.exit_code == 2 and hint in result.stderr, args
    assert list(tmp_path.iterdir()) == []
    # a bad --sep matters only for CSV output
    assert runner.invoke(app, ["compare", "hiv_chancellor", "--sep", "ab"]).exit_code == 0


def test_every_float_of_a_test_and_treat_comparison_is_written_as_a_number():
    # cost_per_true_positive was once written as "np.float64(2105.263157894737)"
    df = csv("compare", "egfr_test_and_treat").set_index("strategy")
    assert df["cost_per_true_positive"].dtype.kind == "f"
    assert df.loc["test_and_treat", "cost_per_true_positive"] == pytest.approx(2105.263157894737)

"""The CHEERS report: every item it claims, every analysis run with its figure, one self-contained HTML file,
numbers formatted for people, names and code as written, valid HTML5, and a PDF where Chromium is installed."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.commands.report import default_grid
from atmpcli.report.cheers_report import CHEERS_ITEMS, SECTIONS, overrides_text
from atmpcli.report.markdown_html import escape, markdown_to_html, md_table
from atmpcli.report.pdf import find_browser

runner = CliRunner()


@pytest.fixture(scope="module")
def cart_html(tmp_path_factory):
    """The CAR-T report with a PSA, the one-way analysis, the variants and every figure, as HTML."""
    path = tmp_path_factory.mktemp("report") / "cart.html"
    result = runner.invoke(app, ["report", "cart_pediatric_all", "-o", str(path), "--psa-samples", "200"])
    assert result.exit_code == 0, result.stderr
    return path


def test_markdown_report_has_all_cheers_items(tmp_path):
    path = tmp_path / "hiv.md"
    result = runner.invoke(app, ["report", "hiv_chancellor", "-o", str(path), "--psa-samples", "200"])
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert len(CHEERS_ITEMS) == 28
    positions = [text.index(f"\n### {item}\n") for item in CHEERS_ITEMS]
    assert positions == sorted(positions)  # all present, in CHEERS order
    sections = [text.index(f"\n## {name}\n") for _, name in SECTIONS]
    # each checklist section comes just before its first item
    assert sections == sorted(sections)
    for (first, _), at in zip(SECTIONS, sections, strict=True):
        assert at < positions[first - 1] and (first == 1 or at > positions[first - 2])
    assert "6,276" in text  # the ICER, rounded for people (Chancellor et al.: GBP 6,276 per LY)
    assert (tmp_path / "hiv_files" / "ce_plane.svg").stat().st_size > 5000
    assert (tmp_path / "hiv_files" / "psa.png").exists()
    assert "](hiv_files/psa.png)" in text and "EVPI per person" in text


def test_html_report_is_one_file_with_every_analysis_and_figure(cart_html, tmp_path):
    text = cart_html.read_text()
    assert text.startswith("<!DOCTYPE html>") and "ILLUSTRATIVE" in text
    assert not (cart_html.parent / "cart_files").exists()
    for item in CHEERS_ITEMS:
        assert f'<h3 id="{item.split(".")[0]}-' in text and f">{item}</h3>" in text
    sources = re.findall(r'<img src="([^"]*)"', text)
    assert len(sources) == 3 and all(
        s.startswith(("data:image/svg+xml;base64,", "data:image/png;base64,")) for s in sources
    )
    assert text.count("<figure>") == 3 and text.count("<figcaption>") == 3  # CE plane, PSA, tornado
    assert "<link" not in text and "<script" not in text  # nothing fetched, nothing run
    for heading in (
        "Base case (per person, discounted",
        "Cohort trace",
        "What the payer pays",
        "Probabilistic analysis (200 samples, seed 1)",
        "One-way analysis: incremental NMB of cart_paid_on_result vs salvage at 100,000 USD per QALY",
        "Scenario analysis: the base case and each named variant",
    ):
        assert re.search(f'<h4 id="[^"]+">{re.escape(heading)}', text), heading
    for variant in ("conservative_durability", "low_remission", "discount_1_5", "point_of_care", "instalments"):
        assert f'<td style="text-align:left">{variant}</td>' in text


def test_budget_impact_in_the_report(tmp_path):
    path = tmp_path / "be.md"
    result = runner.invoke(app, ["report", "cart_belgium_budget", "-o", str(path)])
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    budget = runner.invoke(app, ["budget-impact", "cart_belgium_budget", "-f", "csv"]).stdout.splitlines()
    assert "#### Budget impact (EUR, undiscounted, M = million)" in text
    assert "](be_files/budget.svg)" in text and (tmp_path / "be_files" / "budget.svg").exists()
    assert len(budget) > 1 and "| Total |" in text


def test_html_report_formats_numbers_names_and_code(cart_html):
    text = cart_html.read_text()
    assert "31,396" in text  # ICER of paying at result vs salvage (the scenario's description says $31,396)
    assert "475,000" in text and "475,000.0" not in text
    assert not re.search(r"\d\.\d{6,}", text.split("<style>")[0] + text.split("</style>")[1].split("base64")[0])
    assert "{'variant'" not in text and "no overrides" in text
    assert "<code>cart_pediatric_all.yaml</code>" in text  # a file name as code, its underscores kept
    assert '<td style="text-align:left">cart_paid_on_result</td>' in text  # text columns left-aligned
    assert '<td style="text-align:right">31,396</td>' in text  # numbers right-aligned
    assert "`" not in text.split("</style>")[1]  # backticks became <code>


def test_item_20_counts_the_one_way_parameters_analysed(cart_html):
    text = cart_html.read_text()
    # cart_pediatric_all has 12 distributions and no explicit ranges: all 12 are in the one-way analysis
    assert "<strong>One-way analysis</strong>: 12 parameters" in text
    assert "<strong>Scenario analysis</strong>: 5 named variants" in text
    assert "200 samples (seed 1) of the 12 parameters with a distribution" in text
    # 0 to 300,000 in steps of 3,000 (101), and the scenario's 100,000 (its 150,000 is on the grid)
    assert "on 102 thresholds from 0 to 300,000 USD per QALY" in text


def test_overrides_are_named_not_printed_as_a_dict():
    assert overrides_text({"variant": None, "set": {}, "reference_case": None}) == "no overrides"
    text = overrides_text({"variant": "low_remission", "set": {"c_x": 4e5}, "reference_case": "uk_nice_1_5"})
    assert text == "changed from the file: variant `low_remission`, `c_x=400000.0`, reference case `uk_nice_1_5`"


def test_html_report_is_valid_html5(cart_html):
    html5lib = pytest.importorskip("html5lib")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(cart_html.read_text())  # raises ParseError on the first error
    assert not parser.errors


def test_markdown_escapes_data_and_keeps_names():
    assert escape("cart_paid_on_result") == "cart_paid_on_result"
    assert escape("_lead_ *star* `tick` a|b") == r"\_lead\_ \*star\* \`tick\` a\|b"
    page = markdown_to_html("Name cart_paid_on_result and " + escape("_x_ <b>"), "t")
    assert "cart_paid_on_result" in page and "<em>" not in page and "&lt;b&gt;" in page
    table = md_table(["Strategy", "Cost", "Note"], [["a_b", "1,234", "x"], ["c", "—", "12 %"]])
    assert table.splitlines()[1] == "|:---|---:|:---|"  # numbers (and "—") right, text left


def test_default_grid_reaches_twice_the_largest_threshold_or_icer():
    class Cmp:  # the CAR-T comparison: thresholds 100,000 and 150,000, frontier ICER 31,396
        wtp = [100000.0, 150000.0]
        rows = [{"status": "ND", "icer": 31396.0}, {"status": "D", "icer": float("nan")}]

    grid = default_grid(Cmp())  # type: ignore[arg-type]
    # 2 x 150,000 = 300,000 is already round: 0 to 300,000 in 100 steps of 3,000
    assert len(grid) == 101 and grid[0] == 0 and grid[1] == 3000 and grid[-1] == 300000
    Cmp.rows = [{"status": "ND", "icer": 410000.0}]
    assert default_grid(Cmp())[-1] == 1_000_000  # 2 x 410,000 = 820,000 -> the next round number


def test_report_needs_md_html_or_pdf(tmp_path):
    result = runner.invoke(app, ["report", "hiv_chancellor", "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 2 and "html, .pdf or .md" in result.stderr


def test_pdf_without_a_browser_says_so_in_one_line(tmp_path):
    target = tmp_path / "r.pdf"
    result = runner.invoke(
        app,
        ["report", "hiv_chancellor", "-o", str(target), "--no-figures"],
        env={"ATMPCLI_CHROMIUM": "no-such-browser"},
    )
    assert result.exit_code == 1 and not target.exists()
    assert result.stderr.count("\n") == 1 and "needs Chromium" in result.stderr


@pytest.mark.skipif(find_browser() is None, reason="no Chromium or Chrome on PATH to print the PDF")
def test_pdf_report(tmp_path):
    target = tmp_path / "cart.pdf"
    result = runner.invoke(app, ["report", "cart_pediatric_all", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page\n") + data.count(b"/Type/Page") >= 6
    assert [p.name for p in tmp_path.iterdir()] == ["cart.pdf"]  # no temporary files left behind


def test_thresholds_that_are_not_round_numbers(tmp_path):
    import atmpcli

    source = (Path(atmpcli.__file__).parent / "scenarios" / "cart_pediatric_all.yaml").read_text()
    scenario = tmp_path / "wtp.yaml"
    scenario.write_text(source.replace("wtp: [100000, 150000]", "wtp: [1500000, 123456.7]"))
    result = runner.invoke(app, ["report", str(scenario), "-o", str(tmp_path / "r.md"), "--no-figures"])
    assert result.exit_code == 0, result.stderr
    assert "| Strategy | At 1,500,000 | At 123,457 |" in (tmp_path / "r.md").read_text()


def _item(text: str, number: int) -> str:
    """The text of CHEERS item ``number`` (up to the next item)."""
    start = text.index(f"\n### {CHEERS_ITEMS[number - 1]}\n")
    return text[start : text.index(f"\n### {CHEERS_ITEMS[number]}\n")]


def test_verification_section_with_every_test_its_figures_and_result(tmp_path):
    path = tmp_path / "hiv.md"
    result = runner.invoke(app, ["report", "hiv_chancellor", "-o", str(path), "--verify", "--no-figures"])
    assert result.exit_code == 0, result.stderr
    item = _item(path.read_text(), 17)  # CHEERS 2022 item 17: analytics, assumptions, approaches to validation
    assert "#### Model verification (TECH-VER black-box tests, `atmpcli verify`)" in item
    from atmpcli.analysis.verification import verify
    from atmpcli.scenario.compile import load_scenario
    from tests.conftest import bundled

    summary = verify(load_scenario(bundled("hiv_chancellor"))).summary
    rows = [line for line in item.splitlines() if line.startswith("| ") and not line.startswith("| Test")]
    assert [r.split(" | ")[0][2:] for r in rows] == [c.replace("_", " ") for c in summary["check"]]
    zero = next(r for r in rows if r.startswith("| zero mortality"))  # the figures, as the verify table has them
    expected = summary.set_index("check").loc["zero_mortality", "expected"]
    assert f"= {expected:.6g}" in zero and zero.endswith("| pass |")
    assert "| pfs within os |" in item and "— _no partitioned survival model with PFS_ |" in item
    assert "Dirichlet group" not in item  # the details of passing tests are in atmpcli verify, not here
    assert f"All {int(summary['rows'].sum())} checks (tests × strategies) passed or do not apply." in item


def test_a_failing_test_is_marked_in_the_report():
    import yaml

    from atmpcli.commands.report import report_contents
    from atmpcli.report.cheers_report import build_markdown
    from atmpcli.scenario.compile import load_scenario
    from tests.conftest import bundled

    data = yaml.safe_load(bundled("sick_sicker").read_text())
    data["states"]["S1"]["costs"]["state"] = "-c_S1"  # a cost with the wrong sign
    sc = load_scenario(bundled("sick_sicker"), text=yaml.safe_dump(data, sort_keys=False))
    item = _item(build_markdown(report_contents(sc, 0, 1, verify=True)), 17)
    row = next(line for line in item.splitlines() if line.startswith("| cost monotone"))
    assert "raising c_S1 lowers total cost" in row and row.endswith("| **FAIL** (4 of 4) |")
    assert "**4 of 44 checks failed**" in item


def test_without_verify_the_report_says_how_to_run_it(tmp_path):
    path = tmp_path / "hiv.md"
    assert runner.invoke(app, ["report", "hiv_chancellor", "-o", str(path), "--no-figures"]).exit_code == 0
    assert "Model verification: not run (use `--verify`, or `atmpcli verify`)." in _item(path.read_text(), 17)

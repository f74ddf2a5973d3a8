"""atmpcli equity: outputs (table, CSV, JSON, the impact plane), the API's parity and bad input."""

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import atmpcli
from atmpcli.analysis.dcea import SUBGROUP_COLUMNS, SUMMARY_COLUMNS
from atmpcli.cli import app

SCENARIO = "scd_gene_therapy_dcea"
BUNDLED = Path(atmpcli.__file__).parent / "scenarios" / "scd_gene_therapy_dcea.yaml"


def run(*args, **kwargs):
    return CliRunner().invoke(app, [*args], **kwargs)


def test_csv_is_the_api_result():
    result = run("equity", SCENARIO, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == SUMMARY_COLUMNS
    api = atmpcli.load(SCENARIO).equity()
    assert [r["index"] for r in rows] == ["atkinson", "kolm"]
    assert [float(r["equity_weighted_nhb"]) for r in rows] == api["equity_weighted_nhb"].tolist()
    by = run("equity", SCENARIO, "--by-subgroup", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(by.stdout)))
    assert list(rows[0]) == SUBGROUP_COLUMNS and [r["subgroup"] for r in rows] == [f"imd{i}" for i in range(1, 6)]
    assert [float(r["net_health_benefit"]) for r in rows] == atmpcli.load(SCENARIO).equity(by_subgroup=True)[
        "net_health_benefit"
    ].tolist()


def test_json_document():
    doc = json.loads(run("equity", SCENARIO, "-f", "json").stdout)
    assert doc["equity"]["opportunity_cost_threshold"] == 15000
    assert doc["equity"]["aversion"] == {"atkinson": 10.95, "kolm": 0.15}
    assert doc["equity"]["opportunity_costs"] == "subgroups"
    assert {len(doc["summary"]), len(doc["subgroups"])} == {2, 5}
    assert doc["scenario"]["illustrative"] is True


def test_aversion_options_override_the_scenario():
    rows = list(csv.DictReader(io.StringIO(run("equity", SCENARIO, "--atkinson", "1", "-f", "csv").stdout)))
    assert [r["aversion"] for r in rows] == ["1.0", "0.15"]
    assert run("equity", SCENARIO, "--kolm", "-1").exit_code == 2


def test_table_at_80_columns():
    for extra in ([], ["--by-subgroup"], ["--variant", "discounted_price"]):
        result = run("equity", SCENARIO, *extra, env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= 80
    out = run("equity", SCENARIO, "--variant", "discounted_price", env={"COLUMNS": "80"}).stdout
    assert "Atkinson ε = 10.95" in out and "Kolm α = 0.15" in out
    assert "Equity impact (QALYs)" in out and "more health," in out and "less inequality" in out
    assert "imd1" in run("equity", SCENARIO, "--by-subgroup", env={"COLUMNS": "80"}).stdout


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_is_written(suffix, tmp_path):
    out = tmp_path / f"plane{suffix}"
    result = run("equity", SCENARIO, "--plot", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 5000
    assert f"wrote {out}" in result.stderr


def test_plane_figure_text_fits(tmp_path):
    """What was looked at (equity --plot on the discounted variant): two square panels titled by index and
    aversion, quadrant notes in the corners, the strategy labelled, nothing outside the figure."""
    from atmpcli.report.figures.equity_plane import draw_equity_plane

    result = atmpcli.load(SCENARIO, variant="discounted_price").results.equity()
    fig = draw_equity_plane(result)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    axes = fig.axes
    assert [ax.get_title(loc="left") for ax in axes] == ["Atkinson, ε = 10.95", "Kolm, α = 0.15"]
    assert axes[0].get_xlabel() == "Net health benefit (QALYs)"
    texts = [t for ax in axes for t in ax.texts]
    assert any("win-win" in t.get_text() for t in texts) and any(t.get_text() == "exa_cel" for t in texts)
    for t in texts:
        b = t.get_window_extent(renderer)
        assert box.x0 <= b.x0 and b.x1 <= box.x1 and box.y0 <= b.y0 and b.y1 <= box.y1, t.get_text()
    # the strategy sits in the win-win quadrant at its net health benefit and equity impact
    row = result.summary.iloc[0]
    (x, y), *_ = axes[0].collections[1].get_offsets()
    assert (x, y) == pytest.approx((row.net_health_benefit, row.equity_impact))
    assert x > 0 and y > 0


def _bad(tmp_path, old, new):
    text = BUNDLED.read_text()
    assert old in text
    (tmp_path / "scd_gene_therapy.yaml").write_text((BUNDLED.parent / "scd_gene_therapy.yaml").read_text())
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new))
    result = run("equity", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    return line.replace(str(path), "bad.yaml")


BAD = [
    (
        "population_share: 0.2, qale: 63.19885892",
        "population_share: 0.3, qale: 63.19885892",
        "error: bad.yaml:39:5: equity.subgroups: the subgroups' population_share values sum to 1.1, not 1",
    ),
    (
        "patients: 646, opportunity_cost_share: 0.14",
        "patients: 646",
        "error: bad.yaml:39:5: equity.subgroups: give opportunity_cost_share for every subgroup or none (missing: imd5)",
    ),
    (
        "opportunity_cost_share: 0.14}",
        "opportunity_cost_share: 0.15}",
        "error: bad.yaml:39:5: equity.subgroups: the subgroups' opportunity_cost_share values sum to 1.01, not 1",
    ),
    (
        "opportunity_cost_threshold: 15000",
        "opportunity_cost_threshold: cheap",
        "error: bad.yaml:31:31: equity.opportunity_cost_threshold: expected a number, got text 'cheap'",
    ),
    (
        "  patients: 50  # NHS England",
        "  # NHS England",
        "error: bad.yaml:27:1: equity: give patients (or settings.population)",
    ),
    (
        'imd3: {label: "IMD 3",',
        'imd3: {label: "IMD 3", colour: red,',
        "error: bad.yaml:41:28: equity.subgroups.imd3.colour: unknown key 'colour' (valid keys: label, "
        "population_share, qale, patients, uptake, effect, cost, opportunity_cost_share)",
    ),
    (
        "aversion: {atkinson: 10.95, kolm: 0.15}",
        "aversion: {atkinson: 10.95, kolm: 0.15}\n  opportunity_costs: per_capita",
        "error: bad.yaml:28:3: equity: opportunity_costs is per_capita but the subgroups give "
        "opportunity_cost_share: drop one",
    ),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_bad_input_one_line(tmp_path, old, new, message):
    assert _bad(tmp_path, old, new) == message


def test_scenario_without_equity_block():
    result = run("equity", "scd_gene_therapy")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("scd_gene_therapy.yaml:1:1: the scenario has no equity section "
                                          "(docs/decision-rules.md)")  # fmt: skip


def test_health_driven_below_zero_is_one_line():
    """Ten patients' costs displacing more QALYs than a population of 0.0001 people has: one line, exit 1."""
    toy = Path(__file__).parents[1] / "data" / "equity_toy.yaml"
    result = run("equity", str(toy), "--set", "equity.population=0.0001")
    assert result.exit_code == 1 and result.stdout == ""
    assert (
        result.stderr
        == "error: equity: new: the Atkinson EDE needs positive health in every subgroup after the change\n"
    )

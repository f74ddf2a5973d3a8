"""The CHEERS-style report contains every section it claims, with the model's numbers."""

from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.report.cheers_report import CHEERS_ITEMS

runner = CliRunner()


def test_markdown_report_has_all_cheers_items(tmp_path):
    path = tmp_path / "hiv.md"
    result = runner.invoke(app, ["report", "hiv_chancellor", "-o", str(path), "--psa-samples", "200"])
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert len(CHEERS_ITEMS) == 28
    positions = [text.index(f"## {item}") for item in CHEERS_ITEMS]
    assert positions == sorted(positions)  # all present, in CHEERS order
    assert "6,276" in text  # the ICER, rounded for people
    assert (tmp_path / "hiv_files" / "ce_plane.png").stat().st_size > 5000
    assert (tmp_path / "hiv_files" / "psa.png").exists()
    assert "CEAC" in text and "EVPI per person" in text


def test_html_report(tmp_path):
    path = tmp_path / "cart.html"
    result = runner.invoke(app, ["report", "cart_pediatric_all", "-o", str(path), "--no-figures"])
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert text.startswith("<!doctype html>") and "<table>" in text and "ILLUSTRATIVE" in text
    for item in CHEERS_ITEMS:
        assert f">{item}</h2>" in text
    assert not (tmp_path / "cart_files").exists()


def test_report_needs_md_or_html(tmp_path):
    assert runner.invoke(app, ["report", "hiv_chancellor", "-o", str(tmp_path / "r.pdf")]).exit_code == 2

"""The documentation stays true: its complete scenarios run and every output column is documented."""

import re

import pytest
from typer.testing import CliRunner

from atmpcli.analysis.compare import compare
from atmpcli.cli import app
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT, bundled

DOCS = [ROOT / "README.md", ROOT / "docs" / "scenario-format.md"]


def yaml_blocks():
    for doc in DOCS:
        for block in re.findall(r"```yaml\n(.*?)```", doc.read_text(), flags=re.S):
            if block.startswith("title:") and "strategies:" in block:
                yield pytest.param(block, id=f"{doc.name}:{block.splitlines()[0][:30]}")


@pytest.mark.parametrize("block", list(yaml_blocks()))
def test_complete_doc_scenarios_compare(block, tmp_path):
    path = tmp_path / "doc.yaml"
    path.write_text(block)
    result = CliRunner().invoke(app, ["compare", str(path), "-f", "csv"])
    assert result.exit_code == 0, result.stderr


def test_every_output_column_is_documented():
    text = (ROOT / "docs" / "output-format.md").read_text()
    for name in ("hiv_chancellor", "egfr_test_and_treat", "ipass_worked_example"):
        for column in compare(load_scenario(bundled(name))).columns:
            generic = re.sub(r"^(cost|nmb|nhb)_(?!undiscounted|vs|per).*", r"\1_<", column)
            generic = re.sub(r"^nonresponder_spend_(?!per).*", "nonresponder_spend_<", generic)
            assert f"`{column}`" in text or f"`{generic}" in text, column


def test_readme_mentions_every_bundled_scenario():
    readme = (ROOT / "README.md").read_text()
    for path in (ROOT / "atmpcli" / "scenarios").glob("*.yaml"):
        assert f"`{path.stem}`" in readme, path.stem


def test_cli_reference_is_current():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_cli_docs.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, "docs/cli.md is out of date: run python tools/gen_cli_docs.py"


def test_every_command_is_documented():
    from atmpcli.commands.registry import COMMANDS

    text = (ROOT / "docs" / "cli.md").read_text()
    for name in COMMANDS:
        assert f"## `atmpcli {name}" in text, name  # `atmpcli survival fit` for the survival group


def test_columns_and_measures_of_every_result_are_documented():
    """The main table of each result names only documented columns (and, for the PSA, measures)."""
    import atmpcli
    from atmpcli.analysis.dominance_and_icers import ICER_COLUMNS
    from atmpcli.analysis.dsa import ONE_WAY_COLUMNS, TWO_WAY_COLUMNS
    from atmpcli.analysis.threshold import THRESHOLD_COLUMNS

    text = (ROOT / "docs" / "output-format.md").read_text()
    prose = " ".join(re.sub(r"```.*?```", "", text, flags=re.S).split())  # without the example blocks
    spans = re.findall(r"`([^`]+)`", prose)  # every name written as code, `a, b, c` too
    documented = {name.strip() for span in spans for name in span.split(",")}
    model = atmpcli.load("sick_sicker")
    columns = [*ICER_COLUMNS, *ONE_WAY_COLUMNS, *TWO_WAY_COLUMNS, *THRESHOLD_COLUMNS]
    for frame in (model.trace(), model.compare(long=True), model.show(), model.variants()):
        columns += [c for c in frame.columns if not c.startswith("nmb_")]
    for column in columns:
        assert column in documented, column
    from atmpcli.analysis.survival_checks import SURVIVAL_CHECK_COLUMNS

    evsi = model.evsi("normal:u_S1", [25], [120000], samples=60, sd=0.2, population=1000, study_costs=(1e4, 10, 0))
    for column in [*evsi.columns, *SURVIVAL_CHECK_COLUMNS]:
        assert column in documented, column
    psa = model.psa(samples=30, evppi=[["c_trtA"]], population=1000)
    for measure in [*dict.fromkeys(psa["measure"]), *dict.fromkeys(evsi["measure"])]:
        stem = measure.rsplit("_", 1)[0] if measure.startswith(("inc_cost_", "inc_effect_")) else measure
        assert measure in documented or f"{stem}_*" in documented, measure

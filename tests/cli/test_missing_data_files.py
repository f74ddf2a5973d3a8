"""A data file the scenario names but that is missing is reported at the scenario's key (file, line,
column, field), as a look-up file already was; the reader's own error named the CSV alone."""

from pathlib import Path

from typer.testing import CliRunner

from atmpcli.cli import app
from tests.conftest import bundled


def test_missing_life_table_and_patient_data_are_located_in_the_scenario(tmp_path: Path):
    path = tmp_path / "cll8.yaml"
    path.write_text(bundled("cll8_fcr_psm").read_text())  # without its CSV files alongside
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors and all(line.startswith(f"error: {path}:") for line in errors), result.stderr
    assert any(
        f"general_population.life_table: life table {tmp_path / 'england_life_table_2017_19.csv'} not found" in line
        for line in errors
    )
    assert any(f"patient data file {tmp_path / 'cll8_os_fc_ipd.csv'} not found" in line for line in errors)

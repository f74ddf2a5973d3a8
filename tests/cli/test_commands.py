"""CLI behaviour on good input: parseable stdout, quiet stderr, documented columns."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from atmpcli import __version__
from atmpcli.cli import app
from tests.conftest import SCENARIOS

runner = CliRunner()
BUNDLED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def run(*args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result


def test_compare_csv_is_parseable_and_unrounded():
    out = run("compare", "hiv_chancellor", "--format", "csv").stdout
    df = pd.read_csv(io.StringIO(out))
    assert list(df["strategy"]) == ["monotherapy", "combination"]
    assert df.loc[1, "icer"] == pytest.approx(6275.9556, rel=1e-8)
    assert df.loc[0, "cost"] == pytest.approx(44663.4535637, rel=1e-11)  # full precision, not rounded
    for col in ("cost_medical", "cost_community", "cost_drug", "life_years_undiscounted", "nmb_20000", "nhb_30000"):
        assert col in df.columns


def test_compare_json_shape():
    doc = json.loads(run("compare", "sick_sicker", "--format", "json").stdout)
    assert doc["scenario"]["name"] == "sick_sicker"
    assert doc["settings"]["effect"] == "qalys" and doc["settings"]["wtp"] == [50000, 100000, 150000]
    assert doc["comparator"] == "SoC" and doc["frontier"] == ["SoC", "B", "AB"]
    a = next(s for s in doc["strategies"] if s["strategy"] == "A")
    assert a["status"] == "D" and a["icer"] is None  # undefined ICERs are null, never NaN
    assert set(doc["columns"]) == set(a)


def test_wtp_option_replaces_the_scenario_thresholds():
    df = pd.read_csv(
        io.StringIO(run("compare", "sick_sicker", "-f", "csv", "--wtp", "80000", "--wtp", "120000").stdout)
    )
    assert [c for c in df.columns if c.startswith("nmb_")] == ["nmb_80000", "nmb_120000"]
    best_80k = df.loc[df["nmb_80000"].idxmax(), "strategy"]
    best_120k = df.loc[df["nmb_120000"].idxmax(), "strategy"]
    assert (best_80k, best_120k) == ("B", "B")  # B's ICER is 72,988 and AB's 125,764
    soc = df.set_index("strategy").loc["SoC"]
    assert soc["nmb_80000"] == pytest.approx(80000 * soc["qalys"] - soc["cost"])


def test_per_cohort_scales_costs_and_effects_not_icers():
    person = pd.read_csv(io.StringIO(run("compare", "heemod_intro", "-f", "csv").stdout))
    cohort = pd.read_csv(io.StringIO(run("compare", "heemod_intro", "-f", "csv", "--per", "cohort").stdout))
    assert cohort.loc[0, "cost"] == pytest.approx(1000 * person.loc[0, "cost"])
    icers = pd.read_csv(io.StringIO(run("compare", "sick_sicker", "-f", "csv", "--per", "cohort").stdout))
    assert icers.set_index("strategy").loc["B", "icer"] == pytest.approx(72987.6360666531)


def test_table_output_names_currency_and_strategies():
    out = run("compare", "cart_pediatric_all").stdout
    assert "(USD)" in out and "ILLUSTRATIVE" in out and "frontier" in out


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_compares_and_validates(name):
    assert run("compare", name).stdout
    assert (
        run("validate", name).stdout
        == f"ok: {name} ({len(json.loads(run('compare', name, '-f', 'json').stdout)['strategies'])} strategies)\n"
    )


def test_list_scenarios_formats(tmp_path: Path):
    rows = pd.read_csv(io.StringIO(run("list-scenarios", "--format", "csv").stdout))
    assert sorted(rows["name"]) == BUNDLED
    assert set(rows["origin"]) == {"bundled"}
    doc = json.loads(run("list-scenarios", "--format", "json").stdout)
    hiv = next(s for s in doc["scenarios"] if s["name"] == "hiv_chancellor")
    assert hiv["strategies"] == ["monotherapy", "combination"] and hiv["illustrative"] is False
    assert len(hiv["sources"]) == 3
    assert "hiv_chancellor" in run("list-scenarios").stdout


def test_list_scenarios_with_dir_and_environment(tmp_path: Path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my_model.yaml").write_text(
        (SCENARIOS / "heemod_intro.yaml").read_text().replace("name: heemod_intro", "name: my_model")
    )
    by_dir = pd.read_csv(io.StringIO(run("list-scenarios", "--dir", str(mine), "-f", "csv").stdout))
    assert by_dir.set_index("name").loc["my_model", "origin"] == "--dir"
    env = {"ATMPCLI_SCENARIO_PATH": str(mine)}
    by_env = pd.read_csv(io.StringIO(run("list-scenarios", "-f", "csv", env=env).stdout))
    assert by_env.set_index("name").loc["my_model", "origin"] == "ATMPCLI_SCENARIO_PATH"
    # names resolve through the path too
    assert "heemod introduction" in run("compare", "my_model", env=env).stdout


def test_list_scenarios_skips_invalid_files_with_a_warning(tmp_path: Path):
    (tmp_path / "broken.yaml").write_text("title: [\n")
    result = runner.invoke(app, ["list-scenarios", "--dir", str(tmp_path), "-f", "csv"])
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: skipped invalid scenario:")


def test_validate_many_files_reports_each(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\n")
    result = runner.invoke(app, ["validate", "hiv_chancellor", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == "ok: hiv_chancellor (2 strategies)\n"
    assert "1 of 2 file(s) invalid" in result.stderr


def test_version():
    assert run("--version").stdout == f"atmpcli {__version__}\n"


def test_bad_wtp_is_a_usage_error():
    result = runner.invoke(app, ["compare", "hiv_chancellor", "--wtp", "-5"])
    assert result.exit_code == 2


def _cli(*args: str, **kw):
    return subprocess.run([sys.executable, "-m", "atmpcli", *args], capture_output=True, text=True, **kw)


def test_help_in_a_subprocess_lists_commands_and_examples():
    result = _cli("--help")
    assert result.returncode == 0
    for word in ("compare", "list-scenarios", "validate", "Examples"):
        assert word in result.stdout


def test_closed_pipe_ends_quietly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "atmpcli", "compare", "sick_sicker", "-f", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -n 1`
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_start_up_does_not_import_heavy_modules():
    code = "import sys, atmpcli.cli; print(','.join(m for m in ('numpy', 'pandas', 'pydantic', 'yaml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_debug_shows_tracebacks(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\n")
    result = _cli("--debug", "compare", str(bad))
    assert result.returncode != 0 and "Traceback" in result.stderr
    quiet = _cli("compare", str(bad))
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr


def test_no_color_environment_keeps_tables_plain():
    result = _cli("compare", "hiv_chancellor", env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": ""})
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout

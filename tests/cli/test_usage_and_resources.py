"""Option errors as one line (exit 2), and requests beyond the memory budget refused up front (exit 1)."""

import re

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from tests.conftest import bundled

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "heemod_intro", "--frobnicate"], "No such option: --frobnicate"),
        (["compare"], "Missing argument 'SCENARIO'."),
        (["comapre"], "No such command 'comapre'. Did you mean 'compare'?"),
        (["psa", "sick_sicker", "--samples", "many"], "Invalid value for '--samples' / '-n'"),
        (["psa", "sick_sicker", "--samples", "0"], "Invalid value for '--samples' / '-n'"),
        (["psa", "sick_sicker", "--seed", "-1"], "Invalid value for '--seed'"),
        (["compare", "heemod_intro", "--wtp", "nan"], "Invalid value for '--wtp': nan is not a finite number"),
        (["psa", "sick_sicker", "--population", "inf"], "Invalid value for '--population': inf is not a finite number"),
        (
            ["threshold", "sick_sicker", "-p", "c_trtB", "--low", "nan"],
            "Invalid value for '--low': nan is not a finite",
        ),
        (["psa", "sick_sicker", "--wtp-grid", "0:inf:1"], "expected finite 0 <= START <= STOP and a positive STEP"),
        (["psa", "sick_sicker", "--wtp-grid", "0:1e9:1"], "1,000,000,001 thresholds; at most 1,000,000"),
        (["psa", "sick_sicker", "--wtp-grid", "0:1e300:1e-300"], "too many thresholds; at most 1,000,000"),
        (["compare", "sick_sicker", "--memory", "lots"], "expected a size such as 512MiB or 2GiB, got 'lots'"),
        (["compare", "sick_sicker", "--max-file-size", "0"], "expected a positive size, got '0'"),
        (["compare", "sick_sicker", "--set", "c_trtA=\x1b[2J"], "the control character U+001B (ESC) is not allowed"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and message in line
    assert line.endswith(f"(see 'atmpcli {args[0]} --help')" if args[0] != "comapre" else "(see 'atmpcli --help')")
    assert "\x1b" not in line


def test_error_lines_never_carry_control_characters():
    result = runner.invoke(app, ["compare", "heemod_intro", "--variant", "\x1b[2Jx"])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\\x1b[2Jx" in result.stderr


def test_help_and_version_still_exit_0():
    assert runner.invoke(app, ["--help"]).exit_code == 0
    assert runner.invoke(app, ["psa", "--help"]).exit_code == 0
    assert runner.invoke(app, ["--version"]).exit_code == 0


ESTIMATE = re.compile(r"needs about [\d.]+ (GiB|MiB) of memory; --memory is (1 GiB|\d+ MiB)\n$")


def test_too_many_samples_are_refused_before_any_work():
    path = bundled("sick_sicker")
    result = runner.invoke(app, ["psa", "sick_sicker", "--samples", "100000000"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: this PSA (100,000,000 samples, 3 thresholds) needs about ")
    assert ESTIMATE.search(result.stderr)


def test_a_lower_budget_runs_in_smaller_chunks_with_the_same_results_or_is_refused():
    # sick_sicker: 75 cycles, 4 states; one block of 8,192 samples needs about 36 MiB (model_bytes), so
    # 10 MiB evaluates 1,024 samples at a time (the largest power-of-two fraction of a block within 5 MiB)
    args = ["psa", "sick_sicker", "-n", "10000", "-f", "csv"]
    default, small = runner.invoke(app, args), runner.invoke(app, [*args, "--memory", "10MiB"])
    assert default.exit_code == small.exit_code == 0, small.stderr
    assert small.stdout == default.stdout  # chunks tile the sampler's blocks: bit-identical draws and results
    # the per-sample results alone (8 bytes x 10,000 x 4 strategies x 6 arrays, 1.8 MiB) do not fit 1 MiB
    refused = runner.invoke(app, [*args, "--memory", "1MiB"])
    assert refused.exit_code == 1 and ESTIMATE.search(refused.stderr), refused.stderr


def test_a_model_too_large_for_the_budget_is_refused_at_its_tunnel(write_scenario):
    text = bundled("heemod_intro").read_text()
    assert "cycles: 10" in text
    path = write_scenario(text.replace("cycles: 10", "cycles: 100000"))
    ok = runner.invoke(app, ["compare", str(path), "-f", "csv"])
    assert ok.exit_code == 0, ok.stderr
    # 2 states, 100,001 time points (analysis/memory_estimate.py, model_bytes): 8 bytes x (4 transition
    # entries + 4 state values + 7 x 2 state vectors + 100,001 x (2 states + 3 amounts)) = 4,000,216 bytes, 3.8 MiB
    refused = runner.invoke(app, ["compare", str(path), "--memory", "2MiB"])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: {path}:")
    assert refused.stderr.endswith(
        "settings.cycles: the model (2 states with tunnels expanded, 100,000 cycles) needs about 3.8 MiB of memory; "
        "--memory is 2 MiB\n"
    )


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["report", "sick_sicker", "-o", "r.md", "--psa-samples", "50000000"], "the report's PSA (50,000,000 samples)"),
        (["evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "--samples", "50000000"],
         "this EVSI's PSA (50,000,000 samples)"),
    ],
)  # fmt: skip
def test_other_analyses_are_sized_too(args, what, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*args, "--memory", "10MiB"])
    assert result.exit_code == 1, result.stderr
    assert f": {what} needs about " in result.stderr and ESTIMATE.search(result.stderr)
    assert not (tmp_path / "r.md").exists()

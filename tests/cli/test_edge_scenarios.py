"""Every analysis command on the smallest scenarios: no thresholds, no comparator, one strategy, one state,
a tunnel state nobody enters. Each ends with results (exit 0) or, where the analysis cannot apply, one
usage line (exit 2); never a crash."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app

runner = CliRunner()

BASE = """\
title: Edge
currency: EUR
settings:
  cycles: 5
  discount: 0.03
parameters:
  p_sick: {value: 0.1, distribution: {type: beta, se: 0.02}, low: 0.05, high: 0.2}
  c_sick: {value: 1000, distribution: {type: gamma, se: 100}}
  c_new: {value: 500, distribution: {type: gamma, se: 50}}
states:
  well: {costs: {care: 0}, utility: 1}
  sick: {costs: {care: c_sick}, utility: 0.6}
  dead: {alive: false}
transitions:
  well: {well: rest, sick: p_sick, dead: 0.01}
  sick: {sick: rest, dead: 0.2}
  dead: {dead: 1}
strategies:
  usual: {label: Usual care}
  new: {parameters: {p_sick: 0.05}, tree: {costs: {drug: c_new}, branches: [{name: all, p: 1, state: well}]}}
budget_impact:
  incident: 100
  current: {usual: 1}
  new: {new: 0.5}
variants:
  cheap: {parameters: {c_new: 100}}
"""

ONE_STATE = """\
title: One state
currency: EUR
settings: {cycles: 5, wtp: [20000]}
parameters:
  c_care: {value: 1000, distribution: {type: gamma, se: 100}, low: 500, high: 1500}
  c_new: {value: 500, distribution: {type: gamma, se: 50}}
states:
  alive: {costs: {care: c_care}, utility: 0.8}
transitions:
  alive: {alive: 1}
strategies:
  usual: {label: Usual care}
  new: {tree: {costs: {drug: c_new}, qalys: 0.1, branches: [{name: all, p: 1, state: alive}]}}
budget_impact: {incident: 100, current: {usual: 1}, new: {new: 0.5}}
"""

SCENARIOS = {
    # BASE has no settings.wtp and no comparator key: the first strategy is the comparator
    "no_thresholds_no_comparator": BASE,
    "one_strategy": BASE.replace(
        "  new: {parameters: {p_sick: 0.05}, tree: {costs: {drug: c_new}, branches: [{name: all, p: 1, state: well}]}}\n",
        "",
    )
    .replace("  new: {new: 0.5}\n", "  new: {usual: 1}\n")
    .replace("  cheap: {parameters: {c_new: 100}}", "  cheap: {parameters: {c_sick: 100}}"),
    "one_state": ONE_STATE,
    "unentered_tunnel": BASE.replace(
        "  dead: {alive: false}",
        "  dead: {alive: false}\n  relapse: {tunnel_cycles: 3, costs: {care: 'ifelse(state_time == 1, 5000, 100)'}}",
    ).replace(
        "  dead: {dead: 1}", "  dead: {dead: 1}\n  relapse: {relapse: rest, dead: 'ifelse(state_time >= 2, 0.3, 0.1)'}"
    ),
}

COMMANDS = {
    "compare": ["compare", "S", "-f", "csv"],
    "compare_plot": ["compare", "S", "--plot", "OUT/c.png", "-f", "json"],
    "validate": ["validate", "S"],
    "show": ["show", "S", "-f", "csv"],
    "variants": ["variants", "S", "-f", "csv"],
    "budget": ["budget-impact", "S", "--plot", "OUT/b.png", "-f", "csv"],
    "psa": ["psa", "S", "-n", "64", "-f", "csv"],
    "psa_plot_evppi": ["psa", "S", "-n", "64", "--plot", "OUT/p.png", "--evppi", "c_new", "-o", "OUT/p.xlsx"],
    "psa_wtp": ["psa", "S", "-n", "64", "--wtp-grid", "0:50000:25000", "-f", "json"],
    "dsa": ["dsa", "S", "-f", "csv"],
    "dsa_wtp": ["dsa", "S", "--wtp", "20000", "--plot", "OUT/t.png", "-f", "csv"],
    "dsa_two_way": ["dsa", "S", "--wtp", "20000", "--two-way", "c_new,c_sick", "--steps", "3", "-f", "csv"],
    "threshold": ["threshold", "S", "-p", "c_new", "-f", "csv"],
    "threshold_wtp": ["threshold", "S", "-p", "c_new", "--wtp", "20000", "-f", "csv"],
    "report": ["report", "S", "-o", "OUT/r.html", "--psa-samples", "64"],
    "list": ["list-scenarios", "--dir", "OUT", "-f", "csv"],
    "trace": ["trace", "S", "-f", "csv"],
    "workbook": ["workbook", "S", "-o", "OUT/w.xlsx"],
    "evsi": ["evsi", "S", "--study", "gamma:c_sick", "--size", "10,50", "-n", "200", "--wtp", "20000", "-f", "csv"],
}


def expected_exit(scenario: str, command: str) -> int:
    needs_two = command.startswith(("dsa", "threshold"))
    if needs_two and scenario == "one_strategy":
        return 2  # a sensitivity analysis compares strategies
    if command in ("dsa", "threshold", "psa_plot_evppi") and scenario != "one_state":
        return 2  # no threshold in the scenario and none given (EVPPI is per threshold)
    return 0


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_command_on_edge_scenarios(scenario, command, tmp_path: Path):
    path = tmp_path / f"{scenario}.yaml"
    path.write_text(SCENARIOS[scenario])
    args = [str(path) if a == "S" else a.replace("OUT", str(tmp_path)) for a in COMMANDS[command]]
    if scenario == "one_state":  # its parameters are c_care and c_new
        args = [a.replace("c_sick", "c_care") for a in args]
    if scenario == "one_strategy":  # without the new strategy, c_new is not used
        args = [a.replace("c_new", "c_sick") for a in args]
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == expected_exit(scenario, command), result.stderr
    # warnings, and threshold's one line saying which strategy's price it asks
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("warning: ", "threshold for "))]
    if result.exit_code == 2:
        assert len(lines) == 1 and lines[0].startswith("error: ") and "--help')" in lines[0]
        return
    assert all(line.startswith("wrote ") for line in lines), result.stderr
    assert result.stdout or "wrote" in result.stderr


def test_psa_without_thresholds_gives_means_and_intervals(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    result = runner.invoke(app, ["psa", str(path), "-n", "200", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    measures = {line.split(",")[0] for line in result.stdout.splitlines()[1:]}
    assert measures == {
        f"{m}_{s}" for m in ("cost", "effect", "inc_cost", "inc_effect") for s in ("mean", "sd", "low", "high")
    } | {"icer_of_means"}  # no prob_cost_effective, expected_nmb or evpi rows: they are per threshold


@pytest.mark.parametrize("cycles", ["0", "1"])
def test_tunnel_of_fewer_than_two_cycles_is_one_line(tmp_path: Path, cycles):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("utility: 0.6}", f"utility: 0.6, tunnel_cycles: {cycles}}}"))
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}:12:62: states.sick.tunnel_cycles: Input should be greater than or equal to 2\n"
    )

"""Model sanity: utilities in range, death absorbing (errors); unreachable states, unused parameters (warnings)."""

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.errors import ScenarioError
from atmpcli.scenario.compile import load_scenario
from tests.conftest import SCENARIOS

BASE = """\
title: Sanity
currency: EUR
settings:
  cycles: 4
parameters:
  p_sick: 0.1
  u_sick: 0.6
states:
  well: {utility: 1}
  sick: {utility: u_sick}
  dead: {alive: false}
transitions:
  well: {well: rest, sick: p_sick, dead: 0.01}
  sick: {sick: rest, dead: 0.2}
  dead: {dead: 1}
strategies:
  usual: {label: Usual care}
  new: {parameters: {p_sick: 0.05}}
"""


def error(write_scenario, text: str) -> str:
    path = write_scenario(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(err.value.problems) == 1
    return str(err.value.problems[0]).replace(f"{path}:", "")


@pytest.mark.parametrize(
    ("utility", "message"),
    [
        ("7", "utility 7 is above 1 (full health)"),
        ("-5", "utility -5 is below -1 (the floor)"),
        ("'ifelse(cycle >= 3, 1.2, 0.6)'", "utility 1.2 is above 1 (full health) in some cycles"),
    ],
)
def test_utilities_beyond_the_range_are_errors(write_scenario, utility, message):
    text = BASE.replace("  u_sick: 0.6", f"  u_sick: {utility}")
    # located at the state's utility (line 10, column 19), where the value is used
    assert error(write_scenario, text) == (
        f"10:19: states.sick.utility: {message}; if that is meant, widen settings.utility_range, now [-1, 1]"
        " (strategy usual)"
    )


def test_a_strategy_override_is_checked_too(write_scenario):
    text = BASE.replace("{parameters: {p_sick: 0.05}}", "{parameters: {p_sick: 0.05, u_sick: -1.5}}")
    assert error(write_scenario, text).endswith(
        "utility -1.5 is below -1 (the floor); if that is meant, widen "
        "settings.utility_range, now [-1, 1] (strategy new)"
    )


def test_a_declared_range_allows_more(write_scenario):
    # a state that counts a mother and her child may be worth up to 2 QALYs a year
    text = BASE.replace("  u_sick: 0.6", "  u_sick: 1.8").replace(
        "  cycles: 4", "  cycles: 4\n  utility_range: [-1, 2]"
    )
    assert load_scenario(write_scenario(text)).warnings == []
    worse = text.replace("  u_sick: 1.8", "  u_sick: 2.5")
    assert "utility 2.5 is above 2; if that is meant, widen settings.utility_range, now [-1, 2]" in error(
        write_scenario, worse
    )
    backwards = text.replace("[-1, 2]", "[1, -1]")
    assert "utility_range is [lowest, highest]" in error(write_scenario, backwards)


def test_per_cycle_utilities_are_checked_per_cycle(write_scenario):
    # monthly cycles with values per cycle: 0.8 per cycle would be 9.6 QALYs a year (heemod's classic slip)
    text = BASE.replace("  cycles: 4", "  cycles: 4\n  cycle_length: 0.25\n  state_values_per: cycle")
    text = text.replace("  well: {utility: 1}", "  well: {utility: 0.25}").replace("  u_sick: 0.6", "  u_sick: 0.8")
    assert error(write_scenario, text) == (
        "12:19: states.sick.utility: utility 0.8 is above 0.25 (full health over a cycle of 0.25 years, as "
        "state_values_per is cycle); if that is meant, widen settings.utility_range, now [-1, 1] per year "
        "(strategy usual)"
    )
    assert load_scenario(write_scenario(text.replace("  u_sick: 0.8", "  u_sick: 0.15"))).warnings == []


@pytest.mark.parametrize(
    ("row", "moves"),
    [("{dead: rest, well: 0.5}", "0.5 to well"), ("{well: 1}", "1 to well"), ("{well: rest}", "1 to well")],
)
def test_death_must_be_absorbing(write_scenario, row, moves):
    text = BASE.replace("  dead: {dead: 1}", f"  dead: {row}")
    assert error(write_scenario, text) == (
        f"15:9: transitions.dead: state 'dead' has alive: false (death), so nobody may leave it, but its row "
        f"moves {moves}; make the row 'dead: {{dead: 1}}' or remove alive: false (strategy usual)"
    )


def warnings(write_scenario, text: str) -> list[str]:
    path = write_scenario(text)
    return [str(w).replace(f"{path}:", "") for w in load_scenario(path).warnings]


def test_unreachable_states_and_unused_parameters_are_warnings(write_scenario):
    text = BASE.replace("  dead: {alive: false}", "  dead: {alive: false}\n  limbo: {utility: 0.5}")
    text = text.replace("  dead: {dead: 1}", "  dead: {dead: 1}\n  limbo: {limbo: rest, dead: 0.1}")
    text = text.replace("  u_sick: 0.6", "  u_sick: 0.6\n  c_forgotten: 100\n  c_feeds_forgotten: 'c_forgotten * 2'")
    assert warnings(write_scenario, text) == [
        "14:3: states.limbo: state 'limbo' cannot be reached: no strategy starts in it and no transition leads to it",
        "8:3: parameters.c_forgotten: parameter 'c_forgotten' is never used",
        "9:3: parameters.c_feeds_forgotten: parameter 'c_feeds_forgotten' is never used",
    ]


def test_reach_counts_starts_trees_and_every_strategy(write_scenario):
    # limbo is reached only by the new strategy's tree; p_only_new is used only by its override
    text = BASE.replace("  dead: {alive: false}", "  dead: {alive: false}\n  limbo: {utility: 0.5}")
    text = text.replace("  dead: {dead: 1}", "  dead: {dead: 1}\n  limbo: {limbo: rest, dead: 0.1}")
    text = text.replace(
        "  new: {parameters: {p_sick: 0.05}}",
        "  new:\n    parameters: {p_sick: p_only_new}\n"
        "    tree: {branches: [{name: a, p: 0.5, state: limbo}, {name: b, p: rest, state: well}]}",
    )
    text = text.replace("  u_sick: 0.6", "  u_sick: 0.6\n  p_only_new: 0.05")
    assert warnings(write_scenario, text) == []
    zero = text.replace("p: 0.5, state: limbo", "p: 0, state: limbo")  # a branch of probability 0 reaches nothing
    assert warnings(write_scenario, zero)[0].startswith("13:3: states.limbo: state 'limbo' cannot be reached")


def test_a_parameter_completing_a_dirichlet_group_is_used(write_scenario):
    text = BASE.replace("  p_sick: 0.1", "  p_sick: 0.1\n  p_stay: 0.89\n  p_die: 0.01")
    text = (
        text.replace("dead: 0.01}", "dead: p_die}")
        + "dirichlet:\n  - {parameters: [p_stay, p_sick, p_die], alpha: [89, 10, 1]}\n"
    )
    assert warnings(write_scenario, text) == []


def test_strict_makes_warnings_errors_on_the_command_line(write_scenario):
    path = write_scenario(BASE.replace("  u_sick: 0.6", "  u_sick: 0.6\n  c_forgotten: 100"))
    result = CliRunner().invoke(app, ["compare", str(path), "-f", "csv"])
    assert result.exit_code == 0
    assert result.stderr == f"warning: {path}:8:3: parameters.c_forgotten: parameter 'c_forgotten' is never used\n"
    quiet = CliRunner().invoke(app, ["--quiet", "compare", str(path), "-f", "csv"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    strict = CliRunner().invoke(app, ["compare", str(path), "--strict"])
    assert strict.exit_code == 1 and strict.stdout == ""
    assert strict.stderr == f"error: {path}:8:3: parameters.c_forgotten: parameter 'c_forgotten' is never used\n"
    variants = CliRunner().invoke(app, ["variants", str(path), "-f", "csv"])
    assert variants.stderr.count("warning:") == 1  # once per command, however often the scenario is loaded


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_bundled_scenarios_are_sane_and_silent(name):
    assert load_scenario(SCENARIOS / f"{name}.yaml", strict=True).warnings == []


def test_the_api_keeps_warnings_and_can_be_strict(write_scenario):
    import atmpcli

    path = write_scenario(BASE.replace("  u_sick: 0.6", "  u_sick: 0.6\n  c_forgotten: 100"))
    assert atmpcli.load(path).warnings == [f"{path}:8:3: parameters.c_forgotten: parameter 'c_forgotten' is never used"]
    with pytest.raises(ScenarioError, match="never used"):
        atmpcli.load(path, strict=True)

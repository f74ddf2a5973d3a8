"""Path values in decision trees (``set:``): where they apply, and one clear line for each misuse."""

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from atmpcli.analysis.compare import compare
from atmpcli.cli import app
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT

BASE = """\
title: Path values
currency: EUR
parameters:
  p_a: 0.3
  u_a: 0.8
  f: 0.5
tree:
  set: {k: 1}
  branches:
    - name: a
      p: p_a
      set: {k: k * f}
      branches:
        - {name: a1, p: 0.5, qalys: u_a * k}
        - {name: a2, p: rest, qalys: k}
    - {name: b, p: rest, qalys: k}
strategies:
  usual: {label: Usual}
  new: {parameters: {f: 0.9}}
"""


def test_values_multiply_down_the_path_and_follow_strategy_parameters(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    rows = {r["strategy"]: r["qalys"] for r in compare(load_scenario(path)).rows}
    # by hand: p_a * f * (0.5 * u_a + 0.5) + (1 - p_a) * 1
    assert rows["usual"] == pytest.approx(0.3 * 0.5 * 0.9 + 0.7, abs=1e-15)
    assert rows["new"] == pytest.approx(0.3 * 0.9 * 0.9 + 0.7, abs=1e-15)


def test_a_branch_probability_sees_the_path_above_not_its_own_values(tmp_path: Path):
    path = tmp_path / "s.yaml"
    text = BASE.replace(
        "- name: a\n      p: p_a\n      set: {k: k * f}", "- name: a\n      p: k * p_a\n      set: {k: 2}"
    )
    path.write_text(text.replace("qalys: u_a * k}", "qalys: u_a * k / 2}"))
    rows = {r["strategy"]: r["qalys"] for r in compare(load_scenario(path)).rows}
    assert rows["usual"] == pytest.approx(0.3 * (0.5 * 0.8 + 0.5 * 2) + 0.7, abs=1e-15)  # p(a) = 1 * p_a


CASES = {
    "unknown_name": (
        "qalys: k}\nstrategies",
        "qalys: kk}\nstrategies",
        "16:33: tree.branches[1].qalys: unknown name 'kk': neither a parameter nor a path value set on this branch "
        "or above",
    ),
    "set_on_a_sibling": (
        "  set: {k: 1}\n",
        "",
        "15:33: tree.branches[1].qalys: 'k' is a path value (set on line 11); only the payoffs of the branch that "
        "sets it and the branches below it can use it",
    ),
    "self_reference_with_nothing_above": (
        "  set: {k: 1}\n",
        "",
        "11:16: tree.branches[0].set.k: 'k' refers to the value of k on the path above, but no branch above sets it",
    ),
    "same_set": (
        "set: {k: k * f}",
        "set: {j: f, k: k * j}",
        "12:22: tree.branches[0].set.k: 'j' is set in the same set: mapping; its formulas are evaluated together, "
        "with the values of the path above (set it on a branch above to use it here)",
    ),
    "parameter_name": (
        "set: {k: k * f}",
        "set: {k: k * f, u_a: 0.5}",
        "12:23: tree.branches[0].set.u_a: 'u_a' is a parameter; give the path value a name of its own "
        "(a parameter's formula is not evaluated again below a branch)",
    ),
    "not_used_below": (
        "{name: b, p: rest, qalys: k}",
        "{name: b, p: rest, qalys: k, set: {z: 2}}",
        "16:42: tree.branches[1].set.z: path value 'z' is not used by this branch's payoffs nor by any branch below "
        "it; set it on the branch whose subtree uses it",
    ),
    "outside_the_tree": (
        "  f: 0.5\n",
        "  f: 0.5\n  g: k\n",
        "7:6: parameters.g: 'k' is a path value (set on line 9); only the payoffs of the branch that sets it and "
        "the branches below it can use it",
    ),
    "reserved_name": (
        "set: {k: k * f}",
        "set: {k: k * f, cycle: 2}",
        "12:23: tree.branches[0].set.cycle: 'cycle' is reserved; choose another path value name",
    ),
    "not_a_mapping": (
        "set: {k: k * f}",
        "set: k * f",
        "12:12: tree.branches[0].set: expected a mapping, got text 'k * f'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_misused_path_values_get_one_clear_line(tmp_path: Path, case: str):
    old, new, expected = CASES[case]
    assert old in BASE
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace(old, new, 1))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"error: {path}:{expected}" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_a_probability_out_of_range_through_a_path_value_names_the_branch(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("{name: a1, p: 0.5,", "{name: a1, p: 3 * k,"))
    result = CliRunner().invoke(app, ["compare", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}:14:25: tree.branches[0].branches[0].p: probability 1.5 is outside [0, 1] (strategy usual)\n"
    )  # k = 1 * f = 0.5 on branch a


def test_psa_and_dsa_vary_what_the_path_values_use(tmp_path: Path):
    from atmpcli.analysis.psa import run_psa

    path = tmp_path / "s.yaml"
    uncertain = "  f: {value: 0.5, distribution: {type: beta, se: 0.1}, low: 0.3, high: 0.7}\n"
    path.write_text(
        BASE.replace("  f: 0.5\n", uncertain).replace("  new: {parameters: {f: 0.9}}\n", "  new: {label: New}\n")
    )
    psa = run_psa(load_scenario(path), 200, seed=3, keep_draws=True)
    f = psa.draws["f"]
    assert np.ptp(f) > 0.1
    by_hand = 0.3 * f * 0.9 + 0.7  # p_a * f * (0.5 * u_a + 0.5) + (1 - p_a)
    np.testing.assert_allclose(psa.effects[:, psa.strategies.index("usual")], by_hand, rtol=0, atol=1e-14)
    result = CliRunner().invoke(app, ["dsa", str(path), "--outcome", "inc_effect", "--wtp", "1", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    assert "f," in result.stdout


def test_a_mistake_in_a_subtree_repeated_by_an_alias_is_said_once(tmp_path: Path):
    text = (ROOT / "scenarios" / "doubilet_hse.yaml").read_text()
    old = "{name: mild, p: rest, qalys: u_mild * u_seq}"
    assert old in text
    path = tmp_path / "d.yaml"
    path.write_text(text.replace(old, "{name: mild, p: rest, qalys: u_mild * u_seq, set: {zz: 1}}"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "path value 'zz' is not used" in errors[0]  # 16 uses of the subtree

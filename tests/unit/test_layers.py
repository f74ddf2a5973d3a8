"""The engine and the analyses stand on their own: they load no YAML, pydantic or scenario module, work on a
plain DecisionModel, and report errors with a logical location that the scenario layer maps to the file."""

import dataclasses
import pickle
import pkgutil
import subprocess
import sys

import pytest
from numpy.testing import assert_array_equal
from pandas.testing import assert_frame_equal

import atmpcli.analysis
import atmpcli.model
from atmpcli.analysis.compare import compare
from atmpcli.analysis.dsa import one_way, ranges
from atmpcli.analysis.psa import run_psa
from atmpcli.analysis.threshold import threshold
from atmpcli.errors import ModelError, Problem, ScenarioError
from atmpcli.model.decision_model import DecisionModel
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

FORBIDDEN = ("pydantic", "yaml", "atmpcli.scenario", "rich", "typer")


def _modules(package) -> list[str]:
    return [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]


@pytest.mark.parametrize("package", [atmpcli.model, atmpcli.analysis], ids=["model", "analysis"])
def test_importing_the_layer_loads_no_yaml_pydantic_or_scenario(package):
    modules = _modules(package)
    code = "import " + ", ".join(modules)
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    # -X importtime writes one line per module imported: "import time: self | cumulative | name"
    imported = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")]
    assert set(modules) <= set(imported)  # the listing is complete
    bad = [m for m in imported if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)]
    assert bad == []
    if package is atmpcli.model:
        assert not [m for m in imported if m.startswith("atmpcli.analysis")]


def _plain(sc) -> DecisionModel:
    """The DecisionModel part of a compiled scenario, without its file, YAML document or spec."""
    return DecisionModel(**{f.name: getattr(sc, f.name) for f in dataclasses.fields(DecisionModel)})


def test_analyses_need_only_the_decision_model():
    sc = load_scenario(bundled("sick_sicker"))
    model = _plain(sc)
    assert type(model) is DecisionModel
    assert_frame_equal(compare(model).frame, compare(sc).frame)
    psa_model, psa_sc = run_psa(model, 300, seed=4), run_psa(sc, 300, seed=4)
    assert_array_equal(psa_model.costs, psa_sc.costs)
    assert_array_equal(psa_model.effects, psa_sc.effects)
    r = ranges(model, ["c_trtB"], percent=20)
    ow = one_way(model, r, outcome="inc_nmb", strategy="B", comparator="SoC", wtp=100_000)
    assert ow.high_values[0] < ow.base_value < ow.low_values[0]  # a dearer treatment B is worth less
    assert threshold(model, "c_trtB", "B", [100_000]).points[0].value == pytest.approx(
        threshold(sc, "c_trtB", "B", [100_000]).points[0].value, rel=1e-12
    )


TWO_STRATEGIES = """\
title: Two strategies
currency: EUR
settings: {cycles: 3}
parameters:
  p: 0.3
states:
  well: {utility: 1}
  sick: {utility: 0.5}
transitions:
  well: {well: 0.6, sick: p}
  sick: {sick: 1}
strategies:
  usual: {label: Usual care}
  new: {parameters: {p: 0.4}}
"""


def test_engine_errors_carry_a_logical_location(write_scenario):
    sc = load_scenario(write_scenario(TWO_STRATEGIES))
    with pytest.raises(ModelError) as err:
        evaluate(_plain(sc))
    e = err.value
    assert (e.origin, e.strategy, e.cycle, e.sample) == (("transitions", "well"), "usual", None, None)
    assert str(e) == "transitions.well: row well sums to 0.9, not 1 (use 'rest' for the complement) (strategy usual)"
    # the scenario layer puts it at the row's line in the file
    with pytest.raises(ScenarioError) as located:
        evaluate(sc)
    assert str(located.value) == (
        f"{sc.path}:10:9: transitions.well: row well sums to 0.9, not 1 (use 'rest' for the complement) "
        "(strategy usual)"
    )


def test_errors_keep_their_location_between_processes():
    e = ModelError("transition probability 1.2 is outside [0, 1]", ("transitions", "a", "b"), "x", 3, None, 7)
    assert str(pickle.loads(pickle.dumps(e))) == str(e)
    assert str(e) == "transitions.a.b: transition probability 1.2 is outside [0, 1] in cycle 3 in sample 7 (strategy x)"
    s = ScenarioError([Problem("bad", "a.b", "f.yaml", 3, 4)])
    assert str(pickle.loads(pickle.dumps(s))) == "f.yaml:3:4: a.b: bad"

"""Numbers typed inline (a utility of 0.85 in a state, a sensitivity of 0.95 in a test) as named parameters.

A reviewer of a live workbook changes inputs in one place, so every number of the model needs a name. This
module rewrites a loaded scenario so that each number typed in a state, a transition, a transition reward,
a start distribution, a tree, a subgroup, a test or a treatment becomes a parameter named after where it
was typed (``u_A``, ``p_A_B``, ``egfr_sensitivity``) and is used by that name. The model is unchanged: the
same numbers enter the same formulas. Zeros stay literal (a typed 0 often switches a branch off, which
the compiler reads from the number itself), and so do the probabilities of 1 of absorbing transition rows,
single branches and single subgroups (there is nothing to vary).
"""

from __future__ import annotations

import copy
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from atmpcli.errors import FormulaError, ScenarioError, dotted
from atmpcli.scenario import schema as S
from atmpcli.scenario.compile import compile_scenario
from atmpcli.scenario.compiled import RESERVED, Scenario
from atmpcli.scenario.formula import FUNCTIONS, parse
from atmpcli.scenario.messages import pydantic_problems
from atmpcli.scenario.yamlfile import Loc, YamlDocument

_TEST_FIELDS = ("sensitivity", "specificity", "cost", "failure_rate", "turnaround_days", "delay_qalys_per_day")
_PATHWAY_FIELDS = ("price", "manufacturing_failure", "vein_to_vein_days", "dropout_hazard_per_month")
_PATHWAY_COSTS = {"apheresis_costs": "apheresis", "conditioning_costs": "conditioning", "bridging_costs": "bridging"}


@dataclass
class _Lifter:
    """Walks the scenario data, replacing inline numbers by new parameter names."""

    data: dict[str, Any]
    doc: YamlDocument
    typed_at: dict[str, str] = field(default_factory=dict)  # new parameter -> dotted path where it was typed

    def __post_init__(self) -> None:
        self.params: dict[str, Any] = self.data.setdefault("parameters", {}) or {}
        self.data["parameters"] = self.params
        self.taken = {n.lower() for n in (*self.params, *(self.data.get("tables") or {}), *RESERVED, *FUNCTIONS)}

    def lift(self, node: Any, key: Any, loc: Loc, name: str, skip_one: bool = False) -> None:
        """Replace ``node[key]`` by a parameter called (about) ``name`` if it is a non-zero constant
        (and not 1 with ``skip_one``)."""
        if not isinstance(node, dict | list) or (isinstance(node, dict) and key not in node):
            return
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return
        if isinstance(value, str):
            if value.strip() == S.REST:
                return
            try:
                formula = parse(value)
            except FormulaError:
                return  # the compiler reports it
            if not formula.is_constant:
                return
            number = float(formula.evaluate({}))
        else:
            number = float(value)
        if number == 0 or (skip_one and number == 1):
            return
        new = self._unique(name)
        self.params[new] = {"value": value, "description": f"typed inline at {dotted(loc)}"}
        self.typed_at[new] = dotted(loc)
        if loc in self.doc.value_marks:  # errors about the new parameter point where the number was typed
            self.doc.value_marks[("parameters", new)] = self.doc.value_marks[loc]
        node[key] = new

    def _unique(self, name: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not re.match(r"[A-Za-z_]", base) or keyword.iskeyword(base):
            base = f"x_{base}"
        candidate, k = base, 2
        while candidate.lower() in self.taken:
            candidate, k = f"{base}_{k}", k + 1
        self.taken.add(candidate.lower())
        return candidate

    def costs(self, node: Any, loc: Loc, prefix: str) -> None:
        if isinstance(node, dict):
            for comp in list(node):
                self.lift(node, comp, (*loc, comp), f"{prefix}_{comp}")

    def one_off(self, node: Any, loc: Loc, prefix: str) -> None:
        """costs, qalys and life_years of a branch, a reward, a start or a treatment."""
        if not isinstance(node, dict):
            return
        self.costs(node.get("costs"), (*loc, "costs"), f"{prefix}_cost")
        for key in ("qalys", "life_years"):
            self.lift(node, key, (*loc, key), f"{prefix}_{key}")


def _walk_states(w: _Lifter) -> None:
    for s, st in (w.data.get("states") or {}).items():
        if isinstance(st, dict):
            w.costs(st.get("costs"), ("states", s, "costs"), f"c_{s}")
            w.lift(st, "utility", ("states", s, "utility"), f"u_{s}")
    for src, row in (w.data.get("transitions") or {}).items():
        if isinstance(row, dict):
            for dst in list(row):
                w.lift(row, dst, ("transitions", src, dst), f"p_{src}_{dst}", skip_one=True)
    for i, reward in enumerate(w.data.get("transition_rewards") or []):
        w.one_off(reward, ("transition_rewards", i), f"reward{i + 1}")
    initial = w.data.get("initial")
    if isinstance(initial, dict):
        for s in list(initial):
            w.lift(initial, s, ("initial", s), f"initial_{s}")
    w.one_off(w.data.get("start"), ("start",), "start")


def _walk_tree(w: _Lifter, tree: Any, loc: Loc, prefix: str) -> None:
    if not isinstance(tree, dict):
        return
    w.one_off(tree, loc, prefix)
    for k, b in enumerate(tree.get("branches") or []):
        if isinstance(b, dict):
            bloc, name = (*loc, "branches", k), f"{prefix}_{b.get('name', k)}"
            w.lift(b, "p", (*bloc, "p"), f"p_{name}", skip_one=True)
            _walk_tree(w, b, bloc, name)


def _walk_tests_and_treatments(w: _Lifter) -> None:
    subgroups = ((w.data.get("population") or {}) if isinstance(w.data.get("population"), dict) else {}).get(
        "subgroups"
    ) or {}
    for g, sub in subgroups.items():
        w.lift(sub, "prevalence", ("population", "subgroups", g, "prevalence"), f"prevalence_{g}", skip_one=True)
    for t, test in (w.data.get("tests") or {}).items():
        for key in _TEST_FIELDS:
            w.lift(test, key, ("tests", t, key), f"{t}_{key}")
    for x, tr in (w.data.get("treatments") or {}).items():
        if not isinstance(tr, dict):
            continue
        loc: Loc = ("treatments", x)
        if isinstance(tr.get("response"), dict):
            for g in list(tr["response"]):
                w.lift(tr["response"], g, (*loc, "response", g), f"{x}_response_{g}")
        else:
            w.lift(tr, "response", (*loc, "response"), f"{x}_response")
        w.one_off(tr, loc, x)
        w.lift(tr, "cure_fraction", (*loc, "cure_fraction"), f"{x}_cure_fraction")
        _walk_pathway(w, tr.get("pathway"), (*loc, "pathway"), x)


def _walk_pathway(w: _Lifter, pw: Any, loc: Loc, x: str) -> None:
    if not isinstance(pw, dict):
        return
    for key in (*_PATHWAY_FIELDS, "bridging_probability"):
        w.lift(pw, key, (*loc, key), f"{x}_{key}")
    for key, short in _PATHWAY_COSTS.items():
        w.costs(pw.get(key), (*loc, key), f"{x}_{short}")
    for k, ae in enumerate(pw.get("adverse_events") or []):
        if isinstance(ae, dict):
            name = f"{x}_{ae.get('name', k)}"
            w.lift(ae, "probability", (*loc, "adverse_events", k, "probability"), f"p_{name}")
            w.one_off(ae, (*loc, "adverse_events", k), name)


def with_named_inputs(sc: Scenario) -> tuple[Scenario, dict[str, str]]:
    """``sc`` compiled again with its inline numbers as parameters; also returns where each was typed."""
    data = copy.deepcopy(sc.doc.data)
    doc = YamlDocument(sc.doc.path, data, dict(sc.doc.value_marks), dict(sc.doc.key_marks), sc.doc.sha256, sc.doc.text)
    w = _Lifter(data, doc)
    _walk_states(w)
    _walk_tree(w, data.get("tree"), ("tree",), "tree")
    for name, strategy in (data.get("strategies") or {}).items():
        if isinstance(strategy, dict):
            _walk_tree(w, strategy.get("tree"), ("strategies", name, "tree"), f"{name}_tree")
            initial = strategy.get("initial")
            if isinstance(initial, dict):
                for s in list(initial):
                    w.lift(initial, s, ("strategies", name, "initial", s), f"{name}_initial_{s}")
    _walk_tests_and_treatments(w)
    try:
        spec = S.ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(pydantic_problems(exc, doc)) from None
    named = compile_scenario(sc.path, doc, spec)
    named.overrides = sc.overrides
    named.rebuild = sc.rebuild
    return named, w.typed_at

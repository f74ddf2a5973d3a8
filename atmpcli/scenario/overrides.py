"""extends, variants, --set and reference cases: changes applied to the loaded YAML data before validation.

Applying them to the data (not to the compiled scenario) means every check and message of a normal
load applies to the changed scenario too.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from atmpcli.errors import Problem, ScenarioError
from atmpcli.scenario.paths import confine
from atmpcli.scenario.yamlfile import Loc, YamlDocument, load_yaml


def apply_variant(doc: YamlDocument, name: str) -> None:
    variants = doc.data.get("variants")
    if not isinstance(variants, dict) or name not in variants:
        known = list(variants) if isinstance(variants, dict) else []
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = (
            f" (did you mean '{close[0]}'?)"
            if close
            else (f" (variants: {', '.join(known)})" if known else " (the scenario defines no variants)")
        )
        raise ScenarioError([doc.problem(("variants",), f"unknown variant '{name}'{hint}")])
    spec = variants[name] or {}
    if not isinstance(spec, dict):
        return  # the schema reports the wrong type
    for pname, value in (spec.get("parameters") or {}).items():
        apply_set(doc, pname, value, where=("variants", name, "parameters", pname))
    for key, value in (spec.get("settings") or {}).items():
        apply_set(doc, f"settings.{key}", value, where=("variants", name, "settings", key))
    for key, value in (spec.get("changes") or {}).items():
        apply_set(doc, key, value, where=("variants", name, "changes", key))


def apply_set(doc: YamlDocument, key: str, value: Any, where: Loc | None = None) -> None:
    """Replace a parameter's value, or a (dotted) setting, in the loaded data."""
    data = doc.data
    if key.startswith("settings."):
        parts = key.split(".")[1:]
        node = data.setdefault("settings", {})
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = (
                    {} if part not in node or node[part] is None else {"costs": node[part], "effects": node[part]}
                )
            node = node[part]
        node[parts[-1]] = value
        return
    params = data.get("parameters") or {}
    if "." in key and key not in params:
        _set_path(doc, key, value, where)
        return
    if key not in params:
        close = difflib.get_close_matches(key, list(params), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problem = (
            doc.problem(where, f"unknown parameter '{key}'{hint}")
            if where
            else Problem(f"--set {key}: unknown parameter{hint}; use settings.NAME for a setting", file=str(doc.path))
        )
        raise ScenarioError([problem])
    if isinstance(params[key], dict):
        params[key]["value"] = value
    else:
        params[key] = value


def _set_path(doc: YamlDocument, key: str, value: Any, where: Loc | None) -> None:
    """``treatments.cart.pathway.payment.type`` -> that key in the data; every part but the last must exist."""
    node: Any = doc.data
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            message = f"no '{'.'.join(parts[: i + 1])}' in the scenario"
            problem = doc.problem(where, message) if where else Problem(f"--set {key}: {message}", file=str(doc.path))
            raise ScenarioError([problem])
        if node[part] is None:
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict):
        raise ScenarioError([Problem(f"--set {key}: '{'.'.join(parts[:-1])}' is not a mapping", file=str(doc.path))])
    node[parts[-1]] = value


def apply_reference_case(doc: YamlDocument, override: str | None = None) -> None:
    """Fill in discount rates and thresholds from settings.reference_case (or ``override``).

    Settings written in the scenario win. Thresholds are taken only when the preset's currency is the
    scenario's; otherwise the scenario keeps its own (none are converted).
    """
    from atmpcli.scenario.reference_cases import REFERENCE_CASES

    settings = doc.data.get("settings") or {}
    if not isinstance(settings, dict):
        return  # the schema reports it
    doc.data["settings"] = settings
    name = override or settings.get("reference_case")
    if not isinstance(name, str):
        return  # none, or not a name: the schema reports the wrong type
    if name not in REFERENCE_CASES:
        close = difflib.get_close_matches(str(name), list(REFERENCE_CASES), n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(REFERENCE_CASES)})"
        where = ("settings", "reference_case")
        raise ScenarioError(
            [
                doc.problem(where, f"unknown reference case '{name}'{hint}")
                if not override
                else Problem(f"--reference-case: unknown reference case '{name}'{hint}")
            ]
        )
    case = REFERENCE_CASES[name]
    settings["reference_case"] = name
    explicit_discount = "discount" in settings and not override
    if override or not explicit_discount:
        settings["discount"] = {"costs": case.costs, "effects": case.effects}
    if case.wtp and doc.data.get("currency") == case.currency and (override or "wtp" not in settings):
        settings["wtp"] = list(case.wtp)


def resolve_extends(doc: YamlDocument, seen: tuple[Path, ...] = ()) -> None:
    """``extends: base.yaml``: the base file's data with this file's keys merged over it (recursively).

    Mappings merge key by key; any other value (a number, a formula, a list) replaces the base's.
    Positions in error messages point into this file; for inherited entries, at the nearest key here.
    """
    base_name = doc.data.get("extends")
    if base_name is None:
        return
    if not isinstance(base_name, str):
        raise ScenarioError([doc.problem(("extends",), "expected the file name of a base scenario")])
    try:
        base_path = confine(doc.limits, doc.path.parent, base_name, "base scenario").resolve()
    except ValueError as exc:
        raise ScenarioError([doc.problem(("extends",), str(exc))]) from None
    chain = (*seen, doc.path.resolve())
    if base_path in chain:
        names = " -> ".join(p.name for p in (*chain, base_path))
        raise ScenarioError([doc.problem(("extends",), f"circular extends: {names}")])
    if not base_path.is_file():
        raise ScenarioError(
            [doc.problem(("extends",), f"base scenario {base_name} not found (looked in {base_path.parent})")]
        )
    base = load_yaml(base_path, limits=doc.limits)
    if not isinstance(base.data, dict):
        raise ScenarioError([doc.problem(("extends",), f"{base_name} is not a scenario mapping")])
    resolve_extends(base, chain)
    merged = _merge(base.data, {k: v for k, v in doc.data.items() if k != "extends"})
    doc.data = merged


def _merge(base: Any, child: Any) -> Any:
    if isinstance(base, dict) and isinstance(child, dict):
        out = dict(base)
        for key, value in child.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return child

"""Turn pydantic's validation errors into located, readable problems ("did you mean ...?")."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from atmpcli.errors import Problem
from atmpcli.scenario import schema as S
from atmpcli.scenario.yamlfile import Loc, YamlDocument


def pydantic_problems(exc: ValidationError, doc: YamlDocument) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            valid = _valid_keys(loc[:-1])
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            msg = f"unknown key '{key}'"
            msg += f" (did you mean '{close[0]}'?)" if close else f" (valid keys: {', '.join(valid)})"
            problems.append(doc.problem(loc, msg, key=True))
            continue
        loc = _existing_prefix(loc, doc) if kind != "missing" else loc
        if kind == "missing":
            msg = "required field is missing"
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
        elif kind in (
            "int_type",
            "float_type",
            "string_type",
            "bool_type",
            "dict_type",
            "list_type",
            "model_type",
            "int_from_float",
            "literal_error",
            "model_attributes_type",
        ):
            msg = _type_message(kind, err)
        else:
            msg = str(err["msg"])
        problems.append(doc.problem(loc, msg, key=kind == "missing"))
    return problems


def _type_message(kind: str, err: dict[str, Any]) -> str:
    got = S.kind_of(err.get("input"))
    if isinstance(err.get("input"), str):
        got = f"text '{err['input']}'"
    want = {
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "float_type": "a number",
        "string_type": "text",
        "bool_type": "true or false",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "model_attributes_type": "a mapping",
        "list_type": "a list",
    }.get(kind)
    if kind == "literal_error":
        allowed = [str(a) for a in re.findall(r"'([^']*)'", str(err["msg"]))]
        close = difflib.get_close_matches(str(err.get("input")), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"expected one of {', '.join(allowed)}; got {got}{hint}"
    return f"expected {want}, got {got}"


def _existing_prefix(loc: Loc, doc: YamlDocument) -> Loc:
    # `name: 0.5` is validated as `name: {value: 0.5}`; report it at `name`, where the user wrote it
    while loc and loc not in doc.value_marks:
        loc = loc[:-1]
    return loc


def _valid_keys(loc: Loc) -> list[str]:
    """The keys the schema accepts at ``loc`` (for "did you mean" suggestions)."""
    tp: Any = S.ScenarioSpec
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = tp.model_fields
            name = next((n for n, f in fields.items() if (f.alias or n) == part), None)
            if name is None:
                return []
            tp = fields[name].annotation
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    """Strip Optional/Annotated/Union-with-None to the model or container inside."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp

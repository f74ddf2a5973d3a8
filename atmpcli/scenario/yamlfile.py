"""Safe YAML loading that remembers where every key and value came from.

PyYAML implements YAML 1.1, whose implicit types surprise analysts: ``1e-3`` is a *string*, ``no``
and ``off`` are ``False`` and ``2024-01-01`` is a date. This loader resolves numbers the YAML 1.2
way (``1e-3`` is a float), recognises only ``true``/``false`` as booleans and leaves dates as text.
Duplicate keys, which PyYAML silently overwrites, are errors.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from atmpcli.errors import Origin, Problem, ScenarioError, dotted

Loc = Origin  # a path of keys in the document; the engine calls the same thing an input's origin


class _Loader(yaml.SafeLoader):
    pass


# Keep the safe resolvers, minus YAML 1.1 booleans, floats and timestamps; add YAML 1.2 ones.
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


@dataclass
class YamlDocument:
    """Plain data loaded from a YAML file plus the position of every key and value."""

    path: Path
    data: Any
    value_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    sha256: str = ""  # of the text that was loaded (provenance)
    text: str = ""  # the text that was loaded (so that another process can load exactly the same)

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of ``loc``, or of its nearest ancestor that has one."""
        marks = (self.key_marks, self.value_marks) if key else (self.value_marks, self.key_marks)
        probe = tuple(loc)
        while True:
            for m in marks:
                if probe in m:
                    return m[probe]
            if not probe:
                return None, None
            probe = probe[:-1]

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(loc, key=key)
        return Problem(message, dotted(loc), str(self.path), line, col)


def load_yaml(path: Path, text: str | None = None) -> YamlDocument:
    """Load one YAML mapping from ``path`` (or from ``text``), raising :class:`ScenarioError`."""
    name = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError([Problem("file not found", file=name)]) from None
        except IsADirectoryError:
            raise ScenarioError([Problem("is a directory, expected a YAML file", file=name)]) from None
        except UnicodeDecodeError as exc:
            raise ScenarioError([Problem(f"not UTF-8 text ({exc.reason})", file=name)]) from None
        except OSError as exc:
            raise ScenarioError([Problem(f"cannot read: {exc.strerror}", file=name)]) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([Problem(f"YAML syntax error: {what}", "", name, line, col)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(f"YAML error: {exc}", file=name)]) from None
    finally:
        loader.dispose()
    doc = YamlDocument(path, None, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)
    if node is None:
        raise ScenarioError([Problem("the file is empty; expected a scenario mapping", file=name)])
    problems: list[Problem] = []
    doc.data = _build(node, (), loader, doc, problems)
    if problems:
        raise ScenarioError(problems)
    return doc


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: yaml.Node, loc: Loc, loader: _Loader, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.value_marks[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        explicit = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        if any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
            loader.flatten_mapping(node)  # merged pairs first; keys written here override them (YAML merge)
        out: dict[Any, Any] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            key = _build_scalar(key_node, loader, doc, problems)
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(Problem("keys must be plain names", dotted(loc), str(doc.path), *_mark(key_node)))
                continue
            key = str(key) if not isinstance(key, str) else key
            if id(key_node) not in explicit:
                merged.add(key)
            elif key in merged:
                merged.discard(key)
                out.pop(key, None)
            if key in out and key in merged:
                continue  # a later merge source does not override an earlier one
            if key in out:
                first = doc.key_marks.get((*loc, key), (None, None))[0]
                problems.append(
                    Problem(
                        f"duplicate key '{key}' (first defined on line {first})",
                        dotted((*loc, key)),
                        str(doc.path),
                        *_mark(key_node),
                    )
                )
                continue
            doc.key_marks[(*loc, key)] = _mark(key_node)
            out[key] = _build(value_node, (*loc, key), loader, doc, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), loader, doc, problems) for i, item in enumerate(node.value)]
    return _build_scalar(node, loader, doc, problems)


def _build_scalar(node: yaml.Node, loader: _Loader, doc: YamlDocument, problems: list[Problem]) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return _build(node, (), loader, YamlDocument(doc.path, None), problems)
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.append(Problem(f"cannot read value: {exc}", "", str(doc.path), *_mark(node)))
        return None


def parse_scalar(text: str) -> Any:
    """A command-line value read as YAML would read it (``1e-3`` is a number, ``a * b`` a formula)."""
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except yaml.YAMLError:
        return text
    return text if isinstance(value, dict | list) or value is None else value

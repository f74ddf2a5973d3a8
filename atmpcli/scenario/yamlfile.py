"""Safe YAML loading that remembers where every key and value came from.

PyYAML implements YAML 1.1, whose implicit types surprise analysts: ``1e-3`` is a *string*, ``no``
and ``off`` are ``False`` and ``2024-01-01`` is a date. This loader resolves numbers the YAML 1.2
way (``1e-3`` is a float), recognises only ``true``/``false`` as booleans and leaves dates as text.
Duplicate keys, which PyYAML silently overwrites, are errors.

Loading is bounded (docs/trust.md): the file's size, its nesting depth and the number of values after
alias expansion ("billion laughs") are limited, and control characters, numbers beyond the range of
floating-point numbers and text that is not UTF-8 are refused, each at its line and column.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from atmpcli.errors import Origin, Problem, ScenarioError, dotted
from atmpcli.limits import (
    MAX_DEPTH,
    MAX_VALUES,
    InputLimits,
    InputProblem,
    check_text,
    control_in,
    decode_utf8,
    read_bounded,
    too_large,
)

Loc = Origin  # a path of keys in the document; the engine calls the same thing an input's origin
_Slot = tuple[int, int]  # (id of the parent node, index in a sequence or id of the key node)


class _LimitError(yaml.YAMLError):
    def __init__(self, message: str, mark: Any, loc: Loc = ()) -> None:
        super().__init__(message)
        self.message, self.mark, self.loc = message, mark, loc


class _Loader(yaml.SafeLoader):
    """A SafeLoader that counts what it composes: nesting depth, values, and where aliases are used.

    PyYAML's parser is iterative but its composer recurses once per level, and aliases share nodes, so
    both limits are checked here, before anything is built from the nodes.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.values = 0
        self.alias_slots: dict[_Slot, tuple[str, Any]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self.alias_slots[_slot(parent, index)] = (event.anchor, event.start_mark)
            return super().compose_node(parent, index)
        self.depth += 1
        self.values += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _LimitError(f"nested deeper than {MAX_DEPTH} levels, the limit", self.peek_event().start_mark)
            if self.values > MAX_VALUES:
                raise _LimitError(
                    f"the file has more than {MAX_VALUES:,} values, the limit", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _slot(parent: Any, index: Any) -> _Slot:
    return id(parent), index if isinstance(index, int) else id(index)


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
    limits: InputLimits = field(default_factory=InputLimits)  # what the load (and its extends, tables) may read

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


def load_yaml(path: Path, text: str | None = None, limits: InputLimits | None = None) -> YamlDocument:
    """Load one YAML mapping from ``path`` (or from ``text``), raising :class:`ScenarioError`."""
    name = str(path)
    limits = limits or InputLimits()
    try:
        if text is None:
            text = decode_utf8(read_bounded(path, limits.max_file_bytes, "scenario file"))
        elif len(text) > limits.max_file_bytes:
            raise too_large("scenario file", limits.max_file_bytes)
        check_text(text)
    except FileNotFoundError:
        raise ScenarioError([Problem("file not found", file=name)]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("is a directory, expected a YAML file", file=name)]) from None
    except InputProblem as exc:
        raise ScenarioError([Problem(exc.message, "", name, exc.line, exc.column)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(f"cannot read: {exc.strerror}", file=name)]) from None
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node, loader)
    except _LimitError as exc:
        line, col = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (None, None)
        raise ScenarioError([Problem(exc.message, dotted(exc.loc), name, line, col)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([Problem(f"YAML syntax error: {what}", "", name, line, col)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(f"YAML error: {str(exc).splitlines()[0]}", file=name)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    doc = YamlDocument(path, None, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text, limits=limits)
    if node is None:
        raise ScenarioError([Problem("the file is empty; expected a scenario mapping", file=name)])
    problems: list[Problem] = []
    doc.data = _build(node, (), loader, doc, problems)
    if problems:
        raise ScenarioError(problems)
    return doc


def _children(node: yaml.Node) -> list[tuple[_Slot, yaml.Node, str | int | None]]:
    """(slot, child, key or index) of a collection node, in document order."""
    if isinstance(node, yaml.SequenceNode):
        return [((id(node), i), child, i) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[_Slot, yaml.Node, str | int | None]] = []
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            out.append(((id(node), id(None)), key, None))
            out.append(((id(node), id(key)), value, name))
        return out
    return []


def _check_expansion(root: yaml.Node, loader: _Loader) -> None:
    """Refuse aliases that expand the document past the limits, or into itself, before building it.

    Each node's expanded size and depth are computed once (nodes shared by aliases are memoised): linear
    in the file, however large the expansion would be.
    """
    sizes: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()

    def visit(node: yaml.Node) -> tuple[int, int]:
        if id(node) in sizes:
            return sizes[id(node)]
        open_nodes.add(id(node))
        count, depth = 1, 0
        for slot, child, _ in _children(node):
            if id(child) in open_nodes:
                anchor, mark = loader.alias_slots.get(slot, ("?", child.start_mark))
                raise _LimitError(f"the alias *{anchor} refers to a node that contains it, so it never ends", mark)
            c, d = visit(child)
            count, depth = count + c, max(depth, d)
        open_nodes.discard(id(node))
        sizes[id(node)] = (count, depth + 1)
        return sizes[id(node)]

    values, depth = visit(root)
    if values <= MAX_VALUES and depth <= MAX_DEPTH:
        return
    what = f"to more than {MAX_VALUES:,} values" if values > MAX_VALUES else f"deeper than {MAX_DEPTH} levels"
    budget, room, node, loc = MAX_VALUES, MAX_DEPTH, root, ()
    while (found := _crossing(node, sizes, budget, room)) is not None:  # walk down to where the limit is passed
        slot, child, key, used = found
        loc = loc if key is None else (*loc, key)
        if slot in loader.alias_slots:
            anchor, mark = loader.alias_slots[slot]
            message = f"YAML aliases expand the file {what}, the limit; this alias (*{anchor}) passes it"
            raise _LimitError(message, mark, loc)
        budget, room, node = budget - used, room - 1, child
    raise _LimitError(f"YAML aliases expand the file {what}, the limit", root.start_mark)


def _crossing(
    node: yaml.Node, sizes: dict[int, tuple[int, int]], budget: int, room: int
) -> tuple[_Slot, yaml.Node, str | int | None, int] | None:
    """The child in which the running count of values passes ``budget`` (or the depth passes ``room``)."""
    used = 1
    for slot, child, key in _children(node):
        c, d = sizes[id(child)]
        if used + c > budget or d > room - 1:
            return slot, child, key, used
        used += c
    return None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_PLAIN = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _build(node: yaml.Node, loc: Loc, loader: _Loader, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.value_marks[loc] = _mark(node)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN:  # !!python/object/apply: [...], !!set
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(
            Problem(f"the tag {tag} is not allowed: a scenario is plain data", dotted(loc), str(doc.path), *_mark(node))
        )
        return None
    if isinstance(node, yaml.MappingNode):
        explicit = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        if any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
            try:
                loader.flatten_mapping(node)  # merged pairs first; keys written here override them (YAML merge)
            except yaml.MarkedYAMLError as exc:  # `<<: 5`: only mappings can be merged
                line, col = (
                    (exc.problem_mark.line + 1, exc.problem_mark.column + 1) if exc.problem_mark else _mark(node)
                )
                problems.append(Problem(f"cannot merge: {exc.problem}", dotted(loc), str(doc.path), line, col))
                return None
        out: dict[Any, Any] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            key = _build_scalar(key_node, loc, loader, doc, problems)
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
    return _build_scalar(node, loc, loader, doc, problems)


_INT = "tag:yaml.org,2002:int"
_FLOAT_MAX = 1.7976931348623157e308


def _build_scalar(node: yaml.Node, loc: Loc, loader: _Loader, doc: YamlDocument, problems: list[Problem]) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return _build(node, (), loader, YamlDocument(doc.path, None), problems)
    beyond = f"the number {node.value[:15]}{'…' if len(node.value) > 15 else ''} is beyond the range of floating-point numbers (about ±1.8e308)"
    if node.tag == _INT and len(node.value) > 400:  # Python refuses to convert 4,300 digits; no model needs 400
        problems.append(Problem(beyond, dotted(loc), str(doc.path), *_mark(node)))
        return None
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:  # e.g. !!python/object: only plain data is read
        message = f"cannot read value: {exc.problem or exc.context}".replace("tag:yaml.org,2002:", "!!")
        problems.append(Problem(message, dotted(loc), str(doc.path), *_mark(node)))
        return None
    except (yaml.YAMLError, ValueError) as exc:
        problems.append(
            Problem(f"cannot read value: {str(exc).splitlines()[0]}", dotted(loc), str(doc.path), *_mark(node))
        )
        return None
    problem = None
    if isinstance(value, str):
        char = control_in(value)
        problem = f"{char} is not allowed in text (here from an escape sequence)" if char else None
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > _FLOAT_MAX:
        problem = beyond
    elif isinstance(value, float) and math.isinf(value) and "inf" not in node.value.lower():
        problem = beyond  # 1e400: YAML reads infinity; the author meant a number
    if problem:
        problems.append(Problem(problem, dotted(loc), str(doc.path), *_mark(node)))
        return None
    return value


def parse_scalar(text: str) -> Any:
    """A command-line value read as YAML would read it (``1e-3`` is a number, ``a * b`` a formula)."""
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except (yaml.YAMLError, ValueError):  # ValueError: an integer of more than 4,300 digits
        return text
    return text if isinstance(value, dict | list) or value is None else value

"""A safe, vectorised formula language for scenario parameters.

A formula is parsed with Python's ``ast`` module (which only *parses*) and compiled into a tree of
closures over numpy functions. Only a whitelist of syntax is accepted: numbers, names, arithmetic,
comparisons, ``and``/``or``/``not``, ``a if cond else b`` and calls of the functions below. There is no
way to reach attributes, subscripts, builtins or imports, and nothing is ever passed to ``eval``.

Every value is a float64 numpy array (or a 0-d one); arrays broadcast, so one formula evaluates the
base case and thousands of probabilistic samples in the same call.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any, Protocol

import numpy as np

from atmpcli.errors import FormulaError
from atmpcli.model.expressions import as3d

Array = np.ndarray
Env = Mapping[str, Any]
_Fn = Callable[[Env], Array]

MAX_FORMULA_LENGTH = 10_000


def _first_bad_point(bad: Array) -> tuple[int | None, int | None] | None:
    """Where ``bad`` (a mask over samples, time and cycles in state) is first true, as the time index and
    state-time index (None along an axis of one), so that the engine can name the cycle (FormulaError.at)."""
    bad = np.asarray(bad, dtype=bool)
    if bad.ndim != 3 or (bad.shape[1] == 1 and bad.shape[2] == 1) or not bad.any():
        return None
    _, t, s = (int(i) for i in np.argwhere(bad)[0])
    return (t if bad.shape[1] > 1 else None, s if bad.shape[2] > 1 else None)


def _rate_to_prob(rate: Array, t: Array | float = 1.0) -> Array:
    return -np.expm1(-np.asarray(rate) * t)


def _prob_to_rate(p: Array, t: Array | float = 1.0) -> Array:
    p = np.asarray(p, dtype=float)
    if np.any(p >= 1):
        raise FormulaError("prob_to_rate() needs a probability below 1", at=_first_bad_point(p >= 1))
    return -np.log1p(-p) / t


def _rescale_prob(p: Array, t: Array | float) -> Array:
    # probability over a period of length 1 -> over a period of length t, constant hazard
    return 1.0 - np.power(1.0 - np.asarray(p, dtype=float), t)


def _log(x: Array, base: Array | None = None) -> Array:
    x = np.asarray(x, dtype=float)
    if np.any(x <= 0):
        raise FormulaError("log() of a value that is not positive", at=_first_bad_point(x <= 0))
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _sqrt(x: Array) -> Array:
    x = np.asarray(x, dtype=float)
    if np.any(x < 0):
        raise FormulaError("sqrt() of a negative value", at=_first_bad_point(x < 0))
    return np.sqrt(x)


def _waning(time: Array, start: Array, duration: Array) -> Array:
    """A treatment effect's share still working: 1 until ``start``, falling linearly to 0 over ``duration``."""
    time, start, duration = (np.asarray(x, dtype=float) for x in (time, start, duration))
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = 1.0 - (time - start) / duration
    return np.where(time <= start, 1.0, np.where(duration > 0, np.clip(linear, 0.0, 1.0), 0.0))


def _ifelse(cond: Array, yes: Array, no: Array) -> Array:
    return np.where(np.asarray(cond, dtype=bool), yes, no)


# name -> (function, minimum arity, maximum arity or None for any)
FUNCTIONS: dict[str, tuple[Callable[..., Array], int, int | None]] = {
    "min": (lambda *a: reduce(np.minimum, a), 1, None),
    "max": (lambda *a: reduce(np.maximum, a), 1, None),
    "exp": (np.exp, 1, 1),
    "log": (_log, 1, 2),
    "sqrt": (_sqrt, 1, 1),
    "abs": (np.abs, 1, 1),
    "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "ifelse": (_ifelse, 3, 3),
    "rate_to_prob": (_rate_to_prob, 1, 2),
    "prob_to_rate": (_prob_to_rate, 1, 2),
    "rescale_prob": (_rescale_prob, 2, 2),
    "waning": (_waning, 3, 3),
}

# Functions of a survival curve (model/survival_model.py), times in years: surv(curve, t) is S(t) and
# event_prob(curve, t0, t1) = 1 - S(t1) / S(t0), the probability of the event between t0 and t1 for
# someone event-free at t0 (a transition probability from a curve). name -> number of arguments.
CURVE_FUNCTIONS = {"surv": 2, "event_prob": 3}


class Curves(Protocol):
    """What formulas need of a scenario's survival curves (atmpcli.model.survival_model.SurvivalModel)."""

    def known(self) -> list[str]: ...

    def names(self, name: str) -> frozenset[str]: ...

    def cumhaz(self, name: str, env: Env, t: object) -> Array: ...


_BINOPS: dict[type, tuple[str, Callable[[Array, Array], Array]]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Pow: ("**", np.power),
}
_CMPOPS: dict[type, Callable[[Array, Array], Array]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its source text, the names it uses, and a compiled evaluator."""

    text: str
    names: frozenset[str]
    functions: frozenset[str]
    _fn: _Fn
    written: str = ""  # the text as the user wrote it (``^``, not ``**``), for messages

    @property
    def shown(self) -> str:
        return self.written or self.text

    def evaluate(self, env: Env) -> Array:
        """Evaluate with ``env`` mapping every name to a number/array (and table names to callables)."""
        with np.errstate(all="ignore"):
            out = np.asarray(self._fn(env), dtype=float)
            # a finite sum means every value is finite (an inf or a nan would carry into it): one pass over
            # the values; only a sum that overflows or is not finite is looked at value by value
            finite = math.isfinite(out.sum()) or bool(np.all(np.isfinite(out)))
        if not finite:
            bad = _first_bad_point(~np.isfinite(out))
            raise FormulaError(f"'{self.shown}' gives a value that is not a finite number", at=bad)
        return out

    def factored(self, movable: Callable[[frozenset[str]], bool], prefix: str) -> tuple[Formula, dict[str, Formula]]:
        """This formula with each largest part whose names satisfy ``movable`` (a part that is more than a
        name or a number) replaced by a new name ``prefix``0, 1, ...; returns it and the parts by name.

        The engine evaluates such parts once where they would otherwise be evaluated again and again
        (the parts of a tunnel row that depend on the time in the state but not on the cycle). Formulas
        calling tables or survival curves are returned unchanged (their parts need the scenario's tables)."""
        if self.functions or not self.names:
            return self, {}
        parts: dict[str, str] = {}

        def replace(node: ast.expr) -> ast.expr:
            if not isinstance(node, ast.Name | ast.Constant):
                names = frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
                names -= {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
                if names and movable(names):
                    name = f"{prefix}{len(parts)}"
                    parts[name] = ast.unparse(node)
                    return ast.Name(name, ast.Load())
            for field, value in ast.iter_fields(node):
                if isinstance(value, ast.expr):
                    setattr(node, field, replace(value))
                elif isinstance(value, list):
                    setattr(node, field, [replace(v) if isinstance(v, ast.expr) else v for v in value])
            return node

        body = replace(self.syntax())
        if not parts:
            return self, {}
        return parse(ast.unparse(body)), {name: parse(text) for name, text in parts.items()}

    @property
    def is_constant(self) -> bool:
        return not self.names and not self.functions

    def syntax(self) -> ast.expr:
        """The parsed syntax tree (``text`` is the source after ``^`` became ``**``), for translators such
        as the Excel twin (atmpcli/report/excel_twin/formulas.py)."""
        return ast.parse(self.text, mode="eval").body


def parse(text: str | float | int, table_names: frozenset[str] = frozenset(), curves: Curves | None = None) -> Formula:
    """Parse ``text`` into a :class:`Formula`; ``table_names`` may be called like functions, ``curves`` by
    the curve functions (``surv``, ``event_prob``)."""
    if isinstance(text, bool):
        raise FormulaError(f"expected a number or a formula, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
        if not math.isfinite(value):
            raise FormulaError(f"expected a finite number, got {text!r}")
        const = np.asarray(value)
        return Formula(repr(text), frozenset(), frozenset(), lambda env: const)
    if not isinstance(text, str):
        raise FormulaError(f"expected a number or a formula, got {type(text).__name__}")
    src = written = text.strip()
    if not src:
        raise FormulaError("empty formula")
    if len(src) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"formula longer than {MAX_FORMULA_LENGTH} characters")
    try:
        # Analysts coming from R and Excel write powers as a^b. Rewriting to ** before parsing gives
        # ^ the precedence of a power; mapping Python's XOR node would bind it looser than minus.
        src = src.replace("^", "**")
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot parse formula '{written}': {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise FormulaError(f"cannot parse formula '{written}': too deeply nested or invalid") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise FormulaError(f"cannot parse formula '{written}': a number in it is too long to read") from None
    compiler = _FormulaCompiler(src, table_names, curves, written)
    try:
        fn = compiler.compile(tree.body)
    except RecursionError:
        raise FormulaError(f"formula '{written}' is too deeply nested") from None
    return Formula(src, frozenset(compiler.names), frozenset(compiler.funcs), fn, written)


def _describe(node: ast.AST) -> str:
    return {
        ast.Attribute: "attribute access a.b",
        ast.Subscript: "indexing a[b]",
        ast.Lambda: "lambda",
        ast.List: "a list",
        ast.Tuple: "a tuple",
    }.get(type(node), type(node).__name__)


_FLOAT_MAX = 1.7976931348623157e308


class _FormulaCompiler:
    """Compiles one parsed formula into closures, one method per kind of syntax node.

    Collects the names and the table functions the formula uses.
    """

    def __init__(self, src: str, tables: frozenset[str], curves: Curves | None = None, written: str = "") -> None:
        # ``src`` is parsed (``^`` rewritten to ``**``); messages quote ``shown``, the formula as written
        self.src, self.tables, self.curves = src, tables, curves
        self.shown = written or src
        self.rewritten = "**" not in self.shown  # every ** in src was a ^
        self.names: set[str] = set()
        self.funcs: set[str] = set()

    def compile(self, node: ast.AST) -> _Fn:
        handler = self._HANDLERS.get(type(node))
        if handler is None:
            raise FormulaError(f"unsupported syntax ({_describe(node)}) in '{self.shown}'")
        return handler(self, node)

    def _constant(self, node: ast.Constant) -> _Fn:
        if isinstance(node.value, bool | int | float):
            if isinstance(node.value, int) and abs(node.value) > _FLOAT_MAX:
                raise FormulaError(
                    f"a number in '{self.shown}' is beyond the range of floating-point numbers (about ±1.8e308)"
                )
            c = np.asarray(float(node.value))
            return lambda env: c
        raise FormulaError(f"unsupported value {node.value!r} in '{self.shown}'")

    def _name(self, node: ast.Name) -> _Fn:
        if node.id in ("true", "True"):
            one = np.asarray(1.0)
            return lambda env: one
        if node.id in ("false", "False"):
            zero = np.asarray(0.0)
            return lambda env: zero
        if node.id in FUNCTIONS or node.id in self.tables:
            raise FormulaError(f"'{node.id}' is a function: call it as {node.id}(...) in '{self.shown}'")
        self.names.add(node.id)
        name = node.id
        return lambda env: env[name]

    def _binop(self, node: ast.BinOp) -> _Fn:
        left, right = self.compile(node.left), self.compile(node.right)
        src = self.src
        if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod):
            denom_text = ast.get_source_segment(src, node.right) or "?"
            if self.rewritten:
                denom_text = denom_text.replace("**", "^")
            src = self.shown
            op = {ast.Div: np.divide, ast.FloorDiv: np.floor_divide, ast.Mod: np.mod}[type(node.op)]

            def divide(env: Env) -> Array:
                d = right(env)
                zero = np.asarray(d) == 0
                if np.any(zero):
                    raise FormulaError(f"division by zero in '{src}' ({denom_text} is 0)", at=_first_bad_point(zero))
                return op(left(env), d)

            return divide
        if type(node.op) not in _BINOPS:
            raise FormulaError(f"unsupported operator in '{self.shown}'")
        func = _BINOPS[type(node.op)][1]
        return lambda env: func(left(env), right(env))

    def _unaryop(self, node: ast.UnaryOp) -> _Fn:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda env: np.negative(operand(env))
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            return lambda env: np.logical_not(operand(env)).astype(float)
        raise FormulaError(f"unsupported operator in '{self.shown}'")

    def _boolop(self, node: ast.BoolOp) -> _Fn:
        parts = [self.compile(v) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return lambda env: reduce(combine, (p(env) for p in parts)).astype(float)

    def _compare(self, node: ast.Compare) -> _Fn:
        operands = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]
        ops = []
        for op in node.ops:
            if type(op) not in _CMPOPS:
                raise FormulaError(f"unsupported comparison in '{self.shown}'")
            ops.append(_CMPOPS[type(op)])

        def compare(env: Env) -> Array:
            values = [o(env) for o in operands]
            result = ops[0](values[0], values[1])
            for i in range(1, len(ops)):
                result = np.logical_and(result, ops[i](values[i], values[i + 1]))
            return np.asarray(result, dtype=float)

        return compare

    def _ifexp(self, node: ast.IfExp) -> _Fn:
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        return lambda env: np.where(np.asarray(test(env), dtype=bool), body(env), orelse(env))

    def _call(self, node: ast.Call) -> _Fn:
        src = self.shown
        if not isinstance(node.func, ast.Name):
            raise FormulaError(f"only named functions can be called in '{src}'")
        if node.keywords:
            raise FormulaError(f"keyword arguments are not supported in '{src}'")
        fname = node.func.id
        if fname in CURVE_FUNCTIONS:
            return self._curve_call(fname, node)
        if fname not in self.tables and fname not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise FormulaError(f"unknown function '{fname}' in '{src}' (known: {known})")
        args = [self.compile(a) for a in node.args]
        if fname in self.tables:
            if len(args) != 1:
                raise FormulaError(f"table {fname}() takes one argument in '{src}'")
            self.funcs.add(fname)
            arg = args[0]
            return lambda env: env[fname](arg(env))
        func, lo, hi = FUNCTIONS[fname]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            raise FormulaError(f"{fname}() takes {want} arguments in '{src}'")
        return lambda env: func(*(a(env) for a in args))

    def _curve_call(self, fname: str, node: ast.Call) -> _Fn:
        """surv(curve, t) or event_prob(curve, t0, t1): the first argument names a curve."""
        src, want = self.shown, CURVE_FUNCTIONS[fname]
        usage = f"{fname}(curve, t)" if want == 2 else f"{fname}(curve, t0, t1)"
        if len(node.args) != want:
            raise FormulaError(f"{usage} takes {want} arguments in '{src}'")
        first = node.args[0]
        known = self.curves.known() if self.curves is not None else []
        if not isinstance(first, ast.Name) or first.id not in known:
            what = f"'{first.id}'" if isinstance(first, ast.Name) else "its first argument"
            hint = f" (curves: {', '.join(known)})" if known else " (the scenario defines no survival curves)"
            raise FormulaError(f"{fname}(): {what} is not a survival curve in '{src}'{hint}")
        curve, curves = first.id, self.curves
        assert curves is not None
        times = [self.compile(a) for a in node.args[1:]]
        self.names.update(curves.names(curve))
        self.funcs.add(fname)

        def cumhaz(env: Env, t: Array) -> Array:
            t3 = as3d(t)
            out = curves.cumhaz(curve, env, t3.reshape(t3.shape[0], -1))
            return out.reshape(out.shape[0], *t3.shape[1:])

        if want == 2:
            return lambda env: np.exp(-cumhaz(env, times[0](env)))

        def event_prob(env: Env) -> Array:
            h0, h1 = cumhaz(env, times[0](env)), cumhaz(env, times[1](env))
            with np.errstate(invalid="ignore"):
                p = -np.expm1(-(h1 - h0))
            return np.where(np.isinf(h0), 1.0, p)  # after everyone has had the event, the event is certain

        return event_prob

    _HANDLERS: dict[type, Callable[[_FormulaCompiler, Any], _Fn]] = {
        ast.Constant: _constant,
        ast.Name: _name,
        ast.BinOp: _binop,
        ast.UnaryOp: _unaryop,
        ast.BoolOp: _boolop,
        ast.Compare: _compare,
        ast.IfExp: _ifexp,
        ast.Call: _call,
    }

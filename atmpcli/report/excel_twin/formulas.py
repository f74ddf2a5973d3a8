"""atmpcli formulas translated into Excel formulas, node by node from the parsed syntax tree.

The translation mirrors the safe evaluator in ``atmpcli/scenario/formula.py`` operation for operation,
using only functions that Excel 2016 and LibreOffice share (no XLOOKUP, LET, LAMBDA or dynamic arrays).
Powers are written ``POWER(a, b)`` because Excel's ``-2^2`` is 4 where atmpcli's is -4, and every compound
operand is bracketed, so Excel's precedence never has a say. Comparisons and ``and``/``or``/``not`` give
Excel booleans; they are turned into 1 or 0 wherever a number is needed (Excel ranks TRUE above every
number, so ``(a < b) < 2`` would otherwise be FALSE).

A name is resolved by the caller: a parameter becomes a defined name or a cell, ``cycle``/``time``/``age``
the cells of the current row, ``state_time`` the number of cycles in the tunnel state.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# surv(curve, t) and event_prob(curve, t0, t1) (docs/survival.md): the generalised gamma, spline, cure and
# floored families have no Excel 2016 form, so cells using them hold the engine's values (listed in Notes).
_CURVE_FUNCTIONS = {"surv", "event_prob"}


class Untranslatable(Exception):
    """The formula has no Excel translation (its value is written instead, with a note)."""


@dataclass(frozen=True)
class Table:
    """A look-up table as two named ranges of the workbook."""

    keys: str
    values: str
    interpolation: str  # "step" or "linear"


@dataclass(frozen=True)
class _Out:
    text: str
    boolean: bool = False  # an Excel TRUE/FALSE rather than a number
    atomic: bool = True  # needs no brackets as an operand


def number(value: float) -> str:
    """A number as Excel reads it back exactly (shortest round-trip form)."""
    if not math.isfinite(value):
        raise Untranslatable(f"{value} is not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)).upper()


def to_excel(formula: Any, name: Callable[[str], str], tables: dict[str, Table] | None = None) -> str:
    """The Excel formula (without '=') of ``formula`` (an atmpcli Formula); raises :class:`Untranslatable`."""
    if getattr(formula, "syntax", None) is None:
        raise Untranslatable(f"'{getattr(formula, 'text', formula)}' is not an atmpcli formula")
    out = _Translator(name, tables or {}).node(formula.syntax())
    return _as_number(out).text


def _as_number(o: _Out) -> _Out:
    return _Out(f"IF({o.text},1,0)") if o.boolean else o


def _operand(o: _Out) -> str:
    o = _as_number(o)
    return o.text if o.atomic else f"({o.text})"


def _call(fn: str, *args: _Out) -> _Out:
    return _Out(f"{fn}({','.join(_as_number(a).text for a in args)})")


_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "=", ast.NotEq: "<>"}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class _Translator:
    def __init__(self, name: Callable[[str], str], tables: dict[str, Table]) -> None:
        self.name, self.tables = name, tables

    def node(self, node: ast.AST) -> _Out:
        handler = getattr(self, f"_{type(node).__name__.lower()}", None)
        if handler is None:
            raise Untranslatable(f"no Excel form for {type(node).__name__}")
        return handler(node)

    def _constant(self, node: ast.Constant) -> _Out:
        if isinstance(node.value, bool | int | float):
            return _Out(number(float(node.value)))
        raise Untranslatable(f"unsupported value {node.value!r}")

    def _name(self, node: ast.Name) -> _Out:
        if node.id in ("true", "True"):
            return _Out("1")
        if node.id in ("false", "False"):
            return _Out("0")
        return _Out(self.name(node.id))

    def _binop(self, node: ast.BinOp) -> _Out:
        left, right = self.node(node.left), self.node(node.right)
        op = type(node.op)
        if op is ast.Pow:
            return _call("POWER", left, right)
        if op is ast.Mod:  # numpy's remainder takes the sign of the divisor, as Excel's MOD does
            return _call("MOD", left, right)
        if op is ast.FloorDiv:
            return _Out(f"INT({_operand(left)}/{_operand(right)})")
        if op not in _ARITHMETIC:
            raise Untranslatable(f"no Excel form for {op.__name__}")
        return _Out(f"{_operand(left)}{_ARITHMETIC[op]}{_operand(right)}", atomic=False)

    def _unaryop(self, node: ast.UnaryOp) -> _Out:
        operand = self.node(node.operand)
        if isinstance(node.op, ast.USub):
            return _Out(f"-{_operand(operand)}", atomic=False)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            return _Out(f"NOT({operand.text})", boolean=True)
        raise Untranslatable("unsupported unary operator")

    def _boolop(self, node: ast.BoolOp) -> _Out:
        fn = "AND" if isinstance(node.op, ast.And) else "OR"
        return _Out(f"{fn}({','.join(self.node(v).text for v in node.values)})", boolean=True)

    def _compare(self, node: ast.Compare) -> _Out:
        operands = [self.node(node.left)] + [self.node(c) for c in node.comparators]
        parts = []
        for i, op in enumerate(node.ops):
            if type(op) not in _COMPARE:
                raise Untranslatable("unsupported comparison")
            parts.append(f"{_operand(operands[i])}{_COMPARE[type(op)]}{_operand(operands[i + 1])}")
        if len(parts) == 1:
            return _Out(parts[0], boolean=True, atomic=False)
        return _Out(f"AND({','.join(parts)})", boolean=True)

    def _ifexp(self, node: ast.IfExp) -> _Out:
        return self._if(self.node(node.test), self.node(node.body), self.node(node.orelse))

    @staticmethod
    def _if(test: _Out, yes: _Out, no: _Out) -> _Out:
        return _Out(f"IF({test.text},{_as_number(yes).text},{_as_number(no).text})")

    def _call(self, node: ast.Call) -> _Out:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise Untranslatable("only named functions with positional arguments")
        fname = node.func.id
        if fname in _CURVE_FUNCTIONS:  # the first argument names a curve, not a value
            raise Untranslatable(f"{fname}() of a survival curve has no Excel formula here")
        args = [self.node(a) for a in node.args]
        if fname in self.tables:
            return _lookup(self.tables[fname], _operand(args[0]))
        build = _FUNCTIONS.get(fname)
        if build is None:
            raise Untranslatable(f"no Excel form for the function {fname}()")
        return build(self, args)


def _lookup(t: Table, x: str) -> _Out:
    """A look-up table: the row with the largest key <= x (step), or linear interpolation between rows
    with the last row beyond the last key (numpy's interp)."""
    i = f"MATCH({x},{t.keys},1)"
    if t.interpolation != "linear":
        return _Out(f"INDEX({t.values},{i})")
    k0, k1 = f"INDEX({t.keys},{i})", f"INDEX({t.keys},{i}+1)"
    v0, v1 = f"INDEX({t.values},{i})", f"INDEX({t.values},{i}+1)"
    last_key, last_value = f"INDEX({t.keys},ROWS({t.keys}))", f"INDEX({t.values},ROWS({t.values}))"
    return _Out(f"IF({x}>={last_key},{last_value},({v1}-{v0})/({k1}-{k0})*({x}-{k0})+{v0})")


def _rate_to_prob(_: _Translator, a: list[_Out]) -> _Out:
    rate = f"-{_operand(a[0])}"
    return _Out(f"1-EXP({rate}*{_operand(a[1])})" if len(a) > 1 else f"1-EXP({rate})", atomic=False)


def _prob_to_rate(_: _Translator, a: list[_Out]) -> _Out:
    rate = f"-LN(1-{_operand(a[0])})"
    return _Out(f"{rate}/{_operand(a[1])}" if len(a) > 1 else rate, atomic=False)


def _waning(_: _Translator, a: list[_Out]) -> _Out:
    time, start, duration = (_operand(x) for x in a)
    linear = f"MAX(0,MIN(1,1-({time}-{start})/{duration}))"
    return _Out(f"IF({time}<={start},1,IF({duration}>0,{linear},0))")


def _log(_: _Translator, a: list[_Out]) -> _Out:
    if len(a) == 1:
        return _call("LN", a[0])
    return _Out(f"LN({_as_number(a[0]).text})/LN({_as_number(a[1]).text})", atomic=False)


_FUNCTIONS: dict[str, Callable[[_Translator, list[_Out]], _Out]] = {
    "min": lambda t, a: _call("MIN", *a),
    "max": lambda t, a: _call("MAX", *a),
    "exp": lambda t, a: _call("EXP", *a),
    "log": _log,
    "sqrt": lambda t, a: _call("SQRT", *a),
    "abs": lambda t, a: _call("ABS", *a),
    "floor": lambda t, a: _call("INT", *a),  # INT rounds towards minus infinity, as numpy's floor
    "ceil": lambda t, a: _Out(f"-INT(-{_operand(a[0])})", atomic=False),
    "ifelse": lambda t, a: t._if(a[0], a[1], a[2]),
    "rate_to_prob": _rate_to_prob,
    "prob_to_rate": _prob_to_rate,
    "rescale_prob": lambda t, a: _Out(f"1-POWER(1-{_operand(a[0])},{_as_number(a[1]).text})", atomic=False),
    "waning": _waning,
}

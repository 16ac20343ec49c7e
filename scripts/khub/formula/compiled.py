"""The compiled form of formulas: JSON trees the build writes and both Python and JS evaluate.

People write formulas in one language (khub.formula.language); `compile_formula` turns a parsed
formula into a tree over plain numbers, each name standing for its value in its own unit.
Where units meet (a sum, a comparison, the result in the output's unit) the compiler
converts with an explicit factor, so the tree needs no unit table to run and its working
reads like arithmetic: `tokens per day ÷ 1,000,000 × price per million tokens`.

A tree is a number, a name, or a list [op, arg, …] with op one of + - * / neg min max low
high if < <= > >= == != and or not. A value is a number, a range [low, high] (interval
arithmetic, as in khub.formula.language), or true/false; a comparison holds only over the whole
range. calculators.js holds the same evaluator and printer; tests hold them equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from khub.formula.language import FormulaError, Node
from khub.units import Dimension, Unit, describe_dims, multiply_dims

Expr: TypeAlias = float | int | str | list["Expr"]
Value: TypeAlias = float | list[float] | bool

_ARITH = ("+", "-", "*", "/")
_COMPARE = ("<", "<=", ">", ">=", "==", "!=")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷"}
_RELATION = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


class ExprError(ValueError):
    """A compiled formula that is not well formed."""


# --- compiling ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Typed:
    """A compiled part: its tree, and what one of its numbers is worth in base units."""

    expr: Expr
    dims: Dimension | None  # None: a bare literal, which takes the other side's unit
    scale: float  # expr's number × scale = the value in base units
    unit: Unit | None = None  # the unit the language carries along (literals adopt its scale)
    truth: bool = False  # a condition, not a number


def compile_formula(node: Node, units: Mapping[str, Unit | None], target: Unit) -> Expr:
    """Return the tree that computes node in target's unit, each name read in its own unit.

    units gives each name's unit (None: a plain number). Raises FormulaError when units clash.
    """
    result = _Compiler(units).number(node, target)
    if result.dims is not None and result.dims != target.dims:
        raise FormulaError(
            f"the formula gives {describe_dims(result.dims)}, "
            f"but unit '{target.name}' measures {describe_dims(target.dims)}",
            "fix the formula or the unit",
        )
    return result.expr if result.dims is None else _convert(result, target.scale).expr


def compile_condition(node: Node, units: Mapping[str, Unit | None]) -> Expr:
    """Return the tree of a condition (a claim's holds_when)."""
    return _Compiler(units).condition(node).expr


class _Compiler:
    def __init__(self, units: Mapping[str, Unit | None]) -> None:
        self.units = units

    def number(self, node: Node, target: Unit | None = None) -> _Typed:
        part = self.part(node, target)
        if part.truth:
            raise FormulaError(
                "a comparison cannot be used as a number", "compare at the outermost level only"
            )
        return part

    def condition(self, node: Node) -> _Typed:
        part = self.part(node, None)
        if not part.truth:
            raise FormulaError("a number is not a condition", "compare it, e.g. x >= 5")
        return part

    def part(self, node: Node, target: Unit | None) -> _Typed:
        kind = str(node[0])
        if kind == "num":
            return _Typed(float(node[1]), None, 1.0)  # type: ignore[arg-type]
        if kind == "ref":
            return self._ref(str(node[1]))
        if kind == "neg":
            inner = self.number(node[1], target)  # type: ignore[arg-type]
            negated: Expr = -inner.expr if isinstance(inner.expr, float) else ["neg", inner.expr]
            return _Typed(negated, inner.dims, inner.scale, inner.unit)
        if kind in ("+", "-"):
            a, b = self._aligned(node[1], node[2], kind, target)  # type: ignore[arg-type]
            return _Typed([kind, a.expr, b.expr], a.dims, a.scale, a.unit or b.unit)
        if kind in ("*", "/"):
            return self._product(kind, node[1], node[2])  # type: ignore[arg-type]
        if kind == "call":
            return self._call(str(node[1]), node[2], target)  # type: ignore[arg-type]
        if kind == "cmp":
            a, b = self._aligned(node[2], node[3], str(node[1]), None)  # type: ignore[arg-type]
            return _Typed([str(node[1]), a.expr, b.expr], None, 1.0, truth=True)
        if kind == "not":
            return _Typed(["not", self.condition(node[1]).expr], None, 1.0, truth=True)  # type: ignore[arg-type]
        a, b = self.condition(node[1]), self.condition(node[2])  # type: ignore[arg-type]
        return _Typed([kind, a.expr, b.expr], None, 1.0, truth=True)

    def _ref(self, name: str) -> _Typed:
        if name not in self.units:
            raise FormulaError(f"unknown name '{name}'", "name an input, an output or a fact")
        unit = self.units[name]
        if unit is None:
            return _Typed(name, (), 1.0)
        return _Typed(name, unit.dims, unit.scale, unit)

    def _product(self, op: str, left: Node, right: Node) -> _Typed:
        a, b = self.number(left), self.number(right)
        expr: Expr = [op, a.expr, b.expr]
        if a.dims is None and b.dims is None:
            return _Typed(expr, None, 1.0)
        dims = multiply_dims(a.dims or (), b.dims or (), -1 if op == "/" else 1)
        scale = a.scale / b.scale if op == "/" else a.scale * b.scale
        unit = a.unit if b.dims is None else (b.unit if a.dims is None and op == "*" else None)
        return _Typed(expr, dims, scale, unit)

    def _call(self, name: str, args: tuple[Node, ...], target: Unit | None) -> _Typed:
        if name == "if":
            cond = self.condition(args[0])
            a, b = self._aligned(args[1], args[2], "if()", target)
            return _Typed(["if", cond.expr, a.expr, b.expr], a.dims, a.scale, a.unit or b.unit)
        if name in ("low", "high"):
            inner = self.number(args[0], target)
            return _Typed([name, inner.expr], inner.dims, inner.scale, inner.unit)
        parts = [self.number(arg, target) for arg in args]
        ref = next((p for p in parts if p.dims is not None), None)
        if ref is None:
            return _Typed([name, *(p.expr for p in parts)], None, 1.0)
        scale = target.scale if target is not None and target.dims == ref.dims else ref.scale
        merged = [_align(p, ref, name + "()", None)[0] for p in parts]
        exprs = [_convert(p, scale).expr for p in merged]
        return _Typed([name, *exprs], ref.dims, scale, ref.unit)

    def _aligned(
        self, left: Node, right: Node, op: str, target: Unit | None
    ) -> tuple[_Typed, _Typed]:
        return _align(self.number(left, target), self.number(right, target), op, target)


def _align(a: _Typed, b: _Typed, op: str, target: Unit | None) -> tuple[_Typed, _Typed]:
    """Express both sides in one unit; a bare literal takes the other side's unit."""
    if a.dims is None and b.dims is None:
        return a, b
    if a.dims is None:
        a = _adopt(a, b)
    elif b.dims is None:
        b = _adopt(b, a)
    if a.dims != b.dims:
        raise FormulaError(
            f"'{op}' joins {_describe(a)} and {_describe(b)}",
            f"both sides need the same kind of unit, not {describe_dims(a.dims or ())} "
            f"and {describe_dims(b.dims or ())}",
        )
    scale = target.scale if target is not None and target.dims == a.dims else a.scale
    return _convert(a, scale), _convert(b, scale)


def _adopt(literal: _Typed, other: _Typed) -> _Typed:
    """Read a bare literal in the other side's unit, as khub.formula.language does."""
    unit_scale = other.unit.scale if other.unit else 1.0
    moved = _Typed(literal.expr, other.dims, unit_scale, other.unit)
    return _convert(moved, other.scale)


def _describe(part: _Typed) -> str:
    return part.unit.name if part.unit else describe_dims(part.dims or ())


def _convert(part: _Typed, scale: float) -> _Typed:
    """Return part with its numbers in the given scale, the factor placed where it reads well."""
    factor = part.scale / scale
    if math.isclose(factor, 1.0, rel_tol=1e-12):
        return _Typed(part.expr, part.dims, scale, part.unit, part.truth)
    return _Typed(_scaled(part.expr, factor), part.dims, scale, part.unit, part.truth)


def _tidy(value: float) -> float:
    """Drop binary noise from a conversion factor: 999999.9999999999 becomes 1000000."""
    return float(f"{value:.12g}")


def _scaled(expr: Expr, factor: float) -> Expr:
    """Return expr × factor: a product scales its first factor, a quotient its divisor."""
    if isinstance(expr, float | int) and not isinstance(expr, bool):
        return _tidy(float(expr) * factor)
    if isinstance(expr, list) and expr[0] == "*":
        return ["*", _scaled(expr[1], factor), expr[2]]
    if isinstance(expr, list) and expr[0] == "/" and factor < 1:
        return ["/", expr[1], ["*", expr[2], _tidy(1 / factor)]]
    if factor < 1:
        return ["/", expr, _tidy(1 / factor)]
    return ["*", expr, _tidy(factor)]


# --- evaluating -----------------------------------------------------------------------

_Pair = tuple[float, float]


def evaluate(expr: Expr, env: Mapping[str, Value]) -> Value:
    """Return the value of expr with names taken from env (numbers, [low, high] or booleans)."""
    if isinstance(expr, bool):
        raise ExprError("true/false is not a formula")
    if isinstance(expr, int | float):
        return float(expr)
    if isinstance(expr, str):
        if expr not in env:
            raise ExprError(f"unknown variable '{expr}'")
        return env[expr]
    op, *args = expr
    if op == "if":
        return evaluate(args[1] if _truth(evaluate(args[0], env)) else args[2], env)
    if op in ("and", "or"):
        a, b = (_truth(evaluate(arg, env)) for arg in args)
        return (a and b) if op == "and" else (a or b)
    if op == "not":
        return not _truth(evaluate(args[0], env))
    values = [_pair(evaluate(arg, env)) for arg in args]
    if op in _COMPARE:
        return _compare(str(op), values[0], values[1])
    if op in _ARITH:
        return _value(_arith(str(op), values[0], values[1]))
    return _value(_function(str(op), values))


def _truth(value: Value) -> bool:
    if not isinstance(value, bool):
        raise ExprError("a number is not a condition")
    return value


def _pair(value: Value) -> _Pair:
    """Return a value as an interval (low, high)."""
    if isinstance(value, bool):
        raise ExprError("true/false is not a number")
    if isinstance(value, list):
        return (float(value[0]), float(value[1]))
    return (float(value), float(value))


def _value(pair: _Pair) -> float | list[float]:
    """Return an interval as a number when both ends agree (or are both nan), else a range."""
    if pair[0] == pair[1] or (math.isnan(pair[0]) and math.isnan(pair[1])):
        return pair[0]
    return [pair[0], pair[1]]


def _divide(a: float, b: float) -> float:
    """Divide as IEEE 754 (and JavaScript) does: x / 0 is ±infinity, 0 / 0 is nan."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _hull(values: list[float]) -> _Pair:
    """Return the smallest interval holding every value; nan when any is nan."""
    if any(math.isnan(v) for v in values):
        return (math.nan, math.nan)
    return (min(values), max(values))


def _arith(op: str, a: _Pair, b: _Pair) -> _Pair:
    if a[0] == a[1] and b[0] == b[1]:
        x, y = a[0], b[0]
        exact = {"+": x + y, "-": x - y, "*": x * y, "/": _divide(x, y) if op == "/" else 0.0}
        return (exact[op], exact[op])
    if op == "+":
        return (a[0] + b[0], a[1] + b[1])
    if op == "-":
        return (a[0] - b[1], a[1] - b[0])
    if op == "/" and b[0] <= 0 <= b[1]:
        return (-math.inf, math.inf)
    pick: Callable[[float, float], float] = _divide if op == "/" else (lambda x, y: x * y)
    return _hull([pick(x, y) for x in a for y in b])


def _function(op: str, values: list[_Pair]) -> _Pair:
    if op == "neg":
        return (-values[0][1], -values[0][0])
    if op in ("low", "high"):
        edge = values[0][0] if op == "low" else values[0][1]
        return (edge, edge)
    if op in ("min", "max"):
        pick = min if op == "min" else max
        if any(math.isnan(edge) for v in values for edge in v):
            return (math.nan, math.nan)
        return (pick(v[0] for v in values), pick(v[1] for v in values))
    raise ExprError(f"unknown operator '{op}'")


def _compare(op: str, a: _Pair, b: _Pair) -> bool:
    """Return True only when the comparison holds over the whole of both ranges."""
    if op == ">=":
        return a[0] >= b[1]
    if op == ">":
        return a[0] > b[1]
    if op == "<=":
        return a[1] <= b[0]
    if op == "<":
        return a[1] < b[0]
    if op == "==":
        return a[0] == a[1] == b[0] == b[1]
    return a[1] < b[0] or a[0] > b[1]


def variables(expr: Expr) -> list[str]:
    """Return the variable names expr uses, in order of first use."""
    if isinstance(expr, str):
        return [expr]
    if isinstance(expr, list):
        found = [name for arg in expr[1:] for name in variables(arg)]
        return list(dict.fromkeys(found))
    return []


# --- printing -------------------------------------------------------------------------


def render(expr: Expr, show: Callable[[Expr], str], parent: int = 0, right: bool = False) -> str:
    """Return expr as infix text, each leaf shown by show (a name or a formatted number)."""
    if not isinstance(expr, list):
        return show(expr)
    op = str(expr[0])
    args = expr[1:]
    if op == "if":
        cond, then, other = (render(a, show) for a in args)
        return f"({then} if {cond}, else {other})"
    if op in ("min", "max", "low", "high"):
        return f"{op}({', '.join(render(a, show) for a in args)})"
    if op in _RELATION:
        return f"{render(args[0], show)} {_RELATION[op]} {render(args[1], show)}"
    if op in ("and", "or"):
        return f"({render(args[0], show)} {op} {render(args[1], show)})"
    if op == "not":
        return f"not {render(args[0], show, 3)}"
    if op == "neg":
        return f"−{render(args[0], show, 3)}"
    level = _PRECEDENCE[op]
    text = (
        f"{render(args[0], show, level)} {_SYMBOL[op]} {render(args[1], show, level, right=True)}"
    )
    needs = level < parent or (right and level == parent)
    return f"({text})" if needs else text

"""Calculator formulas as data: evaluate and print them; calculators.js mirrors both.

An expression is a number, a variable name, or a list [op, arg, …] with op one of
+ - * / min max < and if ([if, condition, then, else]). The same lists go into
api/v1/calculators.json, so Python and the browser compute from one definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

Expr: TypeAlias = float | int | str | list["Expr"]

_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷", "<": "<"}


class ExprError(ValueError):
    """A formula that is not well formed."""


def evaluate(expr: Expr, env: Mapping[str, float]) -> float:
    """Return the value of expr with variables taken from env."""
    if isinstance(expr, bool):
        raise ExprError("true/false is not a number")
    if isinstance(expr, int | float):
        return float(expr)
    if isinstance(expr, str):
        if expr not in env:
            raise ExprError(f"unknown variable '{expr}'")
        return env[expr]
    op, *args = expr
    if op == "if":
        return evaluate(args[1] if evaluate(args[0], env) else args[2], env)
    values = [evaluate(a, env) for a in args]
    if op in _BINARY:
        return _BINARY[str(op)](values[0], values[1])
    if op == "<":
        return 1.0 if values[0] < values[1] else 0.0
    if op == "min":
        return min(values)
    if op == "max":
        return max(values)
    raise ExprError(f"unknown operator '{op}'")


def variables(expr: Expr) -> list[str]:
    """Return the variable names expr uses, in order of first use."""
    if isinstance(expr, str):
        return [expr]
    if isinstance(expr, list):
        found = [name for arg in expr[1:] for name in variables(arg)]
        return list(dict.fromkeys(found))
    return []


def render(expr: Expr, show: Callable[[Expr], str], parent: int = 0, right: bool = False) -> str:
    """Return expr as infix text, each leaf shown by show (a name or a formatted number)."""
    if not isinstance(expr, list):
        return show(expr)
    op = str(expr[0])
    args = expr[1:]
    if op == "if":
        cond, then, other = (render(a, show) for a in args)
        return f"({then} if {cond}, else {other})"
    if op in ("min", "max"):
        return f"{op}({', '.join(render(a, show) for a in args)})"
    if op == "<":
        return f"{render(args[0], show)} < {render(args[1], show)}"
    level = _PRECEDENCE[op]
    text = (
        f"{render(args[0], show, level)} {_SYMBOL[op]} {render(args[1], show, level, right=True)}"
    )
    needs = level < parent or (right and level == parent)
    return f"({text})" if needs else text

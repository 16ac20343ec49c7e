"""A small, safe formula language for derived facts and claims (no eval).

Grammar: numbers, names (fact ids such as `series.subject` or a derived id, and the
inputs and outputs of a calculator such as `tokens_per_day`), `+ - * /`, parentheses,
`min(a, b, …)`, `max(a, b, …)`, `low(x)`, `high(x)`, `if(condition, a, b)`, comparisons
`< <= > >= == !=`, and `and`, `or`, `not`. Put spaces around a minus sign: `a-b` is one name.
Values carry their dimension; adding percent to USD is an error. Ranges (3–5×) follow
interval arithmetic, and a comparison holds only when it holds over the whole range, so
`if()` takes its first value only when the condition holds for every point of the range.
The calculators run the same formulas in their compiled form: see khub.formula.compiled.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from khub.units import Dimension, Unit, describe_dims, multiply_dims


class FormulaError(Exception):
    """A formula that cannot be parsed or evaluated."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Quantity:
    """A value in base units: an interval [lo, hi] (lo == hi for a plain number)."""

    lo: float
    hi: float
    dims: Dimension | None  # None: a bare literal that adopts the other side's unit
    unit: Unit | None = None

    @property
    def exact(self) -> bool:
        """Return True when the quantity is a single number, not a range."""
        return self.lo == self.hi


Node = tuple[object, ...]
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[a-z](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)?)"
    r"|(?P<op><=|>=|==|!=|[-+*/()<>,]))"
)
_FUNCS = {"min", "max", "low", "high", "if"}
_WORDS = {"and", "or", "not"}
_COMPARE = {"<", "<=", ">", ">=", "==", "!="}


def tokenize(text: str) -> list[str]:
    """Split a formula into tokens (a text is split once per process)."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=8192)  # generate reads every derived fact's names on each run
def _tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            bad = text[pos:].strip()[:1] or text[pos]
            after = tokens[-1] if tokens else ""
            if bad == "." and "-" in after:
                raise FormulaError(
                    f"unexpected '.' after '{after}'",
                    "put spaces around a minus sign: 'a - b' subtracts, 'a-b' is one name",
                )
            raise FormulaError(
                f"unexpected '{bad}' in formula",
                "use fact ids, numbers, + - * / ( ) and comparisons",
            )
        tokens.append(match.group(match.lastgroup or "op"))
        pos = match.end()
    return tuple(tokens)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None and expected == ")":
            raise FormulaError("missing ')' at the end of the formula", "close every '('")
        if token is None:
            raise FormulaError("formula ends too early", "complete the expression")
        if expected is not None and token != expected:
            raise FormulaError(f"expected '{expected}', found '{token}'", "check the brackets")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.logic_or()
        extra = self.peek()
        if extra == ")":
            raise FormulaError("unexpected ')' in formula", "remove it, or add the '(' it closes")
        if extra is not None:
            raise FormulaError(
                f"unexpected '{extra}' in formula",
                "join two values with an operator such as + - * / or >=",
            )
        return node

    def logic_or(self) -> Node:
        node = self.logic_and()
        while self.peek() == "or":
            self.take()
            node = ("or", node, self.logic_and())
        return node

    def logic_and(self) -> Node:
        node = self.logic_not()
        while self.peek() == "and":
            self.take()
            node = ("and", node, self.logic_not())
        return node

    def logic_not(self) -> Node:
        if self.peek() == "not":
            self.take()
            return ("not", self.logic_not())
        return self.compare()

    def compare(self) -> Node:
        node = self.sum()
        if self.peek() in _COMPARE:
            op = self.take()
            node = ("cmp", op, node, self.sum())
        return node

    def sum(self) -> Node:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            node = (op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            node = (op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            return ("neg", self.unary())
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token == "(":
            node = self.logic_or()
            self.take(")")
            return node
        if token[0].isdigit():
            return ("num", float(token))
        if token in _FUNCS and self.peek() == "(":
            return self.call(token)
        if self.peek() == "(" and token not in _WORDS:
            raise FormulaError(
                f"unknown function '{token}()'", "use min(), max(), low(), high() or if()"
            )
        if token in _WORDS or not token[0].isalpha():
            raise FormulaError(f"unexpected '{token}' in formula", "complete the expression")
        return ("ref", token)

    def call(self, name: str) -> Node:
        self.take("(")
        args = [self.logic_or()]
        while self.peek() == ",":
            self.take()
            args.append(self.logic_or())
        self.take(")")
        if name in ("low", "high") and len(args) != 1:
            raise FormulaError(f"{name}() takes one value", f"write {name}(fact-id)")
        if name == "if" and len(args) != 3:
            raise FormulaError(
                "if() takes a condition and two values", "write if(a < b, value if true, otherwise)"
            )
        return ("call", name, tuple(args))


def parse(text: str) -> Node:
    """Parse a formula into a tree (an immutable one: a text is parsed once per process)."""
    if not text.strip():
        raise FormulaError("formula is empty", "write an expression over fact ids")
    return _parsed(text)


@functools.lru_cache(maxsize=8192)  # a preview loads every formula again after each edit
def _parsed(text: str) -> Node:
    return _Parser(tokenize(text)).parse()


def references(node: Node) -> list[str]:
    """Return the fact ids a parsed formula names, in order of first use."""
    found: list[str] = []
    _collect(node, found)
    return list(dict.fromkeys(found))


def _collect(node: Node, found: list[str]) -> None:
    if node[0] == "ref":
        found.append(str(node[1]))
        return
    for child in node[1:]:
        if isinstance(child, tuple):
            if child and isinstance(child[0], tuple):
                for arg in child:
                    _collect(arg, found)
            else:
                _collect(child, found)


Lookup = Callable[[str], Quantity | None]


def evaluate(node: Node, lookup: Lookup) -> Quantity | bool | None:
    """Evaluate a parsed formula; None when an input is unknown (null)."""
    return _Evaluator(lookup).eval(node)


class _Evaluator:
    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup

    def eval(self, node: Node) -> Quantity | bool | None:
        kind = node[0]
        handler: Mapping[object, Callable[[Node], Quantity | bool | None]] = {
            "num": self._num,
            "ref": self._ref,
            "neg": self._neg,
            "call": self._call,
            "cmp": self._cmp,
            "and": self._logic,
            "or": self._logic,
            "not": self._not,
        }
        if kind in handler:
            return handler[kind](node)
        return self._arith(node)

    def quantity(self, node: Node) -> Quantity | None:
        value = self.eval(node)
        if isinstance(value, bool):
            raise FormulaError(
                "a comparison cannot be used as a number", "compare at the outermost level only"
            )
        return value

    def truth(self, node: Node) -> bool | None:
        value = self.eval(node)
        if isinstance(value, Quantity):
            raise FormulaError("a number is not a condition", "compare it, e.g. x >= 5")
        return value

    def _num(self, node: Node) -> Quantity:
        value = float(node[1])  # type: ignore[arg-type]
        return Quantity(value, value, None)

    def _ref(self, node: Node) -> Quantity | None:
        return self.lookup(str(node[1]))

    def _neg(self, node: Node) -> Quantity | None:
        q = self.quantity(node[1])  # type: ignore[arg-type]
        return None if q is None else Quantity(-q.hi, -q.lo, q.dims, q.unit)

    def _arith(self, node: Node) -> Quantity | None:
        op = node[0]
        a = self.quantity(node[1])  # type: ignore[arg-type]
        b = self.quantity(node[2])  # type: ignore[arg-type]
        if a is None or b is None:
            return None
        if op in ("+", "-"):
            a, b = _align(a, b, str(op))
            if op == "+":
                return _finite(Quantity(a.lo + b.lo, a.hi + b.hi, a.dims, a.unit or b.unit), op)
            return _finite(Quantity(a.lo - b.hi, a.hi - b.lo, a.dims, a.unit or b.unit), op)
        return _finite(_multiply(a, b, divide=op == "/"), str(op))

    def _call(self, node: Node) -> Quantity | None:
        name = str(node[1])
        arg_nodes: tuple[Node, ...] = node[2]  # type: ignore[assignment]
        if name == "if":
            return self._if(arg_nodes)
        args = [self.quantity(arg) for arg in arg_nodes]
        if any(a is None for a in args):
            return None
        values = [a for a in args if a is not None]
        if name in ("low", "high"):
            q = values[0]
            edge = q.lo if name == "low" else q.hi
            return Quantity(edge, edge, q.dims, q.unit)
        first = values[0]
        for other in values[1:]:
            first, other = _align(first, other, name + "()")
            pick = min if name == "min" else max
            first = Quantity(
                pick(first.lo, other.lo),
                pick(first.hi, other.hi),
                first.dims,
                first.unit or other.unit,
            )
        return first

    def _if(self, args: tuple[Node, ...]) -> Quantity | None:
        """Return the first value when the condition holds, else the second; both are checked."""
        holds = self.truth(args[0])
        then, other = self.quantity(args[1]), self.quantity(args[2])
        if then is not None and other is not None:
            then, other = _align(then, other, "if()")
        if holds is None:
            return None
        return then if holds else other

    def _cmp(self, node: Node) -> bool | None:
        op = str(node[1])
        a = self.quantity(node[2])  # type: ignore[arg-type]
        b = self.quantity(node[3])  # type: ignore[arg-type]
        if a is None or b is None:
            return None
        a, b = _align(a, b, op)
        return _compare(op, a, b)

    def _logic(self, node: Node) -> bool | None:
        a = self.truth(node[1])  # type: ignore[arg-type]
        b = self.truth(node[2])  # type: ignore[arg-type]
        if node[0] == "and":
            return False if a is False or b is False else (None if a is None or b is None else True)
        return True if a is True or b is True else (None if a is None or b is None else False)

    def _not(self, node: Node) -> bool | None:
        value = self.truth(node[1])  # type: ignore[arg-type]
        return None if value is None else not value


def _align(a: Quantity, b: Quantity, op: str) -> tuple[Quantity, Quantity]:
    """Give a bare literal the unit of the other side; refuse different dimensions."""
    if a.dims is None and b.dims is not None:
        scale = b.unit.scale if b.unit else 1.0
        a = Quantity(a.lo * scale, a.hi * scale, b.dims, b.unit)
    elif b.dims is None and a.dims is not None:
        scale = a.unit.scale if a.unit else 1.0
        b = Quantity(b.lo * scale, b.hi * scale, a.dims, a.unit)
    if a.dims != b.dims:
        raise FormulaError(
            f"'{op}' joins {_describe(a)} and {_describe(b)}",
            f"both sides need the same kind of unit, not {describe_dims(a.dims or ())} "
            f"and {describe_dims(b.dims or ())}",
        )
    return a, b


def _describe(q: Quantity) -> str:
    """Name a quantity's unit for a message: its unit name, else its dimension."""
    return q.unit.name if q.unit else describe_dims(q.dims or ())


def _multiply(a: Quantity, b: Quantity, divide: bool) -> Quantity:
    if divide:
        if b.lo <= 0 <= b.hi:
            raise FormulaError("division by zero", "the divisor's value must not be 0")
        products = (a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi)
    else:
        products = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
    dims = multiply_dims(a.dims or (), b.dims or (), -1 if divide else 1)
    if a.dims is None and b.dims is None:
        return Quantity(min(products), max(products), None, None)
    unit = a.unit if b.dims is None else (b.unit if a.dims is None and not divide else None)
    return Quantity(min(products), max(products), dims, unit)


def _finite(q: Quantity, op: str) -> Quantity:
    """Refuse a result too large for a float rather than carry inf or nan onwards."""
    if math.isfinite(q.lo) and math.isfinite(q.hi):
        return q
    raise FormulaError(
        f"'{op}' gives a number too large to compute", "check the inputs' values and units"
    )


def _compare(op: str, a: Quantity, b: Quantity) -> bool:
    """Return True only when the comparison holds over the whole of both ranges."""
    if op == ">=":
        return a.lo >= b.hi
    if op == ">":
        return a.lo > b.hi
    if op == "<=":
        return a.hi <= b.lo
    if op == "<":
        return a.hi < b.lo
    if op == "==":
        return a.lo == a.hi == b.lo == b.hi
    return a.hi < b.lo or a.lo > b.hi

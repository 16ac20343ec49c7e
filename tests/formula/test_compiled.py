"""The compiled form: it computes what the formula language computes, and prints readably.

The property test runs every formula of data/calculators.yml and data/derived.yml (values
and claims) through both evaluators, khub.formula.language on quantities in base units and
khub.formula.compiled on the compiled tree in each name's own unit, over random inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from khub.calc.spec import CALCULATORS_PATH, CalculatorsFile
from khub.data.load import load
from khub.data.model import DerivedFile, FactSet
from khub.data.yamlio import parse as parse_yaml
from khub.formula.compiled import (
    Expr,
    ExprError,
    compile_condition,
    compile_formula,
    evaluate,
    render,
    variables,
)
from khub.formula.language import FormulaError, Node, Quantity, parse, references
from khub.formula.language import evaluate as evaluate_formula
from khub.units import UNITS, Unit
from tests.kit.hubs import TODAY
from tests.kit.paths import REPO


@dataclass(frozen=True)
class Case:
    """One formula of the repository with the unit of every name it uses."""

    id: str
    text: str
    units: dict[str, Unit | None]
    target: Unit | None  # None: a condition


def _load(path: str) -> Any:
    data, problem = parse_yaml(path, (REPO / path).read_text(encoding="utf-8"))
    assert problem is None
    return data


def _with_facts(text: str, units: dict[str, Unit | None], factset: FactSet) -> dict[str, Any]:
    found = dict(units)
    for ref in references(parse(text)):
        if ref not in found:
            found[ref] = factset.facts[ref].unit
    return found


def _calculator_cases(factset: FactSet) -> list[Case]:
    record = CalculatorsFile.model_validate(_load(CALCULATORS_PATH))
    cases = []
    for cid, calc in record.calculators.items():
        units: dict[str, Unit | None] = {
            iid: UNITS[i.unit] if i.unit else None for iid, i in calc.inputs.items()
        }
        units.update({oid: UNITS[o.unit] for oid, o in calc.outputs.items()})
        if calc.table:
            units.update({n: UNITS[c.unit] for n, c in calc.table.columns.items()})
        for oid, out in calc.outputs.items():
            found = _with_facts(out.formula, units, factset)
            cases.append(Case(f"{cid}.{oid}", out.formula, found, UNITS[out.unit]))
    return cases


def _derived_cases(factset: FactSet) -> list[Case]:
    record = DerivedFile.model_validate(_load("data/derived.yml"))
    cases = [
        Case(did, d.formula, _with_facts(d.formula, {}, factset), UNITS[d.unit])
        for did, d in record.derived.items()
    ]
    cases += [
        Case(cid, c.holds_when, _with_facts(c.holds_when, {}, factset), None)
        for cid, c in record.claims.items()
    ]
    return cases


def _cases() -> list[Case]:
    factset, _ = load(REPO, today=TODAY, cache=False)
    return _calculator_cases(factset) + _derived_cases(factset)


CASES = _cases()


def test_every_formula_of_the_repository_is_covered() -> None:
    ids = {case.id for case in CASES}
    assert "self-hosting-breakeven.tco_cost_per_day" in ids
    assert "api-cost.monthly_cost" in ids
    assert "frontier-lead" in ids and "crossover-saving-not-reproduced" in ids
    assert len(CASES) >= 40


def _compile(case: Case) -> Expr:
    node = parse(case.text)
    if case.target is None:
        return compile_condition(node, case.units)
    return compile_formula(node, case.units, case.target)


Given = tuple[float, float]
POSITIVE = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
VALUE = st.one_of(POSITIVE.map(lambda v: (v, v)), st.tuples(POSITIVE, POSITIVE).map(sorted))


def _quantity(value: Given, unit: Unit | None) -> Quantity:
    scale = unit.scale if unit else 1.0
    return Quantity(value[0] * scale, value[1] * scale, unit.dims if unit else (), unit)


def _by_formula(case: Case, node: Node, given: dict[str, Given]) -> Any:
    """Evaluate with the language; return a truth, or the (low, high) in the target's unit."""
    known = {name: _quantity(v, case.units[name]) for name, v in given.items()}
    result = evaluate_formula(node, known.__getitem__)
    if isinstance(result, bool) or result is None:
        return result
    scale = case.target.scale if case.target and result.dims is not None else 1.0
    return (result.lo / scale, result.hi / scale)


def _comparisons(node: Node) -> list[Node]:
    """Return every comparison inside a parsed formula."""
    found = [node] if node[0] == "cmp" else []
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], tuple):
            found += [c for arg in child for c in _comparisons(arg)]  # a call's arguments
        elif isinstance(child, tuple):
            found += _comparisons(child)
    return found


def _spread(value: Given, index: int) -> Given:
    """Keep two names from drawing the very same number, which would tie every comparison."""
    factor = 1 + index * 1e-7
    return (value[0] * factor, value[1] * factor)


def _nudged(given: dict[str, Given], sign: int) -> dict[str, Given]:
    """Move each input by a billionth, alternately up and down, to expose a knife edge."""
    out = {}
    for i, (name, (lo, hi)) in enumerate(sorted(given.items())):
        factor = 1 + sign * (-1) ** i * 1e-9
        out[name] = (lo * factor, hi * factor)
    return out


def _same(a: tuple[float, float], b: tuple[float, float], slack: float) -> bool:
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=slack) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_the_compiled_form_agrees_with_the_language(case: Case, data: st.DataObject) -> None:
    node = parse(case.text)
    expr = _compile(case)
    given = {
        name: _spread(data.draw(VALUE, label=name), i) for i, name in enumerate(references(node))
    }
    try:
        expected = _by_formula(case, node, given)
        moved = [_by_formula(case, node, _nudged(given, sign)) for sign in (1, -1)]
        edges = [
            {_by_formula(case, cmp, g) for g in (given, _nudged(given, 1), _nudged(given, -1))}
            for cmp in _comparisons(node)
        ]
    except FormulaError:
        assume(False)  # both engines refuse it: division by zero, overflow
        return
    assume(all(len(truths) == 1 for truths in edges))  # no comparison sits on its edge
    env = {name: (lo if lo == hi else [lo, hi]) for name, (lo, hi) in given.items()}
    got = evaluate(expr, env)
    if isinstance(expected, bool):
        assert got is expected
        return
    # Rounding differs between base units and each name's own unit; allow what a change of
    # a trillionth in the inputs would move the result (a subtraction magnifies it).
    slack = 1e-3 * max(abs(m[i] - expected[i]) for m in moved for i in (0, 1))
    pair = (got[0], got[1]) if isinstance(got, list) else (got, got)
    assert _same(pair, expected, slack), (case.id, given, pair, expected)


# --- how the compiled form reads ---------------------------------------------------------


def _compiled(text: str, target: str, **units: str | None) -> Expr:
    table = {name: UNITS[u] if u else None for name, u in units.items()}
    return compile_formula(parse(text), table, UNITS[target])


@pytest.mark.parametrize(
    ("text", "target", "units", "tree"),
    [
        (
            "tokens * price",
            "usd_per_day",
            {"tokens": "tokens_per_day", "price": "usd_per_mtok"},
            ["*", ["/", "tokens", 1e6], "price"],
        ),
        (
            "cost / price",
            "tokens_per_day",
            {"cost": "usd_per_day", "price": "usd_per_mtok"},
            ["*", ["/", "cost", "price"], 1e6],
        ),
        (
            "salary + cycle / weeks",
            "usd_per_day",
            {"salary": "usd_per_year", "cycle": "usd", "weeks": "weeks"},
            ["+", ["/", "salary", 365.0], ["/", "cycle", ["*", "weeks", 7.0]]],
        ),
        (
            "if(u < m, cost * rise, cost)",
            "usd_per_day",
            {"u": "percent", "m": "percent", "cost": "usd_per_day", "rise": "multiplier"},
            ["if", ["<", "u", "m"], ["*", "cost", "rise"], "cost"],
        ),
        ("a + 2", "weeks", {"a": "weeks"}, ["+", "a", 2.0]),
        ("a", "days", {"a": "weeks"}, ["*", "a", 7.0]),
        (
            "volume / per",
            "tokens_per_day",
            {"volume": "tokens_per_day", "per": None},
            ["/", "volume", "per"],
        ),
    ],
)
def test_conversions_are_explicit_factors_where_units_meet(
    text: str, target: str, units: dict[str, str | None], tree: Expr
) -> None:
    """The factor sits where the working reads naturally: tokens ÷ 1,000,000 × price."""
    assert _compiled(text, target, **units) == tree


@pytest.mark.parametrize(
    ("text", "units", "target", "message"),
    [
        ("a + b", {"a": "usd", "b": "tokens"}, "usd", "'+' joins usd and tokens"),
        ("a", {"a": "usd_per_day"}, "tokens_per_day", "the formula gives usd/day, but unit"),
        ("(a > 1) + 1", {"a": "usd"}, "usd", "a comparison cannot be used as a number"),
        ("if(a, a, a)", {"a": "usd"}, "usd", "a number is not a condition"),
        ("b", {"a": "usd"}, "usd", "unknown name 'b'"),
    ],
)
def test_a_formula_that_does_not_compile_says_why(
    text: str, units: dict[str, str], target: str, message: str
) -> None:
    with pytest.raises(FormulaError) as caught:
        _compiled(text, target, **units)
    assert caught.value.message.startswith(message)


def test_ranges_follow_interval_arithmetic() -> None:
    env: dict[str, Any] = {"a": [3.0, 5.0], "b": 43.0, "c": [-1.0, 2.0]}
    assert evaluate(["*", "b", "a"], env) == [129, 215]
    assert evaluate(["-", "a", "a"], env) == [-2, 2]
    assert evaluate(["/", "b", "c"], env) == [-math.inf, math.inf]
    assert evaluate(["neg", "a"], env) == [-5, -3]
    assert evaluate(["min", "a", 4.0], env) == [3, 4]
    assert evaluate(["low", "a"], env) == 3 and evaluate(["high", "a"], env) == 5
    assert evaluate([">=", "a", 3.0], env) is True
    assert evaluate([">=", "a", 4.0], env) is False
    assert evaluate(["if", ["<", "a", 4.0], 1.0, 2.0], env) == 2
    assert evaluate(["and", [">", "b", 1.0], ["not", ["==", "a", 4.0]]], env) is True


def test_division_by_zero_gives_what_javascript_gives() -> None:
    assert evaluate(["/", 1.0, 0.0], {}) == math.inf
    assert evaluate(["/", -1.0, 0.0], {}) == -math.inf
    assert math.isnan(evaluate(["/", 0.0, 0.0], {}))  # type: ignore[arg-type]


def test_trees_print_with_the_right_brackets() -> None:
    expr: Any = ["/", "a", ["*", "b", ["+", "c", 1.0]]]
    assert evaluate(expr, {"a": 12.0, "b": 2.0, "c": 2.0}) == 2.0
    assert render(expr, str) == "a ÷ (b × (c + 1.0))"
    assert render(["-", ["-", "a", "b"], "c"], str) == "a − b − c"
    assert render(["-", "a", ["-", "b", "c"]], str) == "a − (b − c)"
    assert render(["if", ["<=", "a", "b"], ["neg", "a"], "b"], str) == "(−a if a ≤ b, else b)"
    assert render(["and", ["!=", "a", "b"], ["not", [">", "a", 1.0]]], str) == (
        "(a ≠ b and not a > 1.0)"
    )
    assert variables(expr) == ["a", "b", "c"]


def test_a_malformed_tree_is_refused() -> None:
    with pytest.raises(ExprError, match="unknown variable 'x'"):
        evaluate(["+", "x", 1.0], {})
    with pytest.raises(ExprError, match="unknown operator 'pow'"):
        evaluate(["pow", 2.0, 3.0], {})
    with pytest.raises(ExprError, match="a number is not a condition"):
        evaluate(["if", 1.0, 2.0, 3.0], {})

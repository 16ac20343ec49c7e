"""The formula language: parse errors, names with hyphens, interval arithmetic, units, claims."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from khub.formula.language import FormulaError, Quantity, evaluate, parse, references
from khub.units import get_unit

Given = float | tuple[float, float] | None


def _facts(**facts: tuple[Given, str]) -> dict[str, Quantity | None]:
    """Return quantities in base units, keyed by id (underscores in names become dots)."""
    out: dict[str, Quantity | None] = {}
    for name, (value, unit_name) in facts.items():
        unit = get_unit(unit_name)
        assert unit is not None
        fid = name.replace("__", ".").replace("_", "-")
        if value is None:
            out[fid] = None
            continue
        lo, hi = value if isinstance(value, tuple) else (value, value)
        out[fid] = Quantity(lo * unit.scale, hi * unit.scale, unit.dims, unit)
    return out


def run(text: str, **facts: tuple[Given, str]) -> Quantity | bool | None:
    """Parse and evaluate text over the given facts."""
    known = _facts(**facts)
    return evaluate(parse(text), lambda fid: known[fid])


def in_unit(result: Quantity | bool | None, unit_name: str) -> tuple[float, float]:
    """Return a quantity's interval in the named unit."""
    unit = get_unit(unit_name)
    assert isinstance(result, Quantity) and unit is not None
    return (result.lo / unit.scale, result.hi / unit.scale)


# --- parsing -------------------------------------------------------------------------------

PARSE_ERRORS = [
    ("", "formula is empty", "write an expression over fact ids"),
    ("   ", "formula is empty", "write an expression over fact ids"),
    ("a +", "formula ends too early", "complete the expression"),
    ("(a - b", "missing ')' at the end of the formula", "close every '('"),
    ("min(a, b", "missing ')' at the end of the formula", "close every '('"),
    ("a - b)", "unexpected ')' in formula", "remove it, or add the '(' it closes"),
    ("a b", "unexpected 'b' in formula", "join two values with an operator such as + - * / or >="),
    (
        "s.a-s.b",
        "unexpected '.' after 's.a-s'",
        "put spaces around a minus sign: 'a - b' subtracts, 'a-b' is one name",
    ),
    ("a $ b", "unexpected '$' in formula", "use fact ids, numbers, + - * / ( ) and comparisons"),
    ("Lead - 1", "unexpected 'L' in formula", "use fact ids, numbers, + - * / ( ) and comparisons"),
    ("sum(a, b)", "unknown function 'sum()'", "use min(), max(), low(), high() or if()"),
    ("low(a, b)", "low() takes one value", "write low(fact-id)"),
    (
        "if(a > b, c)",
        "if() takes a condition and two values",
        "write if(a < b, value if true, otherwise)",
    ),
    ("a >= and", "unexpected 'and' in formula", "complete the expression"),
    ("a = 5", "unexpected '=' in formula", "use fact ids, numbers, + - * / ( ) and comparisons"),
]


@pytest.mark.parametrize(("text", "message", "hint"), PARSE_ERRORS)
def test_parse_error_says_what_and_how_to_fix(text: str, message: str, hint: str) -> None:
    """Every malformed formula gives one FormulaError with an actionable hint."""
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.hint) == (message, hint)


REFERENCES = [
    ("a-b", ["a-b"]),
    ("a - b", ["a", "b"]),
    ("a -b", ["a", "b"]),
    ("score.model-a - score.model-b", ["score.model-a", "score.model-b"]),
    ("x + y * x", ["x", "y"]),
    ("min(a, max(b, c)) >= low(d)", ["a", "b", "c", "d"]),
    ("not (a > 1 and b < 2) or c == 3", ["a", "b", "c"]),
    ("2 * 3", []),
    ("lead-5 >= 0", ["lead-5"]),
    ("tokens_per_day * price_per_mtok", ["tokens_per_day", "price_per_mtok"]),
    ("if(a < s.b, c_d, 2)", ["a", "s.b", "c_d"]),
]


@pytest.mark.parametrize(("text", "refs"), REFERENCES)
def test_references_in_order_of_first_use(text: str, refs: list[str]) -> None:
    """A hyphen inside a name belongs to the name; a spaced minus subtracts."""
    assert references(parse(text)) == refs


# --- arithmetic ----------------------------------------------------------------------------

ARITHMETIC: list[tuple[str, dict[str, tuple[Given, str]], str, tuple[float, float]]] = [
    ("a - b", {"a": (88.6, "percent"), "b": (80.2, "percent")}, "points", (8.4, 8.4)),
    ("a + 1", {"a": (50, "percent")}, "percent", (51, 51)),
    ("2 * a", {"a": (43, "usd_per_day")}, "usd_per_day", (86, 86)),
    ("a * b", {"a": (43, "usd_per_day"), "b": ((3, 5), "multiplier")}, "usd_per_day", (129, 215)),
    ("a - b", {"a": ((3, 5), "count"), "b": ((1, 2), "count")}, "count", (1, 4)),
    ("a / b", {"a": ((2, 4), "count"), "b": ((1, 2), "count")}, "count", (1, 4)),
    ("-a", {"a": ((3, 5), "count")}, "count", (-5, -3)),
    ("a * b", {"a": ((-2, 3), "count"), "b": ((4, 5), "count")}, "count", (-10, 15)),
    ("min(a, b)", {"a": ((3, 5), "count"), "b": (4, "count")}, "count", (3, 4)),
    ("max(a, b)", {"a": ((3, 5), "count"), "b": (4, "count")}, "count", (4, 5)),
    ("low(a)", {"a": ((25.86, 92.78), "percent")}, "percent", (25.86, 25.86)),
    ("high(a)", {"a": ((25.86, 92.78), "percent")}, "percent", (92.78, 92.78)),
    (
        "a / b",
        {"a": (43, "usd_per_day"), "b": (0.12, "usd_per_day")},
        "multiplier",
        (43 / 0.12,) * 2,
    ),
    ("a", {"a": (1_000_000, "tokens_per_day")}, "tokens_per_month", (30e6, 30e6)),
    (
        "a / b",
        {"a": (500e6, "tokens_per_day"), "b": (2000, "tokens_per_run")},
        "runs_per_day",
        (250e3, 250e3),
    ),
    (
        "a * b",
        {"a": (0.12, "usd_per_mtok"), "b": (500e6, "tokens_per_day")},
        "usd_per_day",
        (60, 60),
    ),
    ("a + b", {"a": (1, "weeks"), "b": (3, "days")}, "days", (10, 10)),
    ("a", {"a": (145_000, "usd_per_year")}, "usd_per_day", (145_000 / 365,) * 2),
]


@pytest.mark.parametrize(("text", "facts", "unit", "expected"), ARITHMETIC)
def test_arithmetic_follows_intervals_and_units(
    text: str, facts: dict[str, tuple[Given, str]], unit: str, expected: tuple[float, float]
) -> None:
    """Results are intervals in base units; converted back they give the expected figures."""
    lo, hi = in_unit(run(text, **facts), unit)
    assert lo == pytest.approx(expected[0])
    assert hi == pytest.approx(expected[1])


UNIT_ERRORS = [
    (
        "a - b",
        {"a": (88.6, "percent"), "b": (5, "usd_per_mtok")},
        "'-' joins percent and usd_per_mtok",
    ),
    (
        "a + b",
        {"a": (1, "tokens_per_day"), "b": (1, "usd_per_day")},
        "'+' joins tokens_per_day and usd_per_day",
    ),
    ("a >= b", {"a": (1, "users"), "b": (1, "days")}, "'>=' joins users and days"),
    ("min(a, b)", {"a": (1, "usd"), "b": (1, "count")}, "'min()' joins usd and count"),
    ("a * b + a", {"a": (1, "usd"), "b": (1, "usd")}, "'+' joins usd^2 and usd"),
]


@pytest.mark.parametrize(("text", "facts", "message"), UNIT_ERRORS)
def test_different_dimensions_do_not_mix(
    text: str, facts: dict[str, tuple[Given, str]], message: str
) -> None:
    """Adding or comparing values of different dimensions is an error naming both units."""
    with pytest.raises(FormulaError) as caught:
        run(text, **facts)
    assert caught.value.message == message
    assert caught.value.hint.startswith("both sides need the same kind of unit")


def test_unit_message_names_dimensions_in_the_hint() -> None:
    """The hint explains the clash in dimensions: percent is a plain number, a price is not."""
    with pytest.raises(FormulaError) as caught:
        run("a - b", a=(88.6, "percent"), b=(5, "usd_per_mtok"))
    assert caught.value.hint == (
        "both sides need the same kind of unit, not a plain number and usd/token"
    )


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("a / (b - b)", {"a": (1, "count"), "b": (2, "count")}),
        ("a / b", {"a": (1, "count"), "b": ((-1, 1), "count")}),
        ("a / 0", {"a": (1, "count")}),
    ],
)
def test_division_by_zero_is_refused(text: str, facts: dict[str, tuple[Given, str]]) -> None:
    """A divisor that is, or may be, zero is an error, not inf or nan."""
    with pytest.raises(FormulaError) as caught:
        run(text, **facts)
    assert caught.value.message == "division by zero"


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("a / b", {"a": (1e9, "count"), "b": (1e-320, "count")}),
        ("a * b", {"a": (1e200, "count"), "b": (1e200, "count")}),
        ("a + b", {"a": (1.7e308, "count"), "b": (1.7e308, "count")}),
    ],
)
def test_overflow_is_an_error_not_inf(text: str, facts: dict[str, tuple[Given, str]]) -> None:
    """A result too large for a float is refused instead of carried on as inf or nan."""
    with pytest.raises(FormulaError) as caught:
        run(text, **facts)
    assert caught.value.message == f"'{text.split()[1]}' gives a number too large to compute"


def test_zero_over_a_tiny_divisor_is_zero() -> None:
    """Dividing zero by a tiny number gives 0, not nan."""
    assert in_unit(run("a / b", a=(0, "count"), b=(1e-313, "count")), "count") == (0, 0)


def test_unknown_input_gives_unknown_result() -> None:
    """A null input makes the value unknown rather than wrong."""
    assert run("a + b", a=(1, "count"), b=(None, "count")) is None
    assert run("min(a, b)", a=(1, "count"), b=(None, "count")) is None


# --- if() ------------------------------------------------------------------------------

IFS: list[tuple[str, dict[str, tuple[Given, str]], tuple[float, float]]] = [
    ("if(a < b, a * 10, a)", {"a": (43, "usd_per_day"), "b": (50, "usd_per_day")}, (430, 430)),
    ("if(a < b, a * 10, a)", {"a": (50, "usd_per_day"), "b": (50, "usd_per_day")}, (50, 50)),
    # a range condition holds only over the whole range, so 3–5 >= 4 takes the second value
    ("if(m >= 4, 1, 2)", {"m": ((3, 5), "multiplier")}, (2, 2)),
    ("if(m >= 3, m, 0)", {"m": ((3, 5), "multiplier")}, (3, 5)),
    # a bare number takes the unit of the other value
    ("if(a > 1, a, 2)", {"a": (1, "weeks")}, (2, 2)),
]


@pytest.mark.parametrize(("text", "facts", "expected"), IFS)
def test_if_picks_a_value_by_its_condition(
    text: str, facts: dict[str, tuple[Given, str]], expected: tuple[float, float]
) -> None:
    """if(condition, a, b) is a when the condition holds, else b, with a's unit."""
    unit = next(iter(facts.values()))[1]
    assert in_unit(run(text, **facts), unit) == pytest.approx(expected)


def test_if_needs_values_of_one_kind() -> None:
    """Both values of if() are checked, even the one not taken."""
    with pytest.raises(FormulaError) as caught:
        run("if(a > 1, a, b)", a=(2, "usd"), b=(1, "tokens"))
    assert caught.value.message == "'if()' joins usd and tokens"


def test_if_with_an_unknown_condition_is_unknown() -> None:
    assert run("if(a > 1, b, b)", a=(None, "count"), b=(1, "count")) is None


# --- comparisons and claims ----------------------------------------------------------------

CLAIMS: list[tuple[str, dict[str, tuple[Given, str]], bool | None]] = [
    # literals adopt the unit of the other side
    ("a >= 5", {"a": (8.4, "points")}, True),
    ("a >= 10", {"a": (8.4, "points")}, False),
    ("5 <= a", {"a": (8.4, "points")}, True),
    ("a >= 20", {"a": (25, "usd_per_mtok")}, True),
    ("a < 500000000", {"a": (30e6, "tokens_per_month")}, True),
    ("a == 50", {"a": (50, "percent")}, True),
    # a comparison holds only over the whole range
    ("a >= 3", {"a": ((3, 5), "multiplier")}, True),
    ("a >= 4", {"a": ((3, 5), "multiplier")}, False),
    ("a < 6", {"a": ((3, 5), "multiplier")}, True),
    ("a < 5", {"a": ((3, 5), "multiplier")}, False),
    ("a == 4", {"a": ((3, 5), "multiplier")}, False),
    ("a != 6", {"a": ((3, 5), "multiplier")}, True),
    ("a != 4", {"a": ((3, 5), "multiplier")}, False),
    ("a < b", {"a": (60, "usd_per_day"), "b": ((129, 215), "usd_per_day")}, True),
    # different units of one dimension compare after conversion
    ("a < b", {"a": (30e6, "tokens_per_month"), "b": (500e6, "tokens_per_day")}, True),
    ("a == b", {"a": (2, "weeks"), "b": (14, "days")}, True),
    # logic, with null inputs
    ("a > 1 and b > 1", {"a": (2, "count"), "b": (None, "count")}, None),
    ("a > 5 and b > 1", {"a": (2, "count"), "b": (None, "count")}, False),
    ("a > 1 or b > 1", {"a": (2, "count"), "b": (None, "count")}, True),
    ("not b > 1", {"b": (None, "count")}, None),
    ("not a > 1", {"a": (2, "count")}, False),
]


@pytest.mark.parametrize(("text", "facts", "holds"), CLAIMS)
def test_claim_truth(text: str, facts: dict[str, tuple[Given, str]], holds: bool | None) -> None:
    """Claims are true, false, or unknown when an input is null."""
    assert run(text, **facts) is holds


def test_comparison_is_not_a_number() -> None:
    """A comparison cannot feed arithmetic."""
    with pytest.raises(FormulaError) as caught:
        run("(a > 1) + 1", a=(2, "count"))
    assert caught.value.message == "a comparison cannot be used as a number"


def test_number_is_not_a_condition() -> None:
    """and/or/not need conditions on both sides."""
    with pytest.raises(FormulaError) as caught:
        run("a and a > 1", a=(2, "count"))
    assert caught.value.message == "a number is not a condition"


# --- properties ----------------------------------------------------------------------------

FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
NUMERIC_UNITS = ["percent", "points", "usd", "usd_per_mtok", "usd_per_month", "tokens_per_day"]
TOKENS = ["a", "b-c", "s.t", "1", "2.5", "1e3", "+", "-", "*", "/", "(", ")", ",", "<", ">="]
TOKENS += ["==", "!=", "and", "or", "not", "min", "max", "low", "high", " ", "-", ".", "$"]


@given(x=FINITE, y=FINITE, unit=st.sampled_from(NUMERIC_UNITS))
def test_subtracting_what_was_added_gives_back_x(x: float, y: float, unit: str) -> None:
    """X - y + y evaluates to x, within floating-point tolerance."""
    lo, hi = in_unit(run("x - y + y", x=(x, unit), y=(y, unit)), unit)
    tolerance = 1e-9 * (abs(x) + abs(y) + 1)
    assert math.isclose(lo, x, abs_tol=tolerance) and math.isclose(hi, x, abs_tol=tolerance)


INTERVAL = st.tuples(FINITE, FINITE).map(lambda t: (min(t), max(t)))


@given(
    a=INTERVAL,
    b=INTERVAL,
    op=st.sampled_from(["+", "-", "*", "/"]),
    fa=st.floats(0, 1),
    fb=st.floats(0, 1),
)
def test_interval_result_contains_every_point_result(
    a: tuple[float, float], b: tuple[float, float], op: str, fa: float, fb: float
) -> None:
    """For any points inside two ranges, the point result lies inside the range result."""
    if op == "/" and b[0] <= 0 <= b[1]:
        with pytest.raises(FormulaError):
            run(f"a {op} b", a=(a, "count"), b=(b, "count"))
        return
    assume(op != "/" or min(abs(b[0]), abs(b[1])) >= 1e-9)  # overflow has its own test
    x = a[0] + (a[1] - a[0]) * fa
    y = b[0] + (b[1] - b[0]) * fb
    lo, hi = in_unit(run(f"a {op} b", a=(a, "count"), b=(b, "count")), "count")
    point = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else 0.0}[op]
    slack = 1e-9 * (abs(lo) + abs(hi) + abs(point) + 1)
    assert lo - slack <= point <= hi + slack


@given(a=INTERVAL, threshold=FINITE)
def test_a_range_claim_holds_only_when_every_point_does(
    a: tuple[float, float], threshold: float
) -> None:
    """`a >= t` over a range is true exactly when its low end is at least t."""
    assert run(f"a >= {abs(threshold)!r}", a=(a, "count")) is (a[0] >= abs(threshold))


@given(st.text(max_size=60))
def test_parse_raises_only_formula_errors_on_any_text(text: str) -> None:
    """Any text either parses or raises FormulaError; nothing else escapes."""
    try:
        parse(text)
    except FormulaError as exc:
        assert exc.message and exc.hint


@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_parse_raises_only_formula_errors_on_token_soup(tokens: list[str]) -> None:
    """Sequences of real tokens, mostly ill-formed, parse or raise FormulaError."""
    try:
        node = parse(" ".join(tokens))
    except FormulaError as exc:
        assert exc.message and exc.hint
        return
    for ref in references(node):
        assert ref[0].isalpha()


@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_evaluate_raises_only_formula_errors(tokens: list[str]) -> None:
    """Whatever parses evaluates to a value, a truth, None, or a FormulaError."""
    try:
        node = parse(" ".join(tokens))
    except FormulaError:
        return
    known = {ref: Quantity(2.0, 3.0, (), get_unit("count")) for ref in references(node)}
    try:
        result = evaluate(node, known.__getitem__)
    except FormulaError as exc:
        assert exc.message
        return
    assert result is None or isinstance(result, (bool, Quantity))

"""Typed check specs: every block parses to its method's model or to located problems."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from khub.check.spec import (
    MODELS,
    CheckSpec,
    CheckSpecError,
    HtmlCheck,
    JsonCheck,
    ManualCheck,
    TableCheck,
    TextCheck,
    method_of,
    parse_check,
)
from tests.kit.paths import REPO

URL = "https://example.org/source"


def problems(block: object) -> list[tuple[tuple[str | int, ...], str]]:
    """Return each problem of a block that must not parse, as (keys, message (hint))."""
    with pytest.raises(CheckSpecError) as raised:
        parse_check(block)
    return [(p.loc, str(p)) for p in raised.value.problems]


# --- good blocks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "model"),
    [
        (
            {"url": URL, "html": "#opus .price", "attr": "data-price", "regex": r"\$(\d+)"},
            HtmlCheck,
        ),
        ({"url": URL, "json": "data.price", "convert": "per_token_to_per_million"}, JsonCheck),
        (
            {"url": URL, "table": {"match": {"Model": "A", "Size": 7}, "column": "/^In/"}},
            TableCheck,
        ),
        ({"url": URL, "text": "([0-9]+) users", "scale": 1000, "max_jump": 0.2}, TextCheck),
        ({"url": URL, "text": "Licence: (.+)", "number": False}, TextCheck),
        ({"url": URL, "manual": True}, ManualCheck),
    ],
)
def test_a_good_block_becomes_its_methods_model_and_dumps_as_written(
    block: dict[str, Any], model: type[object]
) -> None:
    spec = parse_check(block)

    assert type(spec) is model
    assert spec.data() == block


def test_the_union_picks_the_branch_by_key() -> None:
    block = {"url": URL, "table": {"match": {"Model": "A"}, "column": "Input"}}

    assert TypeAdapter(CheckSpec).validate_python(block) == parse_check(block)
    assert method_of(block) == "table"
    assert method_of({"url": URL, "html": "#a", "json": "a"}) is None


def test_the_typed_spec_carries_what_the_extractor_reads() -> None:
    spec = parse_check({"url": URL, "json": "a.b", "scale": 100})

    assert isinstance(spec, JsonCheck)
    assert (spec.method, spec.path, spec.number, spec.scale, spec.convert) == (
        "json",
        "a.b",
        True,
        100,
        None,
    )
    with pytest.raises(ValueError, match="frozen"):
        spec.scale = 2  # type: ignore[misc]


# --- bad blocks: one problem each, at its key ---------------------------------------------

BAD = [
    (
        {"url": URL, "tabel": {"match": {"Model": "A"}, "column": "Input"}},
        [(("tabel",), "check: unknown key 'tabel' (did you mean 'table'?)")],
    ),
    (
        {"json": "a.b"},
        [
            (
                ("url",),
                "check: missing 'url' (add 'url:', the address of the page or file the value "
                "is read from)",
            )
        ],
    ),
    (
        {"url": URL, "json": "a.b", "convert": "per_token"},
        [
            (
                ("convert",),
                "check.convert: unknown conversion 'per_token' "
                "(did you mean 'per_token_to_per_million'?)",
            )
        ],
    ),
    (
        {"url": URL, "text": "([0-9]+ users"},
        [
            (
                ("text",),
                "check.text: bad regular expression '([0-9]+ users' (missing ), unterminated "
                "subpattern at position 0) (escape a literal ( ) [ ] . $ + ? * with a backslash)",
            )
        ],
    ),
    (
        {"url": URL, "json": "data[?name=='A'"},
        [
            (
                ("json",),
                "check.json: bad JMESPath expression \"data[?name=='A'\" (Incomplete expression) "
                "(quote names with spaces or dashes; see jmespath.org/tutorial)",
            )
        ],
    ),
    (
        {"url": URL, "html": "#opus["},
        [
            (
                ("html",),
                "check.html: bad CSS selector '#opus[' (Malformed attribute selector at position "
                "5) (write a selector such as '#opus .price' or 'table.pricing')",
            )
        ],
    ),
    (
        {"url": URL, "html": "::before"},
        [
            (
                ("html",),
                "check.html: bad CSS selector '::before' (Pseudo-element found at position 0) "
                "(write a selector such as '#opus .price' or 'table.pricing')",
            )
        ],
    ),
    (
        {"url": URL, "text": "(" * 2000},
        [
            (
                ("text",),
                f"check.text: bad regular expression '{'(' * 55}...' (maximum recursion depth "
                "exceeded) (escape a literal ( ) [ ] . $ + ? * with a backslash)",
            )
        ],
    ),
    (
        "https://example.org/x",
        [
            (
                (),
                "check: expected a mapping with 'url' and a method, got 'https://example.org/x' "
                "(write 'url:' and the method's key on lines of their own, indented under "
                "'check:')",
            )
        ],
    ),
    (
        {"url": URL},
        [
            (
                (),
                "check: no extraction method"
                " (add one of html, json, table, text, xml, yaml, or manual: true)",
            )
        ],
    ),
    (
        {"url": URL, "html": "#a", "json": "a"},
        [(("json",), "check: 'html' and 'json' given together (use one method)")],
    ),
    (
        {"url": URL, "manual": False},
        [
            (
                ("manual",),
                "check.manual: expected true, got false (a check without a method is "
                "'manual: true'; otherwise name a method)",
            )
        ],
    ),
    (
        {"url": URL, "manual": True, "regex": "x"},
        [(("regex",), "check: unknown key 'regex' (remove it; allowed: manual, url)")],
    ),
    (
        {"url": "ftp://example.org/x", "json": "a"},
        [
            (
                ("url",),
                "check.url: expected an http:// or https:// address, got 'ftp://example.org/x' "
                "(write the full address of the page, starting with https://)",
            )
        ],
    ),
    (
        {"url": URL, "html": "#a", "selector": "#b"},
        [
            (
                ("selector",),
                "check: unknown key 'selector' "
                "(remove it; allowed: attr, convert, group, html, max_jump, number, regex, "
                "scale, url)",
            )
        ],
    ),
    (
        {"url": URL, "html": "  "},
        [(("html",), "check.html: expected a CSS selector such as '#opus .price', got '  '")],
    ),
    (
        {"url": URL, "json": "a", "number": "yes", "scale": "1e6"},
        [
            (
                ("number",),
                "check.number: expected true or false, got 'yes' "
                "(write true or false without quotes)",
            ),
            (
                ("scale",),
                "check.scale: expected a number such as 1000000, got '1e6' "
                "(write the number without quotes)",
            ),
        ],
    ),
    (
        {"url": URL, "json": "a", "scale": 10, "convert": "per_token_to_per_million"},
        [(("convert",), "check.convert: given with 'scale' (use one factor: scale or convert)")],
    ),
    (
        {"url": URL, "text": "(x)", "number": False, "scale": 2},
        [
            (
                ("scale",),
                "check.scale: needs 'number: true' (remove it, or remove 'number: false')",
            )
        ],
    ),
    (
        {"url": URL, "text": "(x)", "max_jump": -1, "attr": None},
        [
            (("max_jump",), "check.max_jump: expected a positive number such as 0.5, got -1"),
            (
                ("attr",),
                "check: unknown key 'attr' "
                "(remove it; allowed: convert, group, max_jump, number, scale, text, url)",
            ),
        ],
    ),
    (
        {"url": URL, "html": "#a", "attr": None},
        [
            (
                ("attr",),
                "check.attr: expected an attribute name such as data-price, got null "
                "(leave the key out instead)",
            )
        ],
    ),
    (
        {"url": URL, "table": "Model"},
        [
            (
                ("table",),
                "check.table: expected a mapping such as {match: {Model: X}, column: Input}, "
                "got 'Model'",
            )
        ],
    ),
    (
        {"url": URL, "table": {"row": {"A": "b"}, "column": "C"}},
        [
            (
                ("table", "match"),
                "check.table: missing 'match' "
                "(add 'match:' with header: value pairs that pick one row)",
            ),
            (
                ("table", "row"),
                "check.table: unknown key 'row' (remove it; allowed: column, match, selector)",
            ),
        ],
    ),
    (
        {"url": URL, "table": {"match": {"A": "/[/"}, "colum": "C"}},
        [
            (
                ("table", "match", "A"),
                "check.table.match.A: bad regular expression '/[/' (unterminated character set "
                "at position 0) (escape a literal ( ) [ ] . $ + ? * with a backslash)",
            ),
            (("table", "colum"), "check.table: unknown key 'colum' (did you mean 'column'?)"),
        ],
    ),
    (
        {"url": URL, "table": {"match": {"A": True, 7: "x", "Base Input": []}, "column": "C"}},
        [
            (("table", "match", "A"), "check.table.match.A: expected text or a number, got true"),
            (("table", "match", 7), "check.table.match: header 7 is not text (quote it)"),
            (
                ("table", "match", "Base Input"),
                "check.table.match['Base Input']: expected text or a number, got a list",
            ),
        ],
    ),
    (
        {"url": URL, "table": {"match": {}, "column": "C", "selector": "p >"}},
        [
            (
                ("table", "match"),
                "check.table.match: expected header: value pairs such as {Model: X}, got {}",
            ),
            (
                ("table", "selector"),
                "check.table.selector: bad CSS selector 'p >' (Invalid character ' ' position "
                "1) (write a selector such as '#opus .price' or 'table.pricing')",
            ),
        ],
    ),
    (
        {"url": URL, "tabel": {"match": {"A": "b"}}, "foo": 1},
        [
            (("tabel",), "check: unknown key 'tabel' (did you mean 'table'?)"),
            (
                ("tabel", "column"),
                "check.tabel: missing 'column' (add 'column:', the header of the column to read)",
            ),
            (
                ("foo",),
                "check: unknown key 'foo' "
                "(remove it; allowed: convert, group, max_jump, number, regex, scale, table, url)",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("block", "expected"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_a_bad_block_names_every_problem_at_its_key(block: object, expected: list[Any]) -> None:
    assert problems(block) == expected


# --- what the hub's own files and the fixtures hold ---------------------------------------


def _check_blocks(node: object) -> Iterator[object]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "check":
                yield value
            else:
                yield from _check_blocks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _check_blocks(item)


def _shipped_blocks() -> list[object]:
    blocks: list[object] = []
    for folder in (REPO / "data" / "facts", REPO / "tests" / "fixtures"):
        for path in sorted(folder.rglob("*.yml")):
            text = path.read_text(encoding="utf-8")
            for placeholder in ("{{BASE}}", "{{REFUSED}}"):  # filled in by tests/kit/checkhub.py
                text = text.replace(placeholder, "http://127.0.0.1:8000")
            blocks += _check_blocks(yaml.safe_load(text))
    return blocks


def test_every_shipped_check_block_parses_unchanged() -> None:
    blocks = _shipped_blocks()

    assert len(blocks) >= 50
    for block in blocks:
        assert isinstance(block, dict)
        assert parse_check(block).data() == block


# --- the JSON Schema holds the union ------------------------------------------------------


def _facts_document(check: object) -> dict[str, Any]:
    fact = {"value": 1, "as_of": "2026-06-30", "verified": "2026-06-30", "status": "official"}
    return {"s": {"title": "t", "unit": "percent", "facts": {"a": {**fact, "check": check}}}}


@pytest.fixture(scope="module")
def facts_schema() -> dict[str, Any]:
    return json.loads((REPO / "data/schema/facts.schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_schema_offers_one_branch_per_method(facts_schema: dict[str, Any]) -> None:
    check = facts_schema["$defs"]["FactRecord"]["properties"]["check"]
    branches = [b["$ref"].rsplit("/", 1)[1] for b in check["anyOf"][0]["oneOf"]]

    assert branches == [
        "HtmlCheck",
        "JsonCheck",
        "TableCheck",
        "TextCheck",
        "XmlCheck",
        "YamlCheck",
        "ManualCheck",
    ]
    assert sorted(MODELS) == sorted(facts_schema["$defs"][b]["required"][1] for b in branches)


@pytest.mark.parametrize(
    "block",
    [
        {
            "url": URL,
            "table": {"match": {"Model": "A"}, "column": "Input"},
            "convert": "per_token_to_per_million",
        },
        {"url": URL, "json": "a.b", "max_jump": 0.2},
        {"url": URL, "manual": True},
    ],
)
def test_the_schema_accepts_a_good_block(facts_schema: dict[str, Any], block: object) -> None:
    jsonschema.validate(_facts_document(block), facts_schema)


@pytest.mark.parametrize(
    "block",
    [
        {"url": URL, "tabel": {"match": {"Model": "A"}, "column": "Input"}},
        {"json": "a.b"},
        {"url": URL, "json": "a.b", "convert": "per_token"},
        {"url": URL, "json": "a", "manual": True},
        {"url": URL, "html": "#a", "attr": None},
        {"url": "ftp://example.org/x", "text": "x"},
        {"url": URL, "table": {"match": {}, "column": "Input"}},
        {"url": URL, "text": "x", "max_jump": 0},
    ],
)
def test_the_schema_rejects_a_bad_block(facts_schema: dict[str, Any], block: object) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_facts_document(block), facts_schema)


# --- no block crashes the parser ----------------------------------------------------------

KEYS = sorted(
    {"url", "tabel", "htm", "foo", 1}
    | {info.alias or name for model in MODELS.values() for name, info in model.model_fields.items()}
    | {"match", "column", "selector"},
    key=str,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([URL, "ftp://x", "#a", "#a[", "(x", "a[?", "/[/", "/^In/", "", " ", "::x"]),
    st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(block=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5) | VALUES)
def test_no_block_crashes_the_parser(block: object) -> None:
    try:
        spec = parse_check(block)
    except CheckSpecError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.message.startswith("check")
            assert isinstance(block, dict) or problem.loc == ()
    else:
        assert spec.data() == json.loads(json.dumps(block))

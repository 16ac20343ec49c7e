"""Each extraction method over recorded source pages served from loopback, on typed specs."""

from __future__ import annotations

import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest

from khub.check import extract as methods
from khub.check.extract import (
    Ambiguous,
    ExtractError,
    Extraction,
    NotFound,
    SpecError,
    describe,
    extract,
    is_manual,
    kind_of,
)
from khub.check.http import FetchResult
from khub.check.spec import MODELS, CheckSpec, parse_check

Source = Callable[..., FetchResult]
URL = "https://example.org/source"

HTML = "text/html; charset=utf-8"
JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


@pytest.fixture
def pricing(source: Source) -> FetchResult:
    return source("pricing.html", HTML, "html")


@pytest.fixture
def benchmarks(source: Source) -> FetchResult:
    return source("benchmarks.html", HTML, "html")


@pytest.fixture
def leaderboard(source: Source) -> FetchResult:
    return source("leaderboard.json", JSON, "json")


@pytest.fixture
def licence(source: Source) -> FetchResult:
    return source("license.txt", TEXT, "text")


def check(**options: Any) -> CheckSpec:
    """Return the typed spec of a check block for the test URL with `options`."""
    return parse_check({"url": URL, **options})


# html ------------------------------------------------------------------------------------


def test_html_reads_an_element_through_a_regex(pricing: FetchResult) -> None:
    found = extract(check(html="#opus .price-input", regex=r"\$([0-9.]+)"), pricing)

    assert found.value == 15.0
    assert found.locator == "#opus .price-input"
    assert "Input $15 / MTok" in found.excerpt
    assert len(found.excerpt) <= 125


def test_html_reads_an_attribute_and_converts(pricing: FetchResult) -> None:
    spec = check(
        html="#sonnet .price-input", attr="data-per-token", convert="per_token_to_per_million"
    )

    found = extract(spec, pricing)

    assert found == Extraction(
        3.0, '<span class="price-input" data-per-token="0.000003">$3 / MTok</span>', found.locator
    )
    assert found.locator == "#sonnet .price-input @data-per-token"


def test_html_keeps_text_when_number_is_false(pricing: FetchResult) -> None:
    found = extract(check(html="#opus .tagline", number=False), pricing)

    assert found.value == "Our most capable model for complex, long-running agentic work."


def test_html_parses_magnitudes(pricing: FetchResult) -> None:
    assert extract(check(html="#opus .context"), pricing).value == 1_000_000.0


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"html": "#gpt .price-input"}, "no element matches '#gpt .price-input'"),
        ({"html": "#opus .price-input", "attr": "data-x"}, "the element has no attribute 'data-x'"),
        ({"html": "#opus .price-input", "regex": "€([0-9]+)"}, "regex '€([0-9]+)' does not match"),
        ({"html": "#opus .tagline"}, "no number in 'Our most capable"),
    ],
)
def test_html_reports_what_it_did_not_find(
    pricing: FetchResult, options: dict[str, Any], reason: str
) -> None:
    with pytest.raises(NotFound) as raised:
        extract(check(**options), pricing)

    assert raised.value.reason.startswith(reason)


def test_html_refuses_a_body_that_is_not_html(source: Source) -> None:
    fetched = source("not-html", HTML, "html", b'{"price": 15}')

    with pytest.raises(ExtractError, match="not HTML: no tags"):
        extract(check(html="#opus"), fetched)


def test_html_repairs_unbalanced_markup_as_browsers_do(source: Source) -> None:
    fetched = source("broken.html", HTML, "html", b"<div id=p><b>$1,234.50</div><p>unclosed")

    assert extract(check(html="#p b"), fetched).value == 1234.5


# table -----------------------------------------------------------------------------------


def test_table_reads_a_cell_by_headers_and_row(pricing: FetchResult) -> None:
    spec = check(
        table={"match": {"Model": "Claude Opus 4.8", "Context": "≤ 200K"}, "column": "Input"},
        convert="per_thousand_to_per_million",
    )

    found = extract(spec, pricing)

    assert found.value == 15.0
    assert "Model: Claude Opus 4.8 | Context: ≤ 200K | Input: $0.015" in found.excerpt
    assert found.locator == (
        "table 1, row where Model='Claude Opus 4.8' and Context='≤ 200K', column 'Input'"
    )


def test_table_expands_row_spans(pricing: FetchResult) -> None:
    spec = check(
        table={"match": {"Model": "claude opus 4.8", "Context": "> 200K"}, "column": "Output"}
    )

    assert extract(spec, pricing).value == 0.1125


def test_table_finds_the_table_with_the_headers(benchmarks: FetchResult) -> None:
    spec = check(table={"match": {"Model": "MiniMax M2.5"}, "column": "SWE-bench Verified"})

    assert extract(spec, benchmarks).value == 74.2


def test_table_matches_regexes_and_keeps_a_regex_group(benchmarks: FetchResult) -> None:
    spec = check(
        table={"selector": "#results", "match": {"Model": "/^MiniMax/"}, "column": "/^GPQA/"},
        regex=r"([0-9.]+)",
    )

    assert extract(spec, benchmarks).value == 78.0


def test_table_parses_magnitudes_with_non_breaking_spaces(benchmarks: FetchResult) -> None:
    spec = check(table={"match": {"Model": "Example Open 4 Scout"}, "column": "Parameters"})

    assert extract(spec, benchmarks).value == 109e9


def test_table_refuses_an_ambiguous_row(pricing: FetchResult) -> None:
    spec = check(table={"match": {"Model": "Claude Opus 4.8"}, "column": "Input"})

    with pytest.raises(Ambiguous, match=re.escape("2 rows where Model='Claude Opus")) as raised:
        extract(spec, pricing)

    assert raised.value.candidates == [
        ("table 1, row 1, column 'Input'", "$0.015"),
        ("table 1, row 2, column 'Input'", "$0.030"),
    ]


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ({"match": {"Model": "GPT-9"}, "column": "Input"}, "table 1: no row where Model='GPT-9'"),
        ({"match": {"Model": "Claude Opus 4.8"}, "column": "Cached"}, "no table has the headers"),
        (
            {"selector": "#summary", "match": {"Model": "Gemini 3.1 Pro"}, "column": "Lab"},
            "no table has the headers 'Model', 'Lab'",
        ),
        ({"match": {"Model": "Legacy Model 2"}, "column": "Input"}, "no number in '—'"),
    ],
)
def test_table_reports_what_it_did_not_find(
    pricing: FetchResult, benchmarks: FetchResult, where: dict[str, Any], reason: str
) -> None:
    fetched = benchmarks if where.get("selector") else pricing

    with pytest.raises(NotFound) as raised:
        extract(check(table=where), fetched)

    assert raised.value.reason.startswith(reason)


# json ------------------------------------------------------------------------------------

VERIFIED = "leaderboards[?name=='Verified'] | [0].results[?name=='{model}'] | [0]"


def test_json_reads_one_value_with_jmespath(leaderboard: FetchResult) -> None:
    path = VERIFIED.format(model="Claude Opus 4.8") + ".resolved"

    found = extract(check(json=path), leaderboard)

    assert found.value == 88.6
    assert found.locator == path
    assert found.excerpt.startswith('{"name": "Claude Opus 4.8", "resolved": 88.6,')


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("leaderboards[?name=='Verified'].results[] | [?name=='Gemini 3.1 Pro'].resolved", 81.4),
        ("leaderboards[?name=='Verified'].results[:1].resolved", 88.6),
    ],
)
def test_json_unwraps_single_values_from_projections(
    leaderboard: FetchResult, path: str, value: float
) -> None:
    assert extract(check(json=path), leaderboard).value == value


def test_json_parses_numbers_printed_in_strings(leaderboard: FetchResult) -> None:
    path = VERIFIED.format(model="MiniMax M2.5") + ".resolved_pct"

    assert (
        extract(check(json=path, convert="percent_fraction_to_percent"), leaderboard).value
        == 7420.0
    )
    assert extract(check(json=path), leaderboard).value == 74.2


def test_json_keeps_text_when_number_is_false(leaderboard: FetchResult) -> None:
    assert extract(check(json="updated", number=False), leaderboard).value == "2026-06-01T00:00:00Z"


@pytest.mark.parametrize(
    ("path", "error", "reason"),
    [
        ("leaderboards[?name=='Full'] | [0].results", NotFound, "matched nothing"),
        (VERIFIED.format(model="MiniMax M2.5") + ".cost", NotFound, "matched nothing"),
        ("leaderboards[1].results[].resolved", Ambiguous, "matched 3 different values ("),
        (VERIFIED.format(model="Gemini 3.1 Pro"), ExtractError, "matched an object (name,"),
        (VERIFIED.format(model="Gemini 3.1 Pro") + ".verified", ExtractError, "expected a number"),
    ],
)
def test_json_needs_exactly_one_scalar(
    leaderboard: FetchResult, path: str, error: type[ExtractError], reason: str
) -> None:
    with pytest.raises(error, match=re.escape(reason)):
        extract(check(json=path), leaderboard)


def test_json_refuses_malformed_json(source: Source) -> None:
    fetched = source("broken.json", JSON, "json", b'{"leaderboards": [{"name": "Verified",]}')

    with pytest.raises(ExtractError, match="malformed JSON at line 1 column 39"):
        extract(check(json="leaderboards[0].name"), fetched)


# text ------------------------------------------------------------------------------------


def test_text_reads_a_number_across_line_breaks(licence: FetchResult) -> None:
    pattern = r"([0-9,.]+ (?:million|billion)) monthly active users"

    found = extract(check(text=pattern), licence)

    assert found.value == 700_000_000.0
    assert "is greater than 700 million monthly active users in the preceding" in found.excerpt
    assert found.locator == pattern


def test_text_keeps_text_when_number_is_false(licence: FetchResult) -> None:
    found = extract(check(text=r"Governing law: (.+?)\.", number=False), licence)

    assert found.value == "the laws of the State of California"


def test_text_strips_html_scripts_and_styles(pricing: FetchResult) -> None:
    assert extract(check(text=r"billed at (\d+%)"), pricing).value == 50.0
    with pytest.raises(NotFound, match="no match for"):
        extract(check(text=r"\$99\.99"), pricing)


def test_text_reports_no_match(licence: FetchResult) -> None:
    with pytest.raises(NotFound, match=r"no match for '\(\[0-9\]\+\) daily users'"):
        extract(check(text="([0-9]+) daily users"), licence)


# Specs and the registry ------------------------------------------------------------------


def test_the_registry_has_one_module_per_method() -> None:
    modules = sorted(m.name for m in pkgutil.iter_modules(methods.__path__) if m.name[0] != "_")

    assert list(methods.methods()) == modules == ["html", "json", "table", "text", "xml", "yaml"]
    assert sorted(MODELS) == sorted([*modules, "manual"])


@pytest.mark.parametrize("name", ["html", "json", "table", "text"])
def test_every_method_documents_every_option(name: str) -> None:
    doc = describe(name)
    options = [info.alias or key for key, info in MODELS[name].model_fields.items()]

    assert doc.startswith(f"{name}: ")
    assert "Example::" in doc
    for option in set(options) - {"url", "max_jump", "group"}:  # documented in the package
        assert f"``{option}``" in doc, f"{name}: option {option!r} is not documented"
    assert "``max_jump``" in (methods.__doc__ or "")
    assert "``group``" in (methods.__doc__ or "")


@pytest.mark.parametrize(
    ("options", "method", "kind"),
    [
        ({"json": "a.b"}, "json", "json"),
        ({"html": "#x"}, "html", "html"),
        ({"table": {"match": {"A": "b"}, "column": "C"}}, "table", "html"),
        ({"text": "(x)"}, "text", "text"),
    ],
)
def test_the_method_is_named_by_its_key(options: dict[str, Any], method: str, kind: str) -> None:
    spec = check(**options)

    assert (spec.method, kind_of(spec), is_manual(spec)) == (method, kind, False)


def test_a_manual_check_fetches_anything_and_extracts_nothing(pricing: FetchResult) -> None:
    spec = check(manual=True)

    assert (spec.method, is_manual(spec), kind_of(spec)) == ("manual", True, "any")
    with pytest.raises(SpecError, match="compare the page's sha256"):
        extract(spec, pricing)


def test_errors_share_one_base() -> None:
    assert issubclass(NotFound, ExtractError)
    assert issubclass(SpecError, ExtractError)
    assert str(NotFound("no row")) == "no row"

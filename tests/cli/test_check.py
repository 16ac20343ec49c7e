"""`khub check` on the command line: help, exit codes, selection, cache, fingerprints."""

from __future__ import annotations

import json
from typing import Any

from click.testing import Result
from pytest_httpserver import HTTPServer

from khub.disk.cachedir import cache_root
from tests.kit.checkhub import TODAY, Hub
from tests.kit.cli import invoke_khub


def _json(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _outcomes(result: Result) -> dict[str, dict[str, Any]]:
    return {o["fact"]: o for o in _json(result)["outcomes"]}


def test_help_documents_outcomes_exit_codes_and_every_method(hub: Hub) -> None:
    result = invoke_khub(hub.root, ["check", "--help"], today=TODAY)
    assert result.exit_code == 0
    text = result.stdout
    for word in ("confirmed", "changed", "rejected", "not-found", "unreachable", "manual"):
        assert f"  {word} " in text
    assert "Exit codes:" in text
    for code in ("0  every fact", "1  some fact", "2  usage or data error", "3  --apply failed"):
        assert code in text
    for method in ("html:", "table:", "json:", "text:"):
        assert f"\n  {method} " in text, method
    assert "per_thousand_to_per_million" in text
    assert "--allow-private" in text


def test_selected_confirmed_facts_exit_zero(hub: Hub) -> None:
    result = hub.run("swe-verified.opus", "api-price.sonnet-input", "--json")
    assert result.exit_code == 0, result.output
    outcomes = _outcomes(result)
    assert sorted(outcomes) == ["api-price.sonnet-input", "swe-verified.opus"]
    assert {o["outcome"] for o in outcomes.values()} == {"confirmed"}
    evidence = outcomes["api-price.sonnet-input"]["evidence"]
    assert evidence["final_url"] == f"{hub.base}/pricing.html"
    assert evidence["status"] == 200
    assert len(evidence["sha256"]) == 64
    assert "$3" in evidence["excerpt"]
    assert evidence["locator"] == "#sonnet .price-input"


def test_unknown_fact_is_a_usage_error(hub: Hub, server: HTTPServer) -> None:
    result = hub.run("swe-verified.opuss")
    assert result.exit_code == 2
    assert "no fact 'swe-verified.opuss'" in result.stderr
    assert "swe-verified.opus" in result.stderr
    assert not server.log


def test_fact_without_check_and_empty_glob_are_usage_errors(hub: Hub) -> None:
    values = hub.root / "data/facts/values.yml"
    text = values.read_text(encoding="utf-8")
    block = f'      check:\n        url: "{hub.base}/license.txt"\n        text: "Governing law'
    assert block in text
    start = text.index(block)
    end = text.index("\n", text.index("text:", start)) + 1
    values.write_text(text[:start] + text[end:], encoding="utf-8")
    result = hub.run("licence.governing-law")
    assert result.exit_code == 2
    assert "fact 'licence.governing-law' has no check block" in result.stderr
    empty = hub.run("nothing-*")
    assert empty.exit_code == 2
    assert "no fact with a check matches 'nothing-*'" in empty.stderr


def test_bad_check_block_is_a_data_error_at_its_line(hub: Hub, server: HTTPServer) -> None:
    prices = hub.root / "data/facts/prices.yml"
    text = prices.read_text(encoding="utf-8")
    prices.write_text(text.replace('html: "#sonnet .price-input"', 'html: "#sonnet["'))
    before = prices.read_bytes()
    result = hub.run("--apply")
    assert result.exit_code == 2
    line = text.splitlines().index('        html: "#sonnet .price-input"') + 1
    assert result.stderr == (
        f"data/facts/prices.yml:{line}: check.html: bad CSS selector '#sonnet[' (Malformed "
        "attribute selector at position 7) (write a selector such as '#opus .price' or "
        "'table.pricing')\n"
    )
    assert not server.log, "nothing is fetched when a check block is wrong"
    assert prices.read_bytes() == before


def test_max_jump_option_and_per_fact_override(hub: Hub) -> None:
    assert _outcomes(hub.run("faults.tenfold", "--json"))["faults.tenfold"]["outcome"] == (
        "rejected"
    )
    loose = _outcomes(hub.run("faults.tenfold", "--json", "--max-jump", "10"))
    assert loose["faults.tenfold"]["outcome"] == "changed"
    faults = hub.root / "data/facts/faults.yml"
    text = faults.read_text(encoding="utf-8")
    faults.write_text(
        text.replace(
            '/fault/tenfold"\n        text: "price ([0-9.]+)"',
            '/fault/tenfold"\n        text: "price ([0-9.]+)"\n        max_jump: 9.5',
        )
    )
    per_fact = _outcomes(hub.run("faults.tenfold", "--json"))
    assert per_fact["faults.tenfold"]["outcome"] == "changed"


def test_second_run_revalidates_from_the_cache(hub: Hub, server: HTTPServer) -> None:
    first = _json(hub.run("swe-verified.*", "api-price.*", "licence.*", "--json"))
    assert (first["urls"], first["from_cache"]) == (4, 0)
    second = _json(hub.run("swe-verified.*", "api-price.*", "licence.*", "--json"))
    assert (second["urls"], second["from_cache"]) == (4, 4)
    assert [req.headers.get("If-None-Match") for req, _ in server.log[-4:]] != [None] * 4
    assert [o["outcome"] for o in second["outcomes"]] == [o["outcome"] for o in first["outcomes"]]
    no_cache = _json(hub.run("swe-verified.*", "--json", "--no-cache"))
    assert no_cache["from_cache"] == 0


def test_manual_page_fingerprint_is_compared_with_the_last_run(hub: Hub) -> None:
    fact = "licence.benchmark-page"
    first = _outcomes(hub.run(fact, "--json"))[fact]
    assert (first["outcome"], first["new"]) == ("manual", None)
    assert first["reason"].startswith("first check: page fingerprint")
    state = json.loads((cache_root(hub.root) / "check/fingerprints.json").read_text())
    assert state["pages"] == {f"{hub.base}/benchmarks.html": first["evidence"]["sha256"]}
    again = _outcomes(hub.run(fact, "--json"))[fact]
    assert again["reason"] == "page unchanged since the last check"
    hub.pages.set("benchmarks.html", b"<html><title>New</title><p>moved</p></html>", "text/html")
    changed = _outcomes(hub.run(fact, "--json"))[fact]
    assert changed["reason"].startswith("page changed since the last check")
    assert changed["evidence"]["excerpt"] == "New"
    assert hub.run(fact).exit_code == 0


def test_apply_twice_writes_nothing_the_second_time(hub: Hub) -> None:
    first = hub.run("swe-verified.*", "api-price.*", "--apply", "--json")
    assert _json(first)["applied"] == ["data/facts/prices.yml", "data/facts/values.yml"]
    after_first = hub.snapshot()
    second = hub.run("swe-verified.*", "api-price.*", "--apply", "--json")
    assert _json(second)["applied"] == []
    assert hub.snapshot() == after_first
    assert {o["outcome"] for o in _json(second)["outcomes"]} == {"confirmed"}


def test_without_apply_nothing_is_written(hub: Hub) -> None:
    before = hub.snapshot()
    result = hub.run("swe-verified.*", "api-price.*")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2].endswith("4 confirmed, 2 changed.")
    assert hub.snapshot() == before
    assert "checked 6 facts from 2 URLs" in result.stderr


def test_each_url_is_fetched_once_whatever_the_methods(hub: Hub, server: HTTPServer) -> None:
    values = hub.root / "data/facts/values.yml"
    text = values.read_text(encoding="utf-8")
    values.write_text(text.replace("/benchmarks.html", "/pricing.html"), encoding="utf-8")
    facts = ["licence.benchmark-page", "api-price.sonnet-input", "api-price.opus-output"]
    result = hub.run(*facts, "--json")
    outcomes = _outcomes(result)
    assert outcomes["licence.benchmark-page"]["outcome"] == "manual"
    assert outcomes["api-price.sonnet-input"]["outcome"] == "confirmed"
    assert outcomes["api-price.opus-output"]["outcome"] == "confirmed"
    assert [req.path for req, _ in server.log] == ["/pricing.html"]
    hashes = {o["evidence"]["sha256"] for o in outcomes.values()}
    assert len(hashes) == 1


def test_non_finite_and_range_values(hub: Hub, server: HTTPServer) -> None:
    server.expect_request("/nan.json").respond_with_data(
        '{"price": NaN, "range": "3 to 6"}', content_type="application/json"
    )
    faults = hub.root / "data/facts/faults.yml"
    text = faults.read_text(encoding="utf-8")
    text = text.replace(
        f'"{hub.base}/fault/tenfold"\n        text: "price ([0-9.]+)"',
        f'"{hub.base}/nan.json"\n        json: price',
    )
    text = text.replace(
        "    out-of-bounds:\n      value: 10\n",
        "    out-of-bounds:\n      value: {low: 3, high: 5}\n",
    ).replace(
        f'"{hub.base}/fault/out-of-bounds"\n        text: "price ([0-9.]+)"',
        f'"{hub.base}/nan.json"\n        json: range\n        scale: 1.1',
    )
    faults.write_text(text, encoding="utf-8")
    outcomes = _outcomes(hub.run("faults.tenfold", "faults.out-of-bounds", "--json"))
    nan = outcomes["faults.tenfold"]
    assert (nan["outcome"], nan["new"]) == ("not-found", None)
    assert "NaN" in nan["reason"]
    ranged = outcomes["faults.out-of-bounds"]
    assert (ranged["outcome"], ranged["new"]) == ("changed", {"low": 3.3, "high": 6.6})

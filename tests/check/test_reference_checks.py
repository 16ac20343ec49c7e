"""The xml and yaml methods, and reference checks run over recorded sources on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from khub.check.extract import ExtractError, NotFound, extract
from khub.check.http import Fetcher, FetchResult
from khub.check.references import coverage, plan, run
from khub.check.spec import CheckSpecError, parse_check
from khub.data.load import load
from tests.kit.cli import invoke_khub

Source = Callable[..., FetchResult]
MakeFetcher = Callable[..., Fetcher]
CLAUSE = "domiciled in, or a company with a principal place of business in, the European Union"
ATOM = "application/atom+xml; charset=utf-8"
YAML = "text/plain; charset=utf-8"
JSON = "application/json"
URL = "https://example.org/source"


@pytest.fixture
def arxiv(source: Source) -> FetchResult:
    return source("arxiv-2511.03247.atom.xml", ATOM)


@pytest.fixture
def deepseek(source: Source) -> FetchResult:
    return source("genai-prices-deepseek.yml", YAML)


def test_xml_reads_a_wrapped_summary_through_a_regex(arxiv: FetchResult) -> None:
    spec = parse_check(
        {
            "url": URL,
            "xml": "//atom:entry/atom:summary",
            "regex": r"success\s+rates\s+between\s+[0-9.]+%\s+and\s+([0-9.]+)%",
        }
    )
    found = extract(spec, arxiv)
    assert found.value == 92.78
    assert found.locator == "//atom:entry/atom:summary"
    assert "92.78%" in found.excerpt


def test_xml_reads_text_elements_and_counts(arxiv: FetchResult) -> None:
    title = parse_check({"url": URL, "xml": "//atom:entry/atom:title", "number": False})
    assert extract(title, arxiv).value == (
        "Death by a Thousand Prompts: Open Model Vulnerability Analysis"
    )
    authors = parse_check({"url": URL, "xml": "count(//atom:entry/atom:author)"})
    assert extract(authors, arxiv).value == 4
    published = parse_check({"url": URL, "xml": "//atom:entry/atom:published", "number": False})
    assert extract(published, arxiv).value == "2025-11-05T00:00:00Z"


def test_xml_reports_nothing_several_and_malformed(arxiv: FetchResult, source: Source) -> None:
    venue = parse_check({"url": URL, "xml": "//arxiv:journal_ref", "number": False})
    with pytest.raises(NotFound, match=r"^'//arxiv:journal_ref' matched nothing$"):
        extract(venue, arxiv)
    authors = parse_check({"url": URL, "xml": "//atom:author/atom:name", "number": False})
    with pytest.raises(ExtractError, match=r"matched 4 nodes; narrow it with \[1\]$"):
        extract(authors, arxiv)
    broken = source("broken.xml", ATOM, body=b"<feed><entry></feed>")
    with pytest.raises(ExtractError, match=r"^malformed XML: "):
        extract(venue, broken)


def test_xml_and_yaml_specs_refuse_what_does_not_compile() -> None:
    with pytest.raises(CheckSpecError) as bad_xpath:
        parse_check({"url": URL, "xml": "//entry["})
    assert str(bad_xpath.value) == (
        "check.xml: bad XPath expression '//entry[' (Invalid expression) (write a path such "
        "as '//atom:entry/atom:title' and declare its prefixes)"
    )
    with pytest.raises(CheckSpecError) as bad_path:
        parse_check({"url": URL, "yaml": "models[?id=="})
    assert str(bad_path.value).startswith("check.yaml: bad JMESPath expression 'models[?id=='")


def test_yaml_reads_one_value_and_keeps_times_as_text(deepseek: FetchResult) -> None:
    standard = parse_check(
        {
            "url": URL,
            "yaml": "models[?id=='deepseek-reasoner'] | [0].prices"
            "[?constraint.start_time=='00:30:00Z'] | [0].prices.output_mtok",
        }
    )
    found = extract(standard, deepseek)
    assert found.value == 2.19
    assert '"output_mtok": 2.19' in found.excerpt
    checked = parse_check({"url": URL, "yaml": "models[0].prices_checked", "number": False})
    assert extract(checked, deepseek).value == "2025-07-12"


def test_yaml_reports_several_values_and_malformed_text(
    deepseek: FetchResult, source: Source
) -> None:
    every = parse_check({"url": URL, "yaml": "models[0].prices[*].prices.output_mtok"})
    with pytest.raises(
        ExtractError,
        match=r"matched 2 different values \(0\.55 at .*, 2\.19 at .*\); narrow the filter",
    ):
        extract(every, deepseek)
    broken = source("broken.yml", YAML, body=b"models: [a, b\n")
    with pytest.raises(ExtractError, match=r"^malformed YAML at line 2: "):
        extract(every, broken)


def _serve_sources(server: HTTPServer, sources: Path) -> None:
    """Serve the recorded sources the references read, and a reference page that is gone."""
    for name, kind in [
        ("litellm-prices.json", JSON),
        ("arxiv-2511.03247.atom.xml", ATOM),
        ("llama4-use-policy.md", "text/markdown; charset=utf-8"),
    ]:
        body = (sources / name).read_bytes()
        server.expect_request(f"/{name}").respond_with_data(body, content_type=kind)
    server.expect_request("/missing.md").respond_with_data("gone", status=404)


def _hub(root: Path, base: str) -> Path:
    """Write a hub whose references point at the recorded sources served from `base`."""
    (root / "data" / "facts").mkdir(parents=True)
    (root / "data" / "sources.yml").write_text(
        "deepinfra:\n  title: Turbo page\n  publisher: DeepInfra\n  kind: pricing\n"
        "  url: https://example.org/turbo\n"
        "litellm:\n  title: Price dataset\n  publisher: LiteLLM\n  kind: pricing\n"
        "  url: https://example.org/litellm\n"
        "paper:\n  title: A paper\n  publisher: Cisco\n  kind: paper\n"
        "  url: https://example.org/paper\n"
        "policy:\n  title: A use policy\n  publisher: Meta\n  kind: licence\n  url: null\n",
        encoding="utf-8",
    )
    (root / "data" / "facts" / "f.yml").write_text(
        f"""\
cost:
  title: API cost a day
  unit: usd_per_day
  source: deepinfra
  vendor: deepinfra
  facts:
    turbo:
      value: 0.12
      as_of: 2026-06-30
      verified: 2026-06-30
      status: estimate
      references:
        - source: litellm
          states: 0.23
          relays: true
          check:
            url: {base}/litellm-prices.json
            json: '"deepinfra/meta-llama/Llama-3.3-70B-Instruct".input_cost_per_token'
            convert: per_token_to_per_million
        - source: litellm
          states: 0.12
          relays: true
          check:
            url: {base}/litellm-prices.json
            json: '"deepinfra/meta-llama/Llama-3.3-70B-Instruct-Turbo".input_cost_per_token'
            convert: per_token_to_per_million
attacks:
  title: Attack success
  unit: percent
  source: paper
  facts:
    rate:
      value: {{low: 25.86, high: 92.78}}
      as_of: 2026-06-30
      verified: 2026-06-30
      status: independent
      check: {{url: https://example.org/paper, manual: true}}
      references:
        - source: paper
          states: {{low: 25.86, high: 92.78}}
          reads: 25.86
          check:
            url: {base}/arxiv-2511.03247.atom.xml
            xml: //atom:entry/atom:summary
            regex: 'between\\s+([0-9.]+)%'
    eu:
      unit: text
      value: rights withheld in the EU
      as_of: 2026-06-30
      verified: 2026-06-30
      status: estimate
      references:
        - source: policy
          states: rights withheld in the EU
          reads: {CLAUSE}
          check:
            url: {base}/llama4-use-policy.md
            text: '({CLAUSE})'
            number: false
        - source: policy
          states: rights withheld in the EU
          check:
            url: {base}/missing.md
            manual: true
""",
        encoding="utf-8",
    )
    return root


def test_reference_checks_run_against_recorded_sources(
    tmp_path: Path, server: HTTPServer, make_fetcher: MakeFetcher, sources: Path
) -> None:
    _serve_sources(server, sources)
    hub = _hub(tmp_path / "hub", server.url_for("").rstrip("/"))
    before = sorted(p.relative_to(hub).as_posix() for p in hub.rglob("*"))
    factset, _ = load(hub, cache=False)
    checks = plan(factset)
    assert [(c.fact_id, c.index, c.source) for c in checks] == [
        ("cost.turbo", 0, "litellm"),
        ("cost.turbo", 1, "litellm"),
        ("attacks.rate", 0, "paper"),
        ("attacks.eu", 0, "policy"),
        ("attacks.eu", 1, "policy"),
    ]
    outcomes = run(checks, make_fetcher())
    assert [(o.found, o.agrees, o.reason) for o in outcomes] == [
        (0.23, True, ""),
        (0.13, False, "the source gives 0.13, the reference 0.12"),
        (25.86, True, ""),
        (CLAUSE, True, ""),
        (None, None, "not fetched: HTTP 404 NOT FOUND"),
    ]
    assert sorted(p.relative_to(hub).as_posix() for p in hub.rglob("*")) == before


def test_coverage_counts_reference_checks_as_machine_reads(tmp_path: Path) -> None:
    factset, _ = load(_hub(tmp_path / "hub", "https://example.org"), cache=False)
    counted = coverage(factset)
    assert counted.with_url == ("cost.turbo", "attacks.rate", "attacks.eu")
    assert counted.extracted == ("cost.turbo", "attacks.rate", "attacks.eu")
    assert counted.share == 1.0


def test_khub_check_re_checks_every_reference_and_reports_the_ones_that_differ(
    tmp_path: Path, server: HTTPServer, sources: Path
) -> None:
    _serve_sources(server, sources)
    server.expect_request("/paper").respond_with_data("a paper")
    hub = _hub(tmp_path / "hub", server.url_for("").rstrip("/"))
    data = tmp_path / "hub" / "data" / "facts" / "f.yml"
    data.write_text(
        data.read_text("utf-8").replace("https://example.org/paper", server.url_for("/paper")),
        "utf-8",
    )
    before = data.read_bytes()

    done = invoke_khub(hub, ["check", "--allow-private", "--report", "report"], today="2026-07-01")

    doc = json.loads((hub / "report" / "check-report.json").read_text("utf-8"))
    assert [(r["fact"], r["index"], r["agrees"]) for r in doc["references"]] == [
        ("attacks.eu", 0, True),
        ("attacks.eu", 1, None),
        ("attacks.rate", 0, True),
        ("cost.turbo", 0, True),
        ("cost.turbo", 1, False),
    ]
    markdown = (hub / "report" / "check-report.md").read_text("utf-8")
    assert "### References (5 checked, 1 differ)" in markdown
    assert "the source gives 0.13, the reference 0.12" in markdown
    assert data.read_bytes() == before, "a report-only run writes nothing under data/"
    assert "Traceback" not in done.output

"""References per fact: agreement within a tolerance, the status they earn, and what shows it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from khub.check.references import coverage
from khub.data.agreement import agrees, judge
from khub.data.load import load
from khub.data.model import Licence, Range
from khub.render.elements import Freshness, popover_data, reference_rows
from khub.units import get_unit
from tests.data.kit import case_hub, run_in_process
from tests.kit.tree import tree_digest

REPO = Path(__file__).resolve().parent.parent.parent

SOURCES = """
anthropic-launch:
  title: Launch post
  publisher: Anthropic
  kind: release
  url: https://example.org/launch
news-site:
  title: A report of the launch
  publisher: Example News
  kind: news
  url: https://example.org/news
bench-lab:
  title: An independent run
  publisher: Bench Lab
  kind: leaderboard
  url: https://example.org/bench
"""

BENCH = """\
bench:
  title: Benchmark score
  unit: percent
  source: anthropic-launch
  vendor: {{opus: anthropic}}
  facts:
    opus:
      label: Opus
      value: 88.6
      as_of: 2026-06-30
      verified: 2026-06-30
      status: {status}
      references:
{references}
"""

VENDOR_ONLY = """\
        - source: anthropic-launch
          states: 88.6
          retrieved: 2026-06-30
"""


def _hub(tmp_path: Path, status: str, references: str) -> Path:
    hub = case_hub(tmp_path / "hub")
    with (hub / "data" / "sources.yml").open("a", encoding="utf-8") as sources:
        sources.write(SOURCES)
    text = BENCH.format(status=status, references=references.rstrip("\n"))
    (hub / "data" / "facts" / "bench.yml").write_text(text, encoding="utf-8")
    return hub


def test_independent_status_that_only_the_vendor_states_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = _hub(tmp_path, "independent", VENDOR_ONLY)
    before = tree_digest(hub)
    run = run_in_process(hub, "validate")
    assert run.exception is None
    assert run.exit == 1
    assert run.lines == (
        "stderr: data/facts/bench.yml:12: status 'independent' contradicts the "
        "references: only 'anthropic' (the vendor) states 88.6 (write status: vendor-reported "
        "or add an independent reference)",
    )
    assert tree_digest(hub) == before


def test_a_source_relaying_the_vendor_earns_no_independence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relayed = "        - {source: news-site, states: 88.6, relays: true}\n"
    run = run_in_process(_hub(tmp_path, "independent", relayed), "validate")
    assert run.exit == 1
    assert "only 'anthropic' (the vendor) states 88.6" in run.lines[0]


def test_an_independent_reference_within_tolerance_earns_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = VENDOR_ONLY + "        - {source: bench-lab, states: 88.64}\n"
    hub = _hub(tmp_path, "independent", refs)
    run = run_in_process(hub, "validate")
    assert (run.exit, run.exception) == (0, None)
    factset, _ = load(hub, cache=False)
    agreement = judge(factset.facts["bench.opus"], factset.sources)
    assert (agreement.earned, agreement.independent) == ("independent", ("bench-lab",))


def test_vendor_reported_is_what_a_vendor_only_reference_earns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_in_process(_hub(tmp_path, "vendor-reported", VENDOR_ONLY), "validate")
    assert (run.exit, run.lines, run.exception) == (
        0,
        ("stderr: ok: 6 facts, 5 sources, 1 claims, 0 warning(s)",),
        None,
    )


def test_a_status_no_reference_states_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = "        - {source: bench-lab, states: null, does_not_state: true, note: not listed}\n"
    run = run_in_process(_hub(tmp_path, "vendor-reported", refs), "validate")
    assert run.exit == 0
    assert run.lines[0] == (
        "stderr: data/facts/bench.yml:13: warning: bench.opus: status 'vendor-reported' is not "
        "earned: no reference states the value (add a reference that states it, or record why "
        "none could be found)"
    )


def test_a_vendor_that_is_no_source_org_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = _hub(tmp_path, "vendor-reported", VENDOR_ONLY)
    facts = hub / "data" / "facts" / "bench.yml"
    facts.write_text(facts.read_text("utf-8").replace("opus: anthropic", "opus: antropic"), "utf-8")
    run = run_in_process(hub, "validate")
    assert run.exit == 0
    assert run.lines[0] == (
        "stderr: data/facts/bench.yml:7: warning: bench.opus: vendor 'antropic' is the org of "
        "no source (did you mean 'anthropic'?)"
    )


def test_a_reference_to_an_unknown_source_or_stating_null_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = (
        "        - {source: anthropic-lunch, states: 88.6}\n"
        "        - {source: bench-lab, states: null}\n"
    )
    run = run_in_process(_hub(tmp_path, "vendor-reported", refs), "validate")
    assert run.exit == 1
    assert run.lines == (
        "stderr: data/facts/bench.yml:14: bench.opus: unknown source 'anthropic-lunch' "
        "(did you mean 'anthropic-launch'?)",
        "stderr: data/facts/bench.yml:15: bench.opus: reference to 'bench-lab' states null "
        "(write the value it states, or does_not_state: true with a note)",
    )


def test_khub_fact_shows_references_and_their_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = VENDOR_ONLY + "        - {source: bench-lab, states: 80.1, note: another harness}\n"
    hub = _hub(tmp_path, "vendor-reported", refs)
    text = run_in_process(hub, "fact", "bench.opus")
    assert text.exit == 0
    assert text.lines[-4:] == (
        "stdout: reference: anthropic-launch: 88.6, 2026-06-30",
        "stdout: reference: bench-lab: 80.1, undated (another harness)",
        "stdout: earned status: vendor-reported",
        "stdout: references: sources differ: 88.6 vs 80.1; vendor-reported; no independent "
        "source states it",
    )
    shown = run_in_process(hub, "fact", "bench.opus", "--json")
    detail = json.loads("\n".join(line.removeprefix("stdout: ") for line in shown.lines))
    assert detail["status"] == "vendor-reported"
    assert detail["vendor"] == "anthropic"
    assert detail["references"][1] == {
        "source": "bench-lab",
        "states": 80.1,
        "does_not_state": False,
        "relays": False,
        "note": "another harness",
    }
    assert detail["agreement"] == {
        "earned_status": "vendor-reported",
        "agree": ["anthropic-launch"],
        "differ": ["bench-lab"],
        "silent": [],
        "independent": [],
        "tolerance": "0.05 points",
        "summary": "sources differ: 88.6 vs 80.1; vendor-reported; no independent source states it",
    }


def test_the_popover_says_the_status_once_in_plain_data(tmp_path: Path) -> None:
    refs = VENDOR_ONLY + "        - {source: bench-lab, states: null, does_not_state: true}\n"
    factset, _ = load(_hub(tmp_path, "vendor-reported", refs), cache=False)
    fact = factset.facts["bench.opus"]
    shown = popover_data(fact, factset, Freshness(dt.date(2026, 7, 1), 120))
    assert shown == {
        "data-fact-id": "bench.opus",
        "data-status": "vendor-reported",
        "data-as-of": "2026-06-30",
        "data-verified": "2026-06-30",
        "data-source": "Launch post (Anthropic)",
    }


def test_the_fact_page_lists_each_reference(tmp_path: Path) -> None:
    refs = VENDOR_ONLY + "        - {source: bench-lab, states: null, does_not_state: true}\n"
    factset, _ = load(_hub(tmp_path, "vendor-reported", refs), cache=False)
    rows = reference_rows(factset.facts["bench.opus"], "facts/bench.md", factset)
    assert rows == [
        "",
        "References:",
        "",
        "| Source | States | Retrieved | Note |",
        "|---|---|---|---|",
        "| [Launch post](../sources.md#anthropic-launch) | 88.6% | 30 June 2026 |  |",
        "| [An independent run](../sources.md#bench-lab) | does not state it |  |  |",
    ]


@pytest.mark.parametrize(
    ("unit", "value", "states", "same"),
    [
        ("percent", 88.6, 88.65, True),
        ("percent", 88.6, 88.7, False),
        ("usd_per_mtok", 25.0, 25.1, True),
        ("usd_per_mtok", 25.0, 25.2, False),
        ("usd_per_day", 0.12, 0.23, False),
        ("users", 700000000.0, 700000001.0, False),
        ("percent", Range(low=25.86, high=92.78), Range(low=25.9, high=92.8), True),
        ("percent", Range(low=25.86, high=92.78), 25.86, False),
        (
            "licence",
            Licence(id="Apache-2.0", name="Apache License 2.0", tier="p"),
            "Apache 2.0",
            True,
        ),
        ("licence", Licence(id="MIT", name="MIT License", tier="p"), "Apache-2.0", False),
        ("text", "Meta Platforms  Ireland", "meta platforms ireland", True),
    ],
)
def test_agreement_tolerance_per_unit(
    unit: str, value: float | Range | Licence | str, states: float | Range | str, same: bool
) -> None:
    found = get_unit(unit)
    assert found is not None
    assert agrees(found, value, states) is same


def test_the_seed_scores_are_vendor_reported_and_most_sourced_facts_are_machine_read() -> None:
    factset, _ = load(REPO, cache=False)
    scores = [f for f in factset.facts.values() if f.series == "swe-bench-verified"]
    earned = {f.id: judge(f, factset.sources).earned for f in scores}
    assert set(earned.values()) == {"vendor-reported"}
    assert {f.status for f in scores} == {"vendor-reported"}
    share = coverage(factset)
    assert share.share >= 0.6, sorted(set(share.with_url) - set(share.extracted))

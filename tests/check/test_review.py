"""The editor's decisions on real-shaped monthly sources: accept, dismiss, groups, limits.

A price list shaped like a real model catalogue (prices per token as strings, context
windows) is served on loopback; the next month's list cuts one model's prices by 49% and
81% and grows its context window from 200K to 1M tokens.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from pytest_httpserver import HTTPServer

from khub.data.load import load
from khub.render.elements import Freshness, fact_element
from tests.kit.checkhub import FAST, Pages
from tests.kit.cli import invoke_khub

MONTHLY = Path(__file__).parent.parent / "fixtures" / "sources" / "monthly"
NOVEMBER = (MONTHLY / "models-2026-11.json").read_bytes()
DECEMBER = (MONTHLY / "models-2026-12.json").read_bytes()
DECEMBER_DAY = "2026-12-01"
JSON_TYPE = "application/json"

SOURCES = """\
acme-models:
  title: Acme model catalogue
  publisher: Acme
  kind: pricing
  url: "{base}/models.json"
"""

FACTS = """\
# Prices and context windows read from one catalogue.

api-price:
  title: API list prices
  unit: usd_per_mtok
  source: acme-models
  bounds: {{min: 0, max: 1000}}{series_jump}
  facts:
    atlas-input:
      label: Acme Atlas 3, input
      value: 15
      as_of: 2026-11-01
      verified: 2026-11-01
      status: official
      check:
        url: "{base}/models.json"
        json: "data[?id=='acme/atlas-3'].pricing.prompt"
        convert: per_token_to_per_million
    atlas-output:
      label: Acme Atlas 3, output
      value: 75
      as_of: 2026-11-01
      verified: 2026-11-01
      status: official
      check:
        url: "{base}/models.json"
        json: "data[?id=='acme/atlas-3'].pricing.completion"
        convert: per_token_to_per_million

context:
  title: Context windows
  unit: tokens
  source: acme-models
  facts:
    atlas:
      label: Acme Atlas 3
      value: 200000
      as_of: 2026-11-01
      verified: 2026-11-01
      status: official
      check:
        url: "{base}/models.json"
        json: "data[?id=='acme/atlas-3'].context_length"
    mini:
      label: Acme Atlas 3 Mini
      value: null
      as_of: 2026-11-01
      verified: 2026-11-01
      status: official
      check:
        url: "{base}/models.json"
        json: "data[?id=='acme/atlas-3-mini'].context_length"
"""

SCORES = """\
swe:
  title: SWE-bench Verified
  unit: percent
  source: acme-models
  facts:
    atlas:
      label: Acme Atlas 3
      value: 74
      as_of: 2026-11-01
      verified: 2026-11-01
      status: independent
      check:
        url: "{base}/scores.json"
        json: "results[?model=='Acme Atlas 3'].resolved"
    atlas-first:
      label: Acme Atlas 3, first entry
      value: 74
      as_of: 2026-11-01
      verified: 2026-11-01
      status: independent
      check:
        url: "{base}/scores.json"
        json: "results[?model=='Acme Atlas 3'].resolved | [0]"
    gone:
      label: A page that went away
      value: 10
      as_of: 2026-11-01
      verified: 2026-11-01
      status: independent
      check:
        url: "{base}/gone.json"
        json: "results[0].resolved"
"""


class Month:
    """A hub whose checks read the catalogue served on loopback."""

    def __init__(self, root: Path, server: HTTPServer, series_jump: str = "") -> None:
        self.root = root
        self.base = f"http://127.0.0.1:{server.port}"
        self.pages = Pages()
        self.pages.set("models.json", DECEMBER, JSON_TYPE)
        self.pages.set("scores.json", (MONTHLY / "leaderboard-split.json").read_bytes(), JSON_TYPE)
        for name in self.pages.bodies:
            server.expect_request(f"/{name}").respond_with_handler(self.pages.handler(name))
        server.expect_request("/gone.json").respond_with_data("gone", status=404)
        self.server = server
        facts = root / "data" / "facts"
        facts.mkdir(parents=True)
        (root / "data" / "sources.yml").write_text(SOURCES.format(base=self.base), "utf-8")
        jump = f"\n  max_jump: {series_jump}" if series_jump else ""
        text = FACTS.format(base=self.base, series_jump=jump)
        (facts / "models.yml").write_text(text, "utf-8")
        (facts / "scores.yml").write_text(SCORES.format(base=self.base), "utf-8")

    def khub(self, *args: str, day: str = DECEMBER_DAY) -> Result:
        """Run khub in the hub with today pinned."""
        return invoke_khub(self.root, list(args), today=day)

    def check(self, *args: str, day: str = DECEMBER_DAY) -> Result:
        """Run `khub check` against the loopback server, without the HTTP cache."""
        return self.khub("check", *FAST, "--no-cache", *args, day=day)

    def report(self, *selectors: str) -> dict[str, Any]:
        """Run a report-only check into report/ and return its JSON outcomes by fact."""
        done = self.check("--report", "report", "--json", *selectors)
        assert "Traceback" not in done.output
        doc = json.loads(done.stdout)
        return {item["fact"]: item for item in doc["outcomes"]}

    def data(self) -> dict[str, bytes]:
        """Return the bytes of every file under data/."""
        base = self.root / "data"
        return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*.yml")}

    def fact(self, fid: str) -> Any:
        """Return a fact as loaded now."""
        factset, _ = load(self.root, cache=False)
        return factset.facts[fid]


@pytest.fixture
def month(tmp_path: Path, server: HTTPServer) -> Month:
    return Month(tmp_path / "hub", server)


@pytest.fixture
def strict(tmp_path: Path, server: HTTPServer) -> Month:
    return Month(tmp_path / "hub", server, series_jump="0.5")


def test_real_monthly_moves_are_changes_under_the_unit_defaults(month: Month) -> None:
    found = month.report("api-price.*", "context.atlas")
    assert {fid: found[fid]["outcome"] for fid in found} == {
        "api-price.atlas-input": "changed",
        "api-price.atlas-output": "changed",
        "context.atlas": "changed",
    }
    assert found["api-price.atlas-output"]["new"] == pytest.approx(14.25)
    assert found["context.atlas"]["new"] == 1_000_000


def test_a_move_beyond_tenfold_is_always_rejected(month: Month) -> None:
    month.pages.set("models.json", DECEMBER.replace(b'"0.00001425"', b'"0.000007"'), JSON_TYPE)
    found = month.report("api-price.atlas-output")
    output = found["api-price.atlas-output"]
    assert output["outcome"] == "rejected"
    assert output["reason"] == "×0.0933 is beyond ×10 either way (only `khub accept`)"


def test_a_refused_member_holds_its_whole_group(strict: Month) -> None:
    before = strict.data()
    done = strict.check("--apply", "--json", "api-price.atlas-input")
    assert done.exit_code == 1, done.output
    outcomes = {o["fact"]: o for o in json.loads(done.stdout)["outcomes"]}
    assert set(outcomes) == {"api-price.atlas-input", "api-price.atlas-output"}
    refused = outcomes["api-price.atlas-output"]
    assert (refused["outcome"], refused["reason"]) == (
        "rejected",
        "−81% > max_jump 50% (series max_jump)",
    )
    held = outcomes["api-price.atlas-input"]
    assert (held["outcome"], held["reason"]) == (
        "held",
        "held: api-price.atlas-output was refused (−81% > max_jump 50% (series max_jump))",
    )
    assert held["new"] == pytest.approx(7.65)
    assert held["group"] == refused["group"]
    assert held["group"] == f"data[?id=='acme/atlas-3'].pricing @ {strict.base}/models.json"
    after = strict.data()
    assert after["facts/models.yml"] == before["facts/models.yml"]


def test_accept_writes_the_reviewed_values_and_fetches_nothing(strict: Month) -> None:
    strict.report("api-price.*")
    strict.pages.set("models.json", NOVEMBER, JSON_TYPE)  # the source moves on meanwhile
    requests = len(strict.server.log)
    done = strict.khub("accept", "--report", "report", "api-price.atlas-output")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "accepted 2 fact(s): api-price.atlas-input, api-price.atlas-output; "
        "wrote data/facts/models.yml\n"
    )
    assert len(strict.server.log) == requests
    output = strict.fact("api-price.atlas-output")
    assert output.value == pytest.approx(14.25)
    assert [(h.value, h.from_.isoformat(), h.to.isoformat()) for h in output.history] == [
        (75.0, "2026-11-01", DECEMBER_DAY)
    ]
    assert strict.fact("api-price.atlas-input").value == pytest.approx(7.65)
    state = yaml.safe_load((strict.root / "data" / "check-state.yml").read_text("utf-8"))
    entry = state["facts"]["api-price.atlas-output"]
    assert entry["url"] == f"{strict.base}/models.json"
    assert len(entry["sha256"]) == 64


def test_accept_refuses_a_fact_changed_since_the_report(strict: Month) -> None:
    strict.report("api-price.*")
    models = strict.root / "data" / "facts" / "models.yml"
    models.write_text(models.read_text("utf-8").replace("value: 15\n", "value: 14\n"), "utf-8")
    before = strict.data()
    done = strict.khub("accept", "--report", "report", "api-price.atlas-output")
    assert done.exit_code == 1
    assert done.stderr == (
        "error: nothing accepted:\n"
        "  api-price.atlas-input: changed in data/ since the report (run `khub check "
        "--report` again and review the new report)\n"
    )
    assert "Traceback" not in done.output
    assert strict.data() == before


def test_accept_refuses_a_value_that_fails_validation(strict: Month) -> None:
    strict.report("api-price.*")
    models = strict.root / "data" / "facts" / "models.yml"
    text = models.read_text("utf-8").replace("{min: 0, max: 1000}", "{min: 14.5, max: 1000}")
    models.write_text(text, "utf-8")
    before = strict.data()
    done = strict.khub("accept", "--report", "report", "api-price.atlas-output")
    assert done.exit_code == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "error: nothing accepted:"
    assert [line.split(": ")[0] for line in lines[1:]] == [
        "  api-price.atlas-input",
        "  api-price.atlas-output",
    ]
    assert "14.25 is below its bound 14.5" in lines[2]
    assert strict.data() == before


def test_a_dismissal_holds_while_the_source_says_the_same(month: Month) -> None:
    month.report("api-price.*")
    done = month.khub(
        "dismiss", "--report", "report", "api-price.atlas-output",
        "--reason", "promotional price until January", "--by", "Ed Itor",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "dismissed api-price.atlas-input = 7.65 (promotional price until January)\n"
        "dismissed api-price.atlas-output = 14.25 (promotional price until January)\n"
    )
    entries = yaml.safe_load((month.root / "data" / "dismissals.yml").read_text("utf-8"))
    assert [(e["fact"], e["value"]) for e in entries["dismissals"]] == [
        ("api-price.atlas-input", 7.65),
        ("api-price.atlas-output", 14.25),
    ]
    entry = entries["dismissals"][1]
    assert (entry["by"], entry["date"], len(entry["sha256"])) == ("Ed Itor", DECEMBER_DAY, 64)

    again = month.report("api-price.*")
    assert again["api-price.atlas-output"]["outcome"] == "dismissed"
    assert again["api-price.atlas-output"]["reason"] == (
        "dismissed 2026-12-01 by Ed Itor: promotional price until January"
    )
    assert again["api-price.atlas-input"]["outcome"] == "dismissed"  # the group goes whole

    listed = month.khub("facts", "api-price.atlas-output")
    assert listed.stdout.rstrip("\n").split("\t")[-1] == (
        "14.25 dismissed 2026-12-01 by Ed Itor: promotional price until January"
    )
    shown = month.khub("fact", "api-price.atlas-output")
    assert "dismissed: 14.25 dismissed 2026-12-01 by Ed Itor: promotional price" in shown.stdout

    month.pages.set("models.json", DECEMBER.replace(b'"0.00001425"', b'"0.000013"'), JSON_TYPE)
    raised = month.report("api-price.*")
    assert raised["api-price.atlas-output"]["outcome"] == "held"  # raised, held by its pair
    assert raised["api-price.atlas-output"]["new"] == pytest.approx(13.0)
    assert raised["api-price.atlas-output"]["reason"] == (
        "held: api-price.atlas-input was dismissed "
        "(dismissed 2026-12-01 by Ed Itor: promotional price until January)"
    )


def test_a_dismissal_lapses_after_its_date(month: Month) -> None:
    month.report("api-price.atlas-output")
    done = month.khub(
        "dismiss", "--report", "report", "api-price.atlas-output",
        "--reason", "wait for the announcement", "--until", "2026-12-15", "--by", "Ed",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    later = month.check("--json", "api-price.atlas-output", day="2026-12-16")
    outcomes = {o["fact"]: o["outcome"] for o in json.loads(later.stdout)["outcomes"]}
    assert outcomes["api-price.atlas-output"] == "changed"


def test_a_broken_dismissals_file_is_reported_at_its_line(month: Month) -> None:
    (month.root / "data" / "dismissals.yml").write_text(
        "dismissals:\n  - fact: api-price.atlas-output\n    value: 14.25\n    reason: x\n"
        "    by: Ed\n    date: someday\n",
        "utf-8",
    )
    done = month.check("api-price.atlas-output")
    assert done.exit_code == 2
    assert done.stderr.startswith("data/dismissals.yml:6: ")
    assert "Traceback" not in done.output


def test_a_fact_without_a_value_is_filled_without_a_null_history(month: Month) -> None:
    done = month.check("--apply", "--json", "context.mini")
    assert done.exit_code == 0, done.output
    (item,) = json.loads(done.stdout)["outcomes"]
    assert (item["outcome"], item["old"], item["new"]) == ("filled", None, 128000)
    fact = month.fact("context.mini")
    assert (fact.value, fact.history) == (128000, ())


def test_several_different_values_are_ambiguous_and_listed(month: Month) -> None:
    found = month.report("swe.atlas", "swe.atlas-first")
    for fid in ("swe.atlas", "swe.atlas-first"):
        assert found[fid]["outcome"] == "ambiguous"
    path = "results[?model=='Acme Atlas 3'].resolved"
    assert found["swe.atlas"]["candidates"] == [
        {"path": f"{path} | [0]", "value": "75.2"},
        {"path": f"{path} | [1]", "value": "70.6"},
    ]
    assert found["swe.atlas-first"]["reason"].startswith(f"{path!r} matched 2 different values")


def test_a_failing_check_is_recorded_with_the_date_it_began(month: Month) -> None:
    first = month.check("--apply", "swe.gone")
    assert first.exit_code == 1
    later = month.check("--apply", "swe.gone", day="2026-12-20")
    assert later.exit_code == 1
    state = yaml.safe_load((month.root / "data" / "check-state.yml").read_text("utf-8"))
    entry = state["facts"]["swe.gone"]
    assert (entry["outcome"], entry["checked"], entry["failing_since"]) == (
        "unreachable",
        "2026-12-20",
        DECEMBER_DAY,
    )
    assert month.fact("swe.gone").value == 10
    shown = month.khub("fact", "swe.gone", day="2026-12-20")
    assert "unchecked: could not be re-checked since 2026-12-01\n" in shown.stdout
    factset, _ = load(month.root, cache=False)
    element = fact_element(
        factset.facts["swe.gone"], "10%", "index.md", factset, Freshness(dt.date(2026, 12, 20), 90)
    )
    assert 'data-failing-since="2026-12-01"' in element
    assert ".khub-unchecked" in element
    assert '<span class="khub-badge" data-search-exclude>not re-checked</span>' in element


def test_accept_without_facts_takes_only_safe_proposals(strict: Month) -> None:
    strict.report("api-price.*", "context.*")
    done = strict.khub("accept", "--report", "report")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "accepted 2 fact(s): context.atlas, context.mini; wrote data/facts/models.yml\n"
    )
    assert strict.fact("api-price.atlas-input").value == 15
    assert (strict.fact("context.mini").value, strict.fact("context.mini").history) == (
        128000,
        (),
    )


def test_accept_of_a_fact_not_in_the_report_is_a_usage_error(month: Month) -> None:
    month.report("api-price.atlas-output")
    before = month.data()
    done = month.khub("accept", "--report", "report", "context.mini")
    assert (done.exit_code, done.stderr) == (2, "error: context.mini: not in the report\n")
    missing = month.khub("accept", "--report", "nowhere")
    assert missing.exit_code == 2
    assert missing.stderr == (
        "error: nowhere/check-report.json: no such report (run `khub check --report nowhere`)\n"
    )
    assert month.data() == before


def test_dismissing_one_member_dismisses_its_group(month: Month) -> None:
    month.report("api-price.*")
    done = month.khub(
        "dismiss", "--report", "report", "api-price.atlas-output", "--reason", "promo", "--by", "Ed"
    )
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "dismissed api-price.atlas-input = 7.65 (promo)\n"
        "dismissed api-price.atlas-output = 14.25 (promo)\n"
    )
    month.pages.set("models.json", DECEMBER.replace(b'"0.00000765"', b'"0.000007"'), JSON_TYPE)
    found = month.report("api-price.*")
    assert found["api-price.atlas-output"]["outcome"] == "dismissed"
    assert (
        found["api-price.atlas-input"]["outcome"],
        found["api-price.atlas-input"]["reason"],
    ) == (
        "held",
        "held: api-price.atlas-output was dismissed (dismissed 2026-12-01 by Ed: promo)",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reason", " "], "error: --reason is empty: say why the proposal is not taken\n"),
        (["--reason", "x", "--until", "2026-11-30"], "error: --until 2026-11-30 is in the past\n"),
        (["--reason", "x", "swe.gone"], "error: swe.gone: not in the report\n"),
    ],
)
def test_a_bad_dismissal_is_refused_writing_nothing(
    month: Month, args: list[str], message: str
) -> None:
    month.report("api-price.atlas-output", "context.atlas")
    before = month.data()
    done = month.khub("dismiss", "--report", "report", "context.atlas", *args, "--by", "Ed")
    assert (done.exit_code, done.stderr) == (2, message)
    assert month.data() == before

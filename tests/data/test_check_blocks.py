"""`khub validate` reads every check block: a wrong one is a path:line error before any run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.data.kit import TODAY, case_hub
from tests.kit.cli import run_khub
from tests.kit.tree import tree_digest

PRICES = "data/facts/prices.yml"

# Nothing listens on port 9 of loopback: a run that fetched anything would say so.
GOOD = """\
api-price:
  title: API price for input tokens
  unit: usd_per_mtok
  source: pricing
  facts:
    model-a:
      value: 15
      as_of: 2026-06-30
      verified: 2026-06-30
      status: official
      check:
        url: http://127.0.0.1:9/pricing
        table: {match: {Model: Model A}, column: Input}
        convert: per_token_to_per_million
"""


def _hub(root: Path, text: str) -> Path:
    hub = case_hub(root)
    (hub / PRICES).write_text(text, "utf-8")
    return hub


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_good_check_block_validates(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "hub", GOOD)

    proc = run_khub(hub, "validate", today=TODAY)

    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        "",
        "data/facts/prices.yml:12: warning: api-price.model-a: check URL is on 127.0.0.1, the "
        "cited source 'pricing' on example.org (check the page the source cites, or cite the "
        "source the check reads)\nok: 6 facts, 2 sources, 1 claims, 1 warning(s)\n",
    )


def test_a_misspelt_key_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("table:", "tabel:")
    hub = _hub(tmp_path / "hub", text)
    before = tree_digest(hub)

    proc = run_khub(hub, "validate", today=TODAY)

    line = _line_of(text, "tabel:")
    assert line == 13
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == f"{PRICES}:13: check: unknown key 'tabel' (did you mean 'table'?)\n"
    assert tree_digest(hub) == before


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "        url: http://127.0.0.1:9/pricing\n",
            "",
            "check:",
            "check: missing 'url' (add 'url:', the address of the page or file the value is "
            "read from)",
        ),
        (
            "per_token_to_per_million",
            "per_token",
            "convert:",
            "check.convert: unknown conversion 'per_token' "
            "(did you mean 'per_token_to_per_million'?)",
        ),
        (
            "table: {match: {Model: Model A}, column: Input}",
            'text: "Model A: \\\\$([0-9.]+"',
            "text:",
            "check.text: bad regular expression 'Model A: \\\\$([0-9.]+' (missing ), unterminated "
            "subpattern at position 11) (escape a literal ( ) [ ] . $ + ? * with a backslash)",
        ),
        (
            "table: {match: {Model: Model A}, column: Input}",
            "json: \"prices[?model=='a'.input\"",
            "json:",
            "check.json: bad JMESPath expression \"prices[?model=='a'.input\" (Incomplete "
            "expression) (quote names with spaces or dashes; see jmespath.org/tutorial)",
        ),
        (
            "table: {match: {Model: Model A}, column: Input}",
            'html: "#model-a > > .input"',
            "html:",
            "check.html: bad CSS selector '#model-a > > .input' (The combinator '>' at position "
            "11, must have a selector before it) (write a selector such as '#opus .price' or "
            "'table.pricing')",
        ),
    ],
)
def test_each_kind_of_bad_block_is_one_located_error(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    hub = _hub(tmp_path / "hub", text)

    proc = run_khub(hub, "validate", today=TODAY)

    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"{PRICES}:{_line_of(text, needle)}: {message}\n"
    assert "Traceback" not in proc.stderr


def test_json_output_gives_the_problem_and_its_fix_apart(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "hub", GOOD.replace("table:", "tabel:"))

    proc = run_khub(hub, "validate", "--json", today=TODAY)

    assert proc.returncode == 1
    assert json.loads(proc.stdout)["problems"] == [
        {
            "path": PRICES,
            "line": 13,
            "severity": "error",
            "message": "check: unknown key 'tabel'",
            "hint": "did you mean 'table'?",
        }
    ]


def test_check_refuses_to_run_on_a_bad_block_and_fetches_nothing(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "hub", GOOD.replace("table:", "tabel:"))
    before = tree_digest(hub)

    proc = run_khub(hub, "check", "--apply", "--allow-network", "127.0.0.0/8", today=TODAY)

    assert proc.returncode == 2
    assert proc.stderr == f"{PRICES}:13: check: unknown key 'tabel' (did you mean 'table'?)\n"
    assert tree_digest(hub) == before


def test_a_fact_shows_its_check_block_as_written(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "hub", GOOD)

    proc = run_khub(hub, "fact", "api-price.model-a", "--json", today=TODAY)

    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["check"] == {
        "url": "http://127.0.0.1:9/pricing",
        "table": {"match": {"Model": "Model A"}, "column": "Input"},
        "convert": "per_token_to_per_million",
    }

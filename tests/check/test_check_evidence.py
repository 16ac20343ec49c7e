"""Evidence's JSON form: the contract between check-report.json and its readers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from khub.check.evidence import Evidence
from khub.errors import UsageError

SEEN = Evidence(
    "https://prices.example/models.json",
    "https://prices.example/v2/models.json",
    200,
    dt.datetime(2026, 12, 1, 6, 30, 5, tzinfo=dt.UTC),
    "ab" * 32,
    '"prompt": "0.00000765"',
    "data[?id=='acme/atlas-3'].pricing.prompt",
    True,
)


def test_the_json_form_has_exactly_these_fields() -> None:
    assert SEEN.to_json() == {
        "url": "https://prices.example/models.json",
        "final_url": "https://prices.example/v2/models.json",
        "status": 200,
        "fetched_at": "2026-12-01T06:30:05+00:00",
        "sha256": "ab" * 32,
        "excerpt": '"prompt": "0.00000765"',
        "locator": "data[?id=='acme/atlas-3'].pricing.prompt",
        "from_cache": True,
    }


def test_the_json_form_reads_back_as_it_was() -> None:
    assert Evidence.from_json(json.loads(json.dumps(SEEN.to_json()))) == SEEN


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fetched_at": "yesterday"}, "Invalid isoformat string: 'yesterday'"),
        ({"status": "200"}, "'status' is not a number"),
        ({"url": None}, "'url' is not text"),
    ],
)
def test_another_form_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        Evidence.from_json({**SEEN.to_json(), **change})
    assert str(caught.value) == f"evidence is not in the report's form: {message}"

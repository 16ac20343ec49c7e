"""Edition files round-trip: dump_edition writes what parse_edition and YAML read back."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khub.data.yamlio import DataLoader
from khub.editions.store import canonical_sha256, dump_edition, parse_edition, seal

TEXT = st.text(
    st.characters(blacklist_categories=["Cs"])
    | st.sampled_from(["\n", "\t", '"', "\\", "\x85", "\u2028", "\ufeff", "e"]),
    max_size=12,
)
VALUE = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.fixed_dictionaries({"low": st.floats(-1e6, 1e6), "high": st.floats(-1e6, 1e6)}),
)
FACT = st.fixed_dictionaries(
    {
        "label": TEXT,
        "value": VALUE,
        "unit": st.sampled_from(["percent", "text"]),
        "as_of": st.just("2026-06-01"),
        "verified": st.just("2026-06-02"),
        "status": st.just("official"),
        "source": st.none() | st.just("src"),
    }
)
ID = st.from_regex(r"[a-z]{1,4}\.[a-z0-9-]{1,6}", fullmatch=True)
CONTENT = st.fixed_dictionaries(
    {
        "edition": st.just("2026-06"),
        "published": st.just("2026-06-30"),
        "previous": st.none(),
        "notes": st.lists(
            st.fixed_dictionaries({"module": st.just("m"), "text": TEXT.filter(bool)}), max_size=2
        ),
        "sources": st.just({}),
        "facts": st.dictionaries(
            st.from_regex(r"[a-z]{1,4}\.[a-z0-9-]{1,6}", fullmatch=True), FACT
        ),
        "derived": st.just({}),
        "claims": st.just({}),
    }
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(CONTENT)
def test_an_edition_reads_back_exactly_by_json_and_by_yaml(content: dict[str, Any]) -> None:
    sealed = seal(content)
    blob = dump_edition(sealed)
    data, problem, _ = parse_edition("e.yml", blob)
    assert problem is None
    assert data == sealed
    assert (
        canonical_sha256({k: v for k, v in data.items() if "sha256" not in k})
        == (sealed["content_sha256"])
    )
    assert yaml.load(blob.decode(), Loader=DataLoader) == sealed

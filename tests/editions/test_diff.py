"""Properties of the diff engine over generated snapshots."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khub.data.model import FrozenFact
from khub.editions.diff import KINDS, Diff, apply, diff
from khub.editions.snapshot import ClaimState, Note, Snapshot

IDS = st.sampled_from([f"s{i}.f{j}" for i in range(3) for j in range(4)])
DERIVED_IDS = st.sampled_from(["d1", "d2", "d3"])
DATES = st.sampled_from(["2026-04-01", "2026-05-01", "2026-06-01"])
VALUES = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.text(max_size=5),
    st.builds(lambda a, b: {"low": a, "high": a + b}, st.integers(0, 9), st.integers(0, 9)),
)


@st.composite
def fact_states(draw: st.DrawFn, derived: bool = False) -> FrozenFact:
    """Draw a fact state; a derived one takes inputs and a formula."""
    return FrozenFact(
        value=draw(VALUES),
        unit=draw(st.sampled_from(["percent", "usd", "count"])),
        as_of=draw(DATES),
        verified=draw(DATES),
        status="derived" if derived else draw(st.sampled_from(["official", "estimate"])),
        source=None if derived else draw(st.sampled_from(["a", "b", None])),
        label=draw(st.sampled_from(["", "L"])),
        formula=draw(st.sampled_from(["s0.f0 + s1.f1", "s2.f2 * 2"])) if derived else None,
        inputs=draw(st.sampled_from([("s0.f0", "s1.f1"), ("s2.f2",)])) if derived else (),
    )


# Generation shares two cores with the rest of the suite: no per-example deadline.
settings.register_profile(
    "khub-diff", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)
RELAXED = settings.get_profile("khub-diff")

CLAIMS = st.dictionaries(
    st.sampled_from(["c1", "c2", "c3"]),
    st.builds(
        ClaimState,
        st.sampled_from(["says x", "says y"]),
        st.just("d1 > 0"),
        st.sampled_from([True, False, None]),
        st.just(("d1",)),
    ),
)
NOTES = st.lists(
    st.builds(Note, st.sampled_from(["m1", "m2"]), st.sampled_from(["n1", "n2", "n3"])),
    unique=True,
    max_size=3,
)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    """Draw a snapshot of base facts, derived facts, claims and notes."""
    facts = draw(st.dictionaries(IDS, fact_states()))
    facts.update(draw(st.dictionaries(DERIVED_IDS, fact_states(derived=True))))
    return Snapshot(
        label=draw(st.sampled_from(["A", "B"])),
        facts=facts,
        claims=draw(CLAIMS),
        notes=tuple(draw(NOTES)),
    )


def _same(a: Snapshot, b: Snapshot) -> bool:
    return (
        dict(a.facts) == dict(b.facts)
        and dict(a.claims) == dict(b.claims)
        and sorted(a.notes, key=repr) == sorted(b.notes, key=repr)
    )


@RELAXED
@given(snapshots())
def test_diff_of_a_snapshot_with_itself_is_empty(a: Snapshot) -> None:
    d = diff(a, a)
    assert d.empty
    assert set(d.counts().values()) == {0}


@RELAXED
@given(snapshots(), snapshots())
def test_applying_the_diff_gives_the_other_side(a: Snapshot, b: Snapshot) -> None:
    assert _same(apply(a, diff(a, b)), b)
    assert _same(apply(b, diff(b, a)), a)


@RELAXED
@given(snapshots(), snapshots())
def test_counts_agree_in_both_directions(a: Snapshot, b: Snapshot) -> None:
    forward, backward = diff(a, b), diff(b, a)
    f, r = forward.counts(), backward.counts()
    assert f["added"] == r["removed"]
    assert f["removed"] == r["added"]
    for kind in KINDS[2:]:
        assert f[kind] == r[kind], kind
    assert f["derived"] == r["derived"]
    assert f["claims"] == r["claims"]
    assert len(forward.notes_added) == len(backward.notes_removed)
    assert forward.changed_ids() == backward.changed_ids()


@RELAXED
@given(snapshots(), snapshots())
def test_every_difference_is_reported_once(a: Snapshot, b: Snapshot) -> None:
    d: Diff = diff(a, b)
    ids = [c.id for c in (*d.facts, *d.derived)]
    assert len(ids) == len(set(ids))
    expected = {k for k in {*a.facts, *b.facts} if a.facts.get(k) != b.facts.get(k)}
    assert set(ids) == expected
    for change in d.facts:
        assert not (change.new or change.old).derived  # type: ignore[union-attr]


@RELAXED
@given(snapshots(), snapshots())
def test_relative_change_matches_absolute(a: Snapshot, b: Snapshot) -> None:
    for change in diff(a, b).of_kind("value"):
        if change.relative is not None and change.absolute is not None:
            old = change.old.value  # type: ignore[union-attr]
            assert isinstance(old, float)
            assert abs(change.relative * abs(old) - change.absolute) <= 1e-6 * max(
                1.0, abs(change.absolute)
            )


def test_relative_change_from_a_tiny_old_value_is_none_not_infinity() -> None:
    """Found by hypothesis: (2 − 1e-308) / 1e-308 overflows to inf."""
    from khub.editions.diff import FactChange

    def state(value: float) -> FrozenFact:
        return FrozenFact(
            value=value,
            unit="percent",
            as_of="2026-04-01",
            verified="2026-04-01",
            status="official",
            source="a",
            label="",
            formula=None,
            inputs=(),
        )

    change = FactChange("s.f", "value", state(1.1125369292536007e-308), state(2.0), ("value",))
    assert (change.absolute, change.relative) == (2.0, None)

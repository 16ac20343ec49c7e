"""Re-check the references of facts: plan which reference specs to run, run them, count.

A fact's ``references`` may each carry a ``check`` block (the same models as a fact's own
``check``). `plan` lists every reference that has one; `run` fetches their sources through a
`Fetcher`, extracts each value and compares it with what the reference says the source
``states``, within the unit's tolerance (`khub.data.agreement`), or with what it ``reads``
when the check reads something else than the fact's value (an input of a derivation, the
clause a text fact paraphrases). `coverage` counts the facts
whose source has a public URL and how many of them a machine reads (a fact check or a
reference check with an extracting method).

The run of ``khub check`` can call ``run(plan(factset), fetcher)`` after the facts' own
checks and report each `ReferenceOutcome` whose ``agrees`` is False; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from khub.check.extract import ExtractError, extract, is_manual, kind_of
from khub.check.http import Fetcher, FetchError, FetchResult, Kind
from khub.check.outcomes import ReferenceResult
from khub.check.spec import CheckSpec
from khub.data.agreement import agrees, same_reading
from khub.data.model import Fact, FactSet, Licence, Range
from khub.units import Unit

Value = float | Range | Licence | str | None


@dataclass(frozen=True)
class ReferenceCheck:
    """One reference to re-check: which fact, which source, its spec and what it should read."""

    fact_id: str
    index: int
    source: str
    spec: CheckSpec
    expected: Value  # the reference's `reads`, else the value it `states`
    unit: Unit
    compare_in_unit: bool  # True: compare within the unit's tolerance (no `reads` given)


@dataclass(frozen=True)
class ReferenceOutcome:
    """What re-checking one reference found: the value read, whether it agrees, or why not."""

    check: ReferenceCheck
    found: float | str | None
    agrees: bool | None  # None: nothing to compare (manual, or the source could not be read)
    reason: str = ""


@dataclass(frozen=True)
class Coverage:
    """Facts whose source has a public URL, and those of them a machine check reads."""

    with_url: tuple[str, ...]
    extracted: tuple[str, ...]

    @property
    def share(self) -> float:
        """Return the share of facts with a URL that an extracting check reads."""
        return len(self.extracted) / len(self.with_url) if self.with_url else 0.0


def plan(factset: FactSet) -> list[ReferenceCheck]:
    """Return every reference that has a check spec, in fact order."""
    return [
        ReferenceCheck(
            fact.id,
            n,
            ref.source,
            ref.check,
            ref.states if ref.reads is None else ref.reads,
            fact.unit,
            ref.reads is None,
        )
        for fact in factset.facts.values()
        for n, ref in enumerate(fact.references)
        if ref.check is not None
    ]


def run(checks: list[ReferenceCheck], fetcher: Fetcher) -> list[ReferenceOutcome]:
    """Fetch the sources of `checks`, read each value and compare it with what it states."""
    kinds: dict[str, Kind] = {}
    for check in checks:
        kinds.setdefault(check.spec.url, kind_of(check.spec))
    fetched = fetcher.fetch_all([c.spec.url for c in checks], kinds)
    return [_outcome(check, fetched[check.spec.url]) for check in checks]


def _outcome(check: ReferenceCheck, fetched: FetchResult | FetchError) -> ReferenceOutcome:
    if isinstance(fetched, FetchError):
        return ReferenceOutcome(check, None, None, f"not fetched: {fetched.reason}")
    if is_manual(check.spec):
        return ReferenceOutcome(check, None, None, "manual: a person reads the page")
    try:
        found = extract(check.spec, fetched)
    except ExtractError as error:
        return ReferenceOutcome(check, None, False, error.reason)
    if check.compare_in_unit:
        same = agrees(check.unit, check.expected, found.value)
    else:
        same = same_reading(check.expected, found.value)
    reason = "" if same else f"the source gives {found.value!r}, the reference {check.expected!r}"
    return ReferenceOutcome(check, found.value, same, reason)


def coverage(factset: FactSet) -> Coverage:
    """Return which typed facts have a source URL, and which of them are read by extraction."""
    typed = [f for f in factset.facts.values() if not f.derived]
    with_url = [f for f in typed if _has_url(f, factset)]
    extracted = [f.id for f in with_url if _extracted(f)]
    return Coverage(tuple(f.id for f in with_url), tuple(extracted))


def _has_url(fact: Fact, factset: FactSet) -> bool:
    source = factset.sources.get(fact.source or "")
    return source is not None and source.url is not None


def _extracted(fact: Fact) -> bool:
    specs = [fact.check, *(ref.check for ref in fact.references)]
    return any(spec is not None and not is_manual(spec) for spec in specs)


def results(outcomes: list[ReferenceOutcome]) -> tuple[ReferenceResult, ...]:
    """Return reference outcomes as a check run keeps them, sorted by fact id and place."""
    found = (
        ReferenceResult(
            o.check.fact_id,
            o.check.index,
            o.check.source,
            o.check.spec.url,
            o.check.expected,
            o.found,
            o.agrees,
            o.reason,
        )
        for o in outcomes
    )
    return tuple(sorted(found, key=lambda r: (r.fact_id, r.index)))

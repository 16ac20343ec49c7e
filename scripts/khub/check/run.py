"""Re-check facts against their sources: fetch each URL once, extract, compare, classify.

Every fact with a `check` block gets exactly one outcome:

- confirmed: the source gives the current value (numbers equal within 1e-9, relative);
- changed: the source gives a new, valid value: a proposal with old, new and evidence;
- not-found: the page was fetched but the extractor found nothing (shape changed, wrong
  content type, undecodable bytes, malformed JSON or HTML);
- unreachable: network or HTTP error (timeout, refused, 4xx/5xx after retries, redirect
  loop, private address, body over the size cap), with the status when there was one;
- rejected: the new value fails validation (unit, choices, bounds) or jumps by more than
  max_jump (a share of the old value, default 0.5): reported, never written;
- manual: no extractor; the link is checked and the page's sha256 compared with the last
  run's (kept in the hub's cache folder, khub.disk.cachedir, never in data/).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from khub.check import extract as methods
from khub.check.cache import parse_session
from khub.check.extract import ExtractError, Extraction, NotFound, SpecError
from khub.check.http import (
    DecodeFailed,
    FetchConfig,
    Fetcher,
    FetchError,
    FetchResult,
    Kind,
    Progress,
    ProgressHook,
    WrongContentType,
)
from khub.check.numbers import NumberNotFound, convert, parse_number
from khub.check.spec import CheckSpec, ValueCheck
from khub.check.writeback import Update, replace_atomically
from khub.data.model import Fact, FactSet, Licence, Range
from khub.data.problems import ProblemLog
from khub.data.sanity import Where, check_value
from khub.disk.cachedir import cache_root
from khub.errors import UsageError

Outcome = Literal["confirmed", "changed", "not-found", "unreachable", "rejected", "manual"]
OUTCOMES: tuple[Outcome, ...] = (
    "confirmed",
    "changed",
    "rejected",
    "not-found",
    "unreachable",
    "manual",
)
NEEDS_ATTENTION: frozenset[str] = frozenset({"rejected", "not-found", "unreachable"})
DEFAULT_MAX_JUMP = 0.5
REL_TOL = 1e-9
STATE_FILE = Path("check") / "fingerprints.json"  # under khub.disk.cachedir.cache_root

FactValue = float | Range | Licence | str | None
_RANGE = re.compile(r"^\s*(.*?\d.*?)\s*(?:–|—|-|\bto\b|\.\.)\s*(.*\d.*?)\s*$")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True)
class Evidence:
    """What a result rests on: where the source was found, when, and what it said."""

    url: str
    final_url: str
    status: int | None
    fetched_at: dt.datetime
    sha256: str | None
    excerpt: str = ""
    locator: str = ""
    from_cache: bool = False


@dataclass(frozen=True)
class FactOutcome:
    """The outcome of re-checking one fact."""

    fact_id: str
    outcome: Outcome
    old: FactValue
    new: FactValue
    evidence: Evidence | None
    reason: str
    as_of: dt.date | None = None


@dataclass(frozen=True)
class CheckOptions:
    """Settings of one run."""

    root: Path = Path()
    max_jump: float = DEFAULT_MAX_JUMP
    today: dt.date | None = None
    fetch: FetchConfig = field(default_factory=FetchConfig)
    progress: ProgressHook | None = None


@dataclass(frozen=True)
class CheckRun:
    """Every outcome of a run, sorted by fact id, with what the run fetched."""

    date: dt.date
    outcomes: tuple[FactOutcome, ...]
    urls: int
    from_cache: int
    elapsed_s: float
    max_jump: float

    def counts(self) -> dict[str, int]:
        """Return the number of facts per outcome, every outcome listed."""
        counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        for item in self.outcomes:
            counts[item.outcome] += 1
        return counts

    def needs_attention(self) -> bool:
        """Return True when some fact was rejected, not found or unreachable."""
        return any(item.outcome in NEEDS_ATTENTION for item in self.outcomes)

    def of(self, outcome: Outcome) -> list[FactOutcome]:
        """Return the outcomes of one kind."""
        return [item for item in self.outcomes if item.outcome == outcome]


@dataclass(frozen=True)
class _Plan:
    """One fact to check: its spec for the extractor and the content kind it needs."""

    fact: Fact
    url: str
    spec: CheckSpec
    kind: Kind
    max_jump: float


def run_check(
    factset: FactSet, selectors: Sequence[str], options: CheckOptions | None = None
) -> CheckRun:
    """Check the selected facts (all facts with a check when none) and classify each."""
    options = options or CheckOptions()
    today = options.today or _today()
    plans = plan_checks(factset, select_facts(factset, selectors), options)
    started = time.monotonic()
    kinds = _kinds(plans)
    by_url: dict[str, list[_Plan]] = {}
    for plan in plans:
        by_url.setdefault(plan.url, []).append(plan)
    outcomes: list[FactOutcome] = []
    with Fetcher(options.fetch) as fetcher, parse_session(options.fetch.cache_dir):

        def done(progress: Progress) -> None:
            """Classify a URL's facts as soon as it is fetched, while others are in flight."""
            for plan in by_url[progress.url]:
                outcomes.append(_outcome(fetcher, plan, progress.outcome, kinds, factset, today))
            if options.progress is not None:
                options.progress(progress)

        fetched = fetcher.fetch_all(list(kinds), kinds, progress=done)
    state = cache_root(options.root) / STATE_FILE
    outcomes = _fingerprints(state, outcomes)
    results = [r for r in fetched.values() if isinstance(r, FetchResult)]
    return CheckRun(
        date=today,
        outcomes=tuple(sorted(outcomes, key=lambda o: o.fact_id)),
        urls=len(fetched),
        from_cache=sum(1 for r in results if r.from_cache),
        elapsed_s=time.monotonic() - started,
        max_jump=options.max_jump,
    )


def _today() -> dt.date:
    from khub.data.load import today_default

    return today_default()


def select_facts(factset: FactSet, selectors: Sequence[str]) -> list[Fact]:
    """Return the facts named or matched (globs) by selectors; all with a check when none."""
    if not selectors:
        return [f for f in factset.facts.values() if f.check is not None]
    chosen: dict[str, Fact] = {}
    for selector in selectors:
        if any(ch in selector for ch in "*?["):
            matched = [
                f
                for f in factset.facts.values()
                if f.check is not None and fnmatch.fnmatchcase(f.id, selector)
            ]
            if not matched:
                raise UsageError(f"no fact with a check matches '{selector}'")
        else:
            matched = [_named(factset, selector)]
        chosen.update((f.id, f) for f in matched)
    return list(chosen.values())


def _named(factset: FactSet, fid: str) -> Fact:
    from khub.data.load import find_fact

    fact = find_fact(factset, fid)
    if fact.check is None:
        raise UsageError(
            f"fact '{fid}' has no check block (add one; `khub check --help` lists the methods)"
        )
    return fact


def plan_checks(factset: FactSet, facts: Sequence[Fact], options: CheckOptions) -> list[_Plan]:
    """Return the plan of each selected fact; its check block was validated on load."""
    return [_plan(fact, options.max_jump) for fact in facts]


def _plan(fact: Fact, default_jump: float) -> _Plan:
    assert fact.check is not None, "select_facts picks only facts with a check"
    spec = _extractor_spec(fact, fact.check)
    jump = spec.max_jump if isinstance(spec, ValueCheck) else None
    max_jump = default_jump if jump is None else float(jump)
    return _Plan(fact, spec.url, spec, methods.kind_of(spec), max_jump)


def _extractor_spec(fact: Fact, spec: CheckSpec) -> CheckSpec:
    """Ask for text where the fact is not a plain number; a range's scale is applied here."""
    if not isinstance(spec, ValueCheck):
        return spec
    if isinstance(fact.value, Range):
        return spec.model_copy(update={"number": False, "scale": None, "convert": None})
    if not fact.unit.numeric and "number" not in spec.model_fields_set:
        return spec.model_copy(update={"number": False})
    return spec


def _keypath(fact: Fact, *tail: str) -> tuple[str, ...]:
    subject = fact.id[len(fact.series) + 1 :] if fact.series else fact.id
    return (fact.series or "", "facts", subject, *tail)


def _kinds(plans: Sequence[_Plan]) -> dict[str, Kind]:
    """Return each distinct URL with the content kind its first fact needs."""
    kinds: dict[str, Kind] = {}
    for plan in plans:
        kinds.setdefault(plan.url, plan.kind)
    return kinds


def _outcome(
    fetcher: Fetcher,
    plan: _Plan,
    result: FetchResult | FetchError,
    kinds: Mapping[str, Kind],
    factset: FactSet,
    today: dt.date,
) -> FactOutcome:
    if plan.kind != kinds[plan.url]:
        try:  # the body is memoised by the fetcher: this only re-reads it as another kind
            result = fetcher.fetch(plan.url, plan.kind)
        except FetchError as error:
            result = error
    old = plan.fact.value
    if isinstance(result, FetchError):
        return _fetch_failed(plan, result)
    day = min(result.fetched_at.date(), today)
    if methods.is_manual(plan.spec):
        evidence = _evidence(result, _title(result), "")
        return FactOutcome(plan.fact.id, "manual", old, None, evidence, "", None)
    try:
        found = methods.extract(plan.spec, result)
    except ExtractError as error:
        return _not_found(plan, result, error)
    evidence = _evidence(result, found.excerpt, found.locator)
    return classify(plan.fact, found, evidence, factset, day, plan.max_jump)


def _fetch_failed(plan: _Plan, error: FetchError) -> FactOutcome:
    now = dt.datetime.now(dt.UTC)
    evidence = Evidence(plan.url, plan.url, error.status, now, None)
    outcome: Outcome = (
        "not-found" if isinstance(error, WrongContentType | DecodeFailed) else "unreachable"
    )
    return FactOutcome(plan.fact.id, outcome, plan.fact.value, None, evidence, error.reason)


def _not_found(plan: _Plan, result: FetchResult, error: ExtractError) -> FactOutcome:
    reason = f"check spec: {error.reason}" if isinstance(error, SpecError) else error.reason
    if not isinstance(error, NotFound | SpecError):
        reason = f"cannot read the page: {error.reason}"
    evidence = _evidence(result, "", "")
    return FactOutcome(plan.fact.id, "not-found", plan.fact.value, None, evidence, reason)


def _evidence(result: FetchResult, excerpt: str, locator: str) -> Evidence:
    return Evidence(
        url=result.url,
        final_url=result.final_url,
        status=result.status,
        fetched_at=result.fetched_at,
        sha256=result.sha256,
        excerpt=excerpt,
        locator=locator,
        from_cache=result.from_cache,
    )


def _title(result: FetchResult) -> str:
    found = _TITLE.search(result.text[:65536]) if result.text else None
    return " ".join(found.group(1).split())[:120] if found else ""


# --- compare and classify -----------------------------------------------------------


def classify(
    fact: Fact,
    found: Extraction,
    evidence: Evidence,
    factset: FactSet,
    day: dt.date,
    max_jump: float = DEFAULT_MAX_JUMP,
) -> FactOutcome:
    """Return confirmed, changed or rejected for a value found in the source."""
    old = fact.value

    def outcome(kind: Outcome, new: FactValue, reason: str = "") -> FactOutcome:
        as_of = day if kind == "changed" else None
        return FactOutcome(fact.id, kind, old, new, evidence, reason, as_of)

    try:
        new = new_value(fact, found)
    except ValueError as error:
        return outcome("rejected", found.value, str(error))
    if same_value(old, new):
        return outcome("confirmed", new)
    problem = value_problem(fact, new, factset)
    if problem:
        return outcome("rejected", new, problem)
    share = relative_jump(old, new)
    if share is not None and share > max_jump:
        limit = f"{max_jump:.0%}"
        return outcome("rejected", new, f"jumps {_share(share)} from {_show(old)}, over {limit}")
    return outcome("changed", new)


def new_value(fact: Fact, found: Extraction) -> FactValue:
    """Return the extracted value in the fact's shape; raise ValueError when it cannot be."""
    value = found.value
    if isinstance(fact.value, Range):
        return parse_range(str(value), fact.check if isinstance(fact.check, ValueCheck) else None)
    if fact.unit.numeric:
        if isinstance(value, str):
            raise ValueError(f"expected a number for unit {fact.unit.name}, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        return float(value)
    text = value if isinstance(value, str) else f"{value:g}"
    return " ".join(text.split())


def parse_range(text: str, spec: ValueCheck | None = None) -> Range:
    """Return a range printed as `low–high` (or `low to high`) with the spec's factor applied.

    Raise ValueError when the text is not one.
    """
    found = _RANGE.match(text)
    if found is None:
        raise ValueError(f"expected a range such as 3–5, got {text!r}")
    try:
        low, high = (parse_number(found.group(i)) for i in (1, 2))
    except NumberNotFound as error:
        raise ValueError(str(error)) from None
    if spec is not None:
        factor = None if spec.scale is None else float(spec.scale)
        low, high = (convert(v, scale=factor, conversion=spec.convert) for v in (low, high))
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"expected a finite range, got {text!r}")
    return Range(low=low, high=high)


def same_value(old: FactValue, new: FactValue) -> bool:
    """Return True when the values are equal: numbers within 1e-9 relative, text exactly."""
    if isinstance(old, Range) and isinstance(new, Range):
        return _close(old.low, new.low) and _close(old.high, new.high)
    if isinstance(old, int | float) and isinstance(new, int | float):
        return _close(float(old), float(new))
    if isinstance(old, Licence) and isinstance(new, str):
        return old.id == new
    if isinstance(old, str) and isinstance(new, str):
        return " ".join(old.split()) == new
    return old == new


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)


def value_problem(fact: Fact, new: FactValue, factset: FactSet) -> str:
    """Return why new cannot be this fact's value (unit, choices, bounds), or ''."""
    if isinstance(fact.value, Licence):
        return (
            f"the licence is now {new!r}, not {fact.value.id}: an editor sets the new "
            "licence's id, name and tier"
        )
    if new is None:
        return "the source gives no value"
    series = factset.series.get(fact.series or "")
    choices = series.choices if series else None
    log = ProblemLog()
    where = Where(fact.file, _keypath(fact), fact.id)
    check_value(new, fact.unit, choices, fact.bounds, where, ("value",), log)
    errors = [p for p in log.problems if p.severity == "error"]
    if not errors:
        return ""
    return "; ".join(f"{p.message} ({p.hint})" if p.hint else p.message for p in errors)


def relative_jump(old: FactValue, new: FactValue) -> float | None:
    """Return |new - old| / |old| (the larger end for ranges), or None for non-numbers."""
    pairs: list[tuple[float, float]] = []
    if isinstance(old, Range) and isinstance(new, Range):
        pairs = [(old.low, new.low), (old.high, new.high)]
    elif isinstance(old, int | float) and isinstance(new, int | float):
        pairs = [(float(old), float(new))]
    if not pairs:
        return None
    return max(_jump(a, b) for a, b in pairs)


def _jump(old: float, new: float) -> float:
    if old == 0:
        return 0.0 if new == 0 else math.inf
    return abs(new - old) / abs(old)


def _share(share: float) -> str:
    return "from zero" if math.isinf(share) else f"{share:.0%}"


def _show(value: FactValue) -> str:
    if isinstance(value, Range):
        return f"{value.low:g}–{value.high:g}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- fingerprints of manual pages ----------------------------------------------------


def _fingerprints(state: Path, outcomes: list[FactOutcome]) -> list[FactOutcome]:
    """Note whether each manual page changed since the last run; remember the new hashes."""
    known = _read_state(state)
    seen: dict[str, str] = {}
    updated = []
    for item in outcomes:
        ev = item.evidence
        if item.outcome != "manual" or ev is None or ev.sha256 is None:
            updated.append(item)
            continue
        updated.append(replace(item, reason=_page_note(known.get(ev.url), ev.sha256)))
        seen[ev.url] = ev.sha256
    if seen:
        _write_state(state, {**known, **seen})
    return updated


def _page_note(before: str | None, now: str) -> str:
    if before is None:
        return f"first check: page fingerprint {now[:12]} recorded"
    if before == now:
        return "page unchanged since the last check"
    return f"page changed since the last check (sha256 {before[:12]} → {now[:12]}): review it"


def _read_state(state: Path) -> dict[str, str]:
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    pages = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(pages, dict):
        return {}
    return {str(k): str(v) for k, v in pages.items() if isinstance(v, str)}


def _write_state(state: Path, pages: dict[str, str]) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": 1, "pages": dict(sorted(pages.items()))}, indent=1) + "\n"
    replace_atomically(state, text.encode("utf-8"))


# --- what --apply writes ------------------------------------------------------------


def updates_for(run: CheckRun, factset: FactSet) -> list[Update]:
    """Return the writes a run's accepted outcomes ask for: changed values, verified dates."""
    updates = []
    for item in run.outcomes:
        if item.outcome not in ("changed", "confirmed"):
            continue
        fact = factset.facts[item.fact_id]
        fetched = item.as_of or _fetch_day(item, run.date)
        verified = max(fetched, fact.verified)  # never move a date backwards
        series, subject = fact.series or "", fact.id[len(fact.series or "") + 1 :]
        if item.outcome == "changed":
            assert isinstance(item.new, float | Range | str)
            as_of = max(fetched, fact.as_of)
            update = Update(
                fact.id, fact.file, series, subject, "changed", verified, item.new, as_of
            )
        elif verified == fact.verified:
            continue
        else:
            update = Update(fact.id, fact.file, series, subject, "confirmed", verified)
        updates.append(update)
    return updates


def _fetch_day(item: FactOutcome, today: dt.date) -> dt.date:
    if item.evidence is None:
        return today
    return min(item.evidence.fetched_at.date(), today)

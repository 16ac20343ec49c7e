"""Re-check facts against their sources: fetch each URL once, extract, compare, classify.

Every fact with a `check` block gets exactly one outcome (khub.check.outcomes):

- confirmed: the source gives the current value (numbers equal within 1e-9, relative);
- changed: the source gives a new, valid value within max_jump: a proposal with evidence;
- filled: the fact had no value (`value: null`) and the source gives a valid one;
- rejected: the new value fails validation (unit, choices, bounds) or moves by more than
  max_jump (khub.check.compare): reported, never written by `--apply`;
- held: a valid change whose group (khub.check.plan) has a refused or unreadable member;
- ambiguous: the locator matched several different values; each is listed with its path;
- dismissed: an editor dismissed this very source value (data/dismissals.yml);
- not-found: the page was fetched but the extractor found nothing (shape changed, wrong
  content type, undecodable bytes, malformed JSON or HTML);
- unreachable: network or HTTP error (timeout, refused, 4xx/5xx after retries, redirect
  loop, private address, body over the size cap), with the status when there was one;
- manual: no extractor; the link is checked and the page's sha256 compared with the last
  run's (kept in the hub's cache folder, khub.disk.cachedir, never in data/).

This module orchestrates: plan (khub.check.plan), fetch (khub.check.http), extract
(khub.check.extract), compare (khub.check.compare), hold groups (khub.check.groups),
apply dismissals (khub.check.dismissals).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from khub.check import extract as methods
from khub.check import references
from khub.check.cache import parse_session
from khub.check.compare import (
    classify,
    new_value,
    parse_range,
    relative_jump,
    same_value,
    value_problem,
)
from khub.check.dismissals import apply_dismissals, load_dismissals
from khub.check.evidence import Evidence
from khub.check.extract import Ambiguous, ExtractError, NotFound, SpecError
from khub.check.fingerprints import STATE_FILE, fingerprints
from khub.check.groups import hold_groups
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
from khub.check.outcomes import (
    NEEDS_ATTENTION,
    OUTCOMES,
    Candidate,
    CheckRun,
    FactOutcome,
    FactValue,
    Outcome,
    fact_fingerprint,
)
from khub.check.plan import Plan, kinds, plan_checks, select_facts
from khub.data.model import FactSet
from khub.disk.cachedir import cache_root

__all__ = [
    "NEEDS_ATTENTION",
    "OUTCOMES",
    "CheckOptions",
    "CheckRun",
    "Evidence",
    "FactOutcome",
    "FactValue",
    "Outcome",
    "classify",
    "new_value",
    "parse_range",
    "relative_jump",
    "run_check",
    "same_value",
    "select_facts",
    "value_problem",
]

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True)
class CheckOptions:
    """Settings of one run; max_jump None leaves each fact its series' or unit kind's."""

    root: Path = Path()
    max_jump: float | None = None
    today: dt.date | None = None
    fetch: FetchConfig = field(default_factory=FetchConfig)
    progress: ProgressHook | None = None


def run_check(
    factset: FactSet, selectors: Sequence[str], options: CheckOptions | None = None
) -> CheckRun:
    """Check the selected facts (all facts with a check when none) and classify each."""
    options = options or CheckOptions()
    today = options.today or _today()
    dismissals = load_dismissals(options.root)
    plans = plan_checks(factset, select_facts(factset, selectors), options.max_jump)
    started = time.monotonic()
    wanted = kinds(plans)
    by_url: dict[str, list[Plan]] = {}
    for plan in plans:
        by_url.setdefault(plan.url, []).append(plan)
    outcomes: list[FactOutcome] = []
    with Fetcher(options.fetch) as fetcher, parse_session(options.fetch.cache_dir):

        def done(progress: Progress) -> None:
            """Classify a URL's facts as soon as it is fetched, while others are in flight."""
            for plan in by_url[progress.url]:
                outcomes.append(_outcome(fetcher, plan, progress.outcome, wanted, factset, today))
            if options.progress is not None:
                options.progress(progress)

        fetched = fetcher.fetch_all(list(wanted), wanted, progress=done)
        chosen = _reference_scope(factset, selectors)
        checks = [c for c in references.plan(factset) if c.fact_id in chosen]
        found = references.results(references.run(checks, fetcher)) if checks else ()
    outcomes = fingerprints(cache_root(options.root) / STATE_FILE, outcomes)
    outcomes = hold_groups(apply_dismissals(outcomes, dismissals, today))
    results = [r for r in fetched.values() if isinstance(r, FetchResult)]
    return CheckRun(
        date=today,
        outcomes=tuple(sorted(outcomes, key=lambda o: o.fact_id)),
        urls=len(fetched),
        from_cache=sum(1 for r in results if r.from_cache),
        elapsed_s=time.monotonic() - started,
        max_jump=options.max_jump,
        references=found,
    )


def _reference_scope(factset: FactSet, selectors: Sequence[str]) -> set[str]:
    """Return the facts whose references are re-checked: every fact, or those selected."""
    if not selectors:
        return set(factset.facts)
    return {
        fid
        for fid in factset.facts
        if any(fid == s or fnmatch.fnmatchcase(fid, s) for s in selectors)
    }


def _today() -> dt.date:
    from khub.data.load import today_default

    return today_default()


def _outcome(
    fetcher: Fetcher,
    plan: Plan,
    result: FetchResult | FetchError,
    wanted: Mapping[str, Kind],
    factset: FactSet,
    today: dt.date,
) -> FactOutcome:
    item = _classified(fetcher, plan, result, wanted, factset, today)
    seen = fact_fingerprint(plan.fact.value, plan.fact.as_of)
    return replace(item, group=plan.group, data_sha256=seen)


def _classified(
    fetcher: Fetcher,
    plan: Plan,
    result: FetchResult | FetchError,
    wanted: Mapping[str, Kind],
    factset: FactSet,
    today: dt.date,
) -> FactOutcome:
    if plan.kind != wanted[plan.url]:
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
    return classify(plan.fact, found, evidence, factset, day, plan.limit)


def _fetch_failed(plan: Plan, error: FetchError) -> FactOutcome:
    now = dt.datetime.now(dt.UTC)
    evidence = Evidence(plan.url, plan.url, error.status, now, None)
    outcome: Outcome = (
        "not-found" if isinstance(error, WrongContentType | DecodeFailed) else "unreachable"
    )
    return FactOutcome(plan.fact.id, outcome, plan.fact.value, None, evidence, error.reason)


def _not_found(plan: Plan, result: FetchResult, error: ExtractError) -> FactOutcome:
    evidence = _evidence(result, "", "")
    if isinstance(error, Ambiguous):
        found = tuple(Candidate(path, value) for path, value in error.candidates)
        return FactOutcome(
            plan.fact.id,
            "ambiguous",
            plan.fact.value,
            None,
            evidence,
            error.reason,
            candidates=found,
        )
    reason = f"check spec: {error.reason}" if isinstance(error, SpecError) else error.reason
    if not isinstance(error, NotFound | SpecError):
        reason = f"cannot read the page: {error.reason}"
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

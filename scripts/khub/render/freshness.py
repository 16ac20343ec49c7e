"""The line that opens every module page: when its figures were checked, and its edition.

`module_lead(...)` returns, as Markdown for the top of a module page (under its title):

- one line: when the figures the page shows were last checked (the oldest and newest
  `verified`, or "all on one day") and the edition the page belongs to;
- a legend of the provenance labels ("vendor", "est.") when the page shows such figures;
- one notice, only when some figures are overdue for a check or could not be re-checked:
  how many, since when, what their marks mean, and links to the health page's sections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from khub.data.health import HEALTH_PAGE, section_anchor
from khub.data.model import Fact, FactSet
from khub.render.display import edition_name, human_date
from khub.render.elements import (
    LABELS,
    OVERDUE_BADGE,
    UNCHECKED_BADGE,
    Freshness,
    badge,
    relative,
)
from khub.render.escape import md_text

DRAFT = "Draft, not yet published as an edition"
NOTICE_TITLE = "Some figures need a fresh check"
LEGEND_MEANING = {
    "vendor-reported": "reported by the vendor, not confirmed independently",
    "estimate": "an estimate",
}


@dataclass(frozen=True)
class PageState:
    """The freshness of the figures one page shows."""

    oldest: dt.date | None
    newest: dt.date | None
    overdue: tuple[Fact, ...]
    overdue_since: dt.date | None
    unchecked: tuple[Fact, ...]
    unchecked_since: dt.date | None
    statuses: frozenset[str]


def edition_text(edition: str) -> str:
    """Return 'June 2026 edition' for '2026-06'; the draft wording for anything else."""
    name = edition_name(edition)
    return f"{name} edition" if name != edition else DRAFT


def page_state(factset: FactSet, freshness: Freshness, fact_ids: Iterable[str]) -> PageState:
    """Return the check dates, overdue and unchecked figures of the facts a page shows."""
    facts = [factset.facts[fid] for fid in dict.fromkeys(fact_ids) if fid in factset.facts]
    checks = [check for fact in facts for check in fact.checks()]
    days = [verified for verified, _ in checks]
    overdue = tuple(f for f in facts if freshness.is_stale(f))
    due = [
        verified + dt.timedelta(days=(limit or freshness.stale_after_days) + 1)
        for verified, limit in checks
        if (freshness.today - verified).days > (limit or freshness.stale_after_days)
    ]
    unchecked = tuple(f for f in facts if f.id in factset.failing_since)
    failing = [factset.failing_since[f.id] for f in unchecked]
    return PageState(
        oldest=min(days, default=None),
        newest=max(days, default=None),
        overdue=overdue,
        overdue_since=min(due, default=None),
        unchecked=unchecked,
        unchecked_since=min(failing, default=None),
        statuses=frozenset(f.status for f in facts),
    )


def checked_text(state: PageState) -> str:
    """Return when the page's figures were checked, in plain words ('' without figures)."""
    if state.oldest is None or state.newest is None:
        return ""
    if state.oldest == state.newest:
        return f"All figures checked on {human_date(state.oldest)}"
    return f"Figures checked between {human_date(state.oldest)} and {human_date(state.newest)}"


def freshness_line(state: PageState, edition: str) -> str:
    """Return the one line under a module's title: check dates · edition."""
    parts = [checked_text(state), edition_text(edition)]
    return " · ".join(p for p in parts if p)


def legend(state: PageState) -> str:
    """Return what the provenance labels on the page mean ('' when it shows none)."""
    shown = [s for s in LABELS if s in state.statuses]
    if not shown:
        return ""
    items = [f"{badge(LABELS[s], 'khub-label')} {LEGEND_MEANING[s]}" for s in shown]
    return "Labels: " + "; ".join(items) + ". Point at, focus or tap a figure for its source."


def _figures(count: int) -> str:
    return f"{count} figure" + ("s" if count != 1 else "")


def notice(state: PageState, page: str) -> str:
    """Return the admonition about overdue and unchecked figures ('' when there are none)."""
    if not state.overdue and not state.unchecked:
        return ""
    health = relative(HEALTH_PAGE, page)
    said: list[str] = []
    lists: list[str] = []
    if state.overdue and state.overdue_since is not None:
        count = len(state.overdue)
        said.append(
            f"{_figures(count)} on this page {_verb(count)} overdue for a check, the first "
            f"since {human_date(state.overdue_since)}, and {_verb(count)} marked "
            f"{badge(OVERDUE_BADGE, 'khub-badge')}."
        )
        lists.append(f"[which are overdue]({health}#{section_anchor('stale')})")
    if state.unchecked and state.unchecked_since is not None:
        count = len(state.unchecked)
        said.append(
            f"{_figures(count)} could not be re-checked against "
            f"{'its' if count == 1 else 'their'} source since "
            f"{human_date(state.unchecked_since)}, and {_verb(count)} marked "
            f"{badge(UNCHECKED_BADGE, 'khub-badge')}."
        )
        lists.append(f"[which checks fail]({health}#{section_anchor('failing')})")
    said.append("The values shown are the last ones confirmed.")
    said.append(f"The hub's health page lists {' and '.join(lists)}.")
    body = " ".join(said)
    return (
        '<div class="admonition warning khub-notice" data-search-exclude markdown>\n'
        f'<p class="admonition-title">{md_text(NOTICE_TITLE)}</p>\n\n{body}\n\n</div>'
    )


def _verb(count: int) -> str:
    return "is" if count == 1 else "are"


def module_lead(
    factset: FactSet, freshness: Freshness, fact_ids: Iterable[str], edition: str, page: str
) -> str:
    """Return the Markdown that opens a module page: freshness line, legend, notice."""
    state = page_state(factset, freshness, fact_ids)
    line = f"{md_text(freshness_line(state, edition))}\n{{: .khub-freshness data-search-exclude }}"
    parts = [line]
    key = legend(state)
    if key:
        parts.append(f"{key}\n{{: .khub-legend data-search-exclude }}")
    warning = notice(state, page)
    if warning:
        parts.append(warning)
    return "\n\n".join(parts)

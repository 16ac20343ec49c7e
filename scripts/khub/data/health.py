"""The editors' view of the hub's upkeep: what was never checked, what is due, what fails.

`health(factset, root, today, stale_after_days)` gathers, from data/ alone:

- facts never checked: no `check` block (derived facts are computed, so left out), or a
  check block the recorded check state has never seen;
- manual checks due: `manual: true` facts not verified within the stale window;
- the stale window of a fact is its series' `stale_after_days`, else data/hub.yml's;
- checks failing, and since when (from data/check-state.yml when it exists);
- dismissals and their expiry (from data/dismissals.yml when it exists);
- sources without a URL, stale facts, false claims.

The check state and the dismissals are written by `khub check`, `khub accept` and
`khub dismiss`; they are read defensively here: a missing file skips its section, an entry
of an unexpected shape is left out, and an unreadable file is reported as a section note.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khub.check.spec import ManualCheck
from khub.data.model import FactSet

HEALTH_PAGE = "health.md"
STATE_FILE = "data/check-state.yml"
PAGE_ROWS = 200  # per section on the site page, which must stay small at any hub size
DISMISSALS_FILE = "data/dismissals.yml"
_MAX_BYTES = 5_000_000
# Outcomes that ask nothing of a person; any other outcome, known or new, is failing.
QUIET_OUTCOMES: frozenset[str] = frozenset(
    {"confirmed", "changed", "filled", "dismissed", "manual"}
)


@dataclass(frozen=True)
class Item:
    """One line of the health page: the id it is about and what to say."""

    id: str
    detail: str
    since: str = ""


@dataclass
class Health:
    """Every section of the health page; `None` means the section's file is absent."""

    today: dt.date
    never_checked: list[Item] = field(default_factory=list)
    manual_due: list[Item] = field(default_factory=list)
    failing: list[Item] | None = None
    dismissals: list[Item] | None = None
    no_url: list[Item] = field(default_factory=list)
    stale: list[Item] = field(default_factory=list)
    false_claims: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sections(self) -> list[tuple[str, str, list[Item] | None]]:
        """Return (key, title, items) for every section, in page order."""
        return [
            ("failing", "Checks failing", self.failing),
            ("manual_due", "Manual checks due", self.manual_due),
            ("dismissals", "Dismissals", self.dismissals),
            ("never_checked", "Facts never checked", self.never_checked),
            ("stale", "Stale facts", self.stale),
            ("no_url", "Sources without a URL", self.no_url),
            ("false_claims", "False claims", self.false_claims),
        ]

    def data(self) -> dict[str, Any]:
        """Return the health report as JSON-ready data (absent sections are null)."""
        doc: dict[str, Any] = {"today": self.today.isoformat(), "notes": list(self.notes)}
        for key, _, items in self.sections():
            doc[key] = None if items is None else [_item_data(i) for i in items]
        return doc


def _item_data(item: Item) -> dict[str, str]:
    data = {"id": item.id, "detail": item.detail}
    if item.since:
        data["since"] = item.since
    return data


def health(factset: FactSet, root: Path, today: dt.date, stale_after_days: int) -> Health:
    """Return the health of the hub at `root` as of `today`; raise DataError on a bad file."""
    from khub.check.dismissals import load_dismissals  # the check stage owns these files
    from khub.check.state import load_state

    report = Health(today)
    seen = load_state(root) if os.path.lexists(root / STATE_FILE) else None
    for fact in sorted(factset.facts.values(), key=lambda f: f.id):
        if fact.check is None and not fact.derived:
            report.never_checked.append(Item(fact.id, "no check block"))
        elif fact.check is not None and seen is not None and fact.id not in seen:
            report.never_checked.append(Item(fact.id, "has a check block, never run"))
        if fact.derived or not fact.is_stale(today, stale_after_days):
            continue
        age, limit = (today - fact.verified).days, fact.stale_after_days or stale_after_days
        detail = f"verified {fact.verified}, {age} days ago (stale after {limit})"
        if isinstance(fact.check, ManualCheck):
            report.manual_due.append(Item(fact.id, detail))
        report.stale.append(Item(fact.id, detail))
    if seen is not None:
        report.failing = [
            Item(fid, s.outcome + (f": {s.reason}" if s.reason else ""), str(s.failing_since or ""))
            for fid, s in sorted(seen.items())
            if s.outcome and s.outcome not in QUIET_OUTCOMES
        ]
    if os.path.lexists(root / DISMISSALS_FILE):
        report.dismissals = [
            Item(d.fact, _expiry(d.until, today, d.reason))
            for d in sorted(load_dismissals(root), key=lambda d: d.fact)
        ]
    report.no_url = [
        Item(sid, source.title) for sid, source in sorted(factset.sources.items()) if not source.url
    ]
    report.false_claims = [Item(c.id, c.says) for c in factset.false_claims()]
    return report


def _expiry(until: object, today: dt.date, reason: object) -> str:
    said = f"{reason}; " if isinstance(reason, str) and reason else ""
    if isinstance(until, dt.date):
        left = (until - today).days
        state = f"expired {-left} days ago" if left < 0 else f"expires in {left} days"
        return f"{said}until {until.isoformat()} ({state})"
    if until:
        return f"{said}until {until}"
    return f"{said}no expiry"


def render_text(report: Health) -> str:
    """Return the health report as plain text, one section after another."""
    lines = [f"khub health, {report.today.isoformat()}"]
    lines += [f"note: {note}" for note in report.notes]
    for _, title, items in report.sections():
        if items is None:
            continue
        lines += ["", f"{title} ({len(items)})"]
        for item in items:
            since = f" (since {item.since})" if item.since else ""
            lines.append(f"  {item.id}: {item.detail}{since}")
    return "\n".join(lines) + "\n"


def render_page(report: Health) -> str:
    """Return the health report as a Markdown page of the site (for editors, not linked)."""
    lines = [
        "# Hub health",
        "",
        f"_For editors: the hub's upkeep as of {report.today.isoformat()}. "
        "`khub health` prints the same._",
    ]
    lines += ["", *(f"> {_cell(note)}" for note in report.notes)] if report.notes else []
    for key, title, items in report.sections():
        if items is None:
            continue
        lines += ["", f"## {title} ({len(items)}) {{#{section_anchor(key)}}}", ""]
        if not items:
            lines.append("Nothing.")
            continue
        shown = items[:PAGE_ROWS]
        lines += ["| id | detail | since |", "|---|---|---|"]
        lines += [f"| `{_cell(i.id)}` | {_cell(i.detail)} | {_cell(i.since)} |" for i in shown]
        if len(items) > len(shown):
            lines += ["", f"…and {len(items) - len(shown):,} more: `khub health` lists them all."]
    return "\n".join(lines) + "\n"


def section_anchor(key: str) -> str:
    """Return the anchor of a section of the health page: stale, failing, manual-due..."""
    return key.replace("_", "-")


def _cell(text: str) -> str:
    """Return text safe in a table cell of the page: one line, no pipes or HTML."""
    flat = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
    return flat.replace(">", "&gt;").replace("|", "\\|").replace("`", "'")


def health_page(factset: FactSet, stale_after_days: int, today: dt.date) -> str:
    """Return the generated health page of the hub that `factset` was loaded from."""
    return render_page(health(factset, Path(factset.root), today, stale_after_days))

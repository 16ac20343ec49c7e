"""The editors' view of the hub's upkeep: what was never checked, what is due, what fails.

`health(factset, root, today, stale_after_days)` gathers, from data/ alone:

- facts never checked: no `check` block (derived facts are computed, so left out), or a
  check block the recorded check state has never seen;
- manual checks due: `manual: true` facts not verified within the stale window;
- checks failing, and since when (from data/check-state.yml when it exists);
- dismissals and their expiry (from data/dismissals.yml when it exists);
- sources without a URL, stale facts, false claims.

The check state and the dismissals are written by `khub check`, `khub accept` and
`khub dismiss`; they are read defensively here: a missing file skips its section, an entry
of an unexpected shape is left out, and an unreadable file is reported as a section note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from khub.check.spec import ManualCheck
from khub.data.model import FactSet

HEALTH_PAGE = "health.md"
STATE_FILE = "data/check-state.yml"
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
    """Return the health of the hub at `root` as of `today`."""
    report = Health(today)
    state = _read_yaml(root, STATE_FILE, report)
    seen = _state_facts(state) if state is not None else None
    for fact in sorted(factset.facts.values(), key=lambda f: f.id):
        age = (today - fact.verified).days
        if fact.check is None and not fact.derived:
            report.never_checked.append(Item(fact.id, "no check block"))
        elif fact.check is not None and seen is not None and fact.id not in seen:
            report.never_checked.append(Item(fact.id, "has a check block, never run"))
        if isinstance(fact.check, ManualCheck) and age > stale_after_days:
            report.manual_due.append(Item(fact.id, f"verified {fact.verified}, {age} days ago"))
        if age > stale_after_days and not fact.derived:
            report.stale.append(Item(fact.id, f"verified {fact.verified}, {age} days ago"))
    if seen is not None:
        report.failing = _failing(seen)
    dismissed = _read_yaml(root, DISMISSALS_FILE, report)
    if dismissed is not None:
        report.dismissals = _dismissals(dismissed, today)
    report.no_url = [
        Item(sid, source.title) for sid, source in sorted(factset.sources.items()) if not source.url
    ]
    report.false_claims = [Item(c.id, c.says) for c in factset.false_claims()]
    return report


def _read_yaml(root: Path, name: str, report: Health) -> object | None:
    """Return the parsed file, None when absent; an unreadable file is a note, not an error."""
    path = root / name
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise ValueError(f"larger than {_MAX_BYTES:,} bytes")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        report.notes.append(f"{name}: cannot be read ({first}); its section is left out")
        return None
    return {} if data is None else data


def _state_facts(state: object) -> dict[str, Mapping[str, Any]]:
    """Return fact id → recorded state, from `{facts: {id: {...}}}` or `{id: {...}}`."""
    if not isinstance(state, dict):
        return {}
    facts = state.get("facts", state)
    if not isinstance(facts, dict):
        return {}
    return {str(k): v for k, v in facts.items() if isinstance(v, dict)}


def _failing(seen: Mapping[str, Mapping[str, Any]]) -> list[Item]:
    items = []
    for fid, entry in sorted(seen.items()):
        outcome = entry.get("outcome", entry.get("last"))
        if not isinstance(outcome, str) or outcome in QUIET_OUTCOMES:
            continue
        since = entry.get("since", entry.get("failing_since", ""))
        reason = entry.get("reason")
        detail = outcome + (f": {reason}" if isinstance(reason, str) and reason else "")
        items.append(Item(fid, detail, str(since) if since else ""))
    return items


def _dismissals(data: object, today: dt.date) -> list[Item]:
    """Return each dismissal with its expiry, from a list of entries or `{id: entry}`."""
    entries: list[tuple[str, Mapping[str, Any]]] = []
    if isinstance(data, dict):
        data = data.get("dismissals", data)
    if isinstance(data, dict):
        entries = [(str(k), v) for k, v in data.items() if isinstance(v, dict)]
    elif isinstance(data, list):
        entries = [(str(e.get("fact", "")), e) for e in data if isinstance(e, dict)]
    items = []
    for fid, entry in sorted(entries, key=lambda e: e[0]):
        if not fid:
            continue
        reason = entry.get("reason")
        items.append(Item(fid, _expiry(entry.get("until"), today, reason)))
    return items


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
    for _, title, items in report.sections():
        if items is None:
            continue
        lines += ["", f"## {title} ({len(items)})", ""]
        if not items:
            lines.append("Nothing.")
            continue
        lines += ["| id | detail | since |", "|---|---|---|"]
        lines += [f"| `{_cell(i.id)}` | {_cell(i.detail)} | {_cell(i.since)} |" for i in items]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Return text safe in a table cell of the page: one line, no pipes or HTML."""
    flat = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
    return flat.replace(">", "&gt;").replace("|", "\\|").replace("`", "'")


def health_page(factset: FactSet, stale_after_days: int, today: dt.date) -> str:
    """Return the generated health page of the hub that `factset` was loaded from."""
    return render_page(health(factset, Path(factset.root), today, stale_after_days))

"""What the reader sees: the module pages' "What changed" block, the changelog, the feed."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from khub.data.model import FactSet
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.paths import read_contained
from khub.editions.diff import Diff, diff, restrict
from khub.editions.snapshot import Note, Snapshot, from_factset
from khub.editions.store import Edition, edition_snapshot, read_editions
from khub.errors import UnsafePathError
from khub.render.changes import (
    QUIET,
    ChangeRow,
    change_rows,
    claim_sentences,
    day_name,
    month_name,
    rechecked_count,
)

_SITE_URL = re.compile(r"^site_url:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.M)
_ENV = re.compile(r"^!ENV\s*\[?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*(.*?))?\s*\]?$")


def _link(row: ChangeRow, text: str, prefix: str) -> str:
    return f"[{text}]({prefix}{row.page}#{row.anchor})" if row.page else text


def _describe(row: ChangeRow, prefix: str) -> str:
    name = _link(row, _escape(row.label), prefix)
    if row.kind == "added":
        return f"New: {name}, {_escape(row.new or '')}."
    if row.kind == "removed":
        return f"No longer tracked: {name} (was {_escape(row.old or '')})."
    return f"{name}: {_escape(row.change)}."


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in "*_`[]<>":
        out = out.replace(ch, "\\" + ch)
    return out


def change_lines(d: Diff, factset: FactSet, *, notes: bool = True, prefix: str = "") -> list[str]:
    """Return the reader's bullet lines for a diff: notes first, then values, then claims."""
    lines = [f"- {_escape(n.text)}" for n in d.notes_added] if notes else []
    lines += [f"- {_describe(row, prefix)}" for row in change_rows(d, factset)]
    lines += [f"- {_escape(text)}" for text in claim_sentences(d.claims)]
    rechecked = rechecked_count(d)
    if rechecked:
        plural = "s were" if rechecked != 1 else " was"
        lines.append(f"- {rechecked} fact{plural} re-checked against the sources; unchanged.")
    return lines


# --- the module block ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Editions:
    """The latest edition, the one before it, and their diffs: computed once per build."""

    latest: Edition
    snap: Snapshot
    previous: Snapshot | None
    changes: Diff | None
    pending: Diff

    @classmethod
    def read(cls, root: Path | str, factset: FactSet) -> _Editions | None:
        editions = read_editions(root)
        if not editions:
            return None
        latest = editions[-1]
        snap = edition_snapshot(latest)
        previous = edition_snapshot(editions[-2]) if len(editions) > 1 else None
        changes = diff(previous, snap) if previous is not None else None
        return cls(latest, snap, previous, changes, diff(snap, from_factset(factset)))


def module_preamble(root: Path | str, factset: FactSet) -> Callable[[str, frozenset[str]], str]:
    """Return generate()'s module_preamble: (module id, fact ids) → the what-changed block."""
    editions = _Editions.read(root, factset)

    def preamble(module_id: str, fact_ids: frozenset[str]) -> str:
        return _block(editions, factset, module_id, set(fact_ids))

    return preamble


def module_block(
    root: Path | str, factset: FactSet, module_id: str, fact_ids: Iterable[str]
) -> str:
    """Return the Markdown "What changed" block of a module page (placed after its opening)."""
    return _block(_Editions.read(root, factset), factset, module_id, set(fact_ids))


OPEN_UP_TO = 3  # a block with more items than this starts collapsed: its summary stays visible
BLOCK_CLASS = "khub-changes"  # the details block's type; templates/assets/khub/changes.css


def _block(eds: _Editions | None, factset: FactSet, module_id: str, used: set[str]) -> str:
    if eds is None:
        summary = "Working draft: no edition has been published yet"
        body = [
            "The figures below are the working data, not yet reviewed for an edition.",
            "",
            _CHANGELOG_LINK,
        ]
        return _details(summary, body, is_open=True)
    head = f"What changed in the {month_name(eds.latest.id)} edition: "
    notes = [n for n in eds.snap.notes if n.module == module_id]
    if eds.previous is None or eds.changes is None or not used & set(eds.previous.facts):
        summary = head + "the first edition of this module"
        summary += f" · {_count(len(notes), 'note')}" if notes else ""
        first = f"This is the first edition of this module, published {_pub(eds.latest)}."
        items = [f"- {_escape(n.text)}" for n in notes]
        lead = [first, ""]
    else:
        d = restrict(eds.changes, used, module_id)
        items = change_lines(d, factset)
        since = month_name(eds.previous.edition or "")
        summary = head + (_tally(d, factset) or f"no change since {since}")
        lead = [f"Published {_pub(eds.latest)}.", ""] if items else []
        items = items or [f"- No change since the {since} edition."]
    pending = restrict(eds.pending, used)
    moved = [c for c in (*pending.facts, *pending.derived) if c.kind not in QUIET]
    after = []
    if moved:
        count = len(moved)
        after.append(
            f"Since this edition, {_count(count, 'figure')} on this page "
            "changed in the working data; the next edition will summarise them."
        )
    after.append(_CHANGELOG_LINK)
    body = [*lead, *items, *([""] if items else []), *"\n\n".join(after).split("\n")]
    return _details(summary, body, is_open=len(items) <= OPEN_UP_TO)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _tally(d: Diff, factset: FactSet) -> str:
    """Return what a module's part of a diff holds: '2 figures changed · 1 note', or ''."""
    rows = len(change_rows(d, factset))
    parts = [f"{_count(rows, 'figure')} changed"] if rows else []
    parts += [_count(len(d.notes_added), "note")] if d.notes_added else []
    parts += [_count(len(d.claims), "checked statement")] if d.claims else []
    rechecked = rechecked_count(d)
    parts += [f"{rechecked} re-checked, unchanged"] if rechecked else []
    return " · ".join(parts)


def _details(summary: str, body: list[str], *, is_open: bool) -> str:
    """Return a pymdownx.details block: the summary always shown, the body indented under it."""
    marker = "???+" if is_open else "???"
    title = summary.replace("\\", "").replace('"', "'")
    lines = [f'{marker} {BLOCK_CLASS} "{title}"']
    lines += [f"    {line}" if line else "" for line in body]
    return "\n".join([*lines, ""])


# Module pages sit beside changelog.md in build/docs.
_CHANGELOG_LINK = "[Every edition and its changes](changelog.md)"


def _pub(edition: Edition) -> str:
    return day_name(edition.record.published.isoformat())


# --- changelog and feed ---------------------------------------------------------------------


def edition_diffs(editions: list[Edition]) -> list[tuple[Edition, Diff | None, Snapshot]]:
    """Return each edition with its diff from the one before (None for the first)."""
    out: list[tuple[Edition, Diff | None, Snapshot]] = []
    previous: Snapshot | None = None
    for edition in editions:
        snap = edition_snapshot(edition)
        out.append((edition, None if previous is None else diff(previous, snap), snap))
        previous = snap
    return out


def changelog(factset: FactSet, editions: list[Edition]) -> str:
    """Return the changelog page: every edition, newest first, with its notes and changes."""
    lines = ["# Changelog", ""]
    if not editions:
        return "\n".join([*lines, "No edition has been published yet.", ""])
    lines += [
        "Every edition of the hub, newest first. Each lists its editorial notes and every "
        "figure that changed since the edition before. Subscribe with the "
        "[Atom feed](feed.xml).",
        "",
    ]
    for edition, d, snap in reversed(edition_diffs(editions)):
        lines += [f"## {month_name(edition.id)} edition", ""]
        lines += [f"Published {_pub(edition)}.", ""]
        if d is None:
            lines += [f"The first edition: {len(snap.facts)} figures frozen.", ""]
            lines += _notes_by_module(snap.notes, Path(factset.root))
            continue
        lines += _notes_by_module(snap.notes, Path(factset.root))
        body = change_lines(d, factset, notes=False)
        lines += ["Changes since the edition before:", ""] if snap.notes and body else []
        lines += body or ["- No figure changed."]
        lines.append("")
    return "\n".join(lines)


_TITLE = re.compile(r"^title:\s*['\"]?(.+?)['\"]?\s*$", re.M)


def module_title(root: Path, module: str) -> str:
    """Return the title in a module's front matter, or its id."""
    rel = f"content/{module}.md"
    try:
        text = read_contained(root, rel, MAX_FILE_BYTES).decode("utf-8", "replace")
    except UnsafePathError:
        text = ""  # a missing module; one that cannot be read is reported by generate
    front = text.split("\n---", 1)[0] if text.startswith("---") else ""
    found = _TITLE.search(front)
    return found.group(1) if found else module


def _notes_by_module(notes: Iterable[Note], root: Path) -> list[str]:
    by_module: dict[str, list[Note]] = {}
    for note in notes:
        by_module.setdefault(note.module, []).append(note)
    lines: list[str] = []
    for module, items in by_module.items():
        lines += [f"In [{_escape(module_title(root, module))}]({module}.md):", ""]
        lines += [f"- {_escape(n.text)}" for n in items]
        lines.append("")
    return lines


def site_url(root: Path | str) -> str | None:
    """Return mkdocs.yml's site_url (resolving !ENV [VAR, default]), ending in '/', or None."""
    if not (Path(root) / "mkdocs.yml").is_file():
        return None
    text = read_contained(Path(root), "mkdocs.yml", MAX_FILE_BYTES).decode("utf-8", "replace")
    found = _SITE_URL.search(text)
    if not found:
        return None
    url = found.group(1)
    env = _ENV.match(url)
    if env:
        url = os.environ.get(env.group(1)) or env.group(2) or ""
    url = url.strip().strip("'\"")
    if not url.startswith(("https://", "http://")):
        return None
    return url if url.endswith("/") else url + "/"


def feed(factset: FactSet, editions: list[Edition], base_url: str | None = None) -> bytes:
    """Return the site's Atom feed, one entry per edition (khub.render.feeds builds it)."""
    from khub.render.feeds import site_feed

    return site_feed(factset, editions, base_url)


def extra_files(factset: FactSet) -> dict[str, bytes]:
    """Return the generated files beside the modules: changelog.md and feed.xml."""
    editions = read_editions(factset.root)
    return {
        "changelog.md": changelog(factset, editions).encode("utf-8"),
        "feed.xml": feed(factset, editions, site_url(factset.root)),
    }

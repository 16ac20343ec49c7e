"""Atom feeds: the site's feed of editions, and one feed per module (feeds/MODULE.xml).

A module's feed has one entry per edition that changed something on that module: one of its
figures, a claim about them, or an editorial note about it. Each entry gives the edition's
notes for the module and its changed figures (label, old → new, % change). Ids are UUIDs
made from the edition and module ids, so they stay the same from one build to the next.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from feedgen.feed import FeedGenerator

from khub.data.model import FactSet
from khub.editions.diff import Diff, restrict
from khub.editions.snapshot import Note, Snapshot
from khub.editions.store import Edition
from khub.render.changes import ChangeRow, change_rows, claim_sentences, month_name
from khub.render.whatchanged import edition_diffs, module_title

FEEDS_DIR = "feeds"
_EPOCH = dt.date(1970, 1, 1)


def feed_path(module_id: str) -> str:
    """Return the build/docs path of a module's feed: feeds/MODULE.xml."""
    return f"{FEEDS_DIR}/{module_id}.xml"


def _uuid(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _generator(feed_id: str, title: str, subtitle: str, updated: dt.date) -> FeedGenerator:
    gen = FeedGenerator()
    gen.id(_uuid(feed_id))
    gen.title(title)
    gen.subtitle(subtitle)
    gen.language("en")
    gen.updated(_utc(updated))
    return gen


def _entry(
    gen: FeedGenerator, name: str, title: str, edition: Edition, link: str | None, content: str
) -> None:
    """Append one entry about an edition; its id is a UUID made from name."""
    entry = gen.add_entry(order="append")
    entry.id(_uuid(name))
    entry.title(title)
    entry.updated(_utc(edition.record.published))
    entry.published(_utc(edition.record.published))
    if link:
        entry.link(href=link, rel="alternate")
    entry.content(content, type="html")


def _atom(gen: FeedGenerator) -> bytes:
    blob: bytes = gen.atom_str(pretty=True)
    return blob


# --- one module ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleChange:
    """What one edition changed on one module: its notes, figure rows and claim sentences."""

    edition: Edition
    notes: tuple[Note, ...]
    rows: tuple[ChangeRow, ...]
    claims: tuple[str, ...]
    first: bool  # the module's first edition: everything in it is new

    @property
    def empty(self) -> bool:
        """Return True when the edition changed nothing on the module."""
        return not (self.notes or self.rows or self.claims or self.first)


def module_change(
    edition: Edition,
    d: Diff | None,
    snaps: tuple[Snapshot | None, Snapshot],
    module_id: str,
    used: set[str],
    factset: FactSet,
) -> ModuleChange:
    """Return what an edition changed on one module; snaps: (edition before, this edition)."""
    previous, snap = snaps
    first = bool(used & set(snap.facts)) and not (previous and used & set(previous.facts))
    if d is None:
        notes = tuple(n for n in snap.notes if n.module == module_id)
        return ModuleChange(edition, notes, (), (), first)
    part = restrict(d, used, module_id)
    rows = tuple(change_rows(part, factset))
    flipped = [c for c in part.claims if c.flipped]
    return ModuleChange(edition, part.notes_added, rows, tuple(claim_sentences(flipped)), first)


History = list[tuple[Edition, Diff | None, Snapshot]]  # khub.render.whatchanged.edition_diffs


def module_changes(
    history: History, module_id: str, used: Iterable[str], factset: FactSet
) -> list[ModuleChange]:
    """Return, oldest first, every edition that changed the module, with what it changed."""
    wanted = set(used)
    found: list[ModuleChange] = []
    previous: Snapshot | None = None
    for edition, d, snap in history:
        found.append(module_change(edition, d, (previous, snap), module_id, wanted, factset))
        previous = snap
    return [c for c in found if not c.empty]


def row_text(row: ChangeRow) -> str:
    """Return one changed figure as a plain sentence: 'Label: 80% → 82.5% (+3.1%)'."""
    if row.kind == "added":
        return f"New: {row.label}, {row.new}."
    if row.kind == "removed":
        return f"No longer tracked: {row.label} (was {row.old})."
    if row.kind == "value":
        percent = f" ({row.percent})" if row.percent else ""
        return f"{row.label}: {row.old} → {row.new}{percent}."
    if row.kind == "status-source":
        return f"{row.label}: {row.detail}."
    return f"{row.label}: details updated."


def _change_html(change: ModuleChange) -> str:
    parts = [f"<p>{html.escape(n.text)}</p>" for n in change.notes]
    if change.first and not change.rows:
        parts.append("<p>The first edition of this module.</p>")
    items = [row_text(r) for r in change.rows] + list(change.claims)
    if items:
        parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
    return "".join(parts)


def module_feed(
    module_id: str,
    title: str,
    changes: list[ModuleChange],
    base_url: str | None,
) -> bytes:
    """Return the Atom feed of one module: an entry per edition that changed it."""
    updated = changes[-1].edition.record.published if changes else _EPOCH
    gen = _generator(
        f"khub:module:{module_id}",
        title,
        f"Each edition that changed the figures, claims or notes of {title}",
        updated,
    )
    if base_url:
        gen.link(href=f"{base_url}{feed_path(module_id)}", rel="self")
        gen.link(href=f"{base_url}{module_id}/", rel="alternate")
    for change in reversed(changes):
        edition = change.edition
        link = f"{base_url}editions/{edition.id}/{module_id}/" if base_url else None
        _entry(
            gen,
            f"khub:edition:{edition.id}:module:{module_id}",
            f"{title}: {month_name(edition.id)} edition",
            edition,
            link,
            _change_html(change),
        )
    return _atom(gen)


def module_feeds(
    factset: FactSet,
    editions: list[Edition],
    uses: Mapping[str, Iterable[str]],
    titles: Mapping[str, str],
    base_url: str | None,
) -> dict[str, bytes]:
    """Return feeds/MODULE.xml for every module, given the facts each module uses."""
    history = edition_diffs(editions)
    return {
        feed_path(module_id): module_feed(
            module_id,
            titles.get(module_id, module_id),
            module_changes(history, module_id, used, factset),
            base_url,
        )
        for module_id, used in uses.items()
    }


# --- the whole site -----------------------------------------------------------------------


def site_feed(factset: FactSet, editions: list[Edition], base_url: str | None = None) -> bytes:
    """Return the site's Atom feed: one entry per edition, naming modules by their titles."""
    stamp = editions[-1].record.published if editions else _EPOCH
    gen = _generator(
        base_url or "khub:editions",
        "Knowledge Hub editions",
        "What changed in each monthly edition of the hub",
        stamp,
    )
    if base_url:
        gen.link(href=f"{base_url}feed.xml", rel="self")
        gen.link(href=f"{base_url}changelog/", rel="alternate")
    root = Path(factset.root)
    for edition, d, snap in reversed(edition_diffs(editions)):
        anchor = month_name(edition.id).lower().replace(" ", "-") + "-edition"
        link = f"{base_url}changelog/#{anchor}" if base_url else None
        title = f"{month_name(edition.id)} edition"
        content = _entry_html(d, snap, root)
        _entry(gen, f"khub:edition:{edition.id}", title, edition, link, content)
    return _atom(gen)


def _entry_html(d: Diff | None, snap: Snapshot, root: Path) -> str:
    if d is None:
        head = f"<p>The first edition: {len(snap.facts)} figures frozen.</p>"
        notes = snap.notes
    else:
        counts = d.counts()
        head = (
            f"<p>{counts['value']} value(s) changed, {counts['added']} added, "
            f"{counts['removed']} removed, {counts['derived']} derived figure(s) changed, "
            f"{counts['claims']} claim(s) flipped.</p>"
        )
        notes = d.notes_added
    titles: dict[str, str] = {}
    items = "".join(
        f"<li><strong>{html.escape(titles.setdefault(n.module, module_title(root, n.module)))}"
        f"</strong>: {html.escape(n.text)}</li>"
        for n in notes
    )
    return head + (f"<ul>{items}</ul>" if items else "")

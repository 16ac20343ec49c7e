"""The monthly notes: an edition's newsletter as an HTML email, plain text, and a site page.

One description (Newsletter) is made from the edition, its editorial notes and the diff
against the edition before; three renderers only choose the markup. The email is
self-contained: inline styles, no images, no scripts, one column at most 600 px wide, and
colours that follow the reader's light or dark setting. Every figure links to its fact
page at the hub's address (site_url).
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from khub.data.model import FactSet
from khub.editions.diff import diff
from khub.editions.store import Edition, edition_snapshot
from khub.render.changes import ChangeRow, day_name, month_name
from khub.render.cite import ARCHIVE_DIR
from khub.render.display import human_date
from khub.render.elements import fact_target, relative
from khub.render.escape import md_text
from khub.render.feeds import ModuleChange, feed_path, module_change, row_text
from khub.render.follow import notes_page
from khub.render.pages import front


def unchecked_text(since: dt.date) -> str:
    """Return what readers are told about a fact whose source stopped answering."""
    return f"could not be re-checked since {human_date(since)}"


@dataclass(frozen=True)
class Unchecked:
    """A figure whose source could not be read at the last re-check."""

    label: str
    since: dt.date
    page: str
    anchor: str


@dataclass(frozen=True)
class ModuleSection:
    """One module's part of the notes."""

    module: str
    title: str
    change: ModuleChange
    unchecked: tuple[Unchecked, ...]


@dataclass(frozen=True)
class Newsletter:
    """Everything the monthly notes say, before markup."""

    hub: str
    edition: Edition
    previous: str | None
    sections: tuple[ModuleSection, ...]

    @property
    def notes(self) -> list[tuple[str, list[str]]]:
        """Return the edition's editorial notes as (module title, texts), in module order."""
        return [
            (s.title, [n.text for n in s.change.notes]) for s in self.sections if s.change.notes
        ]

    @property
    def title(self) -> str:
        """Return the notes' title: 'RTSN Knowledge Hub: June 2026 notes'."""
        return f"{self.hub}: {month_name(self.edition.id)} notes"


def newsletter(
    factset: FactSet,
    editions: list[Edition],
    edition: Edition,
    uses: Mapping[str, Iterable[str]],
    titles: Mapping[str, str],
    hub: str,
) -> Newsletter:
    """Return the notes of one edition, module by module in the order of titles."""
    index = [e.id for e in editions].index(edition.id)
    before = editions[index - 1] if index > 0 else None
    snap = edition_snapshot(edition)
    old = edition_snapshot(before) if before is not None else None
    d = diff(old, snap) if old is not None else None
    sections = []
    for module_id, title in titles.items():
        used = set(uses.get(module_id, ()))
        change = module_change(edition, d, (old, snap), module_id, used, factset)
        unchecked = tuple(_unchecked(factset, used))
        if not change.empty or unchecked:
            sections.append(ModuleSection(module_id, title, change, unchecked))
    return Newsletter(hub, edition, before.id if before else None, tuple(sections))


def _unchecked(factset: FactSet, used: set[str]) -> list[Unchecked]:
    out = []
    for fid, since in sorted(factset.failing_since.items()):
        fact = factset.facts.get(fid)
        if fact is None or fid not in used:
            continue
        page, anchor = fact_target(fact, factset)
        out.append(Unchecked(fact.label, since, page, anchor))
    return out


def page_address(base: str, page: str, anchor: str | None = None) -> str:
    """Return the absolute address of a build/docs page: facts/score.md → BASE/facts/score/."""
    stem = page.removesuffix(".md")
    path = "" if stem == "index" else stem.removesuffix("/index") + "/"
    return base + path + (f"#{anchor}" if anchor else "")


def _row_target(row: ChangeRow) -> tuple[str, str] | None:
    return (row.page, row.anchor or "") if row.page else None


_WHY = "What changed and why it matters"


def _intro(notes: Newsletter) -> str:
    month = month_name(notes.edition.id)
    published = day_name(notes.edition.record.published.isoformat())
    since = f" since the {month_name(notes.previous)} edition" if notes.previous else ""
    return f"The {month} edition was published on {published}. This is what changed{since}."


# --- plain text ---------------------------------------------------------------------------


def as_text(notes: Newsletter, base: str) -> str:
    """Return the notes as plain text, one idea a line, addresses in full."""
    lines = [notes.title, "=" * len(notes.title), "", _wrap(_intro(notes)), ""]
    if notes.notes:
        lines += [_WHY, "-" * len(_WHY), ""]
        for title, texts in notes.notes:
            lines += [f"{title}:", "", *(_wrap(text, "  ") + "\n" for text in texts)]
    if not notes.sections:
        lines += ["No module changed in this edition.", ""]
    for section in notes.sections:
        change = section.change
        lines += [section.title, "-" * len(section.title), ""]
        if change.first and not change.rows:
            lines += ["First published in this edition.", ""]
        items = []
        for row in change.rows:
            target = _row_target(row)
            where = f" <{page_address(base, *target)}>" if target else ""
            items.append(f"{row_text(row)}{where}")
        items += list(change.claims)
        for item in section.unchecked:
            link = page_address(base, item.page, item.anchor)
            items.append(f"Not re-checked: {item.label}, {unchecked_text(item.since)} <{link}>")
        lines += [_wrap(text, "* ", "  ") for text in items]
        lines += [""] if items else []
        lines += [f"Follow it: {base}{feed_path(section.module)}", ""]
    lines += [f"Every edition: {base}{ARCHIVE_DIR}/", f"These notes online: {_online(notes, base)}"]
    return "\n".join(lines) + "\n"


def _wrap(text: str, first: str = "", rest: str | None = None) -> str:
    """Return text wrapped at 72 columns (addresses are never broken)."""
    return textwrap.fill(
        text,
        72,
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _online(notes: Newsletter, base: str) -> str:
    return page_address(base, notes_page(notes.edition.id))


# --- HTML email ---------------------------------------------------------------------------

_BODY = "margin:0;padding:0;"
_WRAP = (
    "max-width:600px;margin:0 auto;padding:16px;font-family:Georgia,'Times New Roman',serif;"
    "font-size:16px;line-height:1.5;"
)
_H1 = "font-size:22px;line-height:1.3;margin:0 0 12px 0;"
_H2 = "font-size:18px;line-height:1.3;margin:24px 0 8px 0;"
_H3 = "font-size:16px;line-height:1.3;margin:16px 0 4px 0;"
_SMALL = "font-size:14px;"
# Mail clients that honour prefers-color-scheme swap the colours; the others keep the
# reader's own defaults, since no colour is forced inline.
_STYLE = (
    ":root{color-scheme:light dark;supported-color-schemes:light dark;}"
    "a{color:#1a56a8;}"
    "@media (prefers-color-scheme: dark){a{color:#8ab4f8 !important;}}"
)


def as_html(notes: Newsletter, base: str) -> str:
    """Return the notes as a self-contained HTML email (no script, no image, inline CSS)."""
    esc = html.escape
    parts = [f'<h1 style="{_H1}">{esc(notes.title)}</h1>', f"<p>{esc(_intro(notes))}</p>"]
    if notes.notes:
        parts.append(f'<h2 style="{_H2}">{esc(_WHY)}</h2>')
        for title, texts in notes.notes:
            parts.append(f'<h3 style="{_H3}">{esc(title)}</h3>')
            parts += [f"<p>{esc(text)}</p>" for text in texts]
    if not notes.sections:
        parts.append("<p>No module changed in this edition.</p>")
    for section in notes.sections:
        change = section.change
        parts.append(f'<h2 style="{_H2}">{esc(section.title)}</h2>')
        if change.first and not change.rows:
            parts.append("<p>First published in this edition.</p>")
        items = [_row_html(row, base) for row in change.rows]
        items += [esc(text) for text in change.claims]
        items += [
            f"Not re-checked: {_a(page_address(base, u.page, u.anchor), u.label)}, "
            f"{esc(unchecked_text(u.since))}"
            for u in section.unchecked
        ]
        if items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        feed = _a(base + feed_path(section.module), "Follow this module")
        parts.append(f'<p style="{_SMALL}">{feed}</p>')
    footer = (
        f"{_a(f'{base}{ARCHIVE_DIR}/', 'Every edition')} · "
        f"{_a(_online(notes, base), 'Read these notes online')}"
    )
    parts.append(f'<hr><p style="{_SMALL}">{footer}</p>')
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="supported-color-schemes" content="light dark">\n'
        f"<title>{esc(notes.title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f'<body style="{_BODY}">\n<div style="{_WRAP}">\n'
        + "\n".join(parts)
        + "\n</div>\n</body>\n</html>\n"
    )


def _a(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def _row_html(row: ChangeRow, base: str) -> str:
    target = _row_target(row)
    text = html.escape(row_text(row))
    if target is None:
        return text
    label = html.escape(row.label)
    link = _a(page_address(base, *target), row.label)
    return text.replace(label, link, 1) if label in text else f"{text} ({link})"


# --- the site page ------------------------------------------------------------------------


def as_markdown(notes: Newsletter) -> str:
    """Return the notes as a page of the site (notes/YYYY-MM.md), links relative to it."""
    page = notes_page(notes.edition.id)
    lines = [front(notes.title, _intro(notes)) + f"# {md_text(notes.title)}", "", _intro(notes), ""]
    if notes.notes:
        lines += [f"## {_WHY}", ""]
        for title, texts in notes.notes:
            lines += [f"**{md_text(title)}**", "", *(f"{md_text(text)}\n" for text in texts)]
    if not notes.sections:
        lines += ["No module changed in this edition.", ""]
    for section in notes.sections:
        change = section.change
        lines += [f"## {md_text(section.title)}", ""]
        if change.first and not change.rows:
            lines += ["First published in this edition.", ""]
        for row in change.rows:
            target = _row_target(row)
            text = md_text(row_text(row))
            if target is not None:
                text += f" ([fact]({relative(target[0], page)}#{target[1]}))"
            lines.append(f"- {text}")
        lines += [f"- {md_text(text)}" for text in change.claims]
        for item in section.unchecked:
            link = f"{relative(item.page, page)}#{item.anchor}"
            lines.append(
                f"- Not re-checked: [{md_text(item.label)}]({link}), "
                f"{md_text(unchecked_text(item.since))}"
            )
        module = relative(f"{section.module}.md", page)
        feed = relative(feed_path(section.module), page)
        lines += ["", f"[Read the module]({module}) · [Follow it]({feed})", ""]
    lines.append(f"[Every edition]({relative(f'{ARCHIVE_DIR}/index.md', page)})")
    return "\n".join(lines) + "\n"

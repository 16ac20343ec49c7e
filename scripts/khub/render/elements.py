"""The Markdown pieces every page shares: fact elements, fact links, footnote definitions."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
from dataclasses import dataclass

from khub.data.model import Fact, FactSet, Licence, Source
from khub.render.blocks import page_url
from khub.render.display import format_value
from khub.render.escape import md_attr, md_link, md_text

DERIVED_PAGE = "facts/derived.md"
DERIVED_PER_PAGE = 250  # keeps every derived page well under 500 KB at any hub size
STALE_MARK = '<span class="khub-stale-mark" aria-hidden="true">†</span>'
STALE_TEXT = '<span class="khub-sr"> (stale)</span>'
UNCHECKED_MARK = '<span class="khub-unchecked-mark" aria-hidden="true">‡</span>'


@dataclass(frozen=True)
class Freshness:
    """When a fact counts as stale: verified before today minus the allowed age."""

    today: dt.date
    stale_after_days: int

    def is_stale(self, fact: Fact) -> bool:
        """Return True when the fact was last verified longer ago than allowed."""
        return (self.today - fact.verified).days > self.stale_after_days


def series_index(factset: FactSet) -> dict[str, list[Fact]]:
    """Return the facts of every series in file order, in one pass over the facts."""
    index: dict[str, list[Fact]] = {sid: [] for sid in factset.series}
    for fact in factset.facts.values():
        if fact.series is not None:
            index.setdefault(fact.series, []).append(fact)
    return index


def derived_page_path(number: int) -> str:
    """Return the path of derived page `number` (from 1): facts/derived.md, facts/derived/2.md."""
    return DERIVED_PAGE if number == 1 else f"facts/derived/{number}.md"


_PAGES_OF: list[tuple[dict[str, Fact], dict[str, str]]] = []


def derived_pages(factset: FactSet) -> dict[str, str]:
    """Return the page of every derived fact: DERIVED_PER_PAGE facts a page, in file order."""
    if _PAGES_OF and _PAGES_OF[0][0] is factset.facts:  # one factset is rendered at a time
        return _PAGES_OF[0][1]
    derived = [fid for fid, fact in factset.facts.items() if fact.series is None]
    pages = {fid: derived_page_path(i // DERIVED_PER_PAGE + 1) for i, fid in enumerate(derived)}
    _PAGES_OF[:] = [(factset.facts, pages)]
    return pages


def fact_target(fact: Fact, factset: FactSet) -> tuple[str, str]:
    """Return (page, anchor) of a fact's own entry on the generated fact pages."""
    if fact.series is None:
        return derived_pages(factset).get(fact.id, DERIVED_PAGE), fact.id
    return f"facts/{fact.series}.md", fact.id[len(fact.series) + 1 :]


def relative(target: str, page: str) -> str:
    """Return the link from page to target, both paths relative to build/docs."""
    folder, name = posixpath.split(target)
    up = _relative_folder(folder, posixpath.dirname(page))
    return f"{up}/{name}" if up != "." else name


@functools.lru_cache(maxsize=4096)
def _relative_folder(folder: str, start: str) -> str:
    return posixpath.relpath(folder or ".", start or ".")


def fact_href(fact: Fact, page: str, factset: FactSet) -> str:
    """Return the link from page to a fact's entry."""
    target, anchor = fact_target(fact, factset)
    return f"{relative(target, page)}#{anchor}"


def source_label(source: Source) -> str:
    """Return a source as one line of plain text: title (publisher)."""
    return f"{source.title} ({source.publisher})"


def tooltip(fact: Fact, factset: FactSet, freshness: Freshness) -> str:
    """Return the plain-text tooltip of a fact: source, as of, verified, status."""
    if fact.source and fact.source in factset.sources:
        origin = f"Source: {source_label(factset.sources[fact.source])}"
    elif fact.formula:
        origin = f"Derived: {fact.formula}"
    else:
        origin = "Source: unknown"
    parts = [
        origin,
        f"as of {fact.as_of.isoformat()}",
        f"last verified {fact.verified.isoformat()}",
        f"status {fact.status}",
    ]
    verdict = references_text(fact, factset)
    if verdict:
        parts.append(verdict)
    if freshness.is_stale(fact):
        parts.append(f"STALE: not verified in the last {freshness.stale_after_days} days")
    since = factset.failing_since.get(fact.id)
    if since is not None:
        parts.append(unchecked_text(since))
    return "; ".join(parts)


def unchecked_text(since: dt.date) -> str:
    """Return what readers are told about a fact whose source stopped answering."""
    return f"could not be re-checked since {since.isoformat()}"


def references_text(fact: Fact, factset: FactSet) -> str:
    """Return what the fact's references say in one line, or '' when it has none."""
    if not fact.references:
        return ""
    from khub.data.agreement import judge, summary

    return summary(fact, judge(fact, factset.sources))


def reference_rows(fact: Fact, page: str, factset: FactSet) -> list[str]:
    """Return the Markdown table of a fact's references: source, what it states, when, note."""
    if not fact.references:
        return []
    lines = ["", "References:", "", "| Source | States | Retrieved | Note |", "|---|---|---|---|"]
    for ref in fact.references:
        source = factset.sources.get(ref.source)
        title = md_text(source.title if source else ref.source)
        link = f"[{title}]({relative('sources.md', page)}#{ref.source})"
        states = (
            "does not state it"
            if ref.does_not_state or ref.states is None
            else md_text(format_value(ref.states, fact.unit.name, fact.decimals))
            if not isinstance(ref.states, str) or fact.unit.kind != "licence"
            else md_text(ref.states)
        )
        when = ref.retrieved.isoformat() if ref.retrieved else (ref.commit or "")
        lines.append(f"| {link} | {states} | {md_text(when)} | {md_text(ref.note or '')} |")
    return lines


def value_text(fact: Fact, fmt: str = "value", decimals: int | None = None) -> str:
    """Return the text a reader sees for a fact in a given format."""
    places = decimals if decimals is not None else fact.decimals
    if fmt == "value":
        return format_value(fact.value, fact.unit.name, places)
    if fmt == "label":
        return fact.label
    if fmt in ("as_of", "verified"):
        date: dt.date = getattr(fact, fmt)
        return date.isoformat()
    if fmt == "status":
        return fact.status
    if fmt in ("id", "tier", "name") and isinstance(fact.value, Licence):
        return str(getattr(fact.value, fmt))
    raise ValueError(f"unknown fmt '{fmt}'")


FORMATS = ("value", "label", "as_of", "verified", "status", "id", "tier", "name")


def fact_element(fact: Fact, text: str, page: str, factset: FactSet, freshness: Freshness) -> str:
    """Return the Markdown of one traceable fact: a link with its id, tooltip and stale mark."""
    classes = ".khub-fact .khub-stale" if freshness.is_stale(fact) else ".khub-fact"
    mark = STALE_MARK + STALE_TEXT if freshness.is_stale(fact) else ""
    since = factset.failing_since.get(fact.id)
    if since is not None:
        classes += " .khub-unchecked"
        mark += f'{UNCHECKED_MARK}<span class="khub-sr"> ({unchecked_text(since)})</span>'

    title = md_attr(tooltip(fact, factset, freshness))
    href = fact_href(fact, page, factset)
    return f'[{md_text(text)}{mark}]({href}){{{classes} data-fact-id="{fact.id}" title="{title}"}}'


def fact_element_html(
    fact: Fact, text: str, page: str, factset: FactSet, freshness: Freshness
) -> str:
    """Return one traceable fact as HTML: the same link fact_element gives, ready-made."""
    stale = freshness.is_stale(fact)
    classes = "khub-fact khub-stale" if stale else "khub-fact"
    mark = STALE_MARK + STALE_TEXT if stale else ""
    title = md_attr(tooltip(fact, factset, freshness))
    target, anchor = fact_target(fact, factset)
    href = page_url(target, page, anchor)
    return (
        f'<a class="{classes}" data-fact-id="{fact.id}" href="{href}" title="{title}">'
        f"{md_text(text)}{mark}</a>"
    )


NO_LINK = "No public link is known"


def footnote(number: int, sid: str, source: Source, page: str) -> str:
    """Return a source's footnote: title, publisher, its link (or that none is known), access."""
    from khub.render.display import human_date  # here, so this file's imports stay as they are

    where = md_link(source.url, source.url) if source.url else NO_LINK
    if source.accessed is not None:
        where += f", accessed {human_date(source.accessed)}"
    entry = f"[Bibliography]({relative('sources.md', page)}#{sid})"
    title = md_text(source.title)
    publisher = md_text(source.publisher.rstrip(". "))
    return f"[^{number}]: “{title}”, {publisher}. {where}. {entry}."

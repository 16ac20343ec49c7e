"""The Markdown pieces every page shares: fact elements, fact links, footnote definitions."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
from dataclasses import dataclass

from khub.data.model import Fact, FactSet, Licence, Source
from khub.render.blocks import page_url
from khub.render.display import format_value, human_date
from khub.render.escape import md_attr, md_link, md_text

DERIVED_PAGE = "facts/derived.md"
DERIVED_PER_PAGE = 250  # keeps every derived page well under 500 KB at any hub size
OVERDUE_BADGE = "overdue"  # marks a figure not checked within its series' window
UNCHECKED_BADGE = "not re-checked"  # marks a figure whose source stopped answering
LABELS = {"vendor-reported": "vendor", "estimate": "est."}  # provenance shown in the prose
OPERATORS = {"-": "−", "*": "×", "/": "÷"}


def badge(text: str, kind: str) -> str:
    """Return a small inline label (khub-badge, khub-label) that search leaves out."""
    return f'<span class="{kind}" data-search-exclude>{md_text(text)}</span>'


@dataclass(frozen=True)
class Freshness:
    """When a fact counts as stale: verified longer ago than its series (or the hub) allows."""

    today: dt.date
    stale_after_days: int

    def is_stale(self, fact: Fact) -> bool:
        """Return True when a check the fact rests on is older than allowed."""
        return fact.is_stale(self.today, self.stale_after_days)

    def limit(self, fact: Fact) -> int:
        """Return how many days a check of the fact stays fresh (its series', else the hub's)."""
        return fact.stale_after_days or self.stale_after_days


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


def formula_text(fact: Fact, factset: FactSet) -> str:
    """Return a derived fact's formula in words: each input as its label and value."""
    from khub.formula.language import FormulaError, tokenize

    try:
        tokens = tokenize(fact.formula or "")
    except FormulaError:
        return fact.formula or ""
    words: list[str] = []
    for token in tokens:
        used = factset.facts.get(token)
        words.append(f"{used.label} {value_text(used)}" if used else OPERATORS.get(token, token))
    text = " ".join(words)
    return text.replace("( ", "(").replace(" )", ")").replace(" ,", ",")


def popover_data(fact: Fact, factset: FactSet, freshness: Freshness) -> dict[str, str]:
    """Return the data-* attributes the popover script reads, in a fixed order.

    data-fact-id, data-status, data-as-of and data-verified on every fact; data-source
    ("title (publisher)") or data-formula (in words); data-stale-after (days) on an
    overdue fact and data-failing-since on one that could not be re-checked.
    """
    data = {
        "data-fact-id": fact.id,
        "data-status": fact.status,
        "data-as-of": fact.as_of.isoformat(),
        "data-verified": fact.verified.isoformat(),
    }
    if fact.source and fact.source in factset.sources:
        data["data-source"] = source_label(factset.sources[fact.source])
    elif fact.formula:
        data["data-formula"] = formula_text(fact, factset)
    if freshness.is_stale(fact):
        data["data-stale-after"] = str(freshness.limit(fact))
    since = factset.failing_since.get(fact.id)
    if since is not None:
        data["data-failing-since"] = since.isoformat()
    return data


def fact_marks(
    fact: Fact, factset: FactSet, freshness: Freshness, labelled: bool = True
) -> tuple[str, str]:
    """Return (classes, badges) of a fact element: its provenance label and stale marks.

    labelled=False leaves out the provenance label, for a fact shown by its date or name.
    """
    classes, marks = ["khub-fact"], []
    if labelled and fact.status in LABELS:
        marks.append(badge(LABELS[fact.status], "khub-label"))
    if freshness.is_stale(fact):
        classes.append("khub-stale")
        marks.append(badge(OVERDUE_BADGE, "khub-badge"))
    if fact.id in factset.failing_since:
        classes.append("khub-unchecked")
        marks.append(badge(UNCHECKED_BADGE, "khub-badge"))
    return " ".join(classes), "".join(marks)


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
        when = human_date(ref.retrieved) if ref.retrieved else (ref.commit or "")
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
        return human_date(date)
    if fmt == "status":
        return fact.status
    if fmt in ("id", "tier", "name") and isinstance(fact.value, Licence):
        return str(getattr(fact.value, fmt))
    raise ValueError(f"unknown fmt '{fmt}'")


FORMATS = ("value", "label", "as_of", "verified", "status", "id", "tier", "name")
VALUE_FORMATS = frozenset({"value", "id", "tier", "name"})  # what a provenance label is about


def _attributes(data: dict[str, str]) -> str:
    return " ".join(f'{key}="{md_attr(value)}"' for key, value in data.items())


def fact_element(
    fact: Fact,
    text: str,
    page: str,
    factset: FactSet,
    freshness: Freshness,
    *,
    labelled: bool = True,
) -> str:
    """Return the Markdown of one traceable fact: a link with its labels and popover data."""
    classes, marks = fact_marks(fact, factset, freshness, labelled)
    attributes = _attributes(popover_data(fact, factset, freshness))
    dotted = " ".join(f".{c}" for c in classes.split())
    href = fact_href(fact, page, factset)
    return f"[{md_text(text)}{marks}]({href}){{{dotted} {attributes}}}"


def fact_element_html(
    fact: Fact, text: str, page: str, factset: FactSet, freshness: Freshness
) -> str:
    """Return one traceable fact as HTML: the same link fact_element gives, ready-made."""
    classes, marks = fact_marks(fact, factset, freshness)
    attributes = _attributes(popover_data(fact, factset, freshness))
    target, anchor = fact_target(fact, factset)
    href = page_url(target, page, anchor)
    return f'<a class="{classes}" {attributes} href="{href}">{md_text(text)}{marks}</a>'


NO_LINK = "No public link is known"


def footnote(number: int, sid: str, source: Source, page: str) -> str:
    """Return a source's footnote: title, publisher, its link (or that none is known), access."""
    where = md_link(source.url, source.url) if source.url else NO_LINK
    if source.accessed is not None:
        where += f", accessed {human_date(source.accessed)}"
    entry = f"[Bibliography]({relative('sources.md', page)}#{sid})"
    title = md_text(source.title)
    publisher = md_text(source.publisher.rstrip(". "))
    return f"[^{number}]: “{title}”, {publisher}. {where}. {entry}."

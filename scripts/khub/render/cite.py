"""Citable figures: the permalink of a fact in an edition, and the text to cite it with."""

from __future__ import annotations

import datetime as dt

from khub.data.model import Fact, FactSet, FrozenFact
from khub.render.changes import day_name, month_name, show_frozen

ARCHIVE_DIR = "editions"


def fact_anchor(fid: str, series: str | None) -> tuple[str, str]:
    """Return (page name, anchor) of a fact in an edition's archive: (series, subject).

    Derived facts (no series) live on the archive's 'derived' page under their own id.
    """
    if series is None or not fid.startswith(f"{series}."):
        return "derived", fid
    return series, fid[len(series) + 1 :]


def archive_fact_page(edition_id: str, page: str) -> str:
    """Return the build/docs path of an archive fact page: editions/2026-06/facts/score.md."""
    return f"{ARCHIVE_DIR}/{edition_id}/facts/{page}.md"


def permalink(base_url: str | None, edition_id: str, fid: str, series: str | None) -> str:
    """Return the stable address of a fact in one edition: /editions/2026-06/facts/score/#alpha.

    Absolute when the hub has a site_url, else site-relative (starting with '/').
    """
    page, anchor = fact_anchor(fid, series)
    base = base_url or "/"
    return f"{base}{ARCHIVE_DIR}/{edition_id}/facts/{page}/#{anchor}"


def citation(
    label: str, value: str, hub: str, edition_id: str, link: str, accessed: dt.date
) -> str:
    """Return the text that cites one figure: what, how much, where, which edition, when read.

    >>> citation("Bench: Alpha", "82.5%", "Hub", "2026-05", "https://h/e", dt.date(2026, 6, 2))
    'Bench: Alpha: 82.5%. Hub, May 2026 edition. https://h/e (accessed 2 June 2026).'
    """
    return (
        f"{label}: {value}. {hub}, {month_name(edition_id)} edition. {link} "
        f"(accessed {day_name(accessed.isoformat())})."
    )


def fact_citation(
    fact: Fact,
    factset: FactSet,
    frozen: FrozenFact | None,
    hub: str,
    edition_id: str,
    base_url: str | None,
    accessed: dt.date,
) -> str | None:
    """Return how to cite a fact as an edition published it; None when it is not in it.

    For the current fact pages: frozen is the fact in the latest edition (the snapshot of
    khub.editions.store.edition_snapshot). The value cited is the edition's, shown as the
    pages show it, because the permalink leads to that edition's page.
    """
    if frozen is None:
        return None
    series = factset.series.get(fact.series) if fact.series else None
    label = f"{series.title}: {fact.label}" if series else fact.label
    link = permalink(base_url, edition_id, fact.id, fact.series)
    value = show_frozen(fact.id, frozen, factset)
    return citation(label, value, hub, edition_id, link, accessed)


def cite_data(hub: str, edition_id: str, base_url: str | None) -> dict[str, str]:
    """Return what a page script needs to cite any fact of the current edition.

    The permalink pattern holds {series} and {subject}: a fact id 'series.subject' splits at
    its first dot; a derived fact (no dot) is series 'derived', subject its whole id.
    """
    base = base_url or "/"
    return {
        "hub": hub,
        "edition": edition_id,
        "edition_name": month_name(edition_id),
        "permalink": f"{base}{ARCHIVE_DIR}/{edition_id}/facts/{{series}}/#{{subject}}",
        "derived_series": "derived",
    }

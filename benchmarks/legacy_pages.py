"""Generated pages: home, fact index, one page per series, derived facts, sources, API JSON."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass

from khub.data.health import HEALTH_PAGE, health_page
from khub.data.model import Fact, FactSet, HistoryEntry, Series
from khub.data.settings import HubSettings
from khub.render.content import ModuleSource
from khub.render.display import format_value
from khub.render.elements import (
    DERIVED_PAGE,
    Freshness,
    fact_element,
    fact_target,
    relative,
    series_index,
    value_text,
)
from khub.render.escape import md_text
from khub.render.pages import (
    _source_link,
    api_files,
    cited_by,
    home_page,
    sources_page,
)

SCHEMA_VERSION = 1


def _unit(name: str) -> str:
    """Return a unit as the old pages wrote it (khub.render.pages names it in words now)."""
    return f"`{name}`" if name.replace("_", "").isalnum() else md_text(name)


FACT_INDEX = "facts/index.md"
SOURCES_PAGE = "sources.md"


@dataclass(frozen=True)
class ModuleInfo:
    """A module as the site pages see it: its source, edition and what it used."""

    source: ModuleSource
    edition: str
    facts: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def page(self) -> str:
        """Return the module page's path in build/docs."""
        return f"{self.source.id}.md"


def front(title: str, description: str | None = None) -> str:
    """Return YAML front matter giving a page its title (HTML-escaped: themes insert it raw)."""
    lines = ["---", f"title: {json.dumps(html.escape(title), ensure_ascii=False)}"]
    if description is not None:
        lines.append(f"description: {json.dumps(html.escape(description), ensure_ascii=False)}")
    return "\n".join([*lines, "---", "", ""])


def fact_index(factset: FactSet, by_series: Mapping[str, list[Fact]]) -> str:
    """Return the fact index: every series and the derived facts, with counts."""
    lines = [front("Fact index") + "# Fact index", ""]
    lines += ["| Series | Unit | Facts | Source |", "|---|---|---|---|"]
    for sid, series in sorted(factset.series.items()):
        link = f"[{md_text(series.title)}]({sid}.md)"
        count = len(by_series[sid])
        source = _source_link(factset, series.source, FACT_INDEX)
        lines.append(f"| {link} | {_unit(series.unit)} | {count} | {source} |")
    derived = [f for f in factset.facts.values() if f.series is None]
    if derived:
        title = f"[Derived facts]({relative(DERIVED_PAGE, FACT_INDEX)})"
        lines.append(f"| {title} | various | {len(derived)} | computed from other facts |")
    return "\n".join(lines) + "\n"


def series_page(
    sid: str, series: Series, facts: list[Fact], factset: FactSet, freshness: Freshness
) -> str:
    """Return the page of one series: each fact with value, dates, status, source, history."""
    page = f"facts/{sid}.md"
    head = [front(series.title) + f"# {md_text(series.title)}", ""]
    head.append(
        f"Series `{sid}` · unit {_unit(series.unit)} · {len(facts)} facts · "
        f"source {_source_link(factset, series.source, page)}"
    )
    if series.description:
        head += ["", md_text(series.description)]
    blocks = ["\n".join(head)]
    blocks += [_fact_block(f, page, factset, freshness) for f in facts]
    return "\n\n".join(blocks) + "\n"


def _fact_block(fact: Fact, page: str, factset: FactSet, freshness: Freshness) -> str:
    _, anchor = fact_target(fact, factset)
    element = fact_element(fact, value_text(fact), page, factset, freshness)
    stale = " (stale)" if freshness.is_stale(fact) else ""
    rows = [
        ("Value", element),
        ("Fact id", f"`{fact.id}`"),
        ("As of", fact.as_of.isoformat()),
        ("Last verified", fact.verified.isoformat() + stale),
        ("Status", md_text(fact.status)),
    ]
    if fact.formula is not None:
        rows.append(("Formula", md_text(fact.formula)))
        inputs = [_input_link(factset.facts[i], page, factset, freshness) for i in fact.inputs]
        rows.append(("Inputs", ", ".join(inputs)))
    else:
        rows.append(("Source", _source_link(factset, fact.source, page)))
    if fact.note:
        rows.append(("Note", md_text(fact.note)))
    lines = [f"## {md_text(fact.label)} {{#{anchor}}}", "", "| Field | Value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    if fact.history:
        lines += ["", "History:", "", "| Value | From | To | Note |", "|---|---|---|---|"]
        lines += [_history_row(h, fact) for h in fact.history]
    return "\n".join(lines)


def _input_link(fact: Fact, page: str, factset: FactSet, freshness: Freshness) -> str:
    return (
        f"{md_text(fact.label)} ({fact_element(fact, value_text(fact), page, factset, freshness)})"
    )


def _history_row(entry: HistoryEntry, fact: Fact) -> str:
    value = md_text(format_value(entry.value, fact.unit.name, fact.decimals))
    note = md_text(entry.note or "")
    return f"| {value} | {entry.from_.isoformat()} | {entry.to.isoformat()} | {note} |"


def derived_page(factset: FactSet, freshness: Freshness) -> str:
    """Return the page of derived facts: value, formula and linked inputs of each."""
    head = front("Derived facts") + "# Derived facts\n\nComputed from other facts, never typed in."
    blocks = [head]
    blocks += [
        _fact_block(f, DERIVED_PAGE, factset, freshness)
        for f in factset.facts.values()
        if f.series is None
    ]
    return "\n\n".join(blocks) + "\n"


def site_pages(
    factset: FactSet,
    modules: list[ModuleInfo],
    settings: HubSettings,
    freshness: Freshness,
    edition: str,
    *_caches: object,
) -> dict[str, bytes]:
    """Return every generated page besides the modules, by path in build/docs.

    `_caches` (today's page cache, prints, pieces and the renders' runner, which generate
    passes) are ignored: the old generate rendered every page, one after the other.
    """
    citing = cited_by(modules)
    by_series = series_index(factset)
    pages: dict[str, str] = {
        "index.md": home_page(settings, modules, edition),
        FACT_INDEX: fact_index(factset, by_series),
        SOURCES_PAGE: sources_page(factset, citing, modules),
        # newer than the old format, but the modules link to it: the same page as now
        HEALTH_PAGE: health_page(factset, freshness.stale_after_days, freshness.today),
    }
    for sid, series in factset.series.items():
        pages[f"facts/{sid}.md"] = series_page(sid, series, by_series[sid], factset, freshness)
    if any(f.series is None for f in factset.facts.values()):
        pages[DERIVED_PAGE] = derived_page(factset, freshness)
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    files.update(api_files(factset, modules, citing, freshness))
    return files

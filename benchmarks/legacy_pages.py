"""Generated pages: home, fact index, one page per series, derived facts, sources, API JSON."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from khub.data.model import Fact, FactSet, HistoryEntry, Series, Source
from khub.data.serialize import fact_detail, source_data
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
from khub.render.escape import json_bytes, md_link, md_text

SCHEMA_VERSION = 1
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


def module_order(modules: Iterable[ModuleInfo]) -> list[ModuleInfo]:
    """Return modules in reading order: by front matter order, then by id."""
    return sorted(
        modules, key=lambda m: (m.source.meta.order is None, m.source.meta.order, m.source.id)
    )


def home_page(settings: HubSettings, modules: list[ModuleInfo], edition: str) -> str:
    """Return the home page: the hub's modules with their editions."""
    lines = [front(settings.title) + f"# {md_text(settings.title)}", ""]
    by = f"Published by {md_text(settings.publisher)}. " if settings.publisher else ""
    lines.append(f"{by}Current edition: **{md_text(edition)}**.")
    lines += ["", "| Module | Summary | Edition |", "|---|---|---|"]
    for info in module_order(modules):
        link = f"[{md_text(info.source.meta.title)}]({info.page})"
        lines.append(f"| {link} | {md_text(info.source.meta.summary)} | {md_text(info.edition)} |")
    lines += [
        "",
        "Every number on these pages links to its entry in the [fact index](facts/index.md); "
        "the [sources](sources.md) page lists every citation.",
        "Machine-readable data: [facts.json](api/v1/facts.json), "
        "[sources.json](api/v1/sources.json), [modules.json](api/v1/modules.json).",
        "",
    ]
    return "\n".join(lines)


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


def _unit(name: str) -> str:
    return f"`{name}`" if name.replace("_", "").isalnum() else md_text(name)


def _source_link(factset: FactSet, sid: str | None, page: str) -> str:
    if sid is None or sid not in factset.sources:
        return "—"
    title = md_text(factset.sources[sid].title)
    return f"[{title}]({relative(SOURCES_PAGE, page)}#{sid})"


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


def sources_page(
    factset: FactSet, cited_by: Mapping[str, list[ModuleInfo]], modules: list[ModuleInfo]
) -> str:
    """Return the bibliography: every source with the modules that cite it."""
    blocks = [front("Sources") + "# Sources\n\nEvery citation of the hub, by id."]
    for sid, source in sorted(factset.sources.items()):
        blocks.append(_source_block(sid, source, cited_by.get(sid, [])))
    return "\n\n".join(blocks) + "\n"


def _source_block(sid: str, source: Source, citing: list[ModuleInfo]) -> str:
    url = md_link(source.url, source.url) if source.url else "URL unknown"
    lines = [
        f"## {md_text(source.title)} {{#{sid}}}",
        "",
        f"{md_text(source.publisher)} · {md_text(source.kind)} · {url}",
    ]
    if source.accessed:
        lines[-1] += f" · accessed {source.accessed.isoformat()}"
    for scheme, ident in sorted(source.identifiers.items()):
        lines[-1] += f" · {md_text(scheme)}: {md_text(ident)}"
    if source.note:
        lines += ["", md_text(source.note)]
    cites = ", ".join(f"[{md_text(m.source.meta.title)}]({m.page})" for m in citing)
    lines += ["", f"Cited by: {cites}." if cites else "Cited by no module."]
    return "\n".join(lines)


def api_files(
    factset: FactSet,
    modules: list[ModuleInfo],
    cited_by: Mapping[str, list[ModuleInfo]],
    freshness: Freshness,
) -> dict[str, bytes]:
    """Return the JSON API: api/v1/facts.json, sources.json and modules.json."""
    facts = {}
    for fid, fact in factset.facts.items():
        detail = fact_detail(fact, factset)
        page, anchor = fact_target(fact, factset)
        detail.update(page=f"{page}#{anchor}", display=value_text(fact))
        detail["stale"] = freshness.is_stale(fact)
        facts[fid] = detail
    sources = {}
    for sid, source in factset.sources.items():
        record = source_data(sid, source)
        record["cited_by"] = [m.source.id for m in cited_by.get(sid, [])]
        sources[sid] = record
    module_data = {m.source.id: _module_data(m) for m in modules}
    return {
        "api/v1/facts.json": json_bytes({"schema_version": SCHEMA_VERSION, "facts": facts}),
        "api/v1/sources.json": json_bytes({"schema_version": SCHEMA_VERSION, "sources": sources}),
        "api/v1/modules.json": json_bytes(
            {"schema_version": SCHEMA_VERSION, "modules": module_data}
        ),
    }


def _module_data(info: ModuleInfo) -> dict[str, object]:
    meta = info.source.meta
    return {
        "title": meta.title,
        "summary": meta.summary,
        "order": meta.order,
        "edition": info.edition,
        "page": info.page,
        "source": info.source.path,
        "facts": list(info.facts),
        "sources": list(info.sources),
    }


def cited_by(modules: list[ModuleInfo]) -> dict[str, list[ModuleInfo]]:
    """Return, per source id, the modules citing it, in reading order."""
    citing: dict[str, list[ModuleInfo]] = {}
    for info in module_order(modules):
        for sid in info.sources:
            citing.setdefault(sid, []).append(info)
    return citing


def site_pages(
    factset: FactSet,
    modules: list[ModuleInfo],
    settings: HubSettings,
    freshness: Freshness,
    edition: str,
) -> dict[str, bytes]:
    """Return every generated page besides the modules, by path in build/docs."""
    citing = cited_by(modules)
    by_series = series_index(factset)
    pages: dict[str, str] = {
        "index.md": home_page(settings, modules, edition),
        FACT_INDEX: fact_index(factset, by_series),
        SOURCES_PAGE: sources_page(factset, citing, modules),
    }
    for sid, series in factset.series.items():
        pages[f"facts/{sid}.md"] = series_page(sid, series, by_series[sid], factset, freshness)
    if any(f.series is None for f in factset.facts.values()):
        pages[DERIVED_PAGE] = derived_page(factset, freshness)
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    files.update(api_files(factset, modules, citing, freshness))
    return files

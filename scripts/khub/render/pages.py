"""Generated pages: home, fact index, one page per series, derived facts, sources, API JSON."""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub.data.health import HEALTH_PAGE, health_page
from khub.data.model import Fact, FactSet, Series, Source
from khub.data.serialize import fact_detail, source_data
from khub.data.settings import HubSettings
from khub.editions.store import read_editions
from khub.render import blocks
from khub.render.content import ModuleSource
from khub.render.display import edition_name, human_date, unit_name
from khub.render.elements import (
    DERIVED_PAGE,
    NO_LINK,
    Freshness,
    derived_page_path,
    fact_element_html,
    fact_target,
    reference_rows,
    references_text,
    relative,
    series_index,
    value_text,
)
from khub.render.elements import derived_pages as derived_page_of
from khub.render.escape import json_bytes, md_link, md_text
from khub.render.history import Published, history_block, published_values
from khub.render.manifest import digest
from khub.render.pagecache import (
    FactPrints,
    Fragments,
    PageCache,
    RunAll,
    base_key,
    derived_key,
    serial,
    series_key,
)

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


def front(title: str, description: str | None = None, *, indexed: bool = True) -> str:
    """Return YAML front matter giving a page its title (HTML-escaped: themes insert it raw).

    A page that is not `indexed` stays out of the theme's search index: the fact pages are
    found through one search entry per fact instead (khub.site.search).
    """
    lines = ["---", f"title: {json.dumps(html.escape(title), ensure_ascii=False)}"]
    if description is not None:
        lines.append(f"description: {json.dumps(html.escape(description), ensure_ascii=False)}")
    if not indexed:
        lines += ["search:", "  exclude: true"]
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
    lines.append(f"{by}Current edition: **{md_text(edition_name(edition))}**.")
    lines += ["", "| Module | Summary | Edition |", "|---|---|---|"]
    for info in module_order(modules):
        link = f"[{md_text(info.source.meta.title)}]({info.page})"
        summary, shown = md_text(info.source.meta.summary), md_text(edition_name(info.edition))
        lines.append(f"| {link} | {summary} | {shown} |")
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
    rows = []
    for sid, series in sorted(factset.series.items()):
        link = blocks.link(series.title, blocks.page_url(f"facts/{sid}.md", FACT_INDEX))
        source = _source_html(factset, series.source, FACT_INDEX)
        rows.append((link, _unit_html(series.unit), str(len(by_series[sid])), source))
    derived = [f for f in factset.facts.values() if f.series is None]
    if derived:
        link = blocks.link("Derived facts", blocks.page_url(DERIVED_PAGE, FACT_INDEX))
        rows.append((link, "various", str(len(derived)), "computed from other facts"))
    table = blocks.table(("Series", "Unit", "Facts", "Source"), rows)
    return front("Fact index", indexed=False) + "# Fact index\n\n" + table + "\n"


def _unit_html(name: str) -> str:
    """Return a unit's name in words, in a span that wraps between words only (changes.css)."""
    return f'<span class="khub-unit">{blocks.text(unit_name(name))}</span>'


def _source_link(factset: FactSet, sid: str | None, page: str) -> str:
    if sid is None or sid not in factset.sources:
        return "—"
    title = md_text(factset.sources[sid].title)
    return f"[{title}]({relative(SOURCES_PAGE, page)}#{sid})"


def _source_html(factset: FactSet, sid: str | None, page: str) -> str:
    if sid is None or sid not in factset.sources:
        return "—"
    return blocks.link(factset.sources[sid].title, blocks.page_url(SOURCES_PAGE, page, sid))


def series_page(
    sid: str,
    series: Series,
    facts: list[Fact],
    factset: FactSet,
    freshness: Freshness,
    published: Mapping[str, Sequence[Published]] | None = None,
) -> str:
    """Return the page of one series: each fact with value, dates, status, source, history."""
    page = f"facts/{sid}.md"
    head = [front(series.title, indexed=False) + f"# {md_text(series.title)}", ""]
    head.append(
        f"Series `{sid}` · unit: {md_text(unit_name(series.unit))} · "
        f"{len(facts)} fact{'s' * (len(facts) != 1)} · "
        f"source {_source_link(factset, series.source, page)}"
    )
    if series.description:
        head += ["", md_text(series.description)]
    blocks_ = ["\n".join(head)]
    blocks_ += [_fact_block(f, page, factset, freshness, published) for f in facts]
    return "\n\n".join(blocks_) + "\n"


def _fact_block(
    fact: Fact,
    page: str,
    factset: FactSet,
    freshness: Freshness,
    published: Mapping[str, Sequence[Published]] | None = None,
) -> str:
    """Return one fact's entry: a Markdown heading (in the TOC), then HTML tables, its history."""
    _, anchor = fact_target(fact, factset)
    element = fact_element_html(fact, value_text(fact), page, factset, freshness)
    stale = " (stale)" if freshness.is_stale(fact) else ""
    rows = [
        ("Value", element),
        ("Fact id", blocks.code(fact.id)),
        ("As of", human_date(fact.as_of)),
        ("Last verified", human_date(fact.verified) + stale),
        ("Status", blocks.text(fact.status)),
    ]
    if fact.formula is not None:
        rows.append(("Formula", blocks.text(fact.formula)))
        inputs = [_input_html(factset.facts[i], page, factset, freshness) for i in fact.inputs]
        rows.append(("Inputs", ", ".join(inputs)))
    else:
        rows.append(("Source", _source_html(factset, fact.source, page)))
    if fact.note:
        rows.append(("Note", blocks.text(fact.note)))
    if fact.references:
        rows.append(("References", blocks.text(references_text(fact, factset))))
    fields = blocks.table(("Field", "Value"), rows)
    parts = [f"## {md_text(fact.label)} {{#{anchor}}}", fields]
    references = reference_rows(fact, page, factset)
    if references:
        parts.append("\n".join(references).strip("\n"))
    shown = blocks.text(value_text(fact))
    history = history_block(fact, page, factset, (published or {}).get(fact.id, ()), shown)
    if history:
        parts += ["Past values (the table lists the newest first):", history]
    return "\n\n".join(parts)


def _input_html(fact: Fact, page: str, factset: FactSet, freshness: Freshness) -> str:
    element = fact_element_html(fact, value_text(fact), page, factset, freshness)
    return f"{blocks.text(fact.label)} ({element})"


def derived_pages(
    factset: FactSet,
    freshness: Freshness,
    published: Mapping[str, Sequence[Published]] | None = None,
) -> dict[str, str]:
    """Return the pages of derived facts (DERIVED_PER_PAGE each): value, formula, inputs."""
    chunks = _derived_chunks(factset)
    total = len(chunks)
    return {
        path: _derived_page(path, number, total, facts, factset, freshness, published)
        for number, (path, facts) in enumerate(chunks.items(), 1)
    }


def _derived_chunks(factset: FactSet) -> dict[str, list[Fact]]:
    """Return the derived facts of each page of derived facts, in file order."""
    chunks: dict[str, list[Fact]] = {}
    for fid, path in derived_page_of(factset).items():
        chunks.setdefault(path, []).append(factset.facts[fid])
    return chunks


def _derived_page(
    path: str,
    number: int,
    total: int,
    facts: list[Fact],
    factset: FactSet,
    freshness: Freshness,
    published: Mapping[str, Sequence[Published]] | None = None,
) -> str:
    title = "Derived facts" if total == 1 else f"Derived facts ({number} of {total})"
    head = front(title, indexed=False) + f"# {title}\n\nComputed from other facts, never typed in."
    if total > 1:
        head += "\n\n" + _page_links(path, total)
    blocks_ = [head, *(_fact_block(f, path, factset, freshness, published) for f in facts)]
    return "\n\n".join(blocks_) + "\n"


def _page_links(path: str, total: int) -> str:
    """Return the line linking every page of a paginated list (the current one unlinked)."""
    items = []
    for number in range(1, total + 1):
        target = derived_page_path(number)
        items.append(
            f"<strong>{number}</strong>"
            if target == path
            else blocks.link(str(number), blocks.page_url(target, path))
        )
    return f'{blocks.MARK}\n<p class="khub-pages">Pages: ' + " · ".join(items) + "</p>"


def sources_page(
    factset: FactSet, cited_by: Mapping[str, list[ModuleInfo]], modules: list[ModuleInfo]
) -> str:
    """Return the bibliography: every source with the modules that cite it."""
    blocks = [front("Sources") + "# Sources\n\nEvery citation of the hub, by id."]
    for sid, source in sorted(factset.sources.items()):
        blocks.append(_source_block(sid, source, cited_by.get(sid, [])))
    return "\n\n".join(blocks) + "\n"


def _source_block(sid: str, source: Source, citing: list[ModuleInfo]) -> str:
    url = md_link(source.url, source.url) if source.url else NO_LINK
    lines = [
        f"## {md_text(source.title)} {{#{sid}}}",
        "",
        f"{md_text(source.publisher)} · {md_text(source.kind)} · {url}",
    ]
    if source.accessed:
        lines[-1] += f" · accessed {human_date(source.accessed)}"
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
    prints: FactPrints | None = None,
    fragments: Fragments | None = None,
) -> dict[str, bytes]:
    """Return the JSON API: api/v1/facts.json, sources.json and modules.json.

    With prints and fragments, each fact's entry of facts.json is taken from fragments when
    its print is unchanged; the file is the same bytes either way.
    """
    if prints is not None and fragments is not None:
        facts_json = _facts_json(factset, freshness, prints, fragments)
    else:
        facts = {fid: _fact_api(fact, factset, freshness) for fid, fact in factset.facts.items()}
        facts_json = json_bytes({"schema_version": SCHEMA_VERSION, "facts": facts})
    sources = {}
    for sid, source in factset.sources.items():
        record = source_data(sid, source)
        record["cited_by"] = [m.source.id for m in cited_by.get(sid, [])]
        sources[sid] = record
    module_data = {m.source.id: _module_data(m) for m in modules}
    return {
        "api/v1/facts.json": facts_json,
        "api/v1/sources.json": json_bytes({"schema_version": SCHEMA_VERSION, "sources": sources}),
        "api/v1/modules.json": json_bytes(
            {"schema_version": SCHEMA_VERSION, "modules": module_data}
        ),
    }


def _fact_api(fact: Fact, factset: FactSet, freshness: Freshness) -> dict[str, Any]:
    """Return one fact's entry of api/v1/facts.json."""
    detail = fact_detail(fact, factset)
    page, anchor = fact_target(fact, factset)
    detail.update(page=f"{page}#{anchor}", display=value_text(fact))
    detail["stale"] = freshness.is_stale(fact)
    return detail


def _facts_json(
    factset: FactSet, freshness: Freshness, prints: FactPrints, fragments: Fragments
) -> bytes:
    """Return api/v1/facts.json as json_bytes writes it, from one piece per fact.

    json_bytes sorts keys and escapes <, > and & character by character, so the file is its
    pieces (each fact's member, escaped alike) joined in the order of the sorted ids.
    """
    base = digest(base_key(freshness), "api")

    def member(fid: str) -> Callable[[], str]:
        def make() -> str:
            detail = _fact_api(factset.facts[fid], factset, freshness)
            return json_bytes({fid: detail}).decode("utf-8")[1:-2]  # "id":{...}

        return make

    pieces = [
        fragments.piece(fid, digest(base, prints.entry(fid)), member(fid))
        for fid in sorted(factset.facts)
    ]
    version = json_bytes(SCHEMA_VERSION).decode("utf-8").strip()
    return f'{{"facts":{{{",".join(pieces)}}},"schema_version":{version}}}\n'.encode()


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
    cache: PageCache | None = None,
    prints: FactPrints | None = None,
    fragments: Fragments | None = None,
    run_all: RunAll = serial,
) -> dict[str, bytes]:
    """Return every generated page besides the modules, by path in build/docs.

    The series pages and the pages of derived facts come from cache when what they read is
    unchanged (khub.render.pagecache); without a cache every page is rendered. prints: the
    facts' prints, made with this factset, freshness and the editions' published values.
    """
    citing = cited_by(modules)
    by_series = series_index(factset)
    if prints is None:
        prints = FactPrints(factset, freshness, published_values(read_editions(Path(factset.root))))
    pages: dict[str, str] = {
        "index.md": home_page(settings, modules, edition),
        FACT_INDEX: fact_index(factset, by_series),
        SOURCES_PAGE: sources_page(factset, citing, modules),
        HEALTH_PAGE: health_page(factset, freshness.stale_after_days, freshness.today),
    }
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    files.update(fact_pages(factset, by_series, prints, cache or PageCache(None), run_all))
    files.update(api_files(factset, modules, citing, freshness, prints, fragments))
    return files


def fact_pages(
    factset: FactSet,
    by_series: Mapping[str, list[Fact]],
    prints: FactPrints,
    cache: PageCache,
    run_all: RunAll = serial,
) -> dict[str, bytes]:
    """Return the series pages and the pages of derived facts, rendered or from cache.

    The pages the cache does not hold are rendered by run_all (which may share them among
    processes); each reads the factset only, so the order they are made in changes nothing.
    """
    freshness, published = prints.freshness, prints.published
    base = base_key(freshness)
    wanted: list[tuple[str, str, Callable[[], str]]] = []
    for sid, series in factset.series.items():
        facts = by_series[sid]
        wanted.append(
            (
                f"facts/{sid}.md",
                series_key(base, sid, series, facts, prints),
                functools.partial(series_page, sid, series, facts, factset, freshness, published),
            )
        )
    chunks = _derived_chunks(factset)
    for number, (path, facts) in enumerate(chunks.items(), 1):
        wanted.append(
            (
                path,
                derived_key(base, path, number, len(chunks), facts, prints),
                functools.partial(
                    _derived_page, path, number, len(chunks), facts, factset, freshness, published
                ),
            )
        )
    return cache.pages(wanted, run_all)

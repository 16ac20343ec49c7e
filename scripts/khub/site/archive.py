"""The archive of every edition: each module and fact page as it stood when it was published.

`editions/YYYY-MM/MODULE.md` renders the module with the values frozen in
data/editions/YYYY-MM.yml, through the same sandbox and limits as the current pages. Its
text is the module as committed in the revision that added the edition file, read with
khub's own git helpers; where that revision cannot be read (no repository, a shallow clone,
the module did not exist yet) the current text is used and the page says so.
`editions/YYYY-MM/facts/SERIES.md` lists the frozen facts of one series with the text to
cite each. Editions never change, so the rendered module bodies are kept in the hub's cache
folder, keyed by the edition file's hash, the revision (or the text used), the templates and
khub's code: a build renders only editions it has not rendered before.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub.data.model import Claim, Fact, FactSet, FrozenFact, Licence, Range, Series, Source
from khub.data.settings import HubSettings
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.atomic import write_atomic
from khub.disk.cachedir import code_fingerprint
from khub.disk.paths import Scan, read_contained, safe_output_path
from khub.editions.git import GitError, changes, file_at, git, is_repository, tree_files
from khub.editions.snapshot import Snapshot
from khub.editions.store import EDITIONS_DIR, Edition, edition_snapshot
from khub.render import blocks
from khub.render.bounds import Limits
from khub.render.changes import day_name, month_name, show_frozen
from khub.render.cite import ARCHIVE_DIR, archive_fact_page, fact_anchor, fact_citation
from khub.render.content import CONTENT_DIR, ModuleSource, read_module
from khub.render.elements import Freshness
from khub.render.escape import md_text
from khub.render.manifest import ASSETS_DIR, digest
from khub.render.pages import front
from khub.render.sandbox import TEMPLATES_DIR, Renderer, RenderError
from khub.units import get_unit

ARCHIVE_FORMAT = 1


@dataclass(frozen=True)
class Page:
    """One archived module: its title, rendered body and where its text came from."""

    module: str
    title: str
    body: str
    revision: str | None  # the commit the text was read from; None: the current text


# --- git: the revision that published each edition --------------------------------------


def edition_commits(root: Path) -> dict[str, str]:
    """Return edition id → the commit that added data/editions/ID.yml, where git has it.

    A shallow clone's oldest commit shows every file as added without having published
    them, so in a shallow repository a commit without parents is not trusted.
    """
    if not is_repository(root):
        return {}
    try:
        added = [c for c in changes(root, f"{EDITIONS_DIR}/") if c.status == "A"]
        shallow = git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except GitError:
        return {}
    found: dict[str, str] = {}
    for change in added:
        name = change.path.removeprefix(f"{EDITIONS_DIR}/")
        if name.endswith(".yml") and "/" not in name:
            found[name.removesuffix(".yml")] = change.commit  # the last add wins
    if shallow:
        found = {e: c for e, c in found.items() if _has_parent(root, c)}
    return found


def _has_parent(root: Path, commit: str) -> bool:
    try:
        line = git(root, "rev-list", "--parents", "-n", "1", "--end-of-options", commit)
    except GitError:
        return False
    return len(line.split()) > 1


# --- the edition as a fact set ------------------------------------------------------------


def _live(value: Any) -> float | Range | Licence | str | None:
    if isinstance(value, dict) and {"low", "high"} <= value.keys():
        return Range(low=value["low"], high=value["high"])
    if isinstance(value, dict):
        return Licence.model_validate(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value if isinstance(value, str) else None


def _fact(fid: str, state: FrozenFact, current: Fact | None, series: set[str]) -> Fact | None:
    unit = get_unit(state.unit)
    if unit is None:
        return None
    prefix = fid.split(".", 1)[0] if "." in fid and state.formula is None else None
    return Fact(
        id=fid,
        label=state.label or fid,
        unit=unit,
        value=_live(state.value),
        as_of=dt.date.fromisoformat(state.as_of),
        verified=dt.date.fromisoformat(state.verified),
        status=state.status,
        source=state.source,
        file=current.file if current else EDITIONS_DIR,
        series=prefix if prefix in series else None,
        decimals=current.decimals if current else None,
        formula=state.formula,
        inputs=state.inputs,
    )


def frozen_factset(factset: FactSet, snap: Snapshot) -> FactSet:
    """Return the facts, claims and sources of an edition, with today's display settings.

    Values, dates, status and sources are the edition's; series titles, units and decimals
    come from the current data when the series still exists. No check state: an archived
    page shows what was published, not what the re-check found since.
    """
    series = dict(factset.series)
    for fid, state in snap.facts.items():
        if "." in fid and state.formula is None and fid.split(".", 1)[0] not in series:
            sid = fid.split(".", 1)[0]
            series[sid] = Series(title=sid, unit=state.unit, source=state.source, facts={})
    facts: dict[str, Fact] = {}
    for fid, state in snap.facts.items():
        fact = _fact(fid, state, factset.facts.get(fid), set(series))
        if fact is not None:
            facts[fid] = fact
    sources = dict(factset.sources)
    for sid, ref in snap.sources.items():
        if sid not in sources:
            sources[sid] = Source(title=ref.title, publisher="", kind="other", url=ref.url)
        elif (sources[sid].title, sources[sid].url) != (ref.title, ref.url):
            sources[sid] = sources[sid].model_copy(update={"title": ref.title, "url": ref.url})
    claims = {
        cid: Claim(cid, c.says, c.holds_when, c.holds, c.facts) for cid, c in snap.claims.items()
    }
    return FactSet(root=factset.root, facts=facts, series=series, sources=sources, claims=claims)


# --- rendering one edition ----------------------------------------------------------------


@dataclass(frozen=True)
class Archiver:
    """Renders the archive of each edition (or reuses it from the cache)."""

    root: Path
    factset: FactSet
    settings: HubSettings
    modules: list[ModuleSource]
    templates: Scan
    cache_dir: Path | None
    commits: Mapping[str, str]

    def pages(self, edition: Edition) -> list[Page]:
        """Return the archived module pages of one edition, from the cache when there."""
        revision = self.commits.get(edition.id)
        key = self._key(edition, revision)
        cached = self._read_cache(key)
        if cached is not None:
            return cached
        pages = self._render(edition, revision)
        self._write_cache(key, pages)
        return pages

    def _key(self, edition: Edition, revision: str | None) -> str:
        parts: list[str | bytes] = [str(ARCHIVE_FORMAT), code_fingerprint(), edition.sha256]
        parts += [repr(Limits.from_settings(self.settings)), str(self.settings.stale_after_days)]
        parts.append(self._display)
        if revision is not None:
            return digest(*parts, revision)
        parts += [item for m in self.modules for item in (m.path, m.text)]
        for rel in self._partials():
            parts += [rel, read_contained(self.root, rel, MAX_FILE_BYTES)]
        return digest(*parts)

    @functools.cached_property
    def _display(self) -> str:
        """Return the hash of what an archive takes from today's data: how figures look.

        Series titles and units, each fact's decimals and the sources' citations; a change
        to one of them renders the archive again (once), a new value does not.
        """
        fs = self.factset
        shown = {
            "series": {sid: [s.title, s.unit, s.decimals] for sid, s in sorted(fs.series.items())},
            "decimals": {fid: f.decimals for fid, f in sorted(fs.facts.items()) if f.decimals},
            "sources": {sid: s.model_dump(mode="json") for sid, s in sorted(fs.sources.items())},
        }
        return json.dumps(shown, sort_keys=True)

    def _partials(self) -> list[str]:
        return [r for r in self.templates.files if not r.startswith(f"{ASSETS_DIR}/")]

    def _render(self, edition: Edition, revision: str | None) -> list[Page]:
        factset = frozen_factset(self.factset, edition_snapshot(edition))
        freshness = Freshness(edition.record.published, self.settings.stale_after_days)
        limits = Limits.from_settings(self.settings)
        with tempfile.TemporaryDirectory(prefix="khub-archive-") as tmp:
            folder = Path(tmp)
            sources = self._write_sources(folder, revision)
            renderer = Renderer(folder, factset, freshness, limits=limits)
            pages = []
            for module_id, (module, from_git) in sorted(sources.items()):
                page = _render_page(renderer, edition.id, module, revision if from_git else None)
                if page is None and from_git:  # the old text fails today: try the current one
                    current = next((m for m in self.modules if m.id == module_id), None)
                    if current is not None:  # a new renderer: the old template is cached
                        _write(folder, current.path, current.text.encode("utf-8"))
                        again = Renderer(folder, factset, freshness, limits=limits)
                        page = _render_page(again, edition.id, current, None)
                if page is not None:
                    pages.append(page)
        return pages

    def _write_sources(
        self, folder: Path, revision: str | None
    ) -> dict[str, tuple[ModuleSource, bool]]:
        """Write the module texts and partials to render into folder; return the modules."""
        found: dict[str, tuple[ModuleSource, bool]] = {}
        partials_from_git = False
        if revision is not None:
            for item in _git_files(self.root, revision, CONTENT_DIR):
                _write(folder, item[0], item[1])
            for item in _git_files(self.root, revision, TEMPLATES_DIR):
                if not item[0].startswith(f"{ASSETS_DIR}/"):
                    _write(folder, item[0], item[1])
                    partials_from_git = True
            for module in self.modules:
                if (folder / module.path).is_file():
                    read, _ = read_module(folder, module.path)
                    if read is not None:
                        found[module.id] = (read, True)
        for module in self.modules:
            if module.id not in found:
                _write(folder, module.path, module.text.encode("utf-8"))
                found[module.id] = (module, False)
        if not partials_from_git:
            for rel in self._partials():
                _write(folder, rel, read_contained(self.root, rel, MAX_FILE_BYTES))
        return found

    def _read_cache(self, key: str) -> list[Page] | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / "archive" / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return [Page(p["module"], p["title"], p["body"], p["revision"]) for p in data]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_cache(self, key: str, pages: list[Page]) -> None:
        if self.cache_dir is None:
            return
        blob = json.dumps([p.__dict__ for p in pages], ensure_ascii=False).encode("utf-8")
        path = self.cache_dir / "archive" / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, blob, durable=False)


def _git_files(root: Path, revision: str, folder: str) -> list[tuple[str, bytes]]:
    """Return (path, bytes) of the regular files under folder at revision."""
    out: list[tuple[str, bytes]] = []
    try:
        for item in tree_files(root, revision, f"{folder}/"):
            data = file_at(root, revision, item.path)
            if data is not None and len(data) <= MAX_FILE_BYTES:
                out.append((item.path, data))
    except GitError:
        return []
    return out


def _write(folder: Path, rel: str, data: bytes) -> None:
    target = safe_output_path(folder, rel, "archive")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _render_page(
    renderer: Renderer, edition_id: str, module: ModuleSource, revision: str | None
) -> Page | None:
    page = module_path(edition_id, module.id)
    try:
        rendered = renderer.render(f"{module.id}.md", page)
    except RenderError:
        return None
    return Page(module.id, module.meta.title, _to_archive_facts(rendered.body), revision)


_DERIVED_PAGE = re.compile(r'(\]\(|=")\.\./\.\./facts/derived/[0-9]+\.md')
_FACTS = re.compile(r'(\]\(|=")\.\./\.\./facts/')


def _to_archive_facts(body: str) -> str:
    """Point a rendered archive page's fact links at the edition's own fact pages.

    The archive lists an edition's derived facts on one page (facts/derived.md).
    """
    return _FACTS.sub(r"\1facts/", _DERIVED_PAGE.sub(r"\1facts/derived.md", body))


# --- the pages ----------------------------------------------------------------------------


def module_path(edition_id: str, module_id: str) -> str:
    """Return the build/docs path of an archived module: editions/2026-06/MODULE.md."""
    return f"{ARCHIVE_DIR}/{edition_id}/{module_id}.md"


def module_markdown(edition: Edition, page: Page, current: bool) -> str:
    """Return an archived module page: the notice, then the body as published."""
    month = month_name(edition.id)
    here = f"../../{page.module}.md"
    lines = [front(f"{page.title} ({month} edition)", indexed=False) + f"# {md_text(page.title)}"]
    lines += ["", f'!!! note "Archived edition: {month}"', ""]
    see = f"see the [current version]({here})" if current else "this module is no longer published"
    lines.append(
        f"    Values as published on {day_name(edition.record.published.isoformat())}; {see}."
    )
    if page.revision is not None:
        lines.append(f"    The text is the module as committed in revision `{page.revision[:12]}`.")
    else:
        lines.append(
            "    The text as it stood then is not available here (no git history of that "
            "revision, or that text no longer renders), so this is today's text with that "
            "edition's values."
        )
    if "data-khub-calculator=" in page.body or "data-khub-chart=" in page.body:
        lines.append("    Calculators and charts are not part of the archive.")
    lines += ["", page.body.strip("\n"), ""]
    return "\n".join(lines)


def fact_pages(
    edition: Edition,
    factset: FactSet,
    settings: HubSettings,
    base_url: str | None,
    accessed: dt.date,
) -> dict[str, str]:
    """Return the archive fact pages of an edition: one per series, one for derived facts."""
    frozen = frozen_factset(factset, edition_snapshot(edition))
    snap = edition_snapshot(edition)
    by_page: dict[str, list[Fact]] = {}
    for fact in frozen.facts.values():
        by_page.setdefault(fact_anchor(fact.id, fact.series)[0], []).append(fact)
    pages: dict[str, str] = {}
    for name, facts in by_page.items():
        title = frozen.series[name].title if name in frozen.series else "Derived facts"
        path = archive_fact_page(edition.id, name)
        month = month_name(edition.id)
        head = front(f"{title} ({month} edition)", indexed=False) + f"# {md_text(title)}"
        notice = (
            f'!!! note "Archived edition: {month}"\n\n'
            f"    Values as published on {day_name(edition.record.published.isoformat())}; "
            f"see the [current fact index](../../../facts/index.md)."
        )
        entries = [
            _fact_entry(f, snap.facts[f.id], path, frozen, settings, edition, base_url, accessed)
            for f in facts
        ]
        pages[path] = "\n\n".join([head, notice, *entries]) + "\n"
    return pages


def _fact_entry(
    fact: Fact,
    state: FrozenFact,
    page: str,
    factset: FactSet,
    settings: HubSettings,
    edition: Edition,
    base_url: str | None,
    accessed: dt.date,
) -> str:
    _, anchor = fact_anchor(fact.id, fact.series)
    value = show_frozen(fact.id, state, factset)
    source = factset.sources.get(fact.source) if fact.source else None
    rows = [
        ("Value", blocks.text(value)),
        ("Fact id", blocks.code(fact.id)),
        ("As of", fact.as_of.isoformat()),
        ("Last verified", fact.verified.isoformat()),
        ("Status", blocks.text(fact.status)),
        ("Source", blocks.text(source.title) if source else (blocks.text(fact.formula or "—"))),
    ]
    cite = fact_citation(fact, factset, state, settings.title, edition.id, base_url, accessed)
    if cite is not None:
        rows.append(("Cite this figure", blocks.text(cite)))
    return f"## {md_text(fact.label)} {{#{anchor}}}\n\n" + blocks.table(("Field", "Value"), rows)


def archive_files(
    archiver: Archiver, editions: list[Edition], base_url: str | None, today: dt.date
) -> dict[str, bytes]:
    """Return every archive page of every edition, by path in build/docs."""
    current = {m.id for m in archiver.modules}
    pages: dict[str, str] = {f"{ARCHIVE_DIR}/index.md": editions_index(editions)}
    for edition in editions:
        archived = archiver.pages(edition)
        for page in archived:
            pages[module_path(edition.id, page.module)] = module_markdown(
                edition, page, page.module in current
            )
        missing = sorted(current - {p.module for p in archived})
        for module_id in missing:  # keeps links between archived modules whole
            pages[module_path(edition.id, module_id)] = _not_archived(edition, module_id)
        pages[f"{ARCHIVE_DIR}/{edition.id}/index.md"] = edition_index(edition, archived)
        pages.update(fact_pages(edition, archiver.factset, archiver.settings, base_url, today))
    return {path: text.encode("utf-8") for path, text in pages.items()}


def _not_archived(edition: Edition, module_id: str) -> str:
    month = month_name(edition.id)
    return (
        front(f"Not in the {month} edition", indexed=False)
        + f"# Not in the {month} edition\n\n"
        + f"This module cannot be shown as it stood in the {month} edition. "
        + f"Read the [current version](../../{module_id}.md).\n"
    )


def editions_index(editions: list[Edition]) -> str:
    """Return the page listing every edition, newest first."""
    lines = [front("Every edition") + "# Every edition", ""]
    lines.append("Each monthly edition of the hub, readable as it was published.")
    lines.append("")
    for edition in reversed(editions):
        published = day_name(edition.record.published.isoformat())
        lines.append(f"- [{month_name(edition.id)}]({edition.id}/index.md), published {published}")
    return "\n".join([*lines, ""])


def edition_index(edition: Edition, pages: list[Page]) -> str:
    """Return the page of one edition: its modules as published."""
    month = month_name(edition.id)
    lines = [front(f"{month} edition", indexed=False) + f"# {month} edition", ""]
    lines.append(f"Published {day_name(edition.record.published.isoformat())}.")
    lines.append("")
    for page in sorted(pages, key=lambda p: p.title):
        lines.append(f"- [{md_text(page.title)}]({page.module}.md)")
    return "\n".join([*lines, ""])


def module_editions(module_id: str, editions: list[Edition]) -> list[tuple[str, str]]:
    """Return (month name, archive path) of every edition that archives a module, newest first."""
    return [(month_name(e.id), module_path(e.id, module_id)) for e in reversed(editions)]

"""Generate build/docs: render every page in memory, then write only the bytes that changed."""

from __future__ import annotations

import datetime as dt
import functools
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from khub.data.load import today_default
from khub.data.model import FactSet
from khub.data.settings import load_settings
from khub.disk.atomic import write_atomic
from khub.disk.cachedir import cache_root
from khub.disk.kept import KeptFiles
from khub.disk.paths import Scan, read_contained, safe_output_path, safe_output_paths, scan
from khub.editions.store import edition_paths, read_editions
from khub.errors import DataError, Problem, UnsafePathError
from khub.render.bounds import Limits
from khub.render.content import CONTENT_DIR, ModuleSource, read_modules
from khub.render.elements import Freshness
from khub.render.escape import md_text
from khub.render.follow import follow_block
from khub.render.freshness import module_lead
from khub.render.history import published_values
from khub.render.intro import after_intro
from khub.render.manifest import (
    ASSETS_DIR,
    Fingerprints,
    Manifest,
    base_key,
    manifest_path,
    page_key,
)
from khub.render.pagecache import (
    FactPrints,
    Fragments,
    PageCache,
    fragments_path,
    pages_dir,
    search_rows_path,
)
from khub.render.pages import ModuleInfo, front, module_order, site_pages
from khub.render.sandbox import TEMPLATES_DIR, Helper, Rendered, Renderer, RenderError
from khub.site import following, parallel
from khub.site.brand import theme_files
from khub.site.search import FACT_ENTRIES, entries_file

BUILD_DOCS = "build/docs"
MAX_ASSET_BYTES = 20 * 1024 * 1024
NO_EDITION = "working draft"

Preamble = Callable[[str, frozenset[str]], str]
ExtraFiles = Callable[[FactSet], dict[str, bytes]]


@dataclass(frozen=True)
class GenerateResult:
    """What a generate run did: files written and deleted, modules rendered and reused."""

    out_dir: Path
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # fact pages rendered (not from cache)


def generate(
    root: Path,
    factset: FactSet,
    *,
    helpers: Mapping[str, Helper] | None = None,
    module_preamble: Preamble | None = None,
    extra_files: Sequence[ExtraFiles] = (),
    today: dt.date | None = None,
    out_dir: Path | None = None,
    cache: bool = True,
    kept: KeptFiles | None = None,
) -> GenerateResult:
    """Render the hub at root into build/docs; raise DataError and write nothing on failure.

    kept is what a long-lived process (`khub serve`) keeps of the cache files between runs
    (khub.disk.kept); it then writes them when it flushes kept.
    """
    root = Path(root)
    settings = load_settings(root)
    freshness = Freshness(today or today_default(), settings.stale_after_days)
    content, templates = scan(root, CONTENT_DIR), scan(root, TEMPLATES_DIR)
    modules, problems = read_modules(root, content)
    if content.problems or templates.problems:  # render nothing from folders holding refused files
        raise DataError([*problems, *templates.problems])
    cache_dir = cache_root(root) if cache else None
    renderer = Renderer(
        root,
        factset,
        freshness,
        helpers=helpers,
        cache_dir=cache_dir / "jinja" if cache_dir else None,
        limits=Limits.from_settings(settings),
    )
    manifest = Manifest.load(manifest_path(cache_dir) if cache_dir else None, kept)
    base = base_key(root, renderer, templates)
    prints = FactPrints(factset, freshness, published_values(read_editions(root)))
    renders, rendered, reused = _render_modules(base, modules, renderer, manifest, problems, prints)
    if problems:
        raise DataError(problems)
    edition = latest_edition(root)
    infos = [_info(m, renders[m.id], edition) for m in modules]
    leads = {
        i.source.id: module_lead(factset, freshness, i.facts, i.edition, f"{i.source.id}.md")
        for i in infos
    }
    files = _module_files(modules, renders, module_preamble, leads, edition_ids(root))
    page_cache = PageCache(pages_dir(cache_dir) if cache_dir else None, kept)
    fragments = Fragments(fragments_path(cache_dir), kept) if cache_dir else None
    files.update(
        site_pages(
            factset,
            infos,
            settings,
            freshness,
            edition,
            page_cache,
            prints,
            fragments,
            parallel.run_all,
        )
    )
    uses = {m.id: frozenset(renders[m.id].usage.facts) for m in modules}
    files.update(
        following.site_files(
            root, factset, settings, modules, uses, templates, cache_dir, freshness.today
        )
    )
    files.update(read_assets(root, templates))
    files.update(theme_files(root, settings, [info.page for info in module_order(infos)]))
    search_rows = Fragments(search_rows_path(cache_dir), kept) if cache_dir else None
    files[FACT_ENTRIES] = entries_file(factset, files, prints, search_rows)
    _add_extra(files, extra_files, factset)
    out = out_dir or safe_output_path(root, BUILD_DOCS, ".")
    written, deleted, unchanged = write_tree(out, files, BUILD_DOCS if out_dir is None else None)
    manifest.save({m.id for m in modules})
    page_cache.prune()
    for pieces in (fragments, search_rows):
        if pieces is not None:
            pieces.save()
    return GenerateResult(out, written, deleted, unchanged, rendered, reused, page_cache.rendered)


def _render_modules(
    base: str,
    modules: list[ModuleSource],
    renderer: Renderer,
    manifest: Manifest,
    problems: list[Problem],
    facts: FactPrints,
) -> tuple[dict[str, Rendered], list[str], list[str]]:
    prints = Fingerprints(renderer.factset, renderer.freshness, facts.element)
    renders: dict[str, Rendered] = {}
    rendered: list[str] = []
    reused: list[str] = []
    todo: list[tuple[ModuleSource, str]] = []
    for module in modules:
        key = page_key(base, module.path, module.text)
        previous = manifest.reuse(module.id, key, prints, renderer)
        if previous is None:
            todo.append((module, key))
        else:
            renders[module.id] = previous
            reused.append(module.id)
    results = parallel.run_all([functools.partial(_render, renderer, m) for m, _ in todo])
    for (module, key), result in zip(todo, results, strict=True):
        if isinstance(result, Problem):
            problems.append(result)
            continue
        renders[module.id] = result
        rendered.append(module.id)
        manifest.record(module.id, key, result, prints)
    return renders, rendered, reused


def _render(renderer: Renderer, module: ModuleSource) -> Rendered | Problem:
    """Render one module's body; its problem when it cannot be (a value: it may be a worker's)."""
    try:
        return renderer.render(f"{module.id}.md", f"{module.id}.md")
    except RenderError as exc:
        return exc.problem


def edition_ids(root: Path) -> list[str]:
    """Return the ids of the editions in data/editions/, oldest first."""
    return [path.stem for path in edition_paths(root)]


def latest_edition(root: Path) -> str:
    """Return the id of the newest published edition in data/editions/, if any."""
    editions = edition_ids(root)
    return editions[-1] if editions else NO_EDITION


def _info(module: ModuleSource, rendered: Rendered, edition: str) -> ModuleInfo:
    usage = rendered.usage
    return ModuleInfo(
        source=module,
        edition=module.meta.edition or edition,
        facts=tuple(usage.facts),
        sources=tuple(usage.sources),
    )


def _module_files(
    modules: list[ModuleSource],
    renders: dict[str, Rendered],
    preamble: Preamble | None,
    leads: Mapping[str, str],
    editions: Sequence[str] = (),
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for module in modules:
        rendered = renders[module.id]
        top = preamble(module.id, frozenset(rendered.usage.facts)) if preamble else ""
        page = module_page(module, rendered.body, top, leads.get(module.id, ""), editions)
        files[f"{module.id}.md"] = page.encode("utf-8")
    return files


def module_page(
    module: ModuleSource,
    body: str,
    preamble: str = "",
    lead: str = "",
    editions: Sequence[str] = (),
) -> str:
    """Return a module page: title, freshness lead, body with what changed, follow block."""
    meta = module.meta
    head = front(meta.title, meta.summary) + f"# {md_text(meta.title)}"
    body_part = after_intro(body, preamble).strip("\n")
    parts = [head, lead.strip("\n"), body_part, follow_block(module.id, editions)]
    return "\n\n".join(p for p in parts if p) + "\n"


def read_assets(root: Path, templates: Scan) -> dict[str, bytes]:
    """Return templates/assets/** (from a scan of templates/) as files under assets/."""
    prefix = f"{ASSETS_DIR}/"
    return {
        "assets/" + rel.removeprefix(prefix): read_contained(root, rel, MAX_ASSET_BYTES)
        for rel in templates.files
        if rel.startswith(prefix)
    }


def _add_extra(files: dict[str, bytes], extra: Sequence[ExtraFiles], factset: FactSet) -> None:
    for make in extra:
        for rel, data in make(factset).items():
            path = PurePosixPath(rel)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise DataError([Problem(rel, 0, "extra file path leaves build/docs", "")])
            if rel in files:
                raise DataError([Problem(rel, 0, "extra file would replace a generated page", "")])
            files[rel] = data


def write_tree(
    out: Path, files: Mapping[str, bytes], label: str | None = None
) -> tuple[list[str], list[str], int]:
    """Write files under out when their bytes differ; delete files no longer generated.

    Every path is checked before the first write: one that would leave out, or pass through
    a symlink, is refused and nothing is written.
    """
    targets = safe_output_paths(out, sorted(files), label)
    written: list[str] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for rel, path in targets.items():
            if not _same_bytes(path, files[rel]):
                write_atomic(path, files[rel], durable=False)
                written.append(rel)
        deleted = _delete_stale(out, files, label)
    except OSError as exc:
        folder = label or out.as_posix()
        message = f"cannot write {exc.filename or 'a file'}: {exc.strerror}"
        hint = f"delete {folder} and run again"
        raise UnsafePathError(Problem(folder, 0, message, hint)) from None
    return written, deleted, len(files) - len(written)


def _same_bytes(path: Path, data: bytes) -> bool:
    """Return True when path is a regular file holding exactly data."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == len(data) and path.read_bytes() == data


def _delete_stale(out: Path, files: Mapping[str, bytes], label: str | None) -> list[str]:
    """Delete what out holds beyond files; symlinks are removed, never followed."""
    deleted: list[str] = []
    for folder, dirs, names in os.walk(out, topdown=False):
        here = Path(folder)
        links = [d for d in dirs if (here / d).is_symlink()]
        for name in sorted([*names, *links]):
            rel = (here / name).relative_to(out).as_posix()
            if rel not in files:
                parent = here.relative_to(out).as_posix()
                if parent != ".":
                    safe_output_path(out, parent, label)
                (here / name).unlink()
                deleted.append(rel)
        if here != out and not any(here.iterdir()):
            here.rmdir()
    return sorted(deleted)

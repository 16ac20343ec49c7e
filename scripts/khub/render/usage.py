"""Which module uses which fact: the renderer's record of each page, never a guess from its text.

`khub generate` records in its manifest (khub.render.manifest) the facts each page used
while it rendered: a fact named in a code block is not used, and a fact id built in Jinja
(`fact("price." ~ name)`) is. module_usage reads that record back for every page whose
entry is still current and renders the others the way generate does. The diff's impact
(khub.editions.pr_report.impact) and the what-changed blocks (khub.render.whatchanged,
fed by generate) both take their module → facts mapping from this one record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from khub.data.load import today_default
from khub.data.model import FactSet
from khub.data.settings import load_settings
from khub.disk.cachedir import cache_root
from khub.disk.paths import scan
from khub.editions.pr_report import FactUsage
from khub.errors import DataError, Problem, UsageError
from khub.render.bounds import Limits
from khub.render.content import CONTENT_DIR, ModuleSource, read_modules
from khub.render.elements import Freshness
from khub.render.manifest import Fingerprints, Manifest, base_key, manifest_path, page_key
from khub.render.sandbox import TEMPLATES_DIR, Helper, Renderer, RenderError, Usage


def module_usage(
    root: Path | str,
    factset: FactSet,
    *,
    helpers: Mapping[str, Helper] | None = None,
    today: dt.date | None = None,
    cache: bool = True,
) -> FactUsage:
    """Return module → the fact ids its page used: from generate's manifest, else by rendering.

    helpers are the extra template functions generate gets (without the same ones, no
    manifest entry that called one is current). A page that no longer renders counts
    with what it used the last time it did; one that never did raises DataError.
    """
    root = Path(root)
    settings = load_settings(root)
    freshness = Freshness(today or today_default(), settings.stale_after_days)
    content, templates = scan(root, CONTENT_DIR), scan(root, TEMPLATES_DIR)
    modules, problems = read_modules(root, content)
    if content.problems or templates.problems or problems:
        raise DataError([*problems, *templates.problems])
    renderer = Renderer(
        root, factset, freshness, helpers=helpers, limits=Limits.from_settings(settings)
    )
    manifest = Manifest.load(manifest_path(cache_root(root)) if cache else None)
    base = base_key(root, renderer, templates)
    prints = Fingerprints(factset, freshness)
    usage: dict[str, frozenset[str]] = {}
    for module in modules:
        key = page_key(base, module.path, module.text)
        used = _page_usage(module, key, manifest, prints, renderer, problems)
        if used is not None:
            usage[module.id] = frozenset(used.facts)
    if problems:
        raise DataError(problems)
    return usage


def _page_usage(
    module: ModuleSource,
    key: str,
    manifest: Manifest,
    prints: Fingerprints,
    renderer: Renderer,
    problems: list[Problem],
) -> Usage | None:
    """Return what one page uses: its current manifest entry, a fresh render, or its last entry."""
    reused = manifest.reuse(module.id, key, prints, renderer)
    if reused is not None:
        return reused.usage
    try:
        return renderer.render(f"{module.id}.md", f"{module.id}.md").usage
    except RenderError as exc:
        entry = manifest.entries.get(module.id)
        if entry is not None:
            return entry.usage()
        problems.append(exc.problem)
        return None


def read_usage(path: Path) -> FactUsage:
    """Read a usage file: generate's manifest, or {module: [fact ids]} made elsewhere."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the usage manifest: {exc}") from exc
    if isinstance(doc, Mapping) and isinstance(doc.get("modules"), Mapping):
        doc = doc["modules"]
    elif isinstance(doc, Mapping) and isinstance(doc.get("entries"), Mapping):
        doc = doc["entries"]  # the manifest generate writes
    if not isinstance(doc, Mapping):
        raise UsageError(f"{path}: expected {{module: [fact ids]}}")
    out: dict[str, frozenset[str]] = {}
    for module, ids in doc.items():
        if isinstance(ids, Mapping):
            ids = ids.get("facts", [])
        if isinstance(ids, Mapping):
            ids = list(ids)  # generate's manifest maps each fact id to its fingerprint
        if not isinstance(ids, list):
            raise UsageError(f"{path}: module '{module}': expected a list of fact ids")
        out[str(module)] = frozenset(str(i) for i in ids)
    return out

"""Everything a reader follows the hub with, made once per generate run.

The per-module feeds (feeds/MODULE.xml), the monthly notes of every edition as site pages
(notes/YYYY-MM.md), the history files of the API (khub.render.history_api) and the archive of
every edition (khub.site.archive). generate calls site_files with the modules it rendered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from khub.data.model import FactSet
from khub.data.settings import HubSettings
from khub.disk.paths import Scan
from khub.editions.store import Edition, read_editions
from khub.render.cite import cite_data
from khub.render.content import ModuleSource
from khub.render.escape import json_bytes
from khub.render.feeds import module_feeds
from khub.render.follow import notes_page
from khub.render.history_api import SCHEMA_VERSION, history_files
from khub.render.notes import as_markdown, newsletter
from khub.render.whatchanged import site_url
from khub.site.archive import Archiver, archive_files, edition_commits


def notes_pages(
    factset: FactSet,
    editions: list[Edition],
    uses: Mapping[str, frozenset[str]],
    titles: Mapping[str, str],
    hub: str,
) -> dict[str, bytes]:
    """Return the monthly notes of every edition as pages of the site."""
    return {
        notes_page(e.id): as_markdown(newsletter(factset, editions, e, uses, titles, hub)).encode()
        for e in editions
    }


def site_files(
    root: Path,
    factset: FactSet,
    settings: HubSettings,
    modules: list[ModuleSource],
    uses: Mapping[str, frozenset[str]],
    templates: Scan,
    cache_dir: Path | None,
    today: dt.date,
) -> dict[str, bytes]:
    """Return the feeds, notes pages, API history and archive, by path in build/docs."""
    editions = read_editions(root)
    base = site_url(root)
    titles = {m.id: m.meta.title for m in modules}
    files = module_feeds(factset, editions, uses, titles, base)
    if not editions:
        return files
    files.update(notes_pages(factset, editions, uses, titles, settings.title))
    files.update(history_files(editions, {sid: s.title for sid, s in factset.series.items()}))
    cite = cite_data(settings.title, editions[-1].id, base)
    files["api/v1/cite.json"] = json_bytes({"schema_version": SCHEMA_VERSION, **cite})
    archiver = Archiver(
        root, factset, settings, modules, templates, cache_dir, edition_commits(root)
    )
    files.update(archive_files(archiver, editions, base, today))
    return files

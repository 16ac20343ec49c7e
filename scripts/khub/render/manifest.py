"""Remember what each module page used, so an unchanged page is not rendered again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from khub.data.model import Fact, FactSet
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.atomic import write_atomic
from khub.disk.cachedir import code_fingerprint
from khub.disk.kept import KeptFiles, read_through, write_through
from khub.disk.paths import Scan, read_contained
from khub.render.elements import Freshness, series_index
from khub.render.sandbox import Rendered, Renderer, Usage, output_digest

MANIFEST_FORMAT = 2
ASSETS_DIR = "templates/assets"


def manifest_path(cache_dir: Path) -> Path:
    """Return where generate keeps its manifest inside the hub's cache folder."""
    return cache_dir / "generate" / "manifest.json"


def digest(*parts: str | bytes) -> str:
    """Return the SHA-256 of parts, each length-prefixed so boundaries count."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big") + data)
    return sha.hexdigest()


def tree_digest(*folders: Path) -> str:
    """Return one hash over every file (path and bytes) under folders."""
    parts: list[str | bytes] = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            parts += [path.as_posix(), path.read_bytes()]
    return digest(*parts)


def base_key(root: Path, renderer: Renderer, templates: Scan) -> str:
    """Return the hash of what every page depends on: code, partials, settings, helpers."""
    partials = [rel for rel in templates.files if not rel.startswith(f"{ASSETS_DIR}/")]
    parts: list[str | bytes] = [code_fingerprint()]
    parts += [item for rel in partials for item in (rel, read_contained(root, rel, MAX_FILE_BYTES))]
    parts += [str(renderer.freshness.stale_after_days), json.dumps(sorted(renderer.extra))]
    parts.append(repr(renderer.limits))  # a lowered limit must re-check every page
    return digest(*parts)


def page_key(base: str, path: str, text: str) -> str:
    """Return the key of one module page: the base key, its path and its text."""
    return digest(base, path, text)


class Fingerprints:
    """Hashes of the inputs a page can use: facts, series, sources; computed on demand.

    A fact's hash is the print of what its element shows (khub.render.pagecache.FactPrints
    element: its record, its entry's place, its marks and popover's inputs); fact_print
    passes the one the fact pages use, so each fact is hashed once per run.
    """

    def __init__(
        self,
        factset: FactSet,
        freshness: Freshness,
        fact_print: Callable[[str], str] | None = None,
    ) -> None:
        if fact_print is None:
            from khub.render.pagecache import FactPrints  # which imports this module

            fact_print = FactPrints(factset, freshness).element
        self.factset = factset
        self.freshness = freshness
        self.fact_print = fact_print
        self._memo: dict[tuple[str, str], str | None] = {}
        self._by_series: dict[str, list[Fact]] | None = None

    def get(self, kind: str, key: str) -> str | None:
        """Return the fingerprint of a fact, series or source; None when it is gone."""
        memo_key = (kind, key)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._compute(kind, key)
        return self._memo[memo_key]

    def _compute(self, kind: str, key: str) -> str | None:
        fs = self.factset
        if kind == "fact":
            found = self.fact_print(key)
            return None if found == "-" else found
        if kind == "series":
            series = fs.series.get(key)
            if series is None:
                return None
            if self._by_series is None:
                self._by_series = series_index(fs)
            return digest(series.title, *(f.id for f in self._by_series[key]))
        source_record = fs.sources.get(key)
        return None if source_record is None else digest(repr(source_record))


@dataclass
class Entry:
    """What one module page used the last time it was rendered."""

    key: str
    facts: dict[str, str]
    series: dict[str, str]
    sources: dict[str, str]
    calls: list[list[str]]
    body: str

    def usage(self) -> Usage:
        """Return the recorded usage in the order it was first used."""
        return Usage(
            facts=dict.fromkeys(self.facts),
            series=dict.fromkeys(self.series),
            sources=list(self.sources),
            calls=[(c[0], c[1], c[2]) for c in self.calls],
        )


@dataclass
class Manifest:
    """Per-module entries, stored as JSON in the hub's cache folder."""

    path: Path | None
    entries: dict[str, Entry] = field(default_factory=dict)
    kept: KeptFiles | None = None  # a long-lived process's (khub.disk.kept)

    @classmethod
    def load(cls, path: Path | None, kept: KeptFiles | None = None) -> Manifest:
        """Return the manifest at path; an empty one when missing, unreadable or outdated.

        With kept, the entries the last run saved stand for the file while it is unchanged,
        and `save` leaves the writing to kept's flush.
        """
        if path is None:
            return cls(path)
        entries = read_through(kept, path, lambda: _read_entries(path))
        return cls(path, dict(entries), kept)  # a copy: a run adds to its own

    def reuse(
        self, module: str, key: str, prints: Fingerprints, renderer: Renderer
    ) -> Rendered | None:
        """Return the stored render of a module when nothing it used has changed."""
        entry = self.entries.get(module)
        if entry is None or entry.key != key:
            return None
        for kind, stored in (("fact", entry.facts), ("series", entry.series)):
            if any(prints.get(kind, k) != v for k, v in stored.items()):
                return None
        if any(prints.get("source", k) != v for k, v in entry.sources.items()):
            return None
        for name, args, output in entry.calls:
            if (
                name not in renderer.extra
                or output_digest(renderer.call_helper(name, args)) != output
            ):
                return None
        return Rendered(entry.body, entry.usage())

    def record(self, module: str, key: str, rendered: Rendered, prints: Fingerprints) -> None:
        """Store what a fresh render of a module used."""
        usage = rendered.usage
        self.entries[module] = Entry(
            key=key,
            facts={k: prints.get("fact", k) or "" for k in usage.facts},
            series={k: prints.get("series", k) or "" for k in usage.series},
            sources={k: prints.get("source", k) or "" for k in usage.sources},
            calls=[list(call) for call in usage.calls],
            body=rendered.body,
        )

    def save(self, modules: set[str]) -> None:
        """Write the manifest atomically, keeping only entries of current modules."""
        if self.path is None:
            return
        path = self.path
        entries = {k: v for k, v in sorted(self.entries.items()) if k in modules}
        write_through(self.kept, path, entries, lambda: _write_entries(path, entries))


def _read_entries(path: Path) -> dict[str, Entry]:
    """Return the entries of the manifest file at path; none when missing, bad or outdated."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") == MANIFEST_FORMAT:
            return {k: Entry(**v) for k, v in data["entries"].items()}
    except (ValueError, TypeError, KeyError, OSError):
        pass
    return {}


def _write_entries(path: Path, entries: dict[str, Entry]) -> None:
    document = json.dumps(
        {"format": MANIFEST_FORMAT, "entries": {k: vars(v) for k, v in entries.items()}}
    )
    write_atomic(path, document.encode("utf-8"), durable=False)

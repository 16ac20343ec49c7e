"""Keep the generated fact pages between runs: a page is rendered only when what it reads changed.

Each series page and each derived page is stored under a key: the digest of everything its
rendering reads (khub's code, the freshness settings and today, the page's path, its series'
record and, for each fact on it, the fact's print below). A fact's *print* covers its own
record, where its entry is, whether it is stale or failing its re-check, the sources it names
(its own, its references', its history's and its published values'), the values the editions
published of it, and the prints of the facts its formula reads (through their inputs too,
whose sources a history chart names).

An entry is a file named by its key holding the sha256 of the page and the page; facts.json
is assembled from one piece per fact kept under the fact's print (Fragments, one file). The
cache lives outside the work tree (khub.disk.cachedir), where no pull request can plant it,
but is not trusted to be whole: an entry that cannot be read, or whose bytes do not match
their sha256 (cut short, edited), is made again, so such an entry never changes the output.
tests/site/test_page_cache.py checks a cached generate against an uncached one, byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from khub.data.model import Fact, FactSet, Series
from khub.disk import cachedir
from khub.disk.cachedir import code_fingerprint, write_entry
from khub.disk.kept import KeptFiles, read_through, write_through
from khub.render.elements import Freshness, fact_target
from khub.render.history import Published
from khub.render.manifest import digest

PAGES_FORMAT = 1
RunAll = Callable[[Sequence[Callable[[], str]]], list[str]]


def serial(renders: Sequence[Callable[[], str]]) -> list[str]:
    """Return every render's page, one after the other (RunAll without other processes)."""
    return [render() for render in renders]


def pages_dir(cache_dir: Path) -> Path:
    """Return where generate keeps its rendered fact pages inside the hub's cache folder."""
    return cache_dir / "generate" / "pages"


def fragments_path(cache_dir: Path) -> Path:
    """Return where generate keeps the facts' entries of api/v1/facts.json."""
    return cache_dir / "generate" / "api-facts"


def search_rows_path(cache_dir: Path) -> Path:
    """Return where generate keeps the facts' search entries (khub.site.search)."""
    return cache_dir / "generate" / "search-facts"


class FactPrints:
    """The print of every fact a generated page shows (see the module's docstring)."""

    def __init__(
        self,
        factset: FactSet,
        freshness: Freshness,
        published: Mapping[str, Sequence[Published]] | None = None,
    ) -> None:
        self.factset = factset
        self.freshness = freshness
        self.published = published or {}
        self._element: dict[str, str] = {}
        self._entry: dict[str, str] = {}
        self._sources: dict[str, str] = {}

    def source(self, sid: str | None) -> str:
        """Return the print of a source as the pages cite it ('' for none, '-' when unknown)."""
        if sid is None:
            return ""
        found = self._sources.get(sid)
        if found is None:
            record = self.factset.sources.get(sid)
            found = self._sources[sid] = "-" if record is None else digest(sid, repr(record))
        return found

    def element(self, fid: str) -> str:
        """Return the print of what a fact's element shows: value, marks, popover, link."""
        found = self._element.get(fid)
        if found is not None:
            return found
        self._element[fid] = ""  # a formula reading itself (refused by load) cannot recurse
        fact = self.factset.facts.get(fid)
        if fact is None:
            found = "-"
        else:
            shown = (
                fact.record_digest,
                fact_target(fact, self.factset),
                self.freshness.is_stale(fact),
                self.factset.failing_since.get(fid),
                self.source(fact.source),
                [self.element(i) for i in _reads(fact, self.factset)],
            )
            found = hashlib.sha256(repr(shown).encode("utf-8")).hexdigest()
        self._element[fid] = found
        return found

    def entry(self, fid: str) -> str:
        """Return the print of a fact's entry on its page: element, history, every source."""
        found = self._entry.get(fid)
        if found is not None:
            return found
        fact = self.factset.facts.get(fid)
        published = tuple(self.published.get(fid, ()))
        sources: set[str] = set()
        if fact is not None:
            sources.update(r.source for r in fact.references)
            sources.update(h.source for h in fact.history if h.source is not None)
        sources.update(p.source for p in published if p.source is not None)
        shown = (self.element(fid), published, [(sid, self.source(sid)) for sid in sorted(sources)])
        found = hashlib.sha256(repr(shown).encode("utf-8")).hexdigest()
        self._entry[fid] = found
        return found


def _reads(fact: Fact, factset: FactSet) -> list[str]:
    """Return the facts a derived fact's element reads: its inputs and its formula's names."""
    if fact.formula is None and not fact.inputs:
        return []
    from khub.formula.language import FormulaError, tokenize

    try:
        tokens = tokenize(fact.formula or "")
    except FormulaError:
        tokens = []
    return list(dict.fromkeys([*fact.inputs, *(t for t in tokens if t in factset.facts)]))


def base_key(freshness: Freshness) -> str:
    """Return what every fact page's key starts from: khub's code and the freshness rules."""
    return digest(
        f"khub-pages {PAGES_FORMAT}",
        code_fingerprint(),
        freshness.today.isoformat(),
        str(freshness.stale_after_days),
    )


def series_key(
    base: str, sid: str, series: Series, facts: Sequence[Fact], prints: FactPrints
) -> str:
    """Return the key of one series page: the series' own fields and its facts' prints.

    The series' fact records are left out: what the page shows of them is in the facts.
    """
    record = {name: value for name, value in series.__dict__.items() if name != "facts"}
    parts = [base, "series", sid, repr(record), prints.source(series.source)]
    return digest(*parts, *(prints.entry(f.id) for f in facts))


def derived_key(
    base: str, path: str, number: int, total: int, facts: Sequence[Fact], prints: FactPrints
) -> str:
    """Return the key of one page of derived facts."""
    parts = [base, "derived", path, str(number), str(total)]
    return digest(*parts, *(prints.entry(f.id) for f in facts))


def read_entry(path: Path) -> bytes | None:
    """Return the data of a cache entry; None when missing, unreadable or damaged."""
    try:
        return cachedir.read_entry(path)
    except cachedir.DamagedEntry:
        return None


class PageCache:
    """Rendered fact pages by key, one file each in the hub's cache folder.

    With kept (a long-lived process's, khub.disk.kept), an entry read or written stands
    for its file while the file is unchanged, and new entries are written at its flush.
    """

    def __init__(self, folder: Path | None, kept: KeptFiles | None = None) -> None:
        self.folder = folder
        self.kept = kept
        self.used: set[str] = set()
        self.rendered: list[str] = []  # pages rendered this run (not taken from the cache)

    def pages(
        self, wanted: Sequence[tuple[str, str, Callable[[], str]]], run_all: RunAll = serial
    ) -> dict[str, bytes]:
        """Return each (path, key, render)'s page: the cached one, else rendered (and kept).

        The misses are rendered by run_all.

        run_all may share the renders among processes (khub.site.parallel.run_all): they
        read the factset only, so the pages are the ones rendered here one by one.
        """
        found: dict[str, bytes] = {}
        misses: list[tuple[str, str, Callable[[], str]]] = []
        for path, key, render in wanted:
            self.used.add(key)
            cached = self._read(key)
            if cached is None:
                misses.append((path, key, render))
            else:
                found[path] = cached
        texts = run_all([render for _, _, render in misses])
        for (path, key, _), text in zip(misses, texts, strict=True):
            found[path] = text.encode("utf-8")
            self.rendered.append(path)
            self._write(key, found[path])
        return {path: found[path] for path, _, _ in wanted}

    def _read(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        path = self.folder / key
        return read_through(self.kept, path, lambda: read_entry(path))

    def _write(self, key: str, data: bytes) -> None:
        if self.folder is None:
            return
        path = self.folder / key
        write_through(self.kept, path, data, lambda: write_entry(path, data))

    def prune(self) -> None:
        """Remove the entries no page used in this run."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()


class Fragments:
    """Pieces of a generated file by name, each under a key, kept in one cache file.

    The file holds its own sha256 like a page entry, then one line per piece: name, key and
    text separated by tabs (names are fact ids, keys hex digests and texts JSON, none of
    which holds a tab or a newline). A file that cannot be read, fails its digest or holds
    a line of another shape is ignored as a whole, and every piece is made again. With
    kept (a long-lived process's, khub.disk.kept), the pieces of the last run stand for
    the file while it is unchanged, and the file is written when kept is flushed.
    """

    def __init__(self, path: Path | None, kept: KeptFiles | None = None) -> None:
        self.path = path
        self.kept = kept
        self._stored: dict[str, tuple[str, str]] = (
            {} if path is None else read_through(kept, path, self._load)
        )
        self._now: dict[str, tuple[str, str]] = {}
        self.made = 0  # pieces made this run (not taken from the cache)

    def _load(self) -> dict[str, tuple[str, str]]:
        data = None if self.path is None else read_entry(self.path)
        if not data:
            return {}
        try:
            lines = data.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            return {}
        found: dict[str, tuple[str, str]] = {}
        for line in lines:
            parts = line.split("\t")
            if len(parts) != 3:
                return {}
            found[parts[0]] = (parts[1], parts[2])
        return found

    def piece(self, name: str, key: str, make: Callable[[], str]) -> str:
        """Return the piece under name when its key is key, else make it (and keep it)."""
        stored = self._stored.get(name)
        if stored is not None and stored[0] == key:
            self._now[name] = stored
            return stored[1]
        text = make()
        self.made += 1
        if "\t" in name + key + text or "\n" in name + key + text:
            return text  # cannot be stored on a line: made again next time
        self._now[name] = (key, text)
        return text

    def save(self) -> None:
        """Keep the pieces of this run (and only those), when any of them changed."""
        if self.path is None or self._now == self._stored:
            return
        path, pieces = self.path, self._now
        write_through(self.kept, path, pieces, lambda: _write_pieces(path, pieces))


def _write_pieces(path: Path, pieces: Mapping[str, tuple[str, str]]) -> None:
    lines = [f"{name}\t{key}\t{text}" for name, (key, text) in sorted(pieces.items())]
    write_entry(path, "\n".join(lines).encode("utf-8"))

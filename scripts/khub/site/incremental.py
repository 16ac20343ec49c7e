"""Page-level incremental builds inside the builder process, equal to a clean build.

ProperDocs (MkDocs 1.x) builds a site in two passes over the pages: `_populate_page`
turns each page's Markdown into HTML (most of the time of a build), and `_build_page`
renders it into the theme (the theme's templates and the search plugin's HTML parser).
This module wraps both, in the builder's own process (khub.site.runner), with a cache of
what they produced for each page:

- *Populate*: a page whose source bytes and build context are those of a cached entry gets
  the entry's HTML, table of contents, front matter, title and anchors instead of being
  converted again. The build context is the configuration, the theme overrides, the
  builder's packages, khub's code, the environment the build reads and the list of every
  file of the site with its URL (links resolve against it): any change there makes every
  key new, which is a full build.
- *Render*: the theme's output of a page also depends on every page's title, URL and
  front matter (the navigation, previous/next links, the sidebar). When that *navigation
  digest* is the one the entry was rendered under too, the page's output is the file the
  entry names by its sha256; it is taken from the previous site/ when the file there still
  has that digest, and the page's search entries come from the entry, in the page's place
  in the index. Otherwise the page is rendered from its restored HTML as usual. The file
  is not read again when it is the very one the builder wrote (the inode, size and
  modification time the entry noted; writing into it changes its time), else it is hashed.
- *Both cores*: the pages the cache cannot give are converted, then rendered, by forked
  workers and the builder together (khub.site.parallel); a worker's results are put in
  place exactly as a cache entry's are.

Everything else (static files, the sitemap, the 404 page, the search index file, the anchor
check over every page) runs as in a clean build, so the result is byte for byte the site a
clean build makes of the same input (tests/site/test_incremental.py builds both).

The cache is khub's own output, kept outside the work tree (khub.disk.cachedir), but it is
not trusted to be whole: every entry carries the sha256 of its payload, and one entry
that cannot be read, does not parse or fails its digest turns the cache off for the whole
build, which is then a clean one. Entries are written only after the build succeeded
(strict mode: no warning), and entries no page used are removed then.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khub.disk.cachedir import DamagedEntry, read_entry, write_entry
from khub.disk.kept import Status, status
from khub.site import parallel, stamp
from khub.site.search import theme_entries

FORMAT = 1
PAGES = "build/pages"
_log = logging.getLogger("properdocs.khub.incremental")


class BadCache(Exception):
    """A cache entry exists but cannot be trusted."""


# What the theme's templates read of the configuration once plugins have set it (the khub
# plugin sets the site name, logo and footer from build/docs/assets/hub/.theme.json).
CONFIG_KEYS = (
    "site_name",
    "site_description",
    "site_author",
    "site_url",
    "copyright",
    "repo_url",
    "repo_name",
    "edit_uri",
    "extra",
    "extra_css",
    "extra_javascript",
)


def context_digest(root: Path, files: Iterable[Any], config: Any = None) -> str:
    """Return the build context: stamp's context, the configuration and every file's URL."""
    digest = hashlib.sha256(f"khub-page-cache {FORMAT}\0".encode())
    digest.update(stamp.context_digest(root).encode() + b"\0")
    if config is not None:
        seen = {key: config.get(key) for key in CONFIG_KEYS}
        seen["theme"] = dict(config.theme)
        digest.update(json.dumps(seen, default=str, sort_keys=True).encode() + b"\0")
    for file in files:
        row = (file.src_uri, file.dest_uri, file.url, str(file.inclusion))
        digest.update(json.dumps(row).encode() + b"\0")
    return digest.hexdigest()


def nav_digest(nav: Any, pages: Iterable[Any]) -> str:
    """Return a digest of what every page's theme output reads of the other pages."""
    digest = hashlib.sha256(b"khub-nav\0")
    _add_nav(digest, nav.items)
    for page in pages:
        row = [
            page.file.src_uri,
            page.url,
            page.title,
            page.meta,
            page.canonical_url,
            page.edit_url,
            page.is_homepage,
            _url(page.previous_page),
            _url(page.next_page),
            [getattr(a, "title", "") for a in page.ancestors],
        ]
        digest.update(json.dumps(row, default=str, sort_keys=True).encode() + b"\0")
    return digest.hexdigest()


def _url(page: Any) -> str | None:
    return None if page is None else str(page.url)


def _add_nav(digest: hashlib._Hash, items: Iterable[Any]) -> None:
    for item in items:
        kind = type(item).__name__
        row = [kind, getattr(item, "title", None), getattr(item, "url", None)]
        digest.update(json.dumps(row, default=str).encode() + b"\0")
        children = getattr(item, "children", None)
        if children:
            digest.update(b"(")
            _add_nav(digest, children)
            digest.update(b")")


def toc_to_json(toc: Iterable[Any]) -> list[Any]:
    """Return a table of contents as plain lists: [title, id, level, children]."""
    return [[a.title, a.id, a.level, toc_to_json(a.children)] for a in toc]


def toc_from_json(rows: list[Any]) -> Any:
    """Rebuild a table of contents from toc_to_json's lists, the first item active."""
    from mkdocs.structure.toc import TableOfContents

    toc = TableOfContents(_links(rows))
    if toc.items:
        toc.items[0].active = True  # type: ignore[attr-defined]  # as get_toc marks it
    return toc


def _links(rows: list[Any]) -> list[Any]:
    from mkdocs.structure.toc import AnchorLink

    links = []
    for title, anchor, level, children in rows:
        link = AnchorLink(str(title), str(anchor), int(level))
        link.children = _links(children)
        links.append(link)
    return links


def _json_safe(value: Any) -> bool:
    """Return True when value survives a JSON round trip unchanged (front matter may not)."""
    try:
        return bool(json.loads(json.dumps(value)) == value)
    except (TypeError, ValueError):
        return False


def _copy(value: Any) -> Any:
    """Return a copy of a JSON value whose lists and mappings are new (its strings shared)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Stats:
    """What the cache did in one build."""

    converted: int = 0
    restored: int = 0
    rendered: int = 0
    copied: int = 0
    shared_converted: int = 0  # of those converted, by forked workers (khub.site.parallel)
    shared_rendered: int = 0  # of those rendered, by forked workers

    def summary(self) -> str:
        """Return the counts in words."""
        text = (
            f"{self.converted} page(s) converted, {self.restored} restored; "
            f"{self.rendered} rendered, {self.copied} copied"
        )
        if self.shared_converted or self.shared_rendered:
            text += (
                f"; other processes converted {self.shared_converted}, "
                f"rendered {self.shared_rendered}"
            )
        return text


@dataclass
class PageCache:
    """The per-page cache of one build: reads entries, restores pages, writes new entries."""

    folder: Path
    previous_site: Path | None
    context: str = ""
    enabled: bool = True
    stats: Stats = field(default_factory=Stats)
    _keys: dict[str, str] = field(default_factory=dict)  # src_uri -> key
    _entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # src_uri -> entry
    _fresh: dict[str, dict[str, Any]] = field(default_factory=dict)  # src_uri -> entry to write
    memory: dict[str, dict[str, Any]] | None = None  # key -> entry, kept by a warm builder
    _nav: str = ""
    _previous: set[str] | None = None  # the previous site's regular files, found on first use
    _folders: set[Path] = field(default_factory=set)  # the output folders made so far
    _foreseen: dict[str, tuple[Status, str]] = field(default_factory=dict)  # src_uri -> key
    _ahead: dict[str, str] = field(default_factory=dict)  # src_uri -> key restored before go

    def entry_path(self, key: str) -> Path:
        """Return the file of the entry with this key."""
        return self.folder / key[:2] / f"{key}.json"

    def key_of(self, src_uri: str, source: bytes) -> str:
        """Return a page's key: its path and bytes under this build's context."""
        head = f"{self.context}\0{src_uri}\0".encode()
        return _sha(head + source)

    def foresee(self, root: Path, files: Any, config: Any) -> None:
        """Key and restore every page as its file is now, before khub's `go` (a serve build).

        While the build waits at its gate, generate is still writing pages, each as a new
        file (khub.site.generate.write_tree). The file's status is taken before it is read,
        so `load` keys again, and `restore` restores again, exactly the pages whose files
        changed meanwhile: a new file never has the status of the one it replaced, which
        the docs folder of the last build still holds.
        """
        self.context = context_digest(root, files, config)
        for file in files.documentation_pages():
            if file.abs_src_path is None or file._content is not None:
                continue
            before = status(file.abs_src_path)
            try:
                key = self.key_of(file.src_uri, file.content_bytes)
            except OSError:
                continue
            self._foreseen[file.src_uri] = (before, key)
            entry = self._read_quietly(key)
            if entry is not None and file.page is not None and self._put(file.page, entry, files):
                self._ahead[file.src_uri] = key

    def _read_quietly(self, key: str) -> dict[str, Any] | None:
        """Return the entry of key; None when there is none or it is bad (`load` says so)."""
        try:
            return self._read(key)
        except BadCache:
            return None

    def load(self, files: Iterable[Any]) -> None:
        """Read the entries of every page; any bad one turns the cache off (a clean build)."""
        for file in files:
            foreseen = self._foreseen.get(file.src_uri)
            if foreseen is not None and foreseen[0] == status(file.abs_src_path):
                self._keys[file.src_uri] = foreseen[1]
            else:
                self._keys[file.src_uri] = self.key_of(file.src_uri, file.content_bytes)
        entries: dict[str, dict[str, Any]] = {}
        for src_uri, key in self._keys.items():
            try:
                entry = self._read(key)
            except BadCache as exc:
                _log.info(f"page cache not used: {exc}; building every page")
                self.enabled = False
                return
            if entry is not None:
                entries[src_uri] = entry
        self._entries = entries

    def prime(self) -> None:
        """Read every sound entry of the cache folder into memory (a warm builder's start)."""
        if self.memory is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*/*.json"):
            with contextlib.suppress(BadCache):
                self._read(path.stem)  # a damaged one is met again when a page needs it

    def _read(self, key: str) -> dict[str, Any] | None:
        if self.memory is not None and key in self.memory:
            return self.memory[key]
        path = self.entry_path(key)
        try:
            payload = read_entry(path)
        except DamagedEntry as exc:
            raise BadCache(f"{path.name} {exc}") from None
        if payload is None:
            return None
        try:
            entry = json.loads(payload)
        except ValueError:
            raise BadCache(f"{path.name} does not parse") from None
        if not isinstance(entry, dict) or entry.get("key") != key:
            raise BadCache(f"{path.name} is not the entry of its key")
        if self.memory is not None:
            self.memory[key] = entry
        return entry

    def restore(self, page: Any, files: Any) -> bool:
        """Give page its cached HTML, contents, front matter and anchors; False on a miss."""
        src = page.file.src_uri
        entry = self._entries.get(src) if self.enabled else None
        if entry is None:
            return False
        if self._ahead.get(src) != entry["key"] and not self._put(page, entry, files):
            return False
        self.stats.restored += 1
        return True

    def has_entry(self, page: Any) -> bool:
        """Return True when the page's conversion can come from the cache."""
        return self.enabled and page.file.src_uri in self._entries

    @staticmethod
    def _put(page: Any, entry: dict[str, Any], files: Any) -> bool:
        links: dict[Any, dict[str, str]] = {}
        by_uri = files.src_uris  # the entry names its targets by their src_uri
        for target, anchors in entry["links"].items():
            to_file = by_uri.get(target)
            if to_file is None:
                return False
            links[to_file] = dict(anchors)
        page.markdown = ""
        page.meta = _copy(entry["meta"])  # the entry may be kept for the next build
        page.content = entry["content"]
        page.toc = toc_from_json(entry["toc"])
        page._title_from_render = entry["title"]
        page.present_anchor_ids = set(entry["anchors"])
        page.links_to_anchors = links
        return True

    def remember(self, page: Any) -> None:
        """Keep a freshly converted page's results, to be written if the build succeeds."""
        self.stats.converted += 1
        entry = self.entry_of(page)
        if entry is not None:
            self._fresh[page.file.src_uri] = entry

    def entry_of(self, page: Any) -> dict[str, Any] | None:
        """Return the cache entry of a freshly converted page (None: it cannot have one)."""
        key = self._keys.get(page.file.src_uri)
        if key is None or not _json_safe(page.meta):
            return None
        links = {
            to_file.src_uri: dict(anchors)
            for to_file, anchors in (getattr(page, "links_to_anchors", None) or {}).items()
        }
        return {
            "key": key,
            "src": page.file.src_uri,
            "meta": page.meta,
            "content": page.content,
            "toc": toc_to_json(page.toc),
            "title": page._title_from_render,
            "anchors": sorted(getattr(page, "present_anchor_ids", None) or ()),
            "links": links,
        }

    def adopt(self, page: Any, entry: dict[str, Any], files: Any) -> bool:
        """Give page the results a worker converted it to (khub.site.parallel); False: redo."""
        if not self._put(page, entry, files):
            return False
        self.stats.converted += 1
        self.stats.shared_converted += 1
        self._fresh[page.file.src_uri] = entry
        return True

    def needs_render(self, page: Any) -> bool:
        """Return True unless the page's entry was rendered under this navigation digest."""
        entry = self._entries.get(page.file.src_uri) if self.enabled else None
        return entry is None or entry.get("nav") != self._nav or self.previous_site is None

    def set_nav(self, nav: Any, doc_files: Iterable[Any]) -> None:
        """Fix this build's navigation digest (once every page has its title and meta)."""
        if not self._nav:
            self._nav = nav_digest(nav, [f.page for f in doc_files if f.page is not None])

    def copy_output(self, page: Any, search: list[dict[str, Any]]) -> bool:
        """Put the page's previous output in place and its search entries; False on a miss."""
        if self.needs_render(page):
            return False
        entry = self._entries[page.file.src_uri]
        old = self._previous_file(page.file.dest_uri)
        if old is None:
            return False
        if not isinstance(entry.get("search"), list) or not _unchanged(old, entry):
            return False
        dest = Path(page.file.abs_dest_path)
        self.make_folder(dest.parent)
        try:
            os.link(old, dest)  # the builder writes its pages as new files, never into one
        except OSError:
            shutil.copyfile(old, dest)
        search.extend(_copy(entry["search"]))
        self.stats.copied += 1
        return True

    def make_folder(self, folder: Path) -> None:
        """Make an output folder (with its parents) unless this build made it already."""
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)

    def _previous_file(self, dest_uri: str) -> Path | None:
        """Return the previous site's regular file at dest_uri, never a path out of it."""
        if self._previous is None:
            self._previous = _regular_files(self.previous_site) if self.previous_site else set()
        if dest_uri not in self._previous or self.previous_site is None:
            return None
        return self.previous_site / dest_uri

    def rendered(self, page: Any, search: list[dict[str, Any]]) -> None:
        """Note the output and search entries of a page the theme just rendered."""
        self.rendered_as(page, search, output_status(Path(page.file.abs_dest_path)))

    def rendered_as(
        self, page: Any, search: list[dict[str, Any]], output: tuple[str, list[int]] | None
    ) -> None:
        """Note a rendered page's search entries and output (its sha256 and file status)."""
        self.stats.rendered += 1
        src = page.file.src_uri
        entry = self._fresh.get(src) or self._entries.get(src)
        if entry is None or output is None:
            return
        sha, status = output
        self._fresh[src] = {**entry, "nav": self._nav, "sha": sha, "stat": status, "search": search}

    def save(self, processes: int = 1) -> None:
        """Write the new entries and remove those no page of this build used (best effort).

        With processes > 1 and many entries (a cold build), forked workers write a share.
        """
        if not self.enabled:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.folder)  # a damaged cache goes; this build's entries stay
        entries = list(self._fresh.values())
        writing: parallel.Pass[dict[str, Any], bool] = parallel.Pass(entries, self._write)
        try:
            writing.start(processes)
            for entry in entries:
                if writing.result(entry) is None:
                    self._write(entry)
        finally:
            writing.close()
        used = set(self._keys.values())
        self._prune(used)
        if self.memory is not None:
            self._remember_all(entries, used)

    def _remember_all(self, entries: list[dict[str, Any]], used: set[str]) -> None:
        """Keep this build's entries in memory as a read of their files would give them."""
        assert self.memory is not None
        if not self.enabled:
            self.memory.clear()
        for key in [k for k in self.memory if k not in used]:
            del self.memory[key]
        for entry in entries:
            self.memory[entry["key"]] = json.loads(json.dumps(entry))

    def _write(self, entry: dict[str, Any]) -> bool:
        payload = json.dumps(entry, separators=(",", ":")).encode()  # keys in order
        write_entry(self.entry_path(entry["key"]), payload)
        return True

    def _prune(self, used: set[str]) -> None:
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*/*.json"):
            if path.stem not in used:
                with contextlib.suppress(OSError):
                    path.unlink()


def output_status(path: Path) -> tuple[str, list[int]] | None:
    """Return a written page's sha256 and status (inode, size, mtime); None if there is none."""
    try:
        with path.open("rb") as handle:
            sha = _sha(handle.read())
            status = os.fstat(handle.fileno())
    except OSError:
        return None
    return sha, [status.st_ino, status.st_size, status.st_mtime_ns]


def _unchanged(path: Path, entry: dict[str, Any]) -> bool:
    """Return True when the previous output at path is the one the entry names.

    The file is the very one the builder wrote (same inode, size and modification time,
    which any write into it changes) or, failing that, has the entry's sha256.
    """
    now = status(path)
    if now is None:
        return False
    if entry.get("stat") == list(now):
        return True
    try:
        return _sha(path.read_bytes()) == entry.get("sha")
    except OSError:
        return False


def _regular_files(folder: Path) -> set[str]:
    """Return the paths (relative, with /) of folder's regular files; symlinks are skipped."""
    found: set[str] = set()
    if folder.is_symlink() or not folder.is_dir():
        return found
    stack = [("", str(folder))]
    while stack:
        prefix, path = stack.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found.add(prefix + entry.name)
    return found


def install(
    cache: PageCache,
    root: Path,
    processes: int = 1,
    gate: Callable[[Callable[[], None]], None] | None = None,
) -> Callable[[], None]:
    """Wrap the builder's page passes with the cache; return the function that undoes it.

    gate, if given, is called before the first page is read (khub.site.runner.Gate), with
    the work that reads no page and may be done while it waits (`_write_ahead`).

    With processes > 1, the pages the cache cannot give are converted, then rendered, by
    that many processes (khub.site.parallel), each page's results put in place as a
    restored page's are, so the site is the one a serial build makes.
    """
    from mkdocs.commands import build as builder
    from mkdocs.structure.files import File

    populate, render = builder._populate_page, builder._build_page
    copy_file = File.copy_file
    state: dict[str, Any] = {}
    passes: list[parallel.Pass[Any, Any]] = []
    ahead: set[str] = set()  # the static files already copied (src_uri)
    plain: dict[Path, bool] = {}  # folders of the docs folder with no symlink on the way

    def populate_page(page: Any, config: Any, files: Any, dirty: bool = False) -> None:
        if "files" not in state:
            state["docs"] = docs = Path(config["docs_dir"]).resolve()
            if gate is not None:

                def meanwhile() -> None:
                    ahead.update(_write_ahead(files, docs, cache))
                    cache.foresee(root, files, config)

                gate(meanwhile)
            state["files"] = files
            cache.context = cache.context or context_digest(root, files, config)
            cache.load(files.documentation_pages())
            todo = [
                f.page
                for f in files.documentation_pages()
                if f.page is not None and not cache.has_entry(f.page)
            ]

            def convert(one: Any) -> dict[str, Any] | None:
                populate(one, config, files, dirty)
                return cache.entry_of(one)

            state["convert"] = _start(passes, todo, convert, processes)
        if cache.restore(page, files):
            return
        done = state["convert"].result(page)
        if done is not None and done.here:
            cache.remember(page)  # converted in place, ahead of its turn
            return
        if done is not None and cache.adopt(page, done.value, files):
            return
        populate(page, config, files, dirty)
        cache.remember(page)

    def build_page(
        page: Any,
        config: Any,
        doc_files: Any,
        nav: Any,
        env: Any,
        dirty: bool = False,
        excluded: bool = False,
    ) -> None:
        cache.set_nav(nav, doc_files)
        entries = _search_entries(config)
        if "render" not in state:
            todo = [
                f.page
                for f in doc_files
                if f.page is not None
                and not f.inclusion.is_excluded()
                and cache.needs_render(f.page)
            ]

            def draw(one: Any) -> tuple[list[Any], tuple[str, list[int]] | None]:
                found = _search_entries(config)
                before = len(found)
                render(one, config, doc_files, nav, env, dirty, False)
                search = found[before:]
                del found[before:]  # put back in the page's turn, the index in page order
                return search, output_status(Path(one.file.abs_dest_path))

            state["render"] = _start(passes, todo, draw, processes)
        if not excluded and cache.copy_output(page, entries):
            return
        done = None if excluded else state["render"].result(page)
        if done is not None and done.value is not None:
            search, output = done.value
            entries.extend(search)
            cache.rendered_as(page, search, output)
            cache.stats.shared_rendered += not done.here
            return
        before = len(entries)
        render(page, config, doc_files, nav, env, dirty, excluded)
        cache.rendered(page, entries[before:] if not excluded else [])

    def copy_unless_done(file: Any, dirty: bool = False) -> None:
        if file.src_uri in ahead:
            return
        if "docs" not in state or not _link_from_docs(file, state["docs"], plain):
            copy_file(file, dirty)

    builder._populate_page, builder._build_page = populate_page, build_page
    File.copy_file = copy_unless_done  # type: ignore[method-assign,assignment]

    def undo() -> None:
        builder._populate_page, builder._build_page = populate, render
        File.copy_file = copy_file  # type: ignore[method-assign]
        for one in passes:
            one.close()

    return undo


def _write_ahead(files: Any, docs: Path, cache: PageCache) -> set[str]:
    """Do the writes that read no page: every page's output folder, the theme's static files.

    Return the src_uri of each static file copied (the builder's own copy then skips it).
    Files under the docs folder are left to the builder: generate may still be writing them.
    """
    for file in files.documentation_pages():
        cache.make_folder(Path(file.abs_dest_path).parent)
    copied: set[str] = set()
    for file in files:
        if file.is_documentation_page() or not file.inclusion.is_included():
            continue
        if file.abs_src_path is None or file._content is not None:
            continue
        if Path(file.abs_src_path).resolve().is_relative_to(docs):
            continue
        file.copy_file(False)
        copied.add(file.src_uri)
    return copied


def _link_from_docs(file: Any, docs: Path, plain: dict[Path, bool]) -> bool:
    """Put a static file of the docs folder into the site as a hard link; False: copy it.

    A link is safe for the reason _copy_files (khub.site.builder) gives: generate replaces
    a docs file by renaming a new one over it, and the builder writes each output as a new
    file of a new site folder, so the bytes a link shares never change. A symlink, a file
    outside the docs folder or one a plugin gave content is left to the builder's copy.
    plain notes, per folder, whether it is the real path of itself (no symlink on the way).
    """
    if file._content is not None or file.abs_src_path is None:
        return False
    source, dest = Path(file.abs_src_path), Path(file.abs_dest_path)
    folder = source.parent
    if folder not in plain:
        plain[folder] = folder.resolve() == folder and folder.is_relative_to(docs)
    if not plain[folder] or source.is_symlink():
        return False  # not a plain file of the docs folder (khub's staging copy has no links)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            dest.unlink()  # a file of lower precedence written before it: replaced
        os.link(source, dest)
    except OSError:
        return False
    return True


def _start(
    passes: list[parallel.Pass[Any, Any]],
    items: list[Any],
    run: Callable[[Any], Any],
    processes: int,
) -> parallel.Pass[Any, Any]:
    """Start a pass shared by processes (a serial one when there are few pages); keep it."""
    shared: parallel.Pass[Any, Any] = parallel.Pass(items, run)
    shared.start(processes)
    passes.append(shared)
    return shared


def _search_entries(config: Any) -> list[dict[str, Any]]:
    """Return the search plugin's list of entries (a throwaway list when there is none)."""
    found = theme_entries(config)
    return found if found is not None else []


def page_cache(
    root: Path, previous_site: Path | None, memory: dict[str, dict[str, Any]] | None = None
) -> PageCache:
    """Return the page cache of the hub at root (in its cache folder).

    With memory (a warm builder's, kept between its builds), entries read or written are
    kept there and not read from their files again.
    """
    from khub.disk.cachedir import cache_root

    return PageCache(cache_root(root) / PAGES, previous_site, memory=memory)

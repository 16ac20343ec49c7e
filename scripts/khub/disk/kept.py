"""Cache files a long-lived process keeps in memory, written once its reader is served.

`khub generate` reads its cache files on every run and writes them again when a piece
changed: the manifest of module renders, the facts' entries of facts.json and of the
search index (22,000 lines each at 1,000 modules) and the 2,008 rendered fact pages,
0.3 s together. `khub serve` generates after every edit, so it keeps what it read or made
of each file (KeptFiles) and hands that to the next run instead of reading the file
again, and it writes the files after the rebuilt site is served (`flush`), not before.

What is kept of a file stands for it only while the file is the one it was read from or
written as (same inode, size and modification time): a file another process wrote or
removed meanwhile is read again. Every write puts a new file in place (khub.disk.atomic),
so a write that stored nothing leaves the old file's status: then, as when a write fails,
what was kept is dropped, and the next run reads whatever the file holds. Nothing here
changes what a run makes, only where its input comes from: the file's content, or the
very value that content was made from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")
Status = tuple[int, int, int] | None  # (inode, size, mtime in ns); None: no file


def status(path: str | Path) -> Status:
    """Return what tells the file at path (not a link's target) from any that replaces it.

    A new file put in a path's place never has the old one's status while the old one
    still exists elsewhere (its inode is taken), and a write into a file changes its
    modification time. None: there is no file.
    """
    try:
        info = Path(path).lstat()
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


@dataclass
class _Kept:
    value: Any
    status: Status
    write: Callable[[], None] | None = None  # the value is newer than the file until run


class KeptFiles:
    """The values of cache files by path, each standing for its file as long as it is the same."""

    def __init__(self) -> None:
        self._kept: dict[Path, _Kept] = {}

    def read(self, path: Path, parse: Callable[[], T]) -> T:
        """Return the value kept for path if it still stands for the file, else parse()'s.

        The value is shared with the caller, who must not change it in place.
        """
        kept = self._kept.get(path)
        if kept is not None and (kept.write is not None or kept.status == status(path)):
            return cast(T, kept.value)
        before = status(path)  # taken first: a file changed while parse reads it is read again
        value = parse()
        self._kept[path] = _Kept(value, before)
        return value

    def write(self, path: Path, value: object, write: Callable[[], None]) -> None:
        """Keep value as path's content from now on; run write (which stores it) at `flush`."""
        self._kept[path] = _Kept(value, None, write)

    def flush(self) -> None:
        """Run the writes waiting; note each file written, or forget it if it was not."""
        for path, kept in list(self._kept.items()):
            if kept.write is None:
                continue
            before = status(path)
            try:
                kept.write()
            except OSError:
                del self._kept[path]
                continue
            kept.write, kept.status = None, status(path)
            if kept.status is None or kept.status == before:
                del self._kept[path]  # a best-effort write that stored nothing new


def read_through(kept: KeptFiles | None, path: Path, parse: Callable[[], T]) -> T:
    """Return parse()'s value, or kept's for path while it stands for the file."""
    return parse() if kept is None else kept.read(path, parse)


def write_through(
    kept: KeptFiles | None, path: Path, value: object, store: Callable[[], None]
) -> None:
    """Store value now with store, or (with kept) keep it and store it at kept's flush."""
    if kept is None:
        store()
    else:
        kept.write(path, value, store)

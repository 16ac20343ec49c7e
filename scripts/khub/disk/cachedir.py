"""Where khub keeps its caches: outside the work tree, one folder per hub.

Caches hold parsed data, compiled templates and rendered pages that khub trusts on the
next run. Inside the work tree a pull request could plant them (a committed
`.khub-cache/` would hide a bad data file or smuggle bytecode into the build), so they
live under `$KHUB_CACHE_DIR` or `$XDG_CACHE_HOME/khub` (default `~/.cache/khub`), in a
subfolder named by the hash of the hub's real path.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from pathlib import Path

from khub.disk.atomic import write_atomic

_SHA_HEX = 64  # an entry starts with its payload's sha256 in hex, then a newline


class DamagedEntry(Exception):
    """A cache entry exists but cannot be read, is cut short or fails its digest."""


def write_entry(path: Path, data: bytes) -> None:
    """Store data as a cache entry: its sha256 in hex, a newline, the data (best effort)."""
    blob = hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        write_atomic(path, blob, durable=False)


def read_entry(path: Path) -> bytes | None:
    """Return the data of the entry write_entry stored at path; None when there is none.

    Raise DamagedEntry when the file exists but cannot be read or its bytes are not the
    ones written (cut short, edited): the caller decides what a damaged cache means.
    """
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedEntry(f"cannot be read ({exc.strerror})") from None
    head, data = blob[:_SHA_HEX], blob[_SHA_HEX + 1 :]
    if blob[_SHA_HEX : _SHA_HEX + 1] != b"\n":
        raise DamagedEntry("is damaged")
    if hashlib.sha256(data).hexdigest() != head.decode("ascii", errors="replace"):
        raise DamagedEntry("is damaged")
    return data


def cache_root(root: Path) -> Path:
    """Return the cache folder of the hub at root (not created here)."""
    base = os.environ.get("KHUB_CACHE_DIR")
    if base is None:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = str(Path(xdg) / "khub")
    tag = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return Path(base) / tag


def code_fingerprint(package: Path | None = None) -> str:
    """Return a hash of every module of the khub package: caches are keyed on all the code."""
    if package is None:
        return _installed_fingerprint()
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _installed_fingerprint() -> str:
    """Return the fingerprint of the package this code runs from, once per process."""
    return code_fingerprint(Path(__file__).resolve().parent.parent)

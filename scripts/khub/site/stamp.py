"""The build stamp: digests of what the last successful `khub build` read, and what it wrote.

`khub build` skips the site builder when the generated tree, mkdocs.yml, the theme
overrides (templates/overrides), the builder's packages, khub's own code (the sanitiser
runs inside the builder) and the environment the build reads are all those of the last
successful build, and site/ is still the tree that build left. The stamp lives in the
hub's cache folder (khub.disk.cachedir) and is written only after a build succeeded; it is
removed before site/ is replaced, so an interrupted swap never leaves a stamp behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from khub.disk.atomic import write_atomic
from khub.disk.cachedir import cache_root, code_fingerprint

STAMP = "build/stamp.json"
OVERRIDES = "templates/overrides"
CONFIG = "mkdocs.yml"
BUILDER_PACKAGES = ("mkdocs", "properdocs", "mkdocs-material", "markdown", "pymdown-extensions")
BUILD_ENV = ("KHUB_SITE_URL", "SOURCE_DATE_EPOCH")
SOURCE_DIRS = ("content", "data", "templates")
VERSION = 2


def input_digest(root: Path, docs: Path) -> str:
    """Return one digest of everything the builder reads for the hub at root."""
    digest = hashlib.sha256(f"khub-build-stamp {VERSION}\0".encode())
    _add_tree(digest, "docs", docs)
    _add_tree(digest, "overrides", root / OVERRIDES)
    _add_context(digest, root)
    return digest.hexdigest()


def context_digest(root: Path) -> str:
    """Return one digest of what every page's build reads besides its own source."""
    digest = hashlib.sha256(f"khub-build-context {VERSION}\0".encode())
    _add_tree(digest, "overrides", root / OVERRIDES)
    _add_context(digest, root)
    return digest.hexdigest()


def source_digest(root: Path, today: str) -> str:
    """Return one digest of everything `khub generate` and the builder read, before generating.

    It covers content/, data/ and templates/ byte for byte, mkdocs.yml, khub's code, the
    builder's packages, the environment the build reads and the day staleness is judged on.
    """
    digest = hashlib.sha256(f"khub-source-stamp {VERSION}\0today={today}\0".encode())
    for name in SOURCE_DIRS:
        _add_tree(digest, name, root / name)
    _add_context(digest, root)
    return digest.hexdigest()


def sources_current(root: Path, sources: str, docs: Path, site: Path) -> bool:
    """Return True when the last build read exactly these sources and left docs and site."""
    data = _read(root)
    return (
        data.get("sources") == sources
        and bool(data.get("site"))
        and data.get("site") == site_digest(site)
        and data.get("docs") == site_digest(docs)
    )


def site_digest(site: Path) -> str:
    """Return a cheap digest of a built tree: every file's path, size and modification time."""
    digest = hashlib.sha256()
    if not site.is_dir() or site.is_symlink():
        return ""
    for folder, dirs, names in os.walk(site):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            info = path.lstat()
            rel = path.relative_to(site).as_posix()
            digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def is_current(root: Path, inputs: str, site: Path) -> bool:
    """Return True when the stamp says site/ was built from exactly these inputs."""
    data = _read(root)
    if data.get("inputs") != inputs:
        return False
    return bool(data.get("site")) and data.get("site") == site_digest(site)


def _read(root: Path) -> dict[str, object]:
    """Return the stamp's fields, {} when there is none or it cannot be read."""
    try:
        data = json.loads((cache_root(root) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(
    root: Path, inputs: str, site: Path, sources: str = "", docs: Path | None = None
) -> None:
    """Write the stamp of a build that succeeded (best effort: a cache may be read-only)."""
    fields = {"inputs": inputs, "site": site_digest(site), "sources": sources}
    fields["docs"] = site_digest(docs) if docs is not None else ""
    text = json.dumps(fields, sort_keys=True)
    with contextlib.suppress(OSError):
        write_atomic(cache_root(root) / STAMP, (text + "\n").encode("utf-8"), durable=False)


def forget(root: Path) -> None:
    """Remove the stamp, so the next build runs the builder."""
    with contextlib.suppress(OSError):
        (cache_root(root) / STAMP).unlink(missing_ok=True)


def _add_context(digest: hashlib._Hash, root: Path) -> None:
    """Add what every build reads besides its pages: config, builder, khub's code, env."""
    config = root / CONFIG
    digest.update(b"config\0" + (config.read_bytes() if config.is_file() else b"") + b"\0")
    for name in BUILDER_PACKAGES:
        digest.update(f"{name}={_version(name)}\0".encode())
    digest.update(f"khub={code_fingerprint()}\0".encode())
    for name in BUILD_ENV:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())


def _add_tree(digest: hashlib._Hash, label: str, folder: Path) -> None:
    if not folder.is_dir():
        digest.update(f"{label}:none\0".encode())
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        digest.update(f"{label}:{rel}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"

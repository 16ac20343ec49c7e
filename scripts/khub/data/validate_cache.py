"""The outcome of validating a hub, remembered by the hash of everything it depends on.

Validation is a pure function of the bytes of the data and module files, the code and
today's date, so a repeated `khub validate` over unchanged files answers from its cache
(see khub.disk.cachedir) without parsing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from khub import __version__
from khub.data.files import data_files
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.atomic import write_atomic
from khub.disk.cachedir import cache_root, code_fingerprint
from khub.disk.paths import read_contained, scan
from khub.errors import DataError, Problem, UnsafePathError
from khub.render.content import CONTENT_DIR, module_files, module_name_problems


@dataclass(frozen=True)
class Summary:
    """What validation found: its problems (errors raise) and what was loaded."""

    problems: list[Problem]
    facts: int
    sources: int
    claims: int


def summarize(root: Path, today: dt.date, cache: bool = True) -> Summary:
    """Validate the hub at root, from the cache when nothing it depends on changed."""
    key = _key(root, today)
    path = cache_root(root) / "validate" / f"{key}.json"
    if cache and path.exists():
        return _restore(path)
    from khub.data.load import load

    names = module_name_problems(root)
    try:
        factset, warnings = load(root, today=today, cache=cache)
    except DataError as exc:
        _fail(path if cache else None, [*exc.problems, *names])
    if names:
        _fail(path if cache else None, [*names, *warnings])
    summary = Summary(warnings, len(factset.facts), len(factset.sources), len(factset.claims))
    if cache:
        _save(path, warnings, summary)
    return summary


CHECK_FILES = ("data/dismissals.yml", "data/check-state.yml")


def _key(root: Path, today: dt.date) -> str:
    digest = hashlib.sha256(f"{__version__}\n{today.isoformat()}\n".encode())
    digest.update(code_fingerprint().encode())  # every module: any of them may change the outcome
    data, content = scan(root, "data"), scan(root, CONTENT_DIR)
    for problem in (*data.problems, *content.problems):
        digest.update(str(problem).encode() + b"\0")
    rels = [rel for _, rel in data_files(root, set(data.files))] + module_files(content)
    rels += [rel for rel in CHECK_FILES if os.path.lexists(root / rel)]  # khub.check's files
    for rel in rels:
        digest.update(rel.encode() + b"\0" + _bytes(root, rel))
    return digest.hexdigest()


def _bytes(root: Path, rel: str) -> bytes:
    """Return a file's bytes, or the reason it cannot be read (the load reports it)."""
    try:
        return read_contained(root, rel, MAX_FILE_BYTES)
    except UnsafePathError as exc:
        return str(exc).encode()


def _fail(path: Path | None, problems: list[Problem]) -> NoReturn:
    """Remember a failed validation (when caching) and raise it."""
    error = DataError(problems)
    if path is not None:
        _save(path, error.problems, None)
    raise error


def _restore(path: Path) -> Summary:
    doc = json.loads(path.read_text(encoding="utf-8"))
    problems = [Problem(**p) for p in doc["problems"]]
    if doc["counts"] is None:
        raise DataError(problems)
    return Summary(problems, **doc["counts"])


def _save(path: Path, problems: list[Problem], summary: Summary | None) -> None:
    counts = (
        None
        if summary is None
        else {"facts": summary.facts, "sources": summary.sources, "claims": summary.claims}
    )
    doc = {"problems": [p.as_dict() for p in problems], "counts": counts}
    try:
        write_atomic(path, json.dumps(doc).encode("utf-8"), durable=False)
    except OSError:
        return

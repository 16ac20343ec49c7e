"""The outcome of validating a hub, remembered by the hash of everything it depends on.

Validation is a pure function of the data files' bytes, the code and today's date, so a
repeated `khub validate` over unchanged files answers from its cache (see khub.cachedir)
without parsing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from khub import __version__
from khub.cachedir import cache_root
from khub.datafiles import discover
from khub.errors import DataError, Problem

_CODE_DIR = Path(__file__).resolve().parent


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
    from khub.load import load

    try:
        factset, warnings = load(root, today=today, cache=cache)
    except DataError as exc:
        if cache:
            _save(path, exc.problems, None)
        raise
    summary = Summary(warnings, len(factset.facts), len(factset.sources), len(factset.claims))
    if cache:
        _save(path, warnings, summary)
    return summary


def _key(root: Path, today: dt.date) -> str:
    digest = hashlib.sha256(f"{__version__}\n{today.isoformat()}\n".encode())
    for code in sorted(_CODE_DIR.rglob("*.py")):  # validation reads khub.check.spec too
        name = code.relative_to(_CODE_DIR).as_posix()
        digest.update(name.encode() + b"\0" + code.read_bytes())
    for _, data in discover(root):
        digest.update(data.relative_to(root).as_posix().encode() + b"\0" + data.read_bytes())
    return digest.hexdigest()


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
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        return

"""Which modules use which facts, read from a manifest or, failing that, from content/*.md."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from khub.data.model import FactSet
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.paths import read_contained, scan
from khub.errors import UsageError
from khub.render.content import CONTENT_DIR, module_files

_TAG = re.compile(r"\{[{%](.*?)[%}]\}", re.S)
_QUOTED = re.compile(r"""["']([a-z0-9][a-z0-9.-]*)["']""")


def usage_from_content(root: Path | str, factset: FactSet) -> dict[str, frozenset[str]]:
    """Return module → fact ids named in its Jinja tags (a series name counts all its facts)."""
    out: dict[str, frozenset[str]] = {}
    root = Path(root)
    for rel in module_files(scan(root, CONTENT_DIR)):
        ids: set[str] = set()
        text = read_contained(root, rel, MAX_FILE_BYTES).decode("utf-8")
        for tag in _TAG.findall(text):
            for name in _QUOTED.findall(tag):
                if name in factset.facts:
                    ids.add(name)
                elif name in factset.series:
                    ids.update(f.id for f in factset.series_facts(name))
        out[PurePosixPath(rel).stem] = frozenset(ids)
    return out


def read_usage(path: Path) -> dict[str, frozenset[str]]:
    """Read a manifest {module: [fact ids]} written by the renderer."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the usage manifest: {exc}") from exc
    if isinstance(doc, Mapping) and isinstance(doc.get("modules"), Mapping):
        doc = doc["modules"]
    if not isinstance(doc, Mapping):
        raise UsageError(f"{path}: expected {{module: [fact ids]}}")
    out: dict[str, frozenset[str]] = {}
    for module, ids in doc.items():
        if isinstance(ids, Mapping):
            ids = ids.get("facts", [])
        if not isinstance(ids, list):
            raise UsageError(f"{path}: module '{module}': expected a list of fact ids")
        out[str(module)] = frozenset(str(i) for i in ids)
    return out

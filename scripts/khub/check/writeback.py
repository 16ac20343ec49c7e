"""Apply accepted re-check results to data/facts/*.yml, keeping comments, order and quotes.

Every file is edited with ruamel.yaml's round-trip mode, checked (the whole hub is loaded
from a scratch copy holding the new texts) before anything is written, then replaced
atomically (`khub.disk.atomic.write_atomic`). A file whose text
would not change is not touched. If the hub does not load after writing, the original
bytes are put back and `WriteError` is raised.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from khub.data.model import Licence, Range
from khub.disk.atomic import write_atomic
from khub.errors import DataError, KhubError

PAUSE_ENV = "KHUB_TEST_PAUSE_AFTER_WRITES"
PAUSE_SECONDS = 60.0

NewValue = float | Range | str
UpdateKind = Literal["changed", "confirmed"]

# (mapping indent, sequence indent, dash offset): the styles a hand-written file may use.
_STYLES: tuple[tuple[int, int, int], ...] = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4))


class WriteError(KhubError):
    """Applying changes to data/ failed; data/ was left (or put back) as it was."""

    exit_code = 3


@dataclass(frozen=True)
class Update:
    """One accepted result: a new value (changed) or only a new `verified` date (confirmed)."""

    fact_id: str
    file: str
    series: str
    subject: str
    kind: UpdateKind
    verified: dt.date
    value: NewValue | None = None
    as_of: dt.date | None = None


@dataclass(frozen=True)
class _Edit:
    """The new text of one file, and its bytes before."""

    path: Path
    old: bytes
    new: bytes


def apply_updates(root: Path | str, updates: Sequence[Update]) -> list[str]:
    """Apply updates to the data files under root; return the files written (relative)."""
    root = Path(root)
    edits = plan_edits(root, updates)
    if not edits:
        return []
    _check_loads(root, edits)
    _write_all(root, edits)
    return [e.path.relative_to(root).as_posix() for e in edits]


def plan_edits(root: Path, updates: Sequence[Update]) -> list[_Edit]:
    """Return the new text of every file the updates change (none for unchanged texts)."""
    by_file: dict[str, list[Update]] = {}
    for update in updates:
        by_file.setdefault(update.file, []).append(update)
    edits = []
    for rel in sorted(by_file):
        path = root / rel
        old = path.read_bytes()
        new = edit_text(old.decode("utf-8"), by_file[rel]).encode("utf-8")
        if new != old:
            edits.append(_Edit(path, old, new))
    return edits


def edit_text(text: str, updates: Iterable[Update]) -> str:
    """Return text with the updates applied, formatted the way text already is."""
    yaml = _yaml_for(text)
    document = yaml.load(text)
    for update in updates:
        _apply(document, update)
    return _dump(yaml, document)


def _yaml_for(text: str) -> YAML:
    """Return a round-trip YAML whose output of text, unedited, is text itself."""
    first: YAML | None = None
    for mapping, sequence, offset in _STYLES:
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        yaml.representer.ignore_aliases = _never_alias
        if _dump(yaml, yaml.load(text)) == text:
            return yaml
        first = first or yaml
    assert first is not None
    return first


def _never_alias(data: object) -> bool:
    """Return True: khub's loader refuses aliases, so a repeated object is written out."""
    return True


def _dump(yaml: YAML, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _apply(document: Any, update: Update) -> None:
    try:
        record = document[update.series]["facts"][update.subject]
    except (KeyError, TypeError):
        raise WriteError(f"{update.file}: fact {update.fact_id} is not in this file") from None
    if not isinstance(record, CommentedMap):
        raise WriteError(f"{update.file}: fact {update.fact_id} is not a mapping")
    if update.kind == "changed":
        _change(record, update)
    record["verified"] = update.verified


def _change(record: CommentedMap, update: Update) -> None:
    if update.value is None or update.as_of is None:
        raise WriteError(f"{update.fact_id}: a change needs a value and an as_of date")
    if record.get("value") is not None:  # a filled fact had no value to keep in history
        entry = CommentedMap()
        entry["value"] = _yaml_value(record.get("value"))
        entry["from"] = record["as_of"]
        entry["to"] = update.as_of
        entry.fa.set_flow_style()
        history = record.get("history")
        if history is None:
            history = CommentedSeq()
            record.insert(_history_position(record), "history", history)
        history.append(entry)
    record["value"] = _yaml_value(update.value)
    record["as_of"] = update.as_of


def _history_position(record: CommentedMap) -> int:
    """Insert history before `check`, so comments trailing the last key stay last."""
    keys = list(record)
    return keys.index("check") if "check" in keys else len(keys)


def _yaml_value(value: object) -> Any:
    if isinstance(value, Range):
        pair = CommentedMap(low=_number(value.low), high=_number(value.high))
        pair.fa.set_flow_style()
        return pair
    if isinstance(value, Licence):
        mapping = CommentedMap(value.model_dump())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, CommentedMap):
        copy = CommentedMap(value.items())
        copy.fa.set_flow_style()
        return copy
    return value


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _check_loads(root: Path, edits: Sequence[_Edit]) -> None:
    """Load the hub from a scratch copy holding the new texts; raise if it fails."""
    from khub.data.load import load

    with tempfile.TemporaryDirectory(prefix="khub-write-") as scratch:
        copy = Path(scratch)
        shutil.copytree(root / "data", copy / "data")
        for edit in edits:
            (copy / edit.path.relative_to(root)).write_bytes(edit.new)
        try:
            load(copy, cache=False)
        except DataError as error:
            detail = "; ".join(str(p) for p in error.problems[:3])
            raise WriteError(f"the changes would not validate, nothing written: {detail}") from None


def _write_all(root: Path, edits: Sequence[_Edit]) -> None:
    from khub.data.load import load

    pause_after = int(os.environ.get(PAUSE_ENV, "0") or 0)
    done: list[_Edit] = []
    try:
        for edit in edits:
            write_atomic(edit.path, edit.new)
            done.append(edit)
            if pause_after and len(done) == pause_after:
                time.sleep(PAUSE_SECONDS)  # test hook: a window in which to kill the process
        load(root, cache=False)
    except (OSError, DataError) as error:
        for edit in done:
            write_atomic(edit.path, edit.old)
        raise WriteError(f"writing data/ failed, originals restored: {error}") from None

"""Bad input gets a clear error and changes nothing: every fixture hub through the CLI.

Each folder in fixtures/ is the _base hub with one defect laid over it, and an expected.txt
holding the exit code and the exact lines `khub validate` prints. Every case runs the CLI
in-process (click's runner: fast, and any exception that escapes the CLI is caught and
fails the test); a subset, and every generated case, runs the real CLI in a subprocess to
prove that no traceback reaches a terminal.
`make goldens` (KHUB_REGENERATE_GOLDENS=1) rewrites expected.txt from the current output;
review the diff like code. A case with xfail.txt shows the output a known loader gap should
give; it fails loudly (strict) once the gap is closed, so that the marker gets removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khub.data.load import load
from khub.errors import DataError
from tests.data.kit import (
    BASE,
    FIXTURES,
    TODAY,
    Expected,
    case_hub,
    case_names,
    read_expected,
    run_in_process,
)
from tests.kit.cli import output_lines, run_khub
from tests.kit.tree import tree_digest

REGENERATE = os.environ.get("KHUB_REGENERATE_GOLDENS") == "1"
BASE_FILES = sorted(p.relative_to(BASE).as_posix() for p in BASE.rglob("*.yml"))
Y = "data/facts/y.yml"


def _params() -> list[object]:
    params: list[object] = []
    for name in case_names():
        xfail = FIXTURES / name / "xfail.txt"
        marks = (
            [pytest.mark.xfail(strict=True, reason=xfail.read_text(encoding="utf-8").strip())]
            if xfail.exists()
            else []
        )
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _assert_clean_run(hub: Path, expected: Expected, *args: str) -> None:
    before = tree_digest(hub)
    proc = run_khub(hub, "validate", *args, today=TODAY)
    text = (proc.stderr or "") + proc.stdout
    assert "Traceback" not in text
    assert (proc.returncode, output_lines(proc)) == (expected.exit, expected.lines)
    assert tree_digest(hub) == before, "validate changed a file of the hub"


@pytest.mark.parametrize("case", _params())
def test_fixture_golden(case: str, tmp_path: Path) -> None:
    """Each one-defect hub gives exactly its expected lines and exit code, and no exception."""
    hub = case_hub(tmp_path / "hub", case)
    golden = FIXTURES / case / "expected.txt"
    before = tree_digest(hub)
    run = run_in_process(hub, "validate")
    if REGENERATE and not (FIXTURES / case / "xfail.txt").exists():
        golden.write_text(Expected(run.exit, run.lines).render(), "utf-8")
    assert run.exception is None
    expected = read_expected(golden)
    assert (run.exit, run.lines) == (expected.exit, expected.lines)
    assert tree_digest(hub) == before, "validate changed a file of the hub"


# The real CLI in a subprocess, for the cases most likely to crash a loader.
SUBPROCESS_CASES = (
    "yaml-bomb",
    "yaml-python-tag",
    "yaml-syntax-error",
    "duplicate-key",
    "empty-file",
    "list-value",
    "formula-cycle",
    "formula-division-by-zero",
    "no-cascade-from-failed-derived",
    "warning-null-value",
)


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_fixture_through_a_subprocess(case: str, tmp_path: Path) -> None:
    """The real `python -m khub validate` prints the same lines, exit code, no traceback."""
    hub = case_hub(tmp_path / "hub", case)
    _assert_clean_run(hub, read_expected(FIXTURES / case / "expected.txt"))


def test_base_hub_is_valid(tmp_path: Path) -> None:
    """The base every case starts from validates cleanly, so each case has one defect only."""
    hub = case_hub(tmp_path / "hub")
    _assert_clean_run(hub, Expected(0, ("stderr: ok: 5 facts, 2 sources, 1 claims, 0 warning(s)",)))


def test_there_are_enough_cases() -> None:
    """The issue asks for at least 30 malformed fixtures."""
    assert len(case_names()) >= 30


# --- cases generated at test time: large, binary or not text ------------------------------


def _huge(path: Path) -> None:
    with path.open("wb") as out:
        out.write(b"# filler line\n" * (50 * 1024 * 1024 // 14))


def _binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")


def _latin1(path: Path) -> None:
    path.write_bytes("rate:\n  title: Caf\u00e9 prices\n".encode("latin-1"))


GENERATED: dict[str, tuple[Callable[[Path], None], str]] = {
    "huge-file-50mb": (
        _huge,
        f"{Y}:1: file is 50.0 MB, over the 5 MB limit for a data file "
        "(split it into several files)",
    ),
    "binary-file": (
        _binary,
        f"{Y}:1: file is binary, not YAML text "
        "(data files are UTF-8 YAML; remove or replace this file)",
    ),
    "not-utf8": (_latin1, f"{Y}:2: file is not valid UTF-8 (save it as UTF-8)"),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_file_is_refused(case: str, tmp_path: Path) -> None:
    """A huge, binary or non-UTF-8 file is refused with one line, before any YAML parsing."""
    hub = case_hub(tmp_path / "hub")
    write, line = GENERATED[case]
    write(hub / Y)
    _assert_clean_run(hub, Expected(1, (f"stderr: {line}",)))


# --- several defects at once, --strict, --json --------------------------------------------

MULTI_FACTS = """\
rate:
  title: A rate
  unit: percent
  source: leaderboard
  facts:
    model-a:
      value: 120
      as_of: 2026-06-30
      verified: 2026-06-30
      status: estimate
    model-b:
      value: null
      as_of: 2026-12-01
      verified: 2026-06-30
      status: estimate
"""

MULTI_SOURCES_TAIL = """\
paper:
  title: A paper
  publisher: Example
  kind: paper
  url: null
"""


def _multi_defect_hub(root: Path) -> Path:
    hub = case_hub(root)
    (hub / Y).write_text(MULTI_FACTS, "utf-8")
    sources = hub / "data/sources.yml"
    sources.write_text(sources.read_text("utf-8") + MULTI_SOURCES_TAIL, "utf-8")
    derived = hub / "data/derived.yml"
    derived.write_text(derived.read_text("utf-8").replace("score.model-b", "score.model-x"))
    return hub


MULTI_LINES = (
    "data/derived.yml:5: lead: unknown fact 'score.model-x' (did you mean 'score.model-b'?)",
    f"{Y}:7: percent cannot exceed 100, got 120 (a share is at most 100%)",
    f"{Y}:13: 'as_of' 2026-12-01 is in the future "
    "(dates record what already happened; today is 2026-11-24)",
    f"{Y}:12: warning: rate.model-b: value is unknown (null) (fill it in when the source gives it)",
    "data/sources.yml:15: warning: source 'paper' has no URL "
    "(fill it from the publication when known; never guess one)",
)


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    """One run lists every error, then every warning, one per line; nothing is written."""
    hub = _multi_defect_hub(tmp_path / "hub")
    before = tree_digest(hub)
    proc = run_khub(hub, "validate", merge=True, today=TODAY)
    assert proc.returncode == 1
    assert tuple(proc.stdout.splitlines()) == MULTI_LINES
    assert tree_digest(hub) == before


def test_json_lists_the_same_problems(tmp_path: Path) -> None:
    """--json prints one document with the same problems, errors first, and exits 1."""
    hub = _multi_defect_hub(tmp_path / "hub")
    proc = run_khub(hub, "validate", "--json", today=TODAY)
    assert proc.returncode == 1
    assert proc.stderr == ""
    doc = json.loads(proc.stdout)
    assert (doc["errors"], doc["warnings"]) == (3, 2)
    shown = []
    for p in doc["problems"]:
        label = "warning: " if p["severity"] == "warning" else ""
        shown.append(f"{p['path']}:{p['line']}: {label}{p['message']} ({p['hint']})")
    assert tuple(shown) == MULTI_LINES


def test_json_on_a_valid_hub_lists_its_warnings(tmp_path: Path) -> None:
    """--json on a hub with only warnings exits 0 and prints them as data."""
    hub = case_hub(tmp_path / "hub", "warning-source-without-url")
    proc = run_khub(hub, "validate", "--json", today=TODAY)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {
        "errors": 0,
        "warnings": 1,
        "problems": [
            {
                "path": "data/sources.yml",
                "line": 15,
                "severity": "warning",
                "message": "source 'paper' has no URL",
                "hint": "fill it from the publication when known; never guess one",
            }
        ],
    }


def test_strict_turns_the_url_warning_into_an_error(tmp_path: Path) -> None:
    """--strict fails the run on a warning, printed as an error line."""
    hub = case_hub(tmp_path / "hub", "warning-source-without-url")
    line = (
        "data/sources.yml:15: source 'paper' has no URL "
        "(fill it from the publication when known; never guess one)"
    )
    _assert_clean_run(hub, Expected(1, (f"stderr: {line}",)), "--strict")


# --- any small edit of a valid hub is a message, never a crash -----------------------------

PIECES = [
    "null", "[]", "{}", "- x", "1", "-1", "1e400", ".nan", ".inf", "yes", "'x'", "''", "~",
    "2026-02-30", "2026-06-30", "2026-06-30T10:00:00", "{low: 1}", "{low: 5, high: 3}",
    "{id: x}", "[1, {a: 2}]", "!!str 3", "0x10", "{a: {b: {c: 1}}}", "a-b", "lead + 1",
    "score.model-a - 1", "x / 0", "5", "lead >= 5 and", "&a 1", "*a", "|", ">", "[",
]  # fmt: skip
EDIT = st.tuples(
    st.floats(0, 1, exclude_max=True),
    st.sampled_from(["value", "key", "drop", "copy", "indent"]),
    st.sampled_from(PIECES),
    st.integers(0, 6),
)


def _edit(lines: list[str], where: float, action: str, piece: str, indent: int) -> None:
    j = int(where * len(lines))
    line = lines[j]
    colon = line.find(":")
    if action == "value" and colon >= 0:
        lines[j] = f"{line[: colon + 1]} {piece}"
    elif action == "key" and colon >= 0:
        lines[j] = f"{line[:colon]}{piece[:1]}{line[colon:]}"
    elif action == "drop" and len(lines) > 1:
        del lines[j]
    elif action == "copy":
        lines.insert(j, lines[int(where * 7919) % len(lines)])
    else:
        lines[j] = " " * indent + line.strip()


@settings(max_examples=150, deadline=None)
@given(rel=st.sampled_from(BASE_FILES), edits=st.lists(EDIT, min_size=1, max_size=3))
def test_no_edit_of_a_valid_hub_crashes_the_loader(
    rel: str, edits: list[tuple[float, str, str, int]]
) -> None:
    """Random small edits of the base hub load, or raise DataError with located problems."""
    with tempfile.TemporaryDirectory() as tmp:
        hub = case_hub(Path(tmp) / "hub")
        lines = (hub / rel).read_text("utf-8").splitlines()
        for edit in edits:
            _edit(lines, *edit)
        (hub / rel).write_text("\n".join(lines) + "\n", "utf-8")
        try:
            load(hub, today=dt.date(2026, 11, 24), cache=False)
        except DataError as exc:
            errors = [p for p in exc.problems if p.severity == "error"]
            assert errors and all(p.path.startswith("data/") and p.message for p in errors)


# --- one broken series hides only itself ----------------------------------------------------

TWO_SERIES = """\
rate:
  title: A rate
  unit: percent
  source: leaderboard
  facts:
    model-a:
      value: 50
      as_of: 2026-06-30
      verified: 2026-06-30
      status: rumour
other:
  title: Another rate
  unit: percent
  source: leaderboard
  facts:
    model-a:
      value: 150
      as_of: 2026-06-30
      verified: 2026-06-30
      status: estimate
"""


def test_a_broken_series_hides_only_itself(tmp_path: Path) -> None:
    """A type error drops its series; the next series is still checked; no cascade follows."""
    hub = case_hub(tmp_path / "hub")
    (hub / Y).write_text(TWO_SERIES, "utf-8")
    derived = hub / "data/derived.yml"
    derived.write_text(derived.read_text("utf-8").replace("score.model-b", "rate.model-a"))
    run = run_in_process(hub, "validate")
    assert run.exception is None
    assert (run.exit, run.lines) == (
        1,
        (
            f"stderr: {Y}:10: 'status': 'rumour' is not one of official, vendor-reported, "
            "independent, estimate (use one of the listed values)",
            f"stderr: {Y}:17: percent cannot exceed 100, got 150 (a share is at most 100%)",
        ),
    )


# --- the parse cache cannot change what validate sees ---------------------------------------


def test_a_planted_cache_entry_cannot_hide_a_bad_file(tmp_path: Path) -> None:
    """A pull request could commit .khub-cache/yaml/<sha256>; validate must still see the file."""
    from khub.data.files import _CACHE_FORMAT
    from khub.data.yamlio import parse

    hub = case_hub(tmp_path / "hub", "percent-above-100")
    raw = (hub / Y).read_bytes()
    fake, _ = parse(Y, raw.decode("utf-8").replace("value: 120", "value: 12"))
    cache = hub / ".khub-cache" / "yaml"
    cache.mkdir(parents=True)
    (cache / hashlib.sha256(raw).hexdigest()).write_bytes(_CACHE_FORMAT + marshal.dumps(fake))
    run = run_in_process(hub, "validate")
    assert (run.exit, run.lines) == (
        1,
        read_expected(FIXTURES / "percent-above-100" / "expected.txt").lines,
    )

"""khub.data.yamlio reads untrusted YAML safely: no objects, aliases, duplicates or giants."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khub.data.yamlio import MAX_FILE_BYTES, locate, parse, read_text
from khub.errors import Problem
from tests.data.kit import TODAY, case_hub
from tests.kit.cli import output_lines, run_khub

PLAIN = "plain YAML only: text, numbers, lists and mappings"


def problem_of(text: str) -> str:
    """Return the one problem parse finds in text, as printed."""
    data, problem = parse("f.yml", text)
    assert data is None and problem is not None
    return str(problem)


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """Return the classic alias bomb: width**levels strings from a few hundred bytes."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"a: &a [{', '.join(['lol'] * width)}]"]
    for prev, name in pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * width)}]")
    return "\n".join(lines) + "\n"


# --- tags that would build Python objects, or anything but plain data ----------------------

TAGS = [
    ("a: !!python/object/apply:os.system ['touch pwned']\n", "!!python/object/apply:os.system"),
    ("a: !!python/object/new:os.system ['touch pwned']\n", "!!python/object/new:os.system"),
    ("a: !!python/name:os.system\n", "!!python/name:os.system"),
    ("a: !!python/module:os\n", "!!python/module:os"),
    ("a: !!python/object:collections.OrderedDict {}\n", "!!python/object:collections.OrderedDict"),
    ("a: !!python/tuple [1, 2]\n", "!!python/tuple"),
    ("a: !!python/bytes AAAA\n", "!!python/bytes"),
    ("a: !!binary AAAA\n", "!!binary"),
    ("a: !!set {x: null}\n", "!!set"),
    ("a: !!omap [{x: 1}]\n", "!!omap"),
    ("a: !!pairs [{x: 1}]\n", "!!pairs"),
    ("a: !secret token\n", "!secret"),
    ("a: !<tag:example.com,2000:x> 1\n", "tag:example.com,2000:x"),
]


@pytest.mark.parametrize(("text", "tag"), TAGS)
def test_tags_beyond_plain_data_are_refused(
    text: str, tag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag is refused by name, on its line, and nothing it names is run."""
    monkeypatch.chdir(tmp_path)
    assert problem_of(text) == f"f.yml:1: tag '{tag}' is not allowed ({PLAIN})"
    assert list(tmp_path.iterdir()) == []


def test_standard_scalar_tags_stay_plain() -> None:
    """!!str and !!int only say how to read a scalar; they are plain data."""
    assert parse("f.yml", "a: !!str 5\nb: !!int '7'\n") == ({"a": "5", "b": 7}, None)


# --- aliases and the billion laughs --------------------------------------------------------


def test_billion_laughs_is_refused_at_its_first_alias() -> None:
    """The bomb is refused before anything multiplies; the line is the first alias."""
    text = billion_laughs()
    assert len(text) < 1000
    assert problem_of(text) == (
        "f.yml:2: aliases (*name) are not allowed (write the value out in full)"
    )


def test_billion_laughs_can_still_be_located_cheaply() -> None:
    """Finding a line composes the YAML without expanding the aliases."""
    assert locate(billion_laughs(levels=12), ("l",)) == 12


ALIASES = [
    ("a: &x 1\nb: *x\n", 2),
    ("a: &x {k: 1}\nb:\n  <<: *x\n  c: 2\n", 3),
    ("list:\n  - &x one\n  - *x\n", 3),
    ("a: *undefined\n", 1),
]


@pytest.mark.parametrize(("text", "line"), ALIASES)
def test_every_alias_is_refused_on_its_line(text: str, line: int) -> None:
    """Aliases, merge keys that use one, and undefined aliases are all one message."""
    assert problem_of(text) == (
        f"f.yml:{line}: aliases (*name) are not allowed (write the value out in full)"
    )


def test_an_anchor_alone_is_harmless() -> None:
    """An anchor that nothing refers to changes nothing."""
    assert parse("f.yml", "a: &x 1\n") == ({"a": 1}, None)


# --- duplicate keys ------------------------------------------------------------------------

DUPLICATES = [
    ("a: 1\na: 2\n", 2, "a", 1),
    ("s:\n  facts:\n    m: 1\n    n: 2\n    m: 3\n", 5, "m", 3),
    ("a: {k: 1, k: 2}\n", 1, "k", 1),
    ("1: one\n'1': also one\n", 2, "1", 1),
    ("list:\n  - {v: 1}\n  - {v: 2, v: 3}\n", 3, "v", 3),
]


@pytest.mark.parametrize(("text", "line", "key", "first"), DUPLICATES)
def test_duplicate_keys_are_refused_with_both_lines(
    text: str, line: int, key: str, first: int
) -> None:
    """A key written twice in one mapping names the repeat and where the first one is."""
    assert problem_of(text) == (
        f"f.yml:{line}: duplicate key '{key}' (first defined on line {first}; keep one)"
    )


def test_same_key_in_different_mappings_is_fine() -> None:
    """Two series may both have a fact called model-a."""
    data, problem = parse("f.yml", "a:\n  m: 1\nb:\n  m: 2\n")
    assert problem is None and data == {"a": {"m": 1}, "b": {"m": 2}}


# --- scalars stay plain --------------------------------------------------------------------


def test_dates_stay_text_for_the_records_to_check() -> None:
    """Dates and timestamps are kept as written, so the record types judge them."""
    data, _ = parse("f.yml", "a: 2026-06-30\nb: 2026-06-30T10:00:00\nc: 2026-13-01\n")
    assert data == {"a": "2026-06-30", "b": "2026-06-30T10:00:00", "c": "2026-13-01"}


# --- files that are not YAML text ----------------------------------------------------------

FILES: list[tuple[bytes, str]] = [
    (b"", "f.yml:1: file is empty (add content or delete the file)"),
    (b"  \n\n\t\n", "f.yml:1: file is empty (add content or delete the file)"),
    (b"# only\n  # comments\n", "f.yml:1: file is empty (add content or delete the file)"),
    (
        b"\x89PNG\r\n\x1a\n\x00\x00",
        "f.yml:1: file is binary, not YAML text "
        "(data files are UTF-8 YAML; remove or replace this file)",
    ),
    (
        "a: 1\n".encode("utf-16"),
        "f.yml:1: file is binary, not YAML text "
        "(data files are UTF-8 YAML; remove or replace this file)",
    ),
    (b"a: 1\nb: caf\xe9\n", "f.yml:2: file is not valid UTF-8 (save it as UTF-8)"),
]


@pytest.mark.parametrize(("data", "line"), FILES)
def test_files_that_are_not_yaml_text(data: bytes, line: str) -> None:
    """Empty, binary and non-UTF-8 files are refused before parsing."""
    text, problem = read_text("f.yml", data)
    assert text is None and str(problem) == line


def test_utf8_byte_order_mark_is_accepted() -> None:
    """A BOM some editors write is not an error."""
    text, problem = read_text("f.yml", b"\xef\xbb\xbfa: 1\n")
    assert problem is None and text is not None
    assert parse("f.yml", text) == ({"a": 1}, None)


def test_size_limit_is_exact() -> None:
    """A file of exactly the limit is read; one byte more is refused, with its size."""
    line = b"a: 1\n" + b"#" * 1023 + b"\n"
    at_limit = line * (MAX_FILE_BYTES // len(line)) + b"#" * (MAX_FILE_BYTES % len(line))
    assert len(at_limit) == MAX_FILE_BYTES
    assert read_text("f.yml", at_limit)[1] is None
    _, problem = read_text("f.yml", at_limit + b"\n")
    assert problem == Problem(
        "f.yml",
        1,
        "file is 5.0 MB, over the 5 MB limit for a data file",
        "split it into several files",
    )


def test_fifty_megabyte_file_is_refused_through_the_cli(tmp_path: Path) -> None:
    """A 50 MB data file, written at test time, is one line from the real CLI, no traceback."""
    hub = case_hub(tmp_path / "hub")
    with (hub / "data/facts/big.yml").open("wb") as out:
        out.write(b"# padding\n" * (5 * 1024 * 1024))
    proc = run_khub(hub, "validate", today=TODAY)
    assert proc.returncode == 1
    assert output_lines(proc) == (
        "stderr: data/facts/big.yml:1: file is 50.0 MB, over the 5 MB limit for a data file "
        "(split it into several files)",
    )


# --- syntax errors -------------------------------------------------------------------------

SYNTAX = [
    (
        "a: b: c\n",
        1,
        "a ':' where no key can start",
        "quote a value that contains ': ', or check the indentation",
    ),
    ("a:\n\tb: 1\n", 2, "a tab in the indentation", "indent with spaces"),
    ("a: 'open\nb: 2\n", 1, "the file ends inside an open quote", "close the quote"),
    ("a: [1, 2\nb: 3\n", 2, "a '[' list is not closed", "close it with ']'"),
    ("a: {b: 1\n", 2, "a '{' mapping is not closed", "close it with '}'"),
    (
        "a: 1\n---\nb: 2\n",
        2,
        "more than one YAML document in the file",
        "remove the '---' line: one document per file",
    ),
    ("? [a]\n: 1\n", 1, "a key must be plain text", "do not use a list or mapping as a key"),
    ("a: @x\n", 1, "'@' cannot start a value", "quote the value"),
    (
        "a: " + "[" * 1100 + "]" * 1100 + "\n",
        1,
        "the data nests more than 1000 levels deep",
        "data files need only a few levels; flatten it",
    ),
    (
        "x: 1\na:\n  b: 1\n   c: 2\n",
        4,
        "a ':' where no key can start",
        "quote a value that contains ': ', or check the indentation",
    ),
    (
        "- a\nb: 1\n",
        2,
        "did not find expected '-' indicator, in the block collection that starts on line 1",
        "check indentation, colons and quotes",
    ),
]


@pytest.mark.parametrize(("text", "line", "message", "hint"), SYNTAX)
def test_syntax_errors_are_located_and_explained(
    text: str, line: int, message: str, hint: str
) -> None:
    """Each syntax error names its line, what is wrong in plain words, and a fix."""
    assert problem_of(text) == f"f.yml:{line}: YAML syntax error: {message} ({hint})"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab:- \n\t[]{},&*!'\"#?|>%@`1.")), max_size=80))
def test_parse_never_raises(text: str) -> None:
    """Any text gives data or one located problem; no exception escapes."""
    data, problem = parse("f.yml", text)
    assert problem is None or (problem.path == "f.yml" and problem.message)
    if problem is not None:
        assert data is None

"""Read YAML data files safely and fast, and find the line of any key path in them."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

from khub.errors import Problem

MAX_FILE_BYTES = 5 * 1024 * 1024

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml is in every wheel we pin
    _BaseLoader = yaml.SafeLoader


class DataLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader: dates stay strings, no aliases, no duplicate keys, no Python tags."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Refuse a node seen before: that is an alias, the way a YAML bomb multiplies."""
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed", node.start_mark
            )
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise DuplicateKeyError(str(key), seen[key], key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


DataLoader.add_constructor("tag:yaml.org,2002:timestamp", DataLoader.construct_yaml_str)


def _refuse_tag(loader: DataLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag '{node.tag}'", node.start_mark
    )


for _name in ("set", "binary", "omap", "pairs"):
    DataLoader.add_constructor(f"tag:yaml.org,2002:{_name}", _refuse_tag)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping key appears twice in one mapping."""

    def __init__(self, key: str, first_line: int, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key '{key}'", mark)
        self.key = key
        self.first_line = first_line


def too_large(path: str, size: int) -> Problem:
    """Return the problem of a data file over the size limit."""
    return Problem(
        path,
        1,
        f"file is {size / 1024 / 1024:.1f} MB, over the 5 MB limit for a data file",
        "split it into several files",
    )


def read_text(path: str, data: bytes) -> tuple[str | None, Problem | None]:
    """Decode a data file's bytes, refusing empty, binary, huge and non-UTF-8 files."""
    if len(data) > MAX_FILE_BYTES:
        return None, too_large(path, len(data))
    if b"\x00" in data:
        return None, Problem(
            path,
            1,
            "file is binary, not YAML text",
            "data files are UTF-8 YAML; remove or replace this file",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(path, line, "file is not valid UTF-8", "save it as UTF-8")
    if not text.strip() or all(_is_comment(ln) for ln in text.splitlines()):
        return None, Problem(path, 1, "file is empty", "add content or delete the file")
    return text, None


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def parse(path: str, text: str) -> tuple[Any, Problem | None]:
    """Parse YAML text; return the data, or a located problem."""
    try:
        return yaml.load(text, Loader=DataLoader), None  # noqa: S506 - DataLoader is safe
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        return None, Problem(
            path,
            line,
            f"duplicate key '{exc.key}'",
            f"first defined on line {exc.first_line}; keep one",
        )
    except yaml.MarkedYAMLError as exc:
        return None, _yaml_problem(path, text, exc)
    except yaml.YAMLError as exc:  # pragma: no cover - every parser error is marked
        return None, Problem(path, 0, f"YAML error: {exc}", "fix the YAML syntax")


_TAG = re.compile(r"could not determine a constructor for the tag '([^']+)'")
_STANDARD_TAG = "tag:yaml.org,2002:"

# libyaml's words for a problem, and what to tell a person instead.
_SYNTAX: tuple[tuple[str, str, str], ...] = (
    (
        "mapping values are not allowed",
        "a ':' where no key can start",
        "quote a value that contains ': ', or check the indentation",
    ),
    ("found unexpected end of stream", "the file ends inside an open quote", "close the quote"),
    ("did not find expected ',' or ']'", "a '[' list is not closed", "close it with ']'"),
    ("did not find expected ',' or '}'", "a '{' mapping is not closed", "close it with '}'"),
    (
        "but found another document",
        "more than one YAML document in the file",
        "remove the '---' line: one document per file",
    ),
    (
        "exceeded maximum nesting depth",
        "the data nests more than 1000 levels deep",
        "data files need only a few levels; flatten it",
    ),
    ("found a tab character", "a tab in the indentation", "indent with spaces"),
    ("found unhashable key", "a key must be plain text", "do not use a list or mapping as a key"),
)


def _yaml_problem(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    problem = exc.problem or "invalid YAML"
    tag = _TAG.search(problem)
    if tag:
        name = tag.group(1).replace(_STANDARD_TAG, "!!")
        return Problem(
            path,
            line,
            f"tag '{name}' is not allowed",
            "plain YAML only: text, numbers, lists and mappings",
        )
    if "alias" in problem:
        return Problem(
            path, _alias_line(text) or line, "aliases (*name) are not allowed", _ALIAS_HINT
        )
    if "cannot start any token" in problem and mark is not None:
        return _bad_character(path, text, mark)
    if "end of stream" in problem and exc.context_mark is not None:
        line = exc.context_mark.line + 1  # where the unclosed quote opens
    for words, message, hint in _SYNTAX:
        if words in problem:
            return Problem(path, line, f"YAML syntax error: {message}", hint)
    context = ""
    if exc.context and exc.context_mark and exc.context.startswith("while parsing a "):
        what = exc.context.removeprefix("while parsing a ")
        context = f", in the {what} that starts on line {exc.context_mark.line + 1}"
    return Problem(
        path,
        line,
        f"YAML syntax error: {problem}{context}",
        "check indentation, colons and quotes",
    )


_ALIAS_HINT = "write the value out in full"


def _alias_line(text: str) -> int:
    """Return the line of the first alias (*name) in text, 0 if none is found."""
    try:
        for event in yaml.parse(text, Loader=DataLoader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                return int(event.start_mark.line) + 1
    except yaml.YAMLError:
        return 0
    return 0


def _bad_character(path: str, text: str, mark: yaml.Mark) -> Problem:
    lines = text.splitlines()
    row = lines[mark.line] if mark.line < len(lines) else ""
    char = row[mark.column] if mark.column < len(row) else ""
    if char == "\t":
        return Problem(
            path, mark.line + 1, "YAML syntax error: a tab in the indentation", "indent with spaces"
        )
    return Problem(
        path,
        mark.line + 1,
        f"YAML syntax error: '{char}' cannot start a value",
        "quote the value",
    )


class Locator:
    """Find lines in one file's text; composes the YAML once, on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: yaml.Node | None = None
        self._composed = False

    def line(self, keypath: tuple[str | int, ...]) -> int:
        """Return the 1-based line of the deepest node reachable along keypath (0 if none)."""
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=DataLoader)
            except yaml.YAMLError:
                self._root = None
        node = self._root
        if node is None:
            return 0
        line = node.start_mark.line + 1
        for key in keypath:
            child, key_line = _child(node, key)
            if child is None:
                break
            node, line = child, key_line
        return line


def locate(text: str, keypath: tuple[str | int, ...]) -> int:
    """Return the 1-based line of the deepest node reachable along keypath (0 if none)."""
    return Locator(text).line(keypath)


def _child(node: yaml.Node, key: str | int) -> tuple[yaml.Node | None, int]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                return value_node, key_node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item = node.value[key]
        return item, item.start_mark.line + 1
    return None, 0

"""Read module sources: content/<module>.md with YAML front matter, checked and located."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from khub.errors import Problem
from khub.yamlio import locate, parse

CONTENT_DIR = "content"
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_DELIMITERS = ("---", "...")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED = frozenset({"index", "sources", "facts", "api", "assets"})


class FrontMatter(BaseModel):
    """The front matter of a module."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    module: str
    summary: str
    order: int | None = None
    edition: str | None = None


@dataclass(frozen=True)
class ModuleSource:
    """One module source file, its front matter and where it lives."""

    id: str
    path: str
    meta: FrontMatter
    text: str


def front_matter_end(lines: list[str]) -> int:
    """Return the index of the line closing the front matter, or -1 when there is none."""
    if not lines or lines[0].strip() != "---":
        return -1
    for index in range(1, len(lines)):
        if lines[index].strip() in _DELIMITERS:
            return index
    return -1


def read_module(root: Path, path: Path) -> tuple[ModuleSource | None, list[Problem]]:
    """Read one module source; return it, or the problems that stop it."""
    rel = path.relative_to(root).as_posix()
    if not _SLUG.fullmatch(path.stem) or path.stem in RESERVED:
        hint = "use lower-case letters, digits and dashes; not index, sources, facts, api, assets"
        return None, [Problem(rel, 0, f"{path.stem!r} cannot name a module", hint)]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(rel, 0, "file is not valid UTF-8", "save it as UTF-8")]
    lines = text.split("\n")
    end = front_matter_end(lines)
    if end < 0:
        hint = "start the file with ---, title:, module:, summary:, then ---"
        return None, [Problem(rel, 1, "no front matter", hint)]
    yaml_text = "\n".join(lines[1:end])
    data, problem = parse(rel, yaml_text)
    if problem is not None:
        return None, [Problem(rel, problem.line + 1, problem.message, problem.hint)]
    try:
        meta = FrontMatter.model_validate(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        return None, [_meta_problem(rel, yaml_text, err) for err in exc.errors()]
    if meta.module != path.stem:
        line = locate(yaml_text, ("module",)) + 1
        hint = f"write module: {path.stem}, or rename the file"
        return None, [
            Problem(rel, line, f"module '{meta.module}' differs from the file name", hint)
        ]
    return ModuleSource(path.stem, rel, meta, text), []


def _meta_problem(rel: str, yaml_text: str, err: object) -> Problem:
    detail = dict(err)  # type: ignore[call-overload]
    loc = tuple(str(k) for k in detail["loc"])
    line = (locate(yaml_text, loc) if loc else 0) + 1
    hint = "front matter keys: title, module, summary, order, edition"
    return Problem(rel, line, f"front matter '{'.'.join(loc)}': {detail['msg']}", hint)


def read_modules(root: Path) -> tuple[list[ModuleSource], list[Problem]]:
    """Read every content/*.md in name order; return the modules and all problems."""
    modules: list[ModuleSource] = []
    problems: list[Problem] = []
    for path in sorted((root / CONTENT_DIR).glob("*.md")):
        module, found = read_module(root, path)
        problems.extend(found)
        if module is not None:
            modules.append(module)
    return modules, problems


def prepare_template(source: str) -> str:
    """Blank the front matter (keeping line numbers) and make fenced code blocks literal."""
    lines = source.split("\n")
    end = front_matter_end(lines)
    for index in range(end + 1):
        lines[index] = ""
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            lines[index] = "{% raw %}" + line
        elif fence is not None and match and _closes(line, fence):
            lines[index] = line + "{% endraw %}"
            fence = None
    if fence is not None:
        lines[-1] += "{% endraw %}"
    return "\n".join(lines)


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}

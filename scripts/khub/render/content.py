"""Read module sources: content/<module>.md with YAML front matter, checked and located."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError

from khub.data.ids import module_problem
from khub.data.yamlio import MAX_FILE_BYTES, locate, parse
from khub.disk.paths import Scan, read_contained, scan
from khub.errors import Problem, UnsafePathError

CONTENT_DIR = "content"
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_DELIMITERS = ("---", "...")
_MODULE_FILE = re.compile(rf"^{CONTENT_DIR}/[^/]+\.md$")
_MODULE_KEY = re.compile(r"^module\s*:")


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


def read_module(root: Path, rel: str) -> tuple[ModuleSource | None, list[Problem]]:
    """Read one module source found by the scan of content/; return it, or its problems."""
    stem = PurePosixPath(rel).stem
    try:
        raw = read_contained(root, rel, MAX_FILE_BYTES)
        text = raw.decode("utf-8")
    except UnsafePathError as exc:
        return None, [exc.problem]
    except UnicodeDecodeError:
        return None, [Problem(rel, 0, "file is not valid UTF-8", "save it as UTF-8")]
    lines = text.split("\n")
    end = front_matter_end(lines)
    name = _name_problem(rel, stem, lines, end)
    if name is not None:
        return None, [name]
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
    if meta.module != stem:
        line = locate(yaml_text, ("module",)) + 1
        hint = f"write module: {stem}, or rename the file"
        return None, [
            Problem(rel, line, f"module '{meta.module}' differs from the file name", hint)
        ]
    return ModuleSource(stem, rel, meta, text), []


def _name_problem(rel: str, stem: str, lines: list[str], end: int) -> Problem | None:
    """Return the problem of a file name that cannot name a module, on its 'module:' line."""
    found = module_problem(stem)
    if found is None:
        return None
    line = next((i + 1 for i in range(1, max(end, 1)) if _MODULE_KEY.match(lines[i])), 1)
    return Problem(rel, line, *found)


def module_files(tree: Scan) -> list[str]:
    """Return the module sources among a scan of content/: content/*.md, in name order."""
    return [rel for rel in tree.files if _MODULE_FILE.match(rel)]


def module_name_problems(root: Path) -> list[Problem]:
    """Return every refused entry of content/ and every file name that cannot name a module."""
    tree = scan(root, CONTENT_DIR)
    problems = list(tree.problems)
    for rel in module_files(tree):
        try:
            lines = read_contained(root, rel, MAX_FILE_BYTES).decode("utf-8", "replace").split("\n")
        except UnsafePathError as exc:
            problems.append(exc.problem)
            continue
        found = _name_problem(rel, PurePosixPath(rel).stem, lines, front_matter_end(lines))
        if found is not None:
            problems.append(found)
    return problems


def _meta_problem(rel: str, yaml_text: str, err: object) -> Problem:
    detail = dict(err)  # type: ignore[call-overload]
    loc = tuple(str(k) for k in detail["loc"])
    line = (locate(yaml_text, loc) if loc else 0) + 1
    hint = "front matter keys: title, module, summary, order, edition"
    return Problem(rel, line, f"front matter '{'.'.join(loc)}': {detail['msg']}", hint)


def read_modules(root: Path, tree: Scan | None = None) -> tuple[list[ModuleSource], list[Problem]]:
    """Read every content/*.md in name order; return the modules and all problems.

    Every entry of content/ is checked (tree is that scan, made here when not given), not
    only the modules: a template may include any of them.
    """
    tree = scan(root, CONTENT_DIR) if tree is None else tree
    modules: list[ModuleSource] = []
    problems: list[Problem] = list(tree.problems)
    for rel in module_files(tree):
        module, found = read_module(root, rel)
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

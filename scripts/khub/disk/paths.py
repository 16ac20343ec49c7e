"""Keep khub's reads inside the hub's source folders and its writes inside its output folders.

Everything under content/, templates/ and data/ comes from a pull request, so a file there
is read only when it is, after resolving symlinks, a regular file with a single name that
lies in one of those three folders. A symlink that stays inside them is followed; one that
leaves (to /proc/self/environ, /etc, a file beside the repository, `.git/` or `build/`), a
device, a pipe, a socket and a hard link (git never makes one, so a second name can only be
a link to a file elsewhere) are refused with a located problem naming the path.

A write into build/docs, site/ or data/ goes only to a path that passes through no symlink
and stays inside the folder it is written under: a relative path with '..', an absolute
path or a backslash is refused before anything is written.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from khub.errors import Problem, UnsafePathError, shown

SOURCE_DIRS = ("content", "templates", "data")
NAME_MAX = 255
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_KINDS = {
    ".yml": "a YAML file",
    ".yaml": "a YAML file",
    ".md": "a Markdown file",
    ".html": "an HTML template",
}

TooLarge = Callable[[str, int], Problem]


@dataclass(frozen=True)
class Scan:
    """What one source folder holds: its readable files and the entries that are refused."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]


def path_fault(rel: str) -> str | None:
    """Return what makes rel something other than a plain relative path, None if nothing."""
    if not rel:
        return "is empty"
    if rel.startswith("/"):
        return "is absolute"
    if "\\" in rel or "\0" in rel:
        return "holds a backslash or a NUL"
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "holds '..', '.' or an empty name"
    if any(len(part.encode()) > NAME_MAX for part in parts):
        return f"holds a name longer than {NAME_MAX} bytes"
    return None


def contained_file(root: Path, rel: str) -> Path:
    """Return the real path of root/rel if it is a readable source file; raise UnsafePathError."""
    fault = path_fault(rel)
    if fault is not None:
        message = f"not a plain relative path: it {fault}"
        raise UnsafePathError(Problem(rel, 0, message, "rename it"))
    parts = tuple(rel.split("/"))
    path = root.joinpath(*parts)
    if not os.path.lexists(path):
        raise UnsafePathError(Problem(rel, 0, "file is missing", "add it or remove its name"))
    real = Path(os.path.realpath(path))
    try:
        info = real.stat()
    except OSError as exc:
        raise UnsafePathError(_broken_link(rel, exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(_folder(root, rel, parts, real))
    if not stat.S_ISREG(info.st_mode):
        hint = f"a device or pipe; commit {_KINDS.get(PurePosixPath(rel).suffix, 'a file')}"
        raise UnsafePathError(Problem(rel, 0, "not a regular file", hint))
    if not _allowed(root, real, rel):
        raise UnsafePathError(_outside(root, rel, parts, real))
    if info.st_nlink > 1:
        raise UnsafePathError(
            Problem(
                rel,
                0,
                f"a hard link: the file has {info.st_nlink} names",
                "git never makes hard links; commit a copy of the file",
            )
        )
    return real


def read_contained(root: Path, rel: str, limit: int, too_large: TooLarge | None = None) -> bytes:
    """Return the bytes of a contained source file of at most limit bytes; raise UnsafePathError."""
    real = contained_file(root, rel)
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise UnsafePathError(_broken_link(rel, exc)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # swapped after the check: refuse it all the same
            raise UnsafePathError(Problem(rel, 0, "not a regular file", "commit a plain file"))
        data = handle.read(limit + 1) if info.st_size <= limit else b""
    if info.st_size > limit or len(data) > limit:
        size = max(info.st_size, len(data))
        raise UnsafePathError((too_large or _too_large(limit))(rel, size))
    return data


def scan(root: Path, folder: str) -> Scan:
    """Return every readable file under root/folder, and a problem for every refused entry."""
    files: list[str] = []
    problems: list[Problem] = []
    if os.path.lexists(root / folder):
        _visit(root, folder, set(), files, problems)
    return Scan(tuple(sorted(files)), tuple(sorted(problems)))


def _visit(
    root: Path, rel: str, seen: set[Path], files: list[str], problems: list[Problem]
) -> None:
    path = root / rel
    if not path.is_dir():
        try:
            contained_file(root, rel)
        except UnsafePathError as exc:
            problems.append(exc.problem)
        else:
            files.append(rel)
        return
    real = Path(os.path.realpath(path))
    if not _allowed(root, real, rel):
        parts = tuple(rel.split("/"))
        problems.append(_folder(root, rel, parts, real))
        return
    if real in seen:
        return  # a symlink back to a folder already read
    seen.add(real)
    try:
        names = sorted(entry.name for entry in path.iterdir())
    except OSError as exc:
        problems.append(
            Problem(rel, 0, f"cannot be read: {exc.strerror}", "commit a readable folder")
        )
        return
    for name in names:
        _visit(root, f"{rel}/{name}", seen, files, problems)


def safe_output_path(base: Path, rel: str, label: str | None = None) -> Path:
    """Return base/rel after checking it stays inside base and passes through no symlink.

    label names base in messages ("build/docs"; "." for the hub's top folder).
    """
    folder = label or base.as_posix()
    fault = path_fault(rel)
    if fault is not None:
        raise UnsafePathError(
            Problem(
                folder,
                0,
                f"khub would write {shown(rel)}, a path that {fault}",
                f"it must stay inside {folder}; an id or name in the input leaves it",
            )
        )
    parts = tuple(rel.split("/"))
    path = base.joinpath(*parts)
    if Path(os.path.realpath(path)) != Path(os.path.realpath(base)).joinpath(*parts):
        link = _first_link(base, parts)
        where = _join(folder, "/".join(parts[: (link or 0) + 1]))
        raise UnsafePathError(
            Problem(
                where,
                0,
                "a symlink where khub writes its output",
                "remove it; khub writes only into folders it makes itself",
            )
        )
    return path


def safe_output_paths(base: Path, rels: Iterable[str], label: str | None = None) -> dict[str, Path]:
    """Return base/rel for every rel, each checked as safe_output_path checks it.

    For thousands of files in a few folders: each folder is resolved once, not once per
    file. A path is safe when it is plain, its folder passes through no symlink and it is
    not a symlink itself; whatever fails is refused by safe_output_path, in its words.
    """
    folders: set[str] = set()
    paths: dict[str, Path] = {}
    for rel in rels:
        if path_fault(rel) is not None:
            safe_output_path(base, rel, label)  # raises: not a plain relative path
        folder = rel.rpartition("/")[0]
        if folder and folder not in folders:
            safe_output_path(base, folder, label)  # raises at a symlink on the way
            folders.add(folder)
        path = base.joinpath(*rel.split("/"))
        paths[rel] = safe_output_path(base, rel, label) if path.is_symlink() else path
    return paths


def _join(folder: str, rel: str) -> str:
    return rel if folder == "." else f"{folder}/{rel}"


def _allowed(root: Path, real: Path, rel: str) -> bool:
    """Return True when real is root/rel itself, or inside content/, templates/ or data/."""
    real_root = Path(os.path.realpath(root))
    if real == real_root.joinpath(*rel.split("/")):
        return True
    return any(real.is_relative_to(real_root / name) for name in SOURCE_DIRS)


def _outside(root: Path, rel: str, parts: tuple[str, ...], real: Path) -> Problem:
    """Return the problem of a file that resolves outside the source folders."""
    link = _first_link(root, parts)
    if link is not None and link < len(parts) - 1:
        return _escaped(root, rel, "/".join(parts[: link + 1]), real, "folder")
    return _escaped(root, rel, rel, real, "file")


def _folder(root: Path, rel: str, parts: tuple[str, ...], real: Path) -> Problem:
    """Return the problem of a folder where a file is read, or of a folder leaving them."""
    if _allowed(root, real, rel):
        return Problem(rel, 0, "a folder, not a file", "name a file")
    link = _first_link(root, parts)
    end = len(parts) if link is None else link + 1
    return _escaped(root, rel, "/".join(parts[:end]), real, "folder")


def _escaped(root: Path, rel: str, link: str, real: Path, kind: str) -> Problem:
    """Return 'REL: [LINK is] a symlink to a KIND outside WHERE (commit ...)'."""
    inside = real.is_relative_to(Path(os.path.realpath(root)))
    where = "content/, templates/ and data/" if inside else "the repository"
    message = f"a symlink to a {kind} outside {where}"
    if link != rel:
        message = f"{link} is {message}"
    hint = "commit the file itself" if kind == "file" else "commit the files themselves"
    return Problem(rel, 0, message, hint)


def _first_link(root: Path, parts: tuple[str, ...]) -> int | None:
    for index in range(len(parts)):
        if root.joinpath(*parts[: index + 1]).is_symlink():
            return index
    return None


def _broken_link(rel: str, exc: OSError) -> Problem:
    if exc.errno == errno.ELOOP:
        return Problem(rel, 0, "a symlink loop", "commit the file itself")
    if exc.errno == errno.ENOENT:
        return Problem(rel, 0, "a symlink to a missing file", "commit the file itself")
    return Problem(rel, 0, f"cannot be read: {exc.strerror}", "commit a readable file")


def _too_large(limit: int) -> TooLarge:
    def problem(rel: str, size: int) -> Problem:
        return Problem(
            rel,
            1,
            f"file is {size / 1024 / 1024:.1f} MB, over the {limit // 1024 // 1024} MB limit",
            "split it into several files",
        )

    return problem
